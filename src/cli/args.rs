//! The one rule of the command line that clap does not express: a search query may begin with `-`
//! (`newsidx search -syria`, `newsidx search "-syria putin"`). Flags stay flags (`search -v opec`
//! is verbose); a word that begins with a single `-`, names no flag of `search`, and is the only
//! word that can be the query is read as the query, by moving it behind a `--` for clap.
//! `newsidx search -- -syria` always works, and is the way for a query that starts with a flag's
//! letter (`-n`, `-e`, `-i`, `-q`, `-v`, `-h`).

use std::ffi::OsString;

/// What one command-line word is to a command.
#[derive(Debug, PartialEq, Eq)]
enum Word {
    /// A value, not a flag.
    Positional,
    /// A flag of the command; `value_next` when the word after it is its value.
    Flag { value_next: bool },
    /// A single-dash word that names no flag of the command.
    UnknownShort,
    /// `--`: every word after it is a value.
    Dashes,
}

/// `argv` with a search query that begins with `-` moved behind `--`; anything else unchanged.
pub fn query_after_dashes(mut argv: Vec<OsString>, cli: &clap::Command) -> Vec<OsString> {
    let mut cli = cli.clone();
    cli.build();
    let Some((at, sub)) = subcommand(&argv, &cli) else {
        return argv;
    };
    if sub.get_name() != "search" {
        return argv;
    }
    let mut unknown = Vec::new();
    let mut positional = 0;
    let mut i = at + 1;
    while i < argv.len() {
        match classify(&argv[i], sub) {
            Word::Dashes => return argv,
            Word::Positional => positional += 1,
            Word::Flag { value_next } => i += usize::from(value_next),
            Word::UnknownShort => unknown.push(i),
        }
        i += 1;
    }
    if let ([only], 0) = (unknown.as_slice(), positional) {
        let query = argv.remove(*only);
        argv.push("--".into());
        argv.push(query);
    }
    argv
}

/// Where the subcommand's name is in `argv`, and the subcommand.
fn subcommand<'c>(argv: &[OsString], cli: &'c clap::Command) -> Option<(usize, &'c clap::Command)> {
    let mut i = 1;
    while i < argv.len() {
        match classify(&argv[i], cli) {
            Word::Positional => {
                let name = argv[i].to_str()?;
                return cli.find_subcommand(name).map(|sub| (i, sub));
            }
            Word::Flag { value_next } => i += usize::from(value_next),
            Word::UnknownShort | Word::Dashes => return None,
        }
        i += 1;
    }
    None
}

fn classify(word: &std::ffi::OsStr, cmd: &clap::Command) -> Word {
    let Some(word) = word.to_str() else {
        return Word::Positional;
    };
    if word == "--" {
        return Word::Dashes;
    }
    if let Some(long) = word.strip_prefix("--") {
        let (name, value) = match long.split_once('=') {
            Some((name, _)) => (name, true),
            None => (long, false),
        };
        let arg = cmd.get_arguments().find(|a| {
            a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|all| all.contains(&name))
        });
        // An unknown long flag is left to clap, which says so (a mistyped `--limt` is no query).
        let value_next = arg.is_some_and(|a| takes_value(a) && !value);
        return Word::Flag { value_next };
    }
    let Some(short) = word.strip_prefix('-').and_then(|s| s.chars().next()) else {
        return Word::Positional;
    };
    let arg = cmd.get_arguments().find(|a| {
        a.get_short() == Some(short)
            || a.get_all_short_aliases()
                .is_some_and(|all| all.contains(&short))
    });
    match arg {
        // `-n 5` takes the next word; `-n5` and `-qv` do not.
        Some(arg) => Word::Flag {
            value_next: takes_value(arg) && word.chars().count() == 2,
        },
        None => Word::UnknownShort,
    }
}

fn takes_value(arg: &clap::Arg) -> bool {
    arg.get_action().takes_values()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn rewritten(words: &[&str]) -> Vec<String> {
        let argv = std::iter::once("newsidx")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect();
        query_after_dashes(argv, &crate::cli::Cli::command())
            .into_iter()
            .skip(1)
            .map(|w| w.into_string().unwrap_or_default())
            .collect()
    }

    #[test]
    fn a_leading_dash_query_goes_behind_dashes_and_flags_stay_flags() {
        for (given, read) in [
            (&["search", "-syria"][..], &["search", "--", "-syria"][..]),
            (
                &["search", "-n", "5", "-syria putin"],
                &["search", "-n", "5", "--", "-syria putin"],
            ),
            (
                &["--color", "never", "search", "-syria", "--json"],
                &["--color", "never", "search", "--json", "--", "-syria"],
            ),
            // Flags of search (its own and the global ones) stay flags.
            (&["search", "-v", "opec"], &["search", "-v", "opec"]),
            (&["search", "-n5", "opec"], &["search", "-n5", "opec"]),
            (
                &["search", "-i", "-x", "opec"],
                &["search", "-i", "-x", "opec"],
            ),
            // Already separated, or not the only query word: left to clap.
            (&["search", "--", "-syria"], &["search", "--", "-syria"]),
            (&["search", "-x", "opec"], &["search", "-x", "opec"]),
            (&["search", "--limt", "opec"], &["search", "--limt", "opec"]),
            // Other subcommands are never touched.
            (&["extract", "-x"], &["extract", "-x"]),
        ] {
            assert_eq!(rewritten(given), read, "{given:?}");
        }
    }
}
