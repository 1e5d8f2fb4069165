//! `newsidx index`: read files, folders or stdin and upsert their articles.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use newsidx::ingest::Format;
use newsidx::writer::Event;
use newsidx::{Sources, WriterOptions};

use super::output::print_json;
use super::IndexDir;

/// Add articles to the index, creating it if missing. Articles are upserted by id (the record's id, else
/// its url, else a hash of its content), so indexing the same input twice changes nothing.
///
/// Formats come from extensions: .txt (one article per file; a short first line followed by
/// paragraphs is the headline), .json (an object or an array of them), .jsonl/.ndjson (an object per
/// line), .csv (a header row naming the columns). Folders are walked recursively, hidden files
/// skipped. `-` reads JSON Lines from stdin.
///
/// Bad records are reported with their file and line and skipped; the exit code is then 1.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    index: IndexDir,
    /// Files or folders to index; `-` for JSON Lines on stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Read every file as this format, whatever its extension: txt, json, jsonl or csv.
    #[arg(long, value_name = "FORMAT")]
    format: Option<Format>,
    /// Commit (make durable) after this many articles; a crash loses at most this many.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    commit_every: usize,
    /// Stop at the first bad record instead of skipping it (what came before it is kept).
    #[arg(long)]
    strict: bool,
    /// Writer memory budget in MiB.
    #[arg(long, default_value_t = 256, value_name = "MIB")]
    heap_mb: usize,
    /// A gazetteer of your own (same format as schemas/entities.json), merged over the built-in one;
    /// your entries win on clashes.
    #[arg(long, value_name = "FILE")]
    gazetteer: Option<PathBuf>,
    /// An entity tagger model of your own (from `newsidx train-tagger`) instead of the built-in one;
    /// index and search with the same model.
    #[arg(long, value_name = "MODEL")]
    tagger: Option<std::path::PathBuf>,
    /// Print the summary as JSON on stdout: {"added", "updated", "rejected", "skipped_files", "articles"}.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Summary {
    added: u64,
    updated: u64,
    rejected: u64,
    skipped_files: usize,
    articles: u64,
    seconds: f64,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let index = super::open_or_create(&args.index.dir)?;
    let options = WriterOptions {
        heap_bytes: args.heap_mb.max(16) * 1024 * 1024,
        commit_every: args.commit_every,
        ..WriterOptions::default()
    };
    let enricher = super::enricher(args.gazetteer.as_deref(), args.tagger.as_deref())?;
    let mut writer = index.writer(&options)?;
    let sources = Sources {
        paths: args.paths.clone(),
        format: args.format,
    };
    let progress = progress_bar();
    let on_event = |event: Event<'_>| match event {
        Event::Indexed(..) => progress.inc(1),
        Event::Rejected(err) => progress.suspend(|| eprintln!("newsidx: rejected {err}")),
    };
    let report = match writer.index_sources(&sources, &enricher, args.strict, on_event) {
        Ok(report) => report,
        Err(err) => {
            progress.finish_and_clear();
            return Err(match err {
                newsidx::Error::Strict(cause) => anyhow::Error::new(*cause)
                    .context("stopped by --strict; articles before this record were kept"),
                other => other.into(),
            });
        }
    };
    writer.finish()?;
    progress.finish_and_clear();
    let total = report.total;
    let skipped = report.skipped;

    let articles = index.stats()?.articles;
    let seconds = started.elapsed().as_secs_f64();
    let summary = Summary {
        added: total.added,
        updated: total.updated,
        rejected: total.rejected,
        skipped_files: skipped.len(),
        articles,
        seconds,
    };
    if args.json {
        print_json(&summary)?;
    }
    if !skipped.is_empty() {
        let names: Vec<String> = skipped
            .iter()
            .take(3)
            .map(|p| p.display().to_string())
            .collect();
        let more = skipped.len().saturating_sub(names.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        eprintln!(
            "newsidx: passed over {} file(s) of unknown type: {}{more}",
            skipped.len(),
            names.join(", ")
        );
    }
    let done = total.added + total.updated;
    eprintln!(
        "newsidx: indexed {done} articles ({} added, {} updated), {} rejected, in {seconds:.1}s \
         ({:.0} articles/s); the index holds {articles} articles",
        total.added,
        total.updated,
        total.rejected,
        done as f64 / seconds.max(1e-3),
    );
    Ok(if total.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {human_pos} articles ({per_sec}) {elapsed}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
