//! `newsidx index`: read files, folders or stdin and upsert their articles, showing progress (bytes
//! read of the inputs' total, with an ETA), the rejected records (the first ten of each input, then a
//! count per reason) and a summary.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use newsidx::ingest::Format;
use newsidx::writer::{Event, Progress};
use newsidx::{Sources, WriterOptions};

use super::output::{count, print_json, thousands, verbosity, Verbosity};
use super::IndexDir;

/// Add articles to the index, creating it if missing. Articles are upserted by id (the record's id, else
/// its url, else a hash of its content), so indexing the same input twice changes nothing.
///
/// Formats come from extensions: .txt (one article per file; a short first line followed by
/// paragraphs is the headline), .json (an object, an array of them, or an API response holding the
/// array), .jsonl/.ndjson (an object per line), .csv (a header row naming the columns), .html (a
/// saved page: its article), .rss/.atom/.rdf (a feed: an article per item), .warc (a web archive:
/// an article per HTML response); each may be compressed (.gz, .zst, .bz2, .xz). Pages, feeds and
/// archives are also recognised by their first bytes. Folders are walked recursively, hidden files
/// skipped. `-` reads JSON Lines from stdin.
///
/// Bad records are reported with their file and line and skipped (after the first ten of a file, a
/// count per reason; every one with --verbose or --rejects FILE); the exit code is then 1.
///
/// Ctrl-C (or SIGTERM) stops reading and commits what was read (exit 130, or 143); running the same
/// command again continues without duplicates. A second Ctrl-C exits at once, keeping the last
/// commit.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    index: IndexDir,
    /// Files or folders to index; `-` for JSON Lines on stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Read every file as this format, whatever its extension: txt, json, jsonl, csv, html, feed or
    /// warc.
    #[arg(long, value_name = "FORMAT")]
    format: Option<Format>,
    /// The key that holds a field, before the names newsidx knows: `--map body=story_text`,
    /// `--map source=meta.site` (a dotted path into nested JSON objects), `--map published=Date`
    /// (a CSV column). Fields: id, title, body, author, source, url, published. Repeatable.
    #[arg(long = "map", value_name = "FIELD=KEY")]
    map: Vec<newsidx::ingest::FieldMap>,
    /// How numeric dates such as 03/04/2017 are read: mdy (month first, the default), dmy or ymd.
    /// A first or second number over 12 settles it whatever the order; a date that could be read
    /// either way is reported once per file.
    #[arg(long, default_value = "mdy", value_name = "ORDER")]
    date_order: newsidx::ingest::DateOrder,
    /// Commit (make durable) after this many articles (at least 1); a crash loses at most this many.
    #[arg(long, default_value_t = newsidx::writer::COMMIT_EVERY as u64, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    commit_every: u64,
    /// Stop at the first bad record instead of skipping it (what came before it is kept); a date
    /// that cannot be read is then a bad record too (otherwise the article is indexed undated, with
    /// a warning).
    #[arg(long)]
    strict: bool,
    /// Writer memory budget in MiB (16 to 65536; tantivy needs 16 MiB per indexing thread, so a
    /// smaller budget runs fewer of them).
    #[arg(long, default_value_t = 256, value_name = "MIB",
          value_parser = clap::value_parser!(u64).range(16..=65_536))]
    heap_mb: u64,
    /// A gazetteer of your own (same format as schemas/entities.json), merged over the built-in one;
    /// your entries win on clashes.
    #[arg(long, value_name = "FILE")]
    gazetteer: Option<PathBuf>,
    /// An entity tagger model of your own (from `newsidx train-tagger`) instead of the built-in one;
    /// index and search with the same model.
    #[arg(long, value_name = "MODEL")]
    tagger: Option<std::path::PathBuf>,
    /// Write every rejected record to FILE as JSON Lines: {"origin": "feed.jsonl:7", "reason":
    /// "record has no body ..."}, one line per record (FILE is replaced).
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Enrich and write every article again, even one the index already holds unchanged. Without
    /// it a re-run leaves such articles alone, when the index says one enricher (this newsidx
    /// version with the same --gazetteer and --tagger) wrote all of it.
    #[arg(long)]
    rewrite_all: bool,
    /// Print the summary as JSON on stdout: {"added", "updated", "unchanged", "rejected",
    /// "skipped_files", "articles", "seconds"}.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Summary {
    added: u64,
    updated: u64,
    /// Of the updated, those the index held unchanged (left alone).
    unchanged: u64,
    rejected: u64,
    warnings: u64,
    skipped_files: usize,
    articles: u64,
    seconds: f64,
    /// Stopped by Ctrl-C or SIGTERM: what was read before it is committed.
    interrupted: bool,
}

/// ", N of them unchanged" after a count of updated articles, or nothing when none were.
fn of_them_unchanged(unchanged: u64) -> String {
    if unchanged > 0 {
        format!(", {} of them unchanged", thousands(unchanged))
    } else {
        String::new()
    }
}

/// Ctrl-C and SIGTERM: the first sets a flag the writer checks (it stops reading, and the run
/// commits and reports); a second exits at once with the last commit kept.
struct Interrupt {
    stop: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

impl Interrupt {
    fn install() -> anyhow::Result<Interrupt> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let stop = Arc::new(AtomicBool::new(false));
        let signal = Arc::new(AtomicUsize::new(0));
        for sig in [SIGINT, SIGTERM] {
            // Registered first, so it sees the flag as the previous signal left it.
            signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, stop.clone())
                .context("cannot handle signals")?;
            signal_hook::flag::register_usize(sig, signal.clone(), sig as usize)
                .context("cannot handle signals")?;
            signal_hook::flag::register(sig, stop.clone()).context("cannot handle signals")?;
        }
        Ok(Interrupt { stop, signal })
    }

    /// The exit code of the signal that stopped the run: 130 for SIGINT, 143 for SIGTERM.
    fn exit_code(&self) -> ExitCode {
        let sig = self.signal.load(Ordering::Relaxed);
        ExitCode::from(u8::try_from(128 + sig).unwrap_or(130))
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // First, so that a signal while the enricher is built still ends the run cleanly.
    let interrupt = Interrupt::install()?;
    let index = super::open_or_create(&args.index.dir)?;
    let options = WriterOptions {
        heap_bytes: usize::try_from(args.heap_mb * 1024 * 1024).unwrap_or(usize::MAX),
        commit_every: usize::try_from(args.commit_every).unwrap_or(usize::MAX),
        skip_unchanged: !args.rewrite_all,
        ..WriterOptions::default()
    };
    let enricher = super::enricher(args.gazetteer.as_deref(), args.tagger.as_deref())?;
    let mut writer = index.writer(&options)?;
    writer.stop_when(interrupt.stop.clone());
    let sources = Sources {
        paths: args.paths.clone(),
        format: args.format,
        read: newsidx::ingest::ReadOptions {
            map: args.map.clone(),
            date_order: args.date_order,
            strict_dates: args.strict,
        },
    };
    let rejects = match &args.rejects {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("--rejects: cannot create {}", path.display()))?,
        )),
        None => None,
    };
    let mut shown = Shown::new(verbosity(), rejects);
    let outcome =
        writer.index_sources(&sources, &enricher, args.strict, |event| shown.event(event));
    shown.end_of_input();
    let report = match outcome {
        Ok(report) => report,
        Err(err) => {
            shown.bar.finish_and_clear();
            shown.close_rejects()?;
            return Err(match err {
                newsidx::Error::Strict(cause) => anyhow::Error::new(*cause)
                    .context("stopped by --strict; articles before this record were kept"),
                other => other.into(),
            });
        }
    };
    shown.close_rejects()?;
    if verbosity() == Verbosity::Verbose {
        for (input, one) in &report.inputs {
            shown.note(&format!(
                "{input}: {} added, {} updated{}, {} rejected",
                thousands(one.added),
                thousands(one.updated),
                of_them_unchanged(one.unchanged),
                thousands(one.rejected)
            ));
        }
    }
    shown.phase("committing…");
    writer.commit()?;
    shown.phase("waiting for merges…");
    writer.finish()?;
    shown.bar.finish_and_clear();
    let total = report.total;
    let skipped = report.skipped;
    let interrupted = report.interrupted;

    let articles = index.stats()?.articles;
    let quiet = verbosity() == Verbosity::Quiet;
    let seconds = started.elapsed().as_secs_f64();
    let summary = Summary {
        added: total.added,
        updated: total.updated,
        unchanged: total.unchanged,
        rejected: total.rejected,
        warnings: total.warnings,
        skipped_files: skipped.len(),
        articles,
        seconds,
        interrupted,
    };
    if args.json {
        print_json(&summary)?;
    }
    if !skipped.is_empty() && !quiet {
        let names: Vec<String> = skipped
            .iter()
            .take(3)
            .map(|p| p.display().to_string())
            .collect();
        let more = skipped.len().saturating_sub(names.len());
        let more = if more > 0 {
            format!(" and {} more", thousands(more as u64))
        } else {
            String::new()
        };
        eprintln!(
            "newsidx: passed over {} of unknown type: {}{more}",
            count(skipped.len() as u64, "file", "files"),
            names.join(", ")
        );
    }
    if !quiet {
        let done = total.added + total.updated;
        eprintln!(
            "newsidx: {}indexed {} ({} added, {} updated{}), {} rejected{}, in {seconds:.1}s ({}/s); \
             the index holds {}",
            if interrupted { "interrupted; " } else { "" },
            count(done, "article", "articles"),
            thousands(total.added),
            thousands(total.updated),
            of_them_unchanged(total.unchanged),
            thousands(total.rejected),
            if total.warnings > 0 {
                format!(", {}", count(total.warnings, "warning", "warnings"))
            } else {
                String::new()
            },
            thousands((done as f64 / seconds.max(1e-3)).round() as u64),
            count(articles, "article", "articles"),
        );
        if interrupted {
            eprintln!(
                "newsidx: everything indexed before the interrupt is committed; re-run the same \
                 command to index the rest (articles already in the index are updated, not \
                 duplicated)"
            );
        }
    }
    Ok(if interrupted {
        interrupt.exit_code()
    } else if total.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Rejected records of one input printed in full; the rest are counted by reason.
const REJECTS_SHOWN: u64 = 10;

/// Reasons named in the line that counts an input's further rejected records.
const REASONS_NAMED: usize = 5;

/// What indexing shows as it goes: the progress bar, the rejected records, the `--rejects` file.
struct Shown {
    bar: ProgressBar,
    verbosity: Verbosity,
    started: Instant,
    articles: u64,
    /// The input being read (none before the first, while paths are checked).
    input: Option<String>,
    /// Rejected records of the input printed so far.
    printed: u64,
    /// The input's rejected records not printed, by reason.
    unprinted: BTreeMap<String, u64>,
    warnings_printed: u64,
    warnings_unprinted: u64,
    rejects: Option<std::io::BufWriter<std::fs::File>>,
    /// The first failure to write the `--rejects` file, reported when indexing is done.
    rejects_error: Option<std::io::Error>,
}

/// One line of the `--rejects` file.
#[derive(serde::Serialize)]
struct Rejected<'a> {
    origin: &'a str,
    reason: &'a str,
}

impl Shown {
    fn new(verbosity: Verbosity, rejects: Option<std::io::BufWriter<std::fs::File>>) -> Shown {
        let bar = if verbosity > Verbosity::Quiet && std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Shown {
            bar,
            verbosity,
            started: Instant::now(),
            articles: 0,
            input: None,
            printed: 0,
            unprinted: BTreeMap::new(),
            warnings_printed: 0,
            warnings_unprinted: 0,
            rejects,
            rejects_error: None,
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Indexed(..) => self.articles += 1,
            Event::Rejected(err) => self.rejected(err),
            Event::Warning(article, warning) => self.warned(&article.origin, warning),
            Event::Progress(progress) => self.progress(progress),
        }
    }

    fn progress(&mut self, progress: Progress<'_>) {
        if self.input.as_deref() != Some(progress.input) {
            self.end_of_input();
            self.input = Some(progress.input.to_string());
            if self.verbosity == Verbosity::Verbose {
                self.note(&format!("reading {}", progress.input));
            }
        }
        if self.bar.length().is_none() {
            let template = match progress.bytes_total {
                Some(total) => {
                    self.bar.set_length(total);
                    "{spinner} [{wide_bar}] {bytes}/{total_bytes} · {msg} · ETA {eta}"
                }
                None => "{spinner} {bytes} read · {msg} · {elapsed}",
            };
            self.style(template);
        }
        self.bar.set_position(progress.bytes_read);
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        self.bar.set_message(format!(
            "{} · {}/s",
            count(self.articles, "article", "articles"),
            thousands((self.articles as f64 / seconds).round() as u64)
        ));
    }

    fn style(&self, template: &str) {
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
    }

    fn rejected(&mut self, err: &newsidx::Error) {
        let (origin, reason) = origin_and_reason(err, self.input.as_deref());
        if let Some(file) = &mut self.rejects {
            let line = serde_json::to_string(&Rejected {
                origin: &origin,
                reason: &reason,
            })
            .map_err(std::io::Error::from)
            .and_then(|line| writeln!(file, "{line}"));
            if let Err(e) = line {
                self.rejects_error.get_or_insert(e);
            }
        }
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        // Paths that cannot be used (no input yet) are few: each is shown.
        let all = self.verbosity == Verbosity::Verbose || self.input.is_none();
        if all || self.printed < REJECTS_SHOWN {
            self.printed += 1;
            self.note(&format!("rejected {err}"));
        } else {
            *self.unprinted.entry(reason).or_default() += 1;
        }
    }

    fn warned(&mut self, origin: &str, warning: &str) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        if self.verbosity == Verbosity::Verbose || self.warnings_printed < REJECTS_SHOWN {
            self.warnings_printed += 1;
            self.note(&format!("warning: {origin}: {warning}"));
        } else {
            self.warnings_unprinted += 1;
        }
    }

    /// Says how many rejected records of the input just read went unprinted, and why.
    fn end_of_input(&mut self) {
        let warnings = std::mem::take(&mut self.warnings_unprinted);
        self.warnings_printed = 0;
        if let (Some(input), true) = (&self.input, warnings > 0) {
            let line = format!(
                "… and {} more {} in {input} (--verbose shows them)",
                thousands(warnings),
                if warnings == 1 { "warning" } else { "warnings" }
            );
            self.note(&line);
        }
        let unprinted = std::mem::take(&mut self.unprinted);
        self.printed = 0;
        let more: u64 = unprinted.values().sum();
        let (Some(input), true) = (&self.input, more > 0) else {
            return;
        };
        let mut reasons: Vec<(String, u64)> = unprinted.into_iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut named: Vec<String> = reasons
            .iter()
            .take(REASONS_NAMED)
            .map(|(reason, n)| format!("{reason} ({})", thousands(*n)))
            .collect();
        if reasons.len() > REASONS_NAMED {
            let rest: u64 = reasons[REASONS_NAMED..].iter().map(|r| r.1).sum();
            named.push(format!("other reasons ({})", thousands(rest)));
        }
        let line = format!(
            "… and {} more rejected {} in {input}: {}",
            thousands(more),
            if more == 1 { "record" } else { "records" },
            named.join("; ")
        );
        self.note(&line);
    }

    /// A line on stderr that does not tear the progress bar.
    fn note(&self, line: &str) {
        let line = super::output::printable(line);
        self.bar.suspend(|| eprintln!("newsidx: {line}"));
    }

    /// Names the phase after reading: on the bar, or on a line of its own with --verbose.
    fn phase(&self, what: &str) {
        if self.bar.is_hidden() {
            if self.verbosity == Verbosity::Verbose {
                eprintln!("newsidx: {what}");
            }
        } else {
            self.style("{spinner} {msg} {elapsed}");
            self.bar.set_message(what.to_string());
        }
    }

    fn close_rejects(&mut self) -> anyhow::Result<()> {
        if let Some(e) = self.rejects_error.take() {
            return Err(anyhow::Error::new(e).context("--rejects: cannot write the file"));
        }
        if let Some(mut file) = self.rejects.take() {
            file.flush().context("--rejects: cannot write the file")?;
        }
        Ok(())
    }
}

/// Where a rejected record was and what was wrong with it, for the `--rejects` file.
fn origin_and_reason(err: &newsidx::Error, input: Option<&str>) -> (String, String) {
    let (origin, reason) = err.origin_and_reason();
    (
        origin.unwrap_or_else(|| input.unwrap_or_default().to_string()),
        reason,
    )
}
