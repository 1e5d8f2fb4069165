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
    /// {"groups", "articles"} or null}; with --space also "space": {"fields": [{"field", "terms",
    /// "postings", "positions", "fast", "fieldnorms", "total"}], "stored", "signatures", "deletes",
    /// "total"}.
    #[arg(long)]
    json: bool,
    /// Also show where the index's bytes go, field by field: term dictionary, postings, positions,
    /// fast columns and field norms, then the stored documents and the signatures files.
    #[arg(long)]
    space: bool,
}

#[derive(serde::Serialize)]
struct WithSpace<'a> {
    #[serde(flatten)]
    stats: &'a newsidx::Stats,
    space: &'a newsidx::search::stats::Space,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = super::open(&args.index.dir)?;
    let stats = index.stats()?;
    let space = if args.space {
        Some(index.space()?)
    } else {
        None
    };
    if args.json {
        match &space {
            Some(space) => print_json(&WithSpace {
                stats: &stats,
                space,
            })?,
            None => print_json(&stats)?,
        }
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
        if let Some(space) = &space {
            print_space(&mut out, space)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The `--space` table: MiB per field and structure, and each row's share of the whole.
fn print_space(out: &mut impl Write, space: &newsidx::search::stats::Space) -> std::io::Result<()> {
    let mib = |b: u64| format!("{:.2}", b as f64 / (1024.0 * 1024.0));
    let share = |b: u64| format!("{:.1}%", 100.0 * b as f64 / space.total.max(1) as f64);
    writeln!(out)?;
    writeln!(
        out,
        "{:<12} {:>8} {:>8} {:>9} {:>8} {:>10} {:>8} {:>6}",
        "MiB", "terms", "postings", "positions", "fast", "fieldnorms", "total", "share"
    )?;
    for f in &space.fields {
        writeln!(
            out,
            "{:<12} {:>8} {:>8} {:>9} {:>8} {:>10} {:>8} {:>6}",
            f.field,
            mib(f.terms),
            mib(f.postings),
            mib(f.positions),
            mib(f.fast),
            mib(f.fieldnorms),
            mib(f.total),
            share(f.total)
        )?;
    }
    for (name, bytes) in [
        ("stored docs", space.stored),
        ("signatures", space.signatures),
        ("deletes", space.deletes),
    ] {
        writeln!(out, "{:<12} {:>56} {:>6}", name, mib(bytes), share(bytes))?;
    }
    writeln!(out, "{:<12} {:>56}", "all", mib(space.total))
}
