//! The index on disk: creating and opening it (with checks that it is a newsidx index of a format this
//! build understands), and the writer that upserts articles by id and commits in batches so that a crash
//! loses at most the uncommitted tail.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::directory::error::LockError;
use tantivy::schema::{Facet, TantivyDocument};
use tantivy::{
    DateTime, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyError, Term,
};

use crate::enrich::Enricher;
use crate::ingest::Article;
use crate::schema::{register_tokenizers, Fields, FORMAT_VERSION};
use crate::stories::Stories;
use crate::{Error, Result};

/// Articles enriched together (in parallel) before they are handed to the writer.
const ENRICH_BATCH: usize = 256;

/// A chunk of records, each article with its enrichment.
type Enriched = Vec<Result<(Article, Enrichment)>>;

/// Name of the marker file that makes a directory a newsidx index.
pub const MARKER_FILE: &str = "newsidx.json";

/// Contents of the marker file.
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    format: u32,
    created_by: String,
    /// [`crate::fingerprint::ALGORITHM_VERSION`] of the stored signatures: signatures of two versions
    /// do not compare.
    #[serde(default)]
    signatures: u32,
}

/// An open newsidx index.
pub struct NewsIndex {
    path: PathBuf,
    index: Index,
    fields: Fields,
    /// Opened on first use and kept: opening a reader costs more than a typical query.
    reader: std::sync::OnceLock<IndexReader>,
    /// Entity ids of the segments queried so far, for facet counting.
    entity_table: crate::search::facets::EntityTable,
    /// The stories file as read for the current reader (`None` inside: none usable); read on first use.
    stories: std::sync::Mutex<Option<Option<Arc<Stories>>>>,
}

impl NewsIndex {
    /// Opens the index at `path`, creating it (and the directory) when there is none yet.
    pub fn open_or_create(path: &Path) -> Result<NewsIndex> {
        let empty = match std::fs::read_dir(path) {
            Ok(mut entries) => entries.next().is_none(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(source) => {
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        if !empty {
            return NewsIndex::open(path);
        }
        let io_err = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(path).map_err(io_err)?;
        let fields = Fields::load()?;
        let index = Index::create_in_dir(path, fields.schema.clone())?;
        let marker = Marker {
            format: FORMAT_VERSION,
            created_by: format!("newsidx {}", env!("CARGO_PKG_VERSION")),
            signatures: crate::fingerprint::ALGORITHM_VERSION,
        };
        let marker = serde_json::to_string_pretty(&marker).unwrap_or_default();
        std::fs::write(path.join(MARKER_FILE), marker + "\n").map_err(io_err)?;
        register_tokenizers(&index);
        Ok(NewsIndex {
            path: path.to_path_buf(),
            index,
            fields,
            reader: std::sync::OnceLock::new(),
            entity_table: Default::default(),
            stories: Default::default(),
        })
    }

    /// Opens an existing index for reading or writing. Fails with a message that says what to do when
    /// there is no index, the directory is not a newsidx index, or its format is newer than this build.
    pub fn open(path: &Path) -> Result<NewsIndex> {
        let fail = |message: String| Error::Index {
            path: path.to_path_buf(),
            message,
        };
        if !path.exists() {
            return Err(fail(format!(
                "no index here; create one with `newsidx index --index {} FILES...`",
                path.display()
            )));
        }
        let marker_path = path.join(MARKER_FILE);
        let marker = match std::fs::read_to_string(&marker_path) {
            Ok(text) => serde_json::from_str::<Marker>(&text)
                .map_err(|e| fail(format!("{MARKER_FILE} is unreadable: {e}")))?,
            Err(_) => {
                return Err(fail(format!(
                    "not a newsidx index (no {MARKER_FILE}); point --index at a directory made by \
                     `newsidx index`, or at an empty or new one"
                )))
            }
        };
        if marker.format > FORMAT_VERSION {
            return Err(fail(format!(
                "index format {} was written by a newer newsidx ({}); this build reads format {}. \
                 Upgrade newsidx.",
                marker.format, marker.created_by, FORMAT_VERSION
            )));
        }
        if marker.signatures != crate::fingerprint::ALGORITHM_VERSION {
            return Err(fail(format!(
                "its near-duplicate signatures are version {} ({}); this build makes version {}, and \
                 the two do not compare. Build a new index from your sources with this version.",
                marker.signatures,
                marker.created_by,
                crate::fingerprint::ALGORITHM_VERSION
            )));
        }
        let index = Index::open_in_dir(path).map_err(|e| fail(format!("cannot open: {e}")))?;
        let fields = Fields::load()?;
        if index.schema() != fields.schema {
            return Err(fail(
                "the index schema differs from schemas/article.json of this build; re-create the \
                 index with this version"
                    .into(),
            ));
        }
        register_tokenizers(&index);
        Ok(NewsIndex {
            path: path.to_path_buf(),
            index,
            fields,
            reader: std::sync::OnceLock::new(),
            entity_table: Default::default(),
            stories: Default::default(),
        })
    }

    /// The index directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying tantivy index.
    pub fn tantivy(&self) -> &Index {
        &self.index
    }

    /// The resolved schema fields.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// A new reader on the last commit. It reloads only when asked, so a search sees one consistent
    /// state.
    pub fn reader(&self) -> Result<IndexReader> {
        Ok(self
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?)
    }

    /// Entity ids of the segments queried so far, kept for facet counting.
    pub(crate) fn entity_table(&self) -> &crate::search::facets::EntityTable {
        &self.entity_table
    }

    /// A searcher on the commit that was last when this index was opened or [`NewsIndex::reload`]ed.
    pub fn searcher(&self) -> Result<Searcher> {
        if let Some(reader) = self.reader.get() {
            return Ok(reader.searcher());
        }
        let reader = self.reader()?;
        Ok(self.reader.get_or_init(|| reader).searcher())
    }

    /// Makes later searches see the last commit (of this or another process).
    pub fn reload(&self) -> Result<()> {
        if let Some(reader) = self.reader.get() {
            reader.reload()?;
            // Searches only ever see this reader's segments: forget the entity ids of the others.
            let live: Vec<_> = reader
                .searcher()
                .segment_readers()
                .iter()
                .map(|s| s.segment_id())
                .collect();
            self.entity_table.retain(&live);
        }
        *self.stories.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }

    /// The stories of the whole index at `max_distance`, when the stories file covers `searcher`'s
    /// segments at that distance (see [`crate::stories`]).
    pub(crate) fn stories(&self, searcher: &Searcher, max_distance: u32) -> Option<Arc<Stories>> {
        let mut cached = self.stories.lock().unwrap_or_else(|e| e.into_inner());
        let stories = cached
            .get_or_insert_with(|| Stories::load(&self.path, searcher).map(Arc::new))
            .clone()?;
        (stories.max_distance == max_distance && stories.covers(searcher)).then_some(stories)
    }

    /// A writer that upserts articles. Fails at once when another process holds the writer lock.
    pub fn writer(&self, options: &WriterOptions) -> Result<Writer<'_>> {
        let writer = self
            .index
            .writer_with_num_threads(options.threads.max(1), options.heap_bytes)
            .map_err(|e| self.lock_error(e))?;
        let reader = self.reader()?;
        Ok(Writer {
            index: self,
            heap_bytes: options.heap_bytes,
            writer,
            searcher: reader.searcher(),
            reader,
            seen: HashSet::new(),
            commit_every: options.commit_every.max(1),
            pending: 0,
            counts: Counts::default(),
        })
    }

    fn lock_error(&self, error: TantivyError) -> Error {
        match error {
            TantivyError::LockFailure(LockError::LockBusy, _) => Error::Index {
                path: self.path.clone(),
                message: "another process is writing to this index (lock file \
                          .tantivy-writer.lock is held); wait for it to finish"
                    .into(),
            },
            other => other.into(),
        }
    }
}

/// Options of [`NewsIndex::writer`].
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Memory budget of the writer across its threads, in bytes.
    pub heap_bytes: usize,
    /// Indexing threads.
    pub threads: usize,
    /// Commit after this many articles (and at the end).
    pub commit_every: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        WriterOptions {
            heap_bytes: 256 * 1024 * 1024,
            threads,
            commit_every: 10_000,
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
}

/// Running counts of a writer.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Articles with a new id.
    pub added: u64,
    /// Articles that replaced one with the same id.
    pub updated: u64,
    /// Commits made.
    pub commits: u64,
    /// Whether [`Writer::finish`] found the stories of the index (see [`crate::stories`]); `false`
    /// before it, or when the index was too large for the writer's memory budget.
    pub stories: bool,
}

/// Upserts articles into a [`NewsIndex`].
pub struct Writer<'a> {
    index: &'a NewsIndex,
    /// The writer's memory budget, which finding stories must stay within too.
    heap_bytes: usize,
    writer: IndexWriter,
    reader: IndexReader,
    searcher: Searcher,
    /// Ids written since the last commit, which the searcher cannot see yet.
    seen: HashSet<String>,
    commit_every: usize,
    pending: usize,
    counts: Counts,
}

/// What the indexer stores beyond the article itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Enrichment {
    /// Entity facets (`/person/Vladimir Putin`).
    pub entities: Vec<Facet>,
    /// Near-duplicate fingerprint (the SimHash).
    pub fingerprint: u64,
    /// Near-duplicate signature, as stored in the `signature` column.
    pub signature: Vec<u64>,
}

impl Writer<'_> {
    /// Adds `article`, replacing any article with the same id. Commits when the batch is full.
    pub fn upsert(&mut self, article: &Article, extra: &Enrichment) -> Result<Upsert> {
        let f = &self.index.fields;
        let id_term = Term::from_field_text(f.id, &article.id);
        let existed = self.seen.contains(&article.id) || self.searcher.doc_freq(&id_term)? > 0;
        // The searcher sees every commit and `seen` everything since, so a new id has nothing to
        // replace: skipping its delete spares tantivy a term lookup in every segment at commit.
        if existed {
            self.writer.delete_term(id_term);
        }
        self.writer.add_document(self.document(article, extra))?;
        self.seen.insert(article.id.clone());
        let outcome = if existed {
            self.counts.updated += 1;
            Upsert::Updated
        } else {
            self.counts.added += 1;
            Upsert::Added
        };
        self.pending += 1;
        if self.pending >= self.commit_every {
            self.commit()?;
        }
        Ok(outcome)
    }

    fn document(&self, article: &Article, extra: &Enrichment) -> TantivyDocument {
        let f = &self.index.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &article.id);
        if let Some(title) = &article.title {
            doc.add_text(f.title, title);
        }
        doc.add_text(f.body, &article.body);
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
        for facet in &extra.entities {
            doc.add_facet(f.entities, facet.clone());
        }
        doc.add_u64(f.fingerprint, extra.fingerprint);
        for &value in &extra.signature {
            doc.add_u64(f.signature, value);
        }
        doc.add_text(f.origin, &article.origin);
        doc
    }

    /// Makes everything added so far durable and visible to searches.
    pub fn commit(&mut self) -> Result<()> {
        self.writer.commit()?;
        self.reader.reload()?;
        self.searcher = self.reader.searcher();
        self.seen.clear();
        self.pending = 0;
        self.counts.commits += 1;
        Ok(())
    }

    /// Counts so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Commits what is pending, waits for merges to finish, and finds the stories of the index for
    /// story facet counts (see [`crate::stories`]) within the writer's memory budget; when they cannot
    /// be found within it (above about 870,000 articles at 256 MiB), the file is removed and stories
    /// are found per query.
    pub fn finish(mut self) -> Result<Counts> {
        if self.pending > 0 || self.counts.commits == 0 {
            self.commit()?;
        }
        self.writer.wait_merging_threads()?;
        // The segments as merged.
        self.reader.reload()?;
        let searcher = self.reader.searcher();
        let distance = crate::fingerprint::DEFAULT_MAX_DISTANCE;
        match Stories::find(&searcher, distance, self.heap_bytes)? {
            Some(stories) => {
                stories.save(&self.index.path)?;
                self.counts.stories = true;
            }
            None => Stories::remove(&self.index.path)?,
        }
        Ok(self.counts)
    }
}

/// One step of [`Writer::index_all`], for progress reporting.
#[derive(Debug)]
pub enum Event<'e> {
    /// An article was written.
    Indexed(&'e Article, Upsert),
    /// A record was rejected (not written); indexing goes on unless strict.
    Rejected(&'e Error),
}

/// What [`Writer::index_all`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Articles with a new id.
    pub added: u64,
    /// Articles that replaced one with the same id.
    pub updated: u64,
    /// Records rejected.
    pub rejected: u64,
}

impl Writer<'_> {
    /// Upserts every good record of `records`, enriched by `enricher` in parallel batches. A bad record is
    /// reported through `on_event` and counted; with `strict`, the first one stops the run (after
    /// committing what came before it) and is returned.
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
        std::thread::scope(|scope| {
            let (to_enrich, chunks) = std::sync::mpsc::sync_channel::<Vec<Result<Article>>>(2);
            let (to_write, enriched) = std::sync::mpsc::sync_channel::<Enriched>(2);
            scope.spawn(move || {
                let mut chunk = Vec::with_capacity(ENRICH_BATCH);
                for record in records {
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
                    if to_write.send(enricher.enrich_records(chunk)).is_err() {
                        return;
                    }
                }
            });
            let outcome = self.write_chunks(&enriched, strict, &mut on_event);
            // Dropping the receiver ends the other stages if the writer stopped early, so the scope
            // can join them.
            drop(enriched);
            outcome
        })
    }

    fn write_chunks<F>(
        &mut self,
        chunks: &std::sync::mpsc::Receiver<Enriched>,
        strict: bool,
        on_event: &mut F,
    ) -> Result<Report>
    where
        F: FnMut(Event<'_>),
    {
        let mut report = Report::default();
        while let Ok(chunk) = chunks.recv() {
            for record in chunk {
                match record {
                    Ok((article, enrichment)) => {
                        let outcome = self.upsert(&article, &enrichment)?;
                        match outcome {
                            Upsert::Added => report.added += 1,
                            Upsert::Updated => report.updated += 1,
                        }
                        on_event(Event::Indexed(&article, outcome));
                    }
                    Err(err) => {
                        report.rejected += 1;
                        on_event(Event::Rejected(&err));
                        if strict {
                            self.commit()?;
                            return Err(err);
                        }
                    }
                }
            }
        }
        Ok(report)
    }
}
