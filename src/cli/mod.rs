//! Command-line definitions (clap derive: the doc comments are the help) and dispatch. Each subcommand
//! lives in its own file and only turns flags into library calls and prints their results.

mod bench;
mod duplicates;
mod entities;
mod extract;
mod index;
mod output;
mod search;
mod stats;
mod train_tagger;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// newsidx: a search index for news archives.
///
/// Index articles from text, JSON, JSON Lines and CSV files, then search them with BM25, snippets and
/// date filters. The index lives in --index DIR, else $NEWSIDX_INDEX, else ./newsidx-index.
#[derive(Debug, Parser)]
#[command(name = "newsidx", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
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

#[derive(Debug, Subcommand)]
enum Command {
    /// Add articles to the index (created if missing); an article whose id is already there is replaced.
    Index(index::Args),
    /// Search the index.
    Search(search::Args),
    /// Show figures about the index.
    Stats(stats::Args),
    /// List the most frequent entities in the index.
    Entities(entities::Args),
    /// Print the entities of one plain-text article.
    Extract(extract::Args),
    /// List every group of near-duplicate articles in the index.
    Duplicates(duplicates::Args),
    /// Time queries in-process, next to a plain tantivy top-10 on the same index.
    Bench(bench::Args),
    /// Train an entity tagger model from CoNLL files.
    TrainTagger(train_tagger::Args),
}

/// Parses the command line and runs the subcommand.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Index(args) => index::run(args),
        Command::Search(args) => search::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Entities(args) => entities::run(args),
        Command::Extract(args) => extract::run(args),
        Command::Duplicates(args) => duplicates::run(args),
        Command::Bench(args) => bench::run(args),
        Command::TrainTagger(args) => train_tagger::run(args),
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

fn with_hint(err: newsidx::Error, dir: &std::path::Path) -> anyhow::Error {
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
