//! Terminal output helpers: the colour choice (`--color`, `NO_COLOR`), the chattiness of stderr
//! (`--quiet`, `--verbose`), styles, counts with thousands separators, and JSON on stdout.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// When to colour stdout (`--color`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set (to anything but the empty string).
    #[default]
    Auto,
    /// Always, even into a pipe or file.
    Always,
    /// Never.
    Never,
}

/// How much goes to stderr beyond errors and results (`--quiet`, `--verbose`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// Progress, notes and summaries.
    #[default]
    Normal,
    /// Also every detail: each rejected record, each input, each phase.
    Verbose,
}

/// The output settings of this run, set once from the global flags before a subcommand runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    pub color: ColorChoice,
    pub verbosity: Verbosity,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Records the run's output settings; the first call wins.
pub fn init(settings: Settings) {
    let _ = SETTINGS.set(settings);
}

fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// The run's verbosity.
pub fn verbosity() -> Verbosity {
    settings().verbosity
}

/// Whether to colour stdout.
pub fn color_stdout() -> bool {
    match settings().color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// ANSI styles, or plain text when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    /// Styles for stdout, as `--color` and `NO_COLOR` say.
    pub fn stdout() -> Style {
        Style { on: color_stdout() }
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        let text = printable(text);
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Bold.
    pub fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }

    /// Dimmed.
    pub fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }

    /// A matched word or an entity mention: bold red, or the bare text without colour (the JSON
    /// output keeps the ranges).
    pub fn highlight(&self, text: &str) -> String {
        self.wrap("1;31", text)
    }

    /// `text` with the byte `ranges` (in order, not overlapping) highlighted and the rest styled by
    /// `rest` (`Style::bold`, say, or `str::to_string`); a range that is out of order, out of bounds
    /// or not on character boundaries is left as the rest.
    pub fn highlight_ranges(
        &self,
        text: &str,
        ranges: &[[usize; 2]],
        rest: impl Fn(&str) -> String,
    ) -> String {
        let mut out = String::with_capacity(text.len() + 12 * ranges.len());
        let mut done = 0;
        for &[start, end] in ranges {
            let (Some(before), Some(word)) = (text.get(done..start), text.get(start..end)) else {
                continue;
            };
            out.push_str(&rest(&printable(before)));
            out.push_str(&self.highlight(word));
            done = end;
        }
        out.push_str(&rest(&printable(text.get(done..).unwrap_or_default())));
        out
    }
}

/// `text` safe to print on a terminal: control characters (ESC and the other C0 codes but line
/// feed and tab, DEL, the C1 codes) and the bidirectional overrides are shown as `\u{1b}` escapes
/// instead of acting on the terminal (clearing it, setting its title, reordering the line).
/// Article text is untrusted.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let acts = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(acts) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if acts(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `n` with a comma between groups of three digits: `19,990`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` and its noun, singular for one: `1 article`, `2,500 articles`, `3 entities`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// A duration for people: `850 ms`, `3.4 s`, `2 min 05 s`.
pub fn duration(elapsed: std::time::Duration) -> String {
    let ms = elapsed.as_millis();
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", elapsed.as_secs_f64())
    } else {
        let s = elapsed.as_secs();
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

/// Writes JSON to stdout with a trailing newline.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    // A serde_json error wrapping an I/O error (a closed pipe) is passed on as that I/O error.
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(
            printable("a\u{1b}]0;pwned\u{7}b\u{1b}[2J\u{9b}c\u{202e}d"),
            "a\\u{1b}]0;pwned\\u{7}b\\u{1b}[2J\\u{9b}c\\u{202e}d"
        );
        let style = Style { on: true };
        assert_eq!(style.bold("x\u{1b}[31m"), "\u{1b}[1mx\\u{1b}[31m\u{1b}[0m");
    }

    #[test]
    fn thousands_separators() {
        for (n, text) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (19_990, "19,990"),
            (123_456, "123,456"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(thousands(n), text, "{n}");
        }
        assert_eq!(count(1, "article", "articles"), "1 article");
        assert_eq!(count(2_500, "article", "articles"), "2,500 articles");
    }
}
