//! `newsidx check` and `newsidx repair`: verify every segment of an index; set damaged ones aside.

use std::io::Write;
use std::process::ExitCode;

use newsidx::store::health::{self, Health};

use super::output::{count, print_json, printable, thousands};
use super::IndexDir;

/// Verify every segment of the index.
///
/// Every file of every segment must exist, end in tantivy's footer and match the checksum there;
/// every segment must open; the marker and meta.json must parse. Exit 0 when healthy, 1 when damage
/// was found (run `newsidx repair`), 2 when the index cannot be checked.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    index: IndexDir,
    /// Print JSON: {"index", "healthy", "segments", "articles", "damaged": [{"segment",
    /// "articles", "problems"}], "problems"}.
    #[arg(long)]
    json: bool,
}

/// Set damaged segments aside.
///
/// Their files move to quarantine/TIME/ inside the index (nothing is deleted), the ids and origins
/// still readable from them are listed there in lost.jsonl to index again, and the index keeps
/// every sound segment and opens. Refused while `newsidx index` writes to the index.
#[derive(Debug, clap::Args)]
pub struct RepairArgs {
    #[command(flatten)]
    index: IndexDir,
    /// Print JSON: {"before": (as check --json), "quarantine", "articles_removed", "lost": [{"id",
    /// "origin"}], "articles"}.
    #[arg(long)]
    json: bool,
}

pub fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.index.dir;
    let health = health::check(dir).map_err(|err| super::with_hint(err, dir))?;
    if args.json {
        print_json(&health)?;
    } else {
        print_health(&health)?;
    }
    Ok(if health.healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_health(health: &Health) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "index     {}",
        printable(&health.index.display().to_string())
    )?;
    writeln!(
        out,
        "segments  {} ({} damaged)",
        health.segments,
        health.damaged.len()
    )?;
    writeln!(
        out,
        "articles  {} in sound segments",
        thousands(health.articles)
    )?;
    for problem in &health.problems {
        writeln!(out, "problem   {}", printable(problem))?;
    }
    for damage in &health.damaged {
        writeln!(
            out,
            "damaged   segment {} ({}): {}",
            damage.segment,
            count(damage.articles, "article", "articles"),
            printable(&damage.problems.join("; "))
        )?;
    }
    if health.healthy {
        writeln!(out, "healthy")?;
    } else if health.problems.is_empty() {
        writeln!(
            out,
            "run `newsidx repair` to set the damaged segments aside (their files are kept) and \
             list their articles to index again"
        )?;
    } else {
        writeln!(
            out,
            "the index as a whole is damaged: restore it from a backup or index your sources again"
        )?;
    }
    Ok(())
}

pub fn repair(args: RepairArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.index.dir;
    let repaired = health::repair(dir).map_err(|err| super::with_hint(err, dir))?;
    if args.json {
        print_json(&repaired)?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(quarantine) = &repaired.quarantine else {
        eprintln!(
            "newsidx: nothing to repair: {} segments, {}",
            repaired.before.segments,
            count(repaired.articles, "article", "articles")
        );
        return Ok(ExitCode::SUCCESS);
    };
    eprintln!(
        "newsidx: set {} aside in {} ({} removed; {} of them readable, listed in lost.jsonl there \
         with their origins to index again); the index holds {}",
        count(
            repaired.before.damaged.len() as u64,
            "damaged segment",
            "damaged segments"
        ),
        printable(&quarantine.display().to_string()),
        count(repaired.articles_removed, "article", "articles"),
        thousands(repaired.lost.len() as u64),
        count(repaired.articles, "article", "articles"),
    );
    Ok(ExitCode::SUCCESS)
}
