//! `newsidx bench`: in-process query latency, next to a plain tantivy top-10 on the same index.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::output::print_json;
use super::IndexDir;

/// Time queries inside one process (no start-up), in five modes: a plain tantivy top-10 (the peer), the
/// same fetching the 10 stored documents, and newsidx's search without collapse, with collapse, and
/// with collapse and entity facets (snippets and hit building included).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    index: IndexDir,
    /// File of queries, one per line (blank lines and lines starting with # skipped).
    #[arg(long, value_name = "FILE")]
    queries: PathBuf,
    /// Timed runs of every query in every mode (after one warm-up run).
    #[arg(long, default_value_t = 5, value_name = "N")]
    repeat: usize,
    /// Print JSON: {"queries", "repeat", "modes": [{"mode", "p50_ms", "p95_ms", "mean_ms", "p50_ratio",
    /// "samples_ms"}]} (`samples_ms`: every timed run of the mode, in the order run).
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Report {
    queries: usize,
    repeat: usize,
    modes: Vec<newsidx::search::timing::Latency>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.queries)
        .with_context(|| format!("cannot read queries from {}", args.queries.display()))?;
    let queries: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    anyhow::ensure!(
        !queries.is_empty(),
        "{}: no queries",
        args.queries.display()
    );
    let index = super::open(&args.index.dir)?;
    let modes = index.time_queries(&queries, args.repeat)?;
    let report = Report {
        queries: queries.len(),
        repeat: args.repeat,
        modes,
    };
    if args.json {
        print_json(&report)?;
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{} queries x {} runs, in-process\n",
            report.queries, report.repeat
        )?;
        writeln!(
            out,
            "{:<30} {:>9} {:>9} {:>9}  p50 vs tantivy",
            "mode", "p50 ms", "p95 ms", "mean ms"
        )?;
        for m in &report.modes {
            writeln!(
                out,
                "{:<30} {:>9.3} {:>9.3} {:>9.3}  {:.2}x",
                m.mode, m.p50_ms, m.p95_ms, m.mean_ms, m.p50_ratio
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
