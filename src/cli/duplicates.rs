//! `newsidx duplicates`: every group of near-duplicates in the index.

use std::io::Write;
use std::process::ExitCode;

use super::output::{print_json, Style};
use super::IndexDir;

/// List every group of near-duplicate articles in the index (each article in at most one group),
/// largest first.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    index: IndexDir,
    /// How near: the estimated percent of text that may differ (0-100), as for `search`.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100), value_name = "K",
          default_value_t = newsidx::fingerprint::DEFAULT_MAX_DISTANCE)]
    max_distance: u32,
    /// Print JSON: {"clusters": [{"ids": [...], "size": N, "titles": [...]}]}.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Listing {
    clusters: Vec<newsidx::search::stories::StorySummary>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = super::open(&args.index.dir)?;
    let clusters = index.stories(args.max_distance)?;
    let found = !clusters.is_empty();
    if args.json {
        print_json(&Listing { clusters })?;
    } else {
        let style = Style::stdout();
        let mut out = std::io::stdout().lock();
        let articles: usize = clusters.iter().map(|c| c.size).sum();
        writeln!(
            out,
            "{} groups of near-duplicates ({articles} articles) within distance {}\n",
            clusters.len(),
            args.max_distance
        )?;
        for (i, cluster) in clusters.iter().enumerate() {
            writeln!(out, "{:>4}. {} articles", i + 1, cluster.size)?;
            for (id, title) in cluster.ids.iter().zip(&cluster.titles) {
                let title = title.as_deref().unwrap_or("(no headline)");
                writeln!(out, "      {}  {}", style.dim(id), title)?;
            }
        }
    }
    Ok(if found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
