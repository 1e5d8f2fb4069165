//! Writing: inputs are read, enriched and upserted by id into the [`Store`], committed in batches so
//! that a crash loses at most the uncommitted tail; each article's story is decided as it is written
//! ([`stories`]).

mod stories;
#[cfg(test)]
mod tests;
mod unchanged;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;
use serde::Serialize;
use tantivy::{DateTime, IndexReader, IndexWriter, Searcher, TantivyError, Term};

use crate::enrich::{Enricher, Enrichment};
use crate::ingest::{self, Article, Format};
use crate::store::columns::{entity_facet, story_value};
use crate::store::document::NewsDocument;
use crate::store::schema::{id_key, Fields};
use crate::store::stories::Stories;
use crate::store::Store;
use crate::{Error, Result};
use stories::{Assigned, StoryAssigner};
use unchanged::{stored_unchanged, Lineage};

/// The story leaders read from the index are held in at most this fraction of the writer's heap
/// (those written since the last commit are always held). A sixteenth: indexing Reuters-21578
/// peaks 20-25 MB lower than with a quarter, with the same stories and time (DESIGN.md 1.5).
const LEADER_SHARE: usize = 16;

/// Articles enriched together (in parallel) before they are handed to the writer.
const ENRICH_BATCH: usize = 256;

/// A chunk of records, each article with its enrichment; `None` for an article the index held
/// unchanged when the chunk was enriched.
struct Enriched {
    records: Vec<Result<(Article, Option<Enrichment>)>>,
    /// The generation of the searcher the articles were compared with (`None`: none were).
    generation: Option<u64>,
}

/// Options of [`Writer::new`].
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Memory budget of the writer across its threads, in bytes; the story leaders read from the
    /// index while writing take at most a sixteenth of it more.
    pub heap_bytes: usize,
    /// tantivy's indexing threads (by default one per three and a half cores, one to four).
    pub threads: usize,
    /// Commit after this many articles (and at the end); by default [`COMMIT_EVERY`].
    pub commit_every: usize,
    /// Leave alone an article the index already holds unchanged, when the index says every article
    /// in it was enriched by the same enricher as this run's (see [`Enricher::identity`]). With
    /// `false` every article is enriched and written again.
    pub skip_unchanged: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        WriterOptions {
            heap_bytes: 256 * 1024 * 1024,
            threads: indexing_threads(cores),
            commit_every: COMMIT_EVERY,
            skip_unchanged: true,
        }
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// The id was new.
    Added,
    /// An article with this id existed and was replaced.
    Updated,
    /// The index held this article unchanged (same id and fields, same enricher): nothing was
    /// written.
    Unchanged,
}

/// What a writer did: running counts while it writes, the whole when it [`Writer::finish`]es.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Articles with a new id.
    pub added: u64,
    /// Articles whose id was in the index already, [`Report::unchanged`] included.
    pub updated: u64,
    /// Of the updated, those the index held unchanged, which were left alone.
    pub unchanged: u64,
    /// Records rejected (bad records, unusable paths).
    pub rejected: u64,
    /// Warnings about articles that were written (a date left out, an ambiguous date).
    pub warnings: u64,
    /// Commits made.
    pub commits: u64,
}

impl Report {
    fn add(&mut self, other: &Report) {
        self.added += other.added;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.rejected += other.rejected;
        self.warnings += other.warnings;
    }
}

/// Articles between commits by default. With one indexing thread each commit writes one segment of
/// this many articles, the size that two threads committing every 10,000 wrote before (the merge
/// policy then builds the same segments: on 1M articles three of 320,000 and one of 40,000, where
/// 10,000-article segments ended as nine, 640,000 down to 10,000, and a search with facets took
/// about 7 % longer). A crash loses at most this many.
pub const COMMIT_EVERY: usize = 5_000;

/// tantivy indexing threads for `cores` cores: one per three and a half cores, rounded up, from one
/// to four. Enrichment runs on every core and is most of the work; tantivy's indexing is about 28 %
/// of the CPU time of indexing Reuters (perf, DESIGN.md 2.9), so by that split one thread per three
/// and a half cores keeps up with it (measured only on two cores). There one thread instead of two
/// used less memory (peak anonymous 87 MiB against 101 on Reuters, 130 against 146 on 200,000
/// generated articles: each thread holds its own in-memory segment, the vocabulary in both) and 5 %
/// less CPU; wall clock 2.06 -> 2.14 s on Reuters (inside the noise), less on 200,000 and 400,000
/// articles.
pub(crate) fn indexing_threads(cores: usize) -> usize {
    cores.saturating_mul(2).div_ceil(7).clamp(1, 4)
}

/// The least memory a writer runs with (one indexing thread).
pub const MIN_HEAP_BYTES: usize = 16 * 1024 * 1024;
/// What tantivy needs per indexing thread (its `MEMORY_BUDGET_NUM_BYTES_MIN`, 15 MB, and a margin).
const PER_THREAD_HEAP_BYTES: usize = 16 * 1024 * 1024;

/// One step of indexing, for progress reporting.
#[derive(Debug)]
pub enum Event<'e> {
    /// An article was written.
    Indexed(&'e Article, Upsert),
    /// A record (or a path) was rejected: not written; indexing goes on unless strict.
    Rejected(&'e Error),
    /// An article that was written carries a warning (see [`crate::Article::warnings`]).
    Warning(&'e Article, &'e str),
    /// How far reading has come ([`Writer::index_sources`] only): sent when an input starts, every
    /// [`PROGRESS_EVERY`] records, and when it ends.
    Progress(Progress<'e>),
}

/// Records between two [`Event::Progress`] within an input.
pub const PROGRESS_EVERY: u64 = 256;

/// How far [`Writer::index_sources`] has read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'e> {
    /// The input being read: a file's path, or `stdin`.
    pub input: &'e str,
    /// Bytes read of all inputs so far. JSON Lines and CSV files count as they stream; a text or
    /// `.json` file counts when it is done.
    pub bytes_read: u64,
    /// Bytes of all inputs, from their file sizes; `None` when stdin is read.
    pub bytes_total: Option<u64>,
}

/// What to index: files, folders, or `-` for JSON Lines on stdin.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The paths as given.
    pub paths: Vec<PathBuf>,
    /// Read every file as this format, whatever its extension.
    pub format: Option<Format>,
    /// Field names and date reading (`--map`, `--date-order`, `--strict` for dates).
    pub read: ingest::ReadOptions,
}

/// What [`Writer::index_sources`] did, input by input and in all.
#[derive(Debug, Clone, Default)]
pub struct SourcesReport {
    /// The sum over the inputs (and the paths that could not be used, as rejected).
    pub total: Report,
    /// Per input read (a file, or `stdin`), in the order read.
    pub inputs: Vec<(String, Report)>,
    /// Files inside folders passed over because their type is unknown.
    pub skipped: Vec<PathBuf>,
    /// Whether reading stopped early because the stop flag was set ([`Writer::stop_when`]).
    pub interrupted: bool,
}

/// Upserts articles into a [`Store`].
pub struct Writer<'a> {
    store: &'a Store,
    /// Decides each new article's story.
    stories: StoryAssigner,
    writer: IndexWriter<NewsDocument>,
    reader: IndexReader,
    searcher: Searcher,
    /// Ids written since the last commit, which the searcher cannot see yet.
    seen: HashSet<String>,
    commit_every: usize,
    pending: usize,
    report: Report,
    /// Set from outside (Ctrl-C) to stop reading; see [`Writer::stop_when`].
    stop: Option<Arc<AtomicBool>>,
    /// Which enrichers wrote the index's articles; stored with every commit.
    lineage: Lineage,
    skip_unchanged: bool,
    /// The searcher of the last commit, for the stage that compares articles with the index.
    snapshot: Arc<Mutex<Searcher>>,
}

impl<'a> Writer<'a> {
    /// A writer on `store`. Fails at once when another process holds the writer lock, or when
    /// `heap_bytes` is under [`MIN_HEAP_BYTES`]; a heap too small for every thread runs fewer
    /// threads (tantivy needs 15 MB per indexing thread).
    pub fn new(store: &'a Store, options: &WriterOptions) -> Result<Writer<'a>> {
        if options.heap_bytes < MIN_HEAP_BYTES {
            return Err(Error::Invalid(format!(
                "a writer needs at least {} MiB of memory, not {} bytes",
                MIN_HEAP_BYTES / (1024 * 1024),
                options.heap_bytes
            )));
        }
        let fit = (options.heap_bytes / PER_THREAD_HEAP_BYTES).max(1);
        let threads = options.threads.clamp(1, fit);
        let writer = store
            .index()
            .writer_with_num_threads::<NewsDocument>(threads, options.heap_bytes)
            .map_err(|e| store.lock_error(e))?;
        let reader = store.reader()?;
        let searcher = reader.searcher();
        let payload = store.index().load_metas().ok().and_then(|m| m.payload);
        let lineage = Lineage::read(searcher.num_docs(), payload.as_deref());
        Ok(Writer {
            store,
            stories: StoryAssigner::new(options.heap_bytes / LEADER_SHARE),
            writer,
            snapshot: Arc::new(Mutex::new(searcher.clone())),
            searcher,
            reader,
            lineage,
            skip_unchanged: options.skip_unchanged,
            seen: HashSet::new(),
            commit_every: options.commit_every.max(1),
            pending: 0,
            report: Report::default(),
            stop: None,
        })
    }

    /// Stops [`Writer::index_sources`] and [`Writer::index_all`] soon after `flag` is set (for
    /// Ctrl-C): reading ends at the next record, the records read are written, and the call
    /// returns for the caller to commit.
    pub fn stop_when(&mut self, flag: Arc<AtomicBool>) {
        self.stop = Some(flag);
    }

    /// Whether the flag of [`Writer::stop_when`] is set.
    pub fn stopped(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }

    /// A failed write or commit, said as what it means: the cause (an indexing thread's own error
    /// rather than tantivy's "writer was killed"), the index, and what its last commit holds.
    fn write_failed(&mut self, err: TantivyError) -> Error {
        let err = match err {
            // An indexing thread died: joining the threads (what a commit does first) gives its error.
            TantivyError::ErrorInThread(_) => match self.writer.commit() {
                Err(cause) => cause,
                Ok(_) => err,
            },
            other => other,
        };
        write_error(self.store, err)
    }

    /// Adds `article`, replacing any article with the same id. Commits when the batch is full.
    /// The writer cannot tell which enricher made `extra`, so later runs enrich and write every
    /// article again ([`WriterOptions::skip_unchanged`] needs [`Writer::index_all`]).
    pub fn upsert(&mut self, article: &Article, extra: Enrichment) -> Result<Upsert> {
        let existed = self.exists(&article.id)?;
        if existed {
            self.stories.replaced(&article.id);
        }
        let story = self.stories.assign(
            &self.searcher,
            self.store.fields(),
            &article.id,
            &extra.signature,
        )?;
        self.upsert_assigned(article, extra, (story, existed), None)
    }

    /// Whether an article with `id` is in the index or was written since the last commit.
    fn exists(&self, id: &str) -> Result<bool> {
        let id_term = Term::from_field_text(self.store.fields().id, &id_key(id));
        Ok(self.seen.contains(id) || self.searcher.doc_freq(&id_term)? > 0)
    }

    /// Confirms the articles of `chunk` found unchanged when it was enriched: each is left alone
    /// only if nothing with its id was written since (this run may have written another version
    /// of it, or will, earlier in the chunk) and the index still holds it as it is; any other is
    /// enriched here.
    fn confirm_unchanged(&self, chunk: &mut Enriched, enricher: &Enricher) {
        let current = self.searcher.generation().generation_id();
        for i in 0..chunk.records.len() {
            let (before, rest) = chunk.records.split_at_mut(i);
            let Ok((article, extra @ None)) = &mut rest[0] else {
                continue;
            };
            let written_before = before
                .iter()
                .any(|r| matches!(r, Ok((a, Some(_))) if a.id == article.id));
            let still = !written_before
                && !self.seen.contains(&article.id)
                && (chunk.generation == Some(current)
                    || stored_unchanged(&self.searcher, self.store.fields(), article));
            if !still {
                *extra = Some(enricher.enrich(article));
            }
        }
    }

    /// The stories of a chunk's articles, decided in order of publication (so that the leaders of a
    /// few days are read from the index once for the chunk, not once per article), each article's
    /// old version no candidate any more. `None` for a rejected record and an unchanged article.
    fn assign_chunk(&mut self, chunk: &Enriched) -> Result<Vec<Option<(Assigned, bool)>>> {
        let chunk = &chunk.records;
        let mut order: Vec<usize> = Vec::with_capacity(chunk.len());
        let mut existed = vec![false; chunk.len()];
        for (i, record) in chunk.iter().enumerate() {
            if let Ok((article, Some(_))) = record {
                // An id twice in one chunk: its second copy replaces the first.
                existed[i] = self.exists(&article.id)?
                    || chunk[..i]
                        .iter()
                        .any(|r| matches!(r, Ok((a, _)) if a.id == article.id));
                if existed[i] {
                    self.stories.replaced(&article.id);
                }
                order.push(i);
            }
        }
        let published = |i: &usize| match &chunk[*i] {
            Ok((_, Some(extra))) => extra.signature.published,
            _ => None,
        };
        order.sort_by_key(|i| (published(i).is_none(), published(i)));
        let mut stories = vec![None; chunk.len()];
        for i in order {
            if let Ok((article, Some(extra))) = &chunk[i] {
                let story = self.stories.assign(
                    &self.searcher,
                    self.store.fields(),
                    &article.id,
                    &extra.signature,
                )?;
                stories[i] = Some((story, existed[i]));
            }
        }
        Ok(stories)
    }

    /// [`Writer::upsert`] with the article's story decided and whether its id is already there
    /// (looked up once, by the caller); `identity` is that of the enricher that made `extra`.
    fn upsert_assigned(
        &mut self,
        article: &Article,
        extra: Enrichment,
        (story, existed): (Assigned, bool),
        identity: Option<u64>,
    ) -> Result<Upsert> {
        // Before the write: a commit must never claim one enricher for articles of two.
        self.lineage = self.lineage.wrote(identity);
        let f = self.store.fields();
        // The searcher sees every commit and `seen` everything since, so a new id has nothing to
        // replace: skipping its delete spares tantivy a term lookup in every segment at commit.
        if existed {
            self.writer
                .delete_term(Term::from_field_text(f.id, &id_key(&article.id)));
        }
        let mut doc = self.document(article, extra);
        doc.add_u64(f.story, story_value(story.story, story.leader));
        if let Err(err) = self.writer.add_document(doc) {
            return Err(self.write_failed(err));
        }
        self.seen.insert(article.id.clone());
        let outcome = if existed {
            self.report.updated += 1;
            Upsert::Updated
        } else {
            self.report.added += 1;
            Upsert::Added
        };
        self.pending += 1;
        if self.pending >= self.commit_every {
            self.commit()?;
        }
        Ok(outcome)
    }

    fn document(&self, article: &Article, extra: Enrichment) -> NewsDocument {
        let f = self.store.fields();
        let mut doc = NewsDocument::default();
        doc.add_text(f.id, &article.id);
        if let Some(title) = &article.title {
            doc.add_analysed(f.title, title.clone(), extra.title_terms);
        }
        doc.add_analysed(f.body, article.body.clone(), extra.body_terms);
        for (field, value) in [
            (f.author, &article.author),
            (f.source, &article.source),
            (f.url, &article.url),
        ] {
            if let Some(value) = value {
                doc.add_text(field, value);
            }
        }
        if let Some(published) = article.published {
            doc.add_date(f.published, DateTime::from_utc(published));
        }
        for (kind, name) in &extra.entities {
            doc.add_facet(f.entities, entity_facet(*kind, name));
        }
        doc.set_signature(extra.signature.to_packed());
        doc.add_text(f.origin, &article.origin);
        doc
    }

    /// Makes everything added so far durable and visible to searches.
    pub fn commit(&mut self) -> Result<()> {
        let payload = self.lineage.payload();
        let committed = match self.writer.prepare_commit() {
            Ok(mut prepared) => {
                prepared.set_payload(&payload);
                prepared.commit()
            }
            Err(err) => Err(err),
        };
        if let Err(err) = committed {
            return Err(self.write_failed(err));
        }
        self.reader
            .reload()
            .map_err(|err| crate::store::health::damaged(self.store.path(), err))?;
        self.searcher = self.reader.searcher();
        *self.snapshot.lock().unwrap_or_else(PoisonError::into_inner) = self.searcher.clone();
        self.seen.clear();
        self.pending = 0;
        self.report.commits += 1;
        self.stories.committed();
        Ok(())
    }

    /// Commits what is pending and waits for merges to finish.
    pub fn finish(mut self) -> Result<Report> {
        if self.pending > 0 || self.report.commits == 0 {
            self.commit()?;
        }
        let store = self.store;
        let report = self.report;
        self.writer
            .wait_merging_threads()
            .map_err(|err| write_error(store, err))?;
        save_stories(store);
        Ok(report)
    }

    /// Indexes every input of `sources`: folders are walked, `-` reads JSON Lines from stdin, and
    /// each file is read by its format. A path that cannot be used and a bad record are reported
    /// through `on_event` and counted as rejected; with `strict` the first one stops the run (after
    /// committing what came before it) as an [`Error::Strict`]. Does not [`Writer::finish`].
    pub fn index_sources<F>(
        &mut self,
        sources: &Sources,
        enricher: &Enricher,
        strict: bool,
        mut on_event: F,
    ) -> Result<SourcesReport>
    where
        F: FnMut(Event<'_>),
    {
        let (stdin, files): (Vec<&PathBuf>, Vec<&PathBuf>) =
            sources.paths.iter().partition(|p| p.as_os_str() == "-");
        let files: Vec<PathBuf> = files.into_iter().cloned().collect();
        let found = ingest::discover(&files, sources.format);
        let mut report = SourcesReport {
            skipped: found.skipped,
            ..SourcesReport::default()
        };
        for err in found.errors {
            report.total.rejected += 1;
            on_event(Event::Rejected(&err));
            if strict {
                self.commit()?;
                return Err(Error::Strict(Box::new(err)));
            }
        }
        // Each input with its size (`None` for stdin) and the count of its bytes read so far.
        let mut inputs: Vec<(String, ingest::Records, Option<u64>, Arc<AtomicU64>)> = Vec::new();
        if !stdin.is_empty() {
            let read = Arc::new(AtomicU64::new(0));
            let records = match &self.stop {
                Some(stop) => {
                    let stdin = ingest::stoppable_stdin(stop.clone());
                    let stream = ingest::CountingReader::new(stdin, read.clone());
                    ingest::read_json_lines_with(stream, "stdin", &sources.read)
                }
                None => {
                    let stream = ingest::CountingReader::new(std::io::stdin(), read.clone());
                    ingest::read_json_lines_with(stream, "stdin", &sources.read)
                }
            };
            inputs.push(("stdin".into(), records, None, read));
        }
        for input in &found.inputs {
            let read = Arc::new(AtomicU64::new(0));
            let records = ingest::read_input_counting(input, &sources.read, read.clone());
            let size = std::fs::metadata(&input.path).map_or(0, |m| m.len());
            inputs.push((input.path.display().to_string(), records, Some(size), read));
        }
        let bytes_total = stdin
            .is_empty()
            .then(|| inputs.iter().filter_map(|i| i.2).sum());
        let mut done = 0;
        for (name, records, size, read) in inputs {
            if self.stopped() {
                break;
            }
            let progress = |bytes_read| Progress {
                input: &name,
                bytes_read,
                bytes_total,
            };
            on_event(Event::Progress(progress(done)));
            let mut seen: u64 = 0;
            let one = self.index_all(records, enricher, strict, |event| {
                on_event(event);
                seen += 1;
                if seen.is_multiple_of(PROGRESS_EVERY) {
                    let read = read.load(Ordering::Relaxed);
                    let read = size.map_or(read, |size| read.min(size));
                    on_event(Event::Progress(progress(done + read)));
                }
            })?;
            done += size.unwrap_or_else(|| read.load(Ordering::Relaxed));
            on_event(Event::Progress(progress(done)));
            report.total.add(&one);
            report.inputs.push((name, one));
        }
        report.interrupted = self.stopped();
        Ok(report)
    }

    /// Upserts every good record of `records`, enriched by `enricher` in parallel batches. A bad
    /// record is reported through `on_event` and counted; with `strict`, the first one stops the run
    /// (after committing what came before it) and is returned as an [`Error::Strict`].
    ///
    /// Three stages overlap: a thread reads and parses records, another enriches batches of them on
    /// all cores (rayon), and the calling thread hands them to tantivy, whose own threads index them.
    pub fn index_all<I, F>(
        &mut self,
        records: I,
        enricher: &Enricher,
        strict: bool,
        mut on_event: F,
    ) -> Result<Report>
    where
        I: IntoIterator<Item = Result<Article>>,
        I::IntoIter: Send,
        F: FnMut(Event<'_>),
    {
        let records = records.into_iter();
        let identity = enricher.identity();
        let snapshot =
            (self.skip_unchanged && self.lineage.admits(identity)).then(|| self.snapshot.clone());
        let fields = self.store.fields();
        let stop = self.stop.clone();
        let stopped = move || stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed));
        std::thread::scope(|scope| {
            let (to_enrich, chunks) = std::sync::mpsc::sync_channel::<Vec<Result<Article>>>(2);
            let (to_write, enriched) = std::sync::mpsc::sync_channel::<Enriched>(2);
            scope.spawn(move || {
                let mut chunk = Vec::with_capacity(ENRICH_BATCH);
                for record in records {
                    if stopped() {
                        break; // what was read is still written
                    }
                    chunk.push(record);
                    if chunk.len() == ENRICH_BATCH {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(ENRICH_BATCH));
                        if to_enrich.send(full).is_err() {
                            return; // the writer stopped early
                        }
                    }
                }
                if !chunk.is_empty() {
                    let _ = to_enrich.send(chunk);
                }
            });
            scope.spawn(move || {
                while let Ok(chunk) = chunks.recv() {
                    let enriched = enrich_chunk(enricher, fields, snapshot.as_deref(), chunk);
                    if to_write.send(enriched).is_err() {
                        return;
                    }
                }
            });
            let outcome = self.write_chunks(&enriched, enricher, strict, &mut on_event);
            // Dropping the receiver ends the other stages if the writer stopped early, so the scope
            // can join them.
            drop(enriched);
            outcome
        })
    }

    fn write_chunks<F>(
        &mut self,
        chunks: &std::sync::mpsc::Receiver<Enriched>,
        enricher: &Enricher,
        strict: bool,
        on_event: &mut F,
    ) -> Result<Report>
    where
        F: FnMut(Event<'_>),
    {
        let identity = enricher.identity();
        let mut report = Report::default();
        while let Ok(mut chunk) = chunks.recv() {
            self.confirm_unchanged(&mut chunk, enricher);
            let stories = self.assign_chunk(&chunk)?;
            for (record, story) in chunk.records.into_iter().zip(stories) {
                match record {
                    Ok((article, extra)) => {
                        let outcome = match (extra, story) {
                            (Some(extra), Some(story)) => {
                                self.upsert_assigned(&article, extra, story, Some(identity))?
                            }
                            (Some(extra), None) => self.upsert(&article, extra)?,
                            (None, _) => {
                                self.report.updated += 1;
                                self.report.unchanged += 1;
                                Upsert::Unchanged
                            }
                        };
                        match outcome {
                            Upsert::Added => report.added += 1,
                            Upsert::Updated => report.updated += 1,
                            Upsert::Unchanged => {
                                report.updated += 1;
                                report.unchanged += 1;
                            }
                        }
                        on_event(Event::Indexed(&article, outcome));
                        for warning in &article.warnings {
                            report.warnings += 1;
                            self.report.warnings += 1;
                            on_event(Event::Warning(&article, warning));
                        }
                    }
                    Err(err) => {
                        report.rejected += 1;
                        self.report.rejected += 1;
                        on_event(Event::Rejected(&err));
                        if strict {
                            self.commit()?;
                            return Err(Error::Strict(Box::new(err)));
                        }
                    }
                }
            }
        }
        Ok(report)
    }
}

/// Enriches a chunk of records in parallel and in order, passing the rejected ones through; with a
/// `snapshot` of the index, an article it holds unchanged is not enriched (`None`).
fn enrich_chunk(
    enricher: &Enricher,
    fields: &Fields,
    snapshot: Option<&Mutex<Searcher>>,
    records: Vec<Result<Article>>,
) -> Enriched {
    let searcher = snapshot.map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).clone());
    let searcher = searcher.filter(|s| s.num_docs() > 0);
    let records = records
        .into_par_iter()
        .map(|record| {
            record.map(|article| {
                let unchanged = searcher
                    .as_ref()
                    .is_some_and(|s| stored_unchanged(s, fields, &article));
                let extra = (!unchanged).then(|| enricher.enrich(&article));
                (article, extra)
            })
        })
        .collect();
    Enriched {
        records,
        generation: searcher.map(|s| s.generation().generation_id()),
    }
}

/// Leaves the stories of the index as its last commit and merges left it in the index folder
/// ([`Stories::save`]), unless the file there already holds them: a search that opens the index
/// once then reads them instead of every article's story. The file only saves time, so failing to
/// write it fails nothing (a search that finds it missing or out of date reads the column).
fn save_stories(store: &Store) {
    let Ok(reader) = store.reader() else {
        return;
    };
    let searcher = reader.searcher();
    let path = store.path();
    if Stories::load(path).is_some_and(|saved| saved.covers(&searcher)) {
        return;
    }
    if let Ok(stories) = Stories::read(&searcher) {
        let _ = stories.save(path);
    }
}

/// [`Error::Write`] for `err` on `store`: the cause in words and the articles of the last commit,
/// counted by a new reader.
fn write_error(store: &Store, err: TantivyError) -> Error {
    let cause = match err {
        TantivyError::IoError(io) => io.to_string(),
        TantivyError::InternalError(text) | TantivyError::ErrorInThread(text) => text,
        other => other.to_string(),
    };
    let articles = store.reader().ok().map(|r| r.searcher().num_docs());
    Error::Write {
        path: store.path().to_path_buf(),
        cause,
        articles,
    }
}
