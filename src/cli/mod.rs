//! Command-line definitions (clap derive: the doc comments are the help) and dispatch. Each subcommand
//! lives in its own file and only turns flags into library calls and prints their results.

mod args;
mod bench;
mod check;
mod completions;
mod duplicates;
mod entities;
mod extract;
mod index;
mod output;
mod search;
mod serve;
mod show;
mod stats;
mod train_tagger;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use output::{ColorChoice, Verbosity};

/// newsidx: a search index for news archives.
///
/// Index articles from text, JSON, JSON Lines and CSV files, then search them with BM25, snippets and
/// date filters. The index lives in --index DIR, else $NEWSIDX_INDEX, else ./newsidx-index.
#[derive(Debug, Parser)]
#[command(name = "newsidx", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never. Without
    /// colour, matched words and entities are plain text.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
    /// Print nothing on stderr but errors: no progress, notes or summaries.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Say more on stderr: every rejected record, each input read, each phase, and the time taken.
    #[arg(long, short = 'v', global = true)]
    verbose: bool,
}

/// Where the index is.
#[derive(Debug, clap::Args)]
pub struct IndexDir {
    /// Index directory.
    #[arg(
        long = "index",
        short = 'i',
        env = "NEWSIDX_INDEX",
        default_value = "newsidx-index",
        value_name = "DIR"
    )]
    pub dir: PathBuf,
}

/// How near is near: the rule that makes articles one story (`search` and `duplicates`).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct StoryArgs {
    /// How near a near-duplicate is: the estimated percent of text that may differ from the
    /// story's leader (0-100). 0 groups only copies with the same words; 40 also groups copies with
    /// a new headline, other quotes and a trimmed ending. Whatever the distance, articles whose
    /// figures differ, or that each lead with a party the other never names, are other stories.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100), value_name = "K",
          default_value_t = newsidx::fingerprint::DEFAULT_MAX_DISTANCE)]
    pub max_distance: u32,
    /// Copies of one story are published at most DAYS apart (`any`: no bound). Undated articles
    /// are not bounded.
    #[arg(long, value_parser = within_arg, value_name = "DAYS",
          default_value_t = Within(Some(newsidx::fingerprint::DEFAULT_WITHIN_DAYS)))]
    pub within: Within,
}

impl StoryArgs {
    /// The library's rule.
    pub fn rule(&self) -> newsidx::fingerprint::StoryRule {
        newsidx::fingerprint::StoryRule {
            max_distance: self.max_distance,
            within_days: self.within.0,
        }
    }
}

/// A `--within` value: days, or no bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Within(pub Option<u32>);

impl std::fmt::Display for Within {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(days) => write!(f, "{days}"),
            None => f.write_str("any"),
        }
    }
}

fn within_arg(value: &str) -> Result<Within, String> {
    newsidx::fingerprint::parse_within(value).map(Within)
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(
        about = "Add articles to the index (created if missing); an article whose id is already there is replaced"
    )]
    Index(index::Args),
    /// Search the index.
    #[command(after_help = QUERY_SYNTAX)]
    Search(search::Args),
    /// Show one article whole: its fields, its entities where they occur, and its other copies.
    Show(show::Args),
    /// Show figures about the index.
    Stats(stats::Args),
    /// List the most frequent entities in the index.
    Entities(entities::Args),
    /// Print the entities of one plain-text article.
    Extract(extract::Args),
    /// List every group of near-duplicate articles in the index.
    Duplicates(duplicates::Args),
    #[command(
        about = "Verify every segment of the index (checksums, footers); exit 1 when something is damaged"
    )]
    Check(check::CheckArgs),
    #[command(
        about = "Set damaged segments aside (kept in quarantine/) so the index opens with everything else"
    )]
    Repair(check::RepairArgs),
    /// Serve the index over HTTP: a JSON API and a web page (loopback by default).
    Serve(serve::Args),
    /// Time queries in-process, next to a plain tantivy top-10 on the same index.
    Bench(bench::Args),
    /// Train an entity tagger model from CoNLL files.
    TrainTagger(train_tagger::Args),
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    Completions(completions::Args),
    /// Print the manual page (roff); `newsidx man | man -l -` reads it.
    Man,
}

/// The query language, shown under `newsidx search --help`.
const QUERY_SYNTAX: &str = "\
Query syntax (tantivy's, over title and body; words are stemmed and case is ignored):
  putin call                 both words: every word must match (AND is the default)
  putin OR medvedev          either word
  \"kremlin spokesman\"        the phrase
  putin -syria               putin but not syria (a query starting with a flag letter: -- -name)
  title:sanctions            in the headline (also body:, source:reuters, author:\"jane doe\")
  kremln~1                   fuzzy: within one edit of kremln (kremlin)
  *                          every article
  published:[2017-01-01T00:00:00Z TO 2017-02-01T00:00:00Z]
                             a date range; or --since 2017-01-01 --until 2017-01-31 (whole day)

Examples:
  newsidx search \"putin call\" --since 2017-01-01 -n 5
  newsidx search 'title:(sanctions OR tariffs) -\"trade war\"' --json
  newsidx search '*' --entity person:putin --facets";

/// Parses the command line and runs the subcommand.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse_from(args::query_after_dashes(
        std::env::args_os().collect(),
        &Cli::command(),
    ));
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, true) => Verbosity::Verbose,
        (false, false) => Verbosity::Normal,
    };
    output::init(output::Settings {
        color: cli.color,
        verbosity,
    });
    if matches!(cli.command, Command::Index(_)) {
        crate::return_freed_memory_at_once();
    }
    let started = std::time::Instant::now();
    let name = cli.command.name();
    let code = dispatch(cli.command)?;
    if verbosity == Verbosity::Verbose {
        eprintln!(
            "newsidx: {name} took {}",
            output::duration(started.elapsed())
        );
    }
    Ok(code)
}

fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Index(args) => index::run(args),
        Command::Search(args) => search::run(args),
        Command::Show(args) => show::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Entities(args) => entities::run(args),
        Command::Extract(args) => extract::run(args),
        Command::Duplicates(args) => duplicates::run(args),
        Command::Check(args) => check::check(args),
        Command::Repair(args) => check::repair(args),
        Command::Serve(args) => serve::run(args),
        Command::Bench(args) => bench::run(args),
        Command::TrainTagger(args) => train_tagger::run(args),
        Command::Completions(args) => completions::run(args, Cli::command()),
        Command::Man => completions::man(Cli::command()),
    }
}

impl Command {
    /// The subcommand's name as typed.
    fn name(&self) -> &'static str {
        match self {
            Command::Index(_) => "index",
            Command::Search(_) => "search",
            Command::Show(_) => "show",
            Command::Stats(_) => "stats",
            Command::Entities(_) => "entities",
            Command::Extract(_) => "extract",
            Command::Duplicates(_) => "duplicates",
            Command::Check(_) => "check",
            Command::Repair(_) => "repair",
            Command::Serve(_) => "serve",
            Command::Bench(_) => "bench",
            Command::TrainTagger(_) => "train-tagger",
            Command::Completions(_) => "completions",
            Command::Man => "man",
        }
    }
}

/// The enricher for a run: the built-in gazetteer, plus the user's file when given, and the built-in
/// tagger model or the user's.
pub fn enricher(
    gazetteer: Option<&std::path::Path>,
    tagger: Option<&std::path::Path>,
) -> anyhow::Result<newsidx::Enricher> {
    let tagger = tagger
        .map(newsidx::entities::Tagger::from_file)
        .transpose()?;
    Ok(newsidx::Enricher::with_tagger(
        user_gazetteer(gazetteer)?,
        tagger,
    )?)
}

/// The user's gazetteer file of `--gazetteer FILE`, read and parsed.
pub fn user_gazetteer(
    path: Option<&std::path::Path>,
) -> anyhow::Result<Option<newsidx::entities::Gazetteer>> {
    use anyhow::Context;
    let Some(path) = path else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read gazetteer {}", path.display()))?;
    Ok(Some(newsidx::entities::Gazetteer::from_json(
        &text,
        &path.display().to_string(),
    )?))
}

/// Opens the index of `--index DIR`, saying how to make one when there is none.
pub fn open(dir: &std::path::Path) -> anyhow::Result<newsidx::NewsIndex> {
    newsidx::NewsIndex::open(dir).map_err(|err| with_hint(err, dir))
}

/// Opens the index of `--index DIR`, creating it when there is none.
pub fn open_or_create(dir: &std::path::Path) -> anyhow::Result<newsidx::NewsIndex> {
    newsidx::NewsIndex::open_or_create(dir).map_err(|err| with_hint(err, dir))
}

pub fn with_hint(err: newsidx::Error, dir: &std::path::Path) -> anyhow::Error {
    let hint = match &err {
        newsidx::Error::NoIndex { .. } => format!(
            "create one with `newsidx index --index {} FILES...`",
            dir.display()
        ),
        newsidx::Error::Index { .. } => {
            "point --index at a directory made by `newsidx index`, or at an empty or new one".into()
        }
        _ => return err.into(),
    };
    anyhow::anyhow!("{err}; {hint}")
}
