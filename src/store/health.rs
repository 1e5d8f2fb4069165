//! Checking an index and setting its damaged segments aside.
//!
//! [`check`] reads every file of every segment the last commit lists: each must exist, end in
//! tantivy's footer, and match the checksum the footer holds; each segment must then open. The
//! marker file and `meta.json` must parse. [`repair`] moves the files of damaged segments into a
//! quarantine folder inside the index (nothing is deleted), writes a commit without them, lists the
//! ids and origins still readable from them so they can be indexed again, and leaves an index that
//! opens.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use tantivy::directory::error::OpenReadError;
use tantivy::directory::{Directory, INDEX_WRITER_LOCK};
use tantivy::index::SegmentComponent;
use tantivy::schema::Value;
use tantivy::store::StoreReader;
use tantivy::{Index, IndexMeta, SegmentMeta, SegmentReader, TantivyDocument, TantivyError};

use super::Store;
use crate::{Error, Result};

/// Folder inside the index where [`repair`] moves damaged segments.
pub const QUARANTINE_DIR: &str = "quarantine";

/// One damaged segment.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Damage {
    /// The segment's id (its files are named after it).
    pub segment: String,
    /// Articles the segment holds (as the commit records them).
    pub articles: u64,
    /// What is wrong, file by file (`3f0c….pos: checksum mismatch`).
    pub problems: Vec<String>,
}

/// What [`check`] found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Health {
    /// The index directory.
    pub index: PathBuf,
    /// Whether nothing is wrong.
    pub healthy: bool,
    /// Segments in the last commit.
    pub segments: u64,
    /// Articles in the segments that are sound.
    pub articles: u64,
    /// The damaged segments.
    pub damaged: Vec<Damage>,
    /// Problems of the index as a whole (the marker, `meta.json`): no repair can fix these.
    pub problems: Vec<String>,
}

/// An article of a damaged segment whose stored fields could still be read.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Lost {
    /// The article's id.
    pub id: String,
    /// The record it came from (`feed.jsonl:7`): index it again from there.
    pub origin: String,
}

/// What [`repair`] did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Repaired {
    /// The check before the repair.
    pub before: Health,
    /// Where the damaged segments' files went (`None` when nothing was damaged).
    pub quarantine: Option<PathBuf>,
    /// Articles removed with the damaged segments.
    pub articles_removed: u64,
    /// Those of them whose id and origin could be read, also written to `lost.jsonl` in the
    /// quarantine folder.
    pub lost: Vec<Lost>,
    /// Articles the index holds after the repair.
    pub articles: u64,
}

/// The segment id of a segment file name: the 32 hex digits before the first dot.
pub fn segment_of(file: &str) -> Option<&str> {
    let stem = file.split('.').next()?;
    (stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit())).then_some(stem)
}

/// Checks the index at `path` (see the module comment). Fails only when there is no index there
/// or it cannot be read at all; damage is reported in the [`Health`].
pub fn check(path: &Path) -> Result<Health> {
    let mut health = Health {
        index: path.to_path_buf(),
        healthy: true,
        segments: 0,
        articles: 0,
        damaged: Vec::new(),
        problems: Vec::new(),
    };
    let index = match open_raw(path)? {
        Ok(index) => index,
        Err(problem) => {
            health.healthy = false;
            health.problems.push(problem);
            return Ok(health);
        }
    };
    if let Err(err) = Store::open(path) {
        health.problems.push(err.to_string());
    }
    let metas = match index.load_metas() {
        Ok(metas) => metas,
        Err(err) => {
            health.healthy = false;
            health.problems.push(format!(
                "meta.json is unreadable: {}",
                short(&err.to_string())
            ));
            return Ok(health);
        }
    };
    health.segments = metas.segments.len() as u64;
    for (meta, files) in segment_files(&metas) {
        let problems = check_segment(&index, &meta, &files);
        if problems.is_empty() {
            health.articles += u64::from(meta.num_docs());
        } else {
            health.damaged.push(Damage {
                segment: meta.id().uuid_string(),
                articles: u64::from(meta.num_docs()),
                problems,
            });
        }
    }
    health.healthy = health.damaged.is_empty() && health.problems.is_empty();
    Ok(health)
}

/// Sets the damaged segments of the index at `path` aside (see the module comment). Takes the
/// writer lock, so it fails while another process writes. An index with nothing damaged is left
/// as it is.
pub fn repair(path: &Path) -> Result<Repaired> {
    let before = check(path)?;
    if !before.problems.is_empty() {
        return Err(Error::Index {
            path: path.to_path_buf(),
            message: format!(
                "cannot be repaired: {}; restore it from a backup or index your sources again",
                before.problems.join("; ")
            ),
        });
    }
    let index = open_raw(path)?.map_err(|message| Error::Index {
        path: path.to_path_buf(),
        message,
    })?;
    let mut repaired = Repaired {
        before: before.clone(),
        quarantine: None,
        articles_removed: 0,
        lost: Vec::new(),
        articles: before.articles,
    };
    if before.damaged.is_empty() {
        return Ok(repaired);
    }
    let directory = index.directory();
    let _lock = directory
        .acquire_lock(&INDEX_WRITER_LOCK)
        .map_err(|_| Error::Index {
            path: path.to_path_buf(),
            message: "another process is writing to this index (lock file .tantivy-writer.lock is \
                      held); wait for it to finish, then repair"
                .into(),
        })?;
    let mut metas = index.load_metas()?;
    let damaged: BTreeSet<&str> = before.damaged.iter().map(|d| d.segment.as_str()).collect();
    let files = segment_files(&metas);
    // What can still be read from the damaged segments, before their files move.
    let fields = super::Fields::load()?;
    for (meta, _) in &files {
        if damaged.contains(meta.id().uuid_string().as_str()) {
            repaired.lost.extend(readable_ids(&index, &fields, meta));
        }
    }
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let quarantine = path.join(QUARANTINE_DIR).join(stamp.to_string());
    let io = |source, at: &Path| Error::Io {
        path: at.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(&quarantine).map_err(|e| io(e, &quarantine))?;
    // The commit without them first: once it is written, the moved files are nobody's.
    metas
        .segments
        .retain(|m| !damaged.contains(m.id().uuid_string().as_str()));
    let mut json = serde_json::to_vec_pretty(&metas).map_err(|e| Error::Index {
        path: path.to_path_buf(),
        message: format!("cannot write meta.json: {e}"),
    })?;
    json.push(b'\n');
    directory.sync_directory().map_err(|e| io(e, path))?;
    directory
        .atomic_write(Path::new("meta.json"), &json)
        .map_err(|e| io(e, &path.join("meta.json")))?;
    for (meta, names) in &files {
        if !damaged.contains(meta.id().uuid_string().as_str()) {
            continue;
        }
        repaired.articles_removed += u64::from(meta.num_docs());
        for name in names {
            let from = path.join(name);
            if from.exists() {
                std::fs::rename(&from, quarantine.join(name)).map_err(|e| io(e, &from))?;
            }
        }
    }
    let mut lines = String::new();
    for lost in &repaired.lost {
        lines.push_str(&serde_json::to_string(lost).unwrap_or_default());
        lines.push('\n');
    }
    let listing = quarantine.join("lost.jsonl");
    std::fs::write(&listing, lines).map_err(|e| io(e, &listing))?;
    repaired.articles = Store::open(path)?.reader()?.searcher().num_docs();
    repaired.quarantine = Some(quarantine);
    Ok(repaired)
}

/// The tantivy index at `path` without newsidx's checks: `Err(problem)` when there is an index
/// whose `meta.json` cannot be read.
fn open_raw(path: &Path) -> Result<std::result::Result<Index, String>> {
    if !path.join(super::MARKER_FILE).exists() {
        // Store::open says what is wrong: no index, not a newsidx index.
        Store::open(path)?;
    }
    let directory = super::directory::open(path).map_err(|e| Error::Index {
        path: path.to_path_buf(),
        message: format!("cannot open: {}", short(&e.to_string())),
    })?;
    Ok(Index::open(directory).map_err(|e| format!("meta.json: {}", short(&e.to_string()))))
}

/// Each segment of the commit with the names of its files.
fn segment_files(metas: &IndexMeta) -> Vec<(SegmentMeta, Vec<String>)> {
    let mut by_segment: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in metas.list_segment_files() {
        let name = file.to_string_lossy().into_owned();
        if let Some(segment) = segment_of(&name) {
            by_segment
                .entry(segment.to_string())
                .or_default()
                .push(name);
        }
    }
    metas
        .segments
        .iter()
        .map(|meta| {
            let mut files = by_segment
                .remove(&meta.id().uuid_string())
                .unwrap_or_default();
            // tantivy lists a delete file for every segment and may list a temporary store; a
            // segment without deletes has no delete file.
            files.retain(|f| {
                !f.ends_with(".store.temp") && (meta.has_deletes() || !f.ends_with(".del"))
            });
            files.sort();
            (meta.clone(), files)
        })
        .collect()
}

/// What is wrong with one segment: missing files, bad footers or checksums, or a failure to open.
fn check_segment(index: &Index, meta: &SegmentMeta, files: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for name in files {
        let file = Path::new(name);
        if !index.directory().exists(file).unwrap_or(false) {
            problems.push(format!("{name}: missing"));
            continue;
        }
        match index.directory().validate_checksum(file) {
            Ok(true) => {}
            Ok(false) => problems.push(format!("{name}: checksum mismatch")),
            Err(err) => problems.push(describe_read(&err)),
        }
    }
    if problems.is_empty() {
        let segment = index.segment(meta.clone());
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            SegmentReader::open(&segment).map(|_| ())
        })) {
            Ok(Ok(())) => {}
            Ok(Err(err)) => problems.push(format!("does not open: {}", describe(&err))),
            Err(_) => problems.push("does not open (its data is inconsistent)".into()),
        }
    }
    problems
}

/// The ids and origins that can still be read from a damaged segment's stored fields.
fn readable_ids(index: &Index, fields: &super::Fields, meta: &SegmentMeta) -> Vec<Lost> {
    let segment = index.segment(meta.clone());
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // The live documents come from the segment when it opens; when it does not (a damaged
        // term dictionary, say), from the stored fields alone, which only a segment without
        // deletes allows (a deleted document is an older copy, not to be indexed again).
        let (store, alive): (StoreReader, Vec<u32>) = match SegmentReader::open(&segment) {
            Ok(reader) => (
                reader.get_store_reader(1).ok()?,
                reader.doc_ids_alive().collect(),
            ),
            Err(_) if !meta.has_deletes() => {
                let file = meta.relative_path(SegmentComponent::Store);
                let body = index.directory().open_read(&file).ok()?;
                (
                    StoreReader::open(body, 1).ok()?,
                    (0..meta.max_doc()).collect(),
                )
            }
            Err(_) => return None,
        };
        let mut lost = Vec::new();
        for doc_id in alive {
            let Ok(doc) = store.get::<TantivyDocument>(doc_id) else {
                continue;
            };
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            if let Some(id) = text(fields.id) {
                lost.push(Lost {
                    id,
                    origin: text(fields.origin).unwrap_or_default(),
                });
            }
        }
        Some(lost)
    }));
    read.ok().flatten().unwrap_or_default()
}

/// tantivy's error text cut to its first line and without its debug dumps.
pub(crate) fn short(text: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    let cut = first
        .find(" IoError {")
        .or_else(|| first.find("{ "))
        .unwrap_or(first.len());
    first[..cut]
        .trim_end_matches([' ', ':', '\'', '('])
        .to_string()
}

/// A file that cannot be read, in words: the file and the first sentence of the cause.
fn describe_read(err: &OpenReadError) -> String {
    match err {
        OpenReadError::FileDoesNotExist(file) => format!("{}: missing", file.display()),
        OpenReadError::IoError { io_error, filepath } => {
            let cause = io_error.to_string();
            let cause = cause.split(". ").next().unwrap_or(&cause).to_string();
            format!("{}: {cause}", filepath.display())
        }
        other => short(&other.to_string()),
    }
}

/// tantivy's error in words, without its debug dumps.
pub(crate) fn describe(err: &TantivyError) -> String {
    match err {
        TantivyError::OpenReadError(read) => describe_read(read),
        TantivyError::IoError(io) => io.to_string(),
        other => short(&other.to_string()),
    }
}

/// An error met while opening the index's segments: when it names a segment's file, an
/// [`Error::Index`] naming the segment and pointing at `newsidx check`.
pub(crate) fn damaged(path: &Path, err: TantivyError) -> Error {
    let text = describe(&err);
    let segment = text
        .split(|c: char| !c.is_ascii_hexdigit())
        .find(|word| segment_of(word).is_some());
    match segment {
        Some(segment) => Error::Index {
            path: path.to_path_buf(),
            message: format!(
                "segment {segment} is damaged ({text}); `newsidx check` lists what is damaged and \
                 `newsidx repair` sets it aside"
            ),
        },
        None => err.into(),
    }
}
