//! `newsidx stats`: figures about the index.

use std::io::Write;
use std::process::ExitCode;

use super::output::print_json;
use super::IndexDir;

/// Show figures about the index: articles, segments, size on disk and the span of publication dates.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    index: IndexDir,
    /// Print JSON: {"articles", "segments", "bytes", "oldest", "newest", "undated", "stories":
    /// {"groups", "articles"} or null}.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = super::open(&args.index.dir)?;
    let stats = index.stats()?;
    if args.json {
        print_json(&stats)?;
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(out, "index     {}", index.path().display())?;
        writeln!(out, "articles  {}", stats.articles)?;
        writeln!(out, "segments  {}", stats.segments)?;
        writeln!(
            out,
            "size      {:.1} MiB",
            stats.bytes as f64 / (1024.0 * 1024.0)
        )?;
        let span = match (&stats.oldest, &stats.newest) {
            (Some(o), Some(n)) => format!("{o} .. {n}"),
            _ => "-".into(),
        };
        writeln!(out, "published {span} ({} undated)", stats.undated)?;
        match &stats.stories {
            Some(s) => writeln!(
                out,
                "stories   {} groups of near-duplicates ({} articles)",
                s.groups, s.articles
            )?,
            None => writeln!(
                out,
                "stories   none current (see `newsidx index --heap-mb`): facets group matches per query"
            )?,
        }
    }
    Ok(ExitCode::SUCCESS)
}
