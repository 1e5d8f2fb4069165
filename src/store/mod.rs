//! The index on disk: the schema and its field names, the marker file with the format versions, the
//! signatures files (a tantivy segment plugin), the column encodings of stories and entity facets,
//! and the stories read from the story column. [`Store`] creates and opens an index, checking that
//! it is a newsidx index of a format this build reads.

pub mod columns;
pub mod directory;
pub mod document;
#[cfg(test)]
pub(crate) mod faults;
pub mod health;
pub mod schema;
pub(crate) mod signatures;
pub mod stories;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::directory::error::LockError;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyError};

use crate::{Error, Result};
pub use schema::Fields;

/// Version of the on-disk layout newsidx writes. Bumped when the schema or the meaning of a field
/// changes. 2: title and body indexed from the shared token stream, one `fingerprint` column (the
/// signature; the separate SimHash field is gone). 3: the `story` column (each article's story, kept
/// up to date as articles are written; the stories file is gone). 4: the signatures in each segment's
/// signatures file (`.sig`, [`signatures`]), no longer a fast field.
pub const FORMAT_VERSION: u32 = 4;

/// Name of the marker file that makes a directory a newsidx index.
pub const MARKER_FILE: &str = "newsidx.json";

/// A hidden folder beside `path`, unique to this process and moment, where a new index is made.
fn staging_dir(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "index".into(), |n| n.to_string_lossy().into_owned());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let staging = format!(".{name}.new-{}-{nanos}", std::process::id());
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(staging),
        _ => PathBuf::from(staging),
    }
}

/// Contents of the marker file.
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    format: u32,
    created_by: String,
    /// [`crate::fingerprint::ALGORITHM_VERSION`] of the stored fingerprints: fingerprints of two
    /// versions do not compare.
    #[serde(default)]
    signatures: u32,
}

/// An index directory, opened: the tantivy index with newsidx's tokenizers registered and its fields
/// resolved. Cheap to clone (tantivy's index is shared).
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    index: Index,
    fields: Fields,
    /// Holds the signatures files of the readers' segments open (see
    /// [`signatures::SignaturesWarmer`]).
    warmer: std::sync::Arc<signatures::SignaturesWarmer>,
}

impl Store {
    /// Opens the index at `path`, creating it (and the directory) when there is none yet.
    pub fn open_or_create(path: &Path) -> Result<Store> {
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
            return Store::open(path);
        }
        // The index is made whole (tantivy's files and the marker) in a folder beside it, then
        // renamed into place: another process starting at the same moment sees either no index
        // or a whole one, never a folder without its marker. When two race, the loser's rename
        // fails and it opens the winner's index.
        let staging = staging_dir(path);
        let made = Store::create_in(&staging).and_then(|_| {
            if path.exists() {
                // An empty folder given by the user: rename replaces it (not a mount point).
                let _ = std::fs::remove_dir(path);
            }
            std::fs::rename(&staging, path).map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })
        });
        let _ = std::fs::remove_dir_all(&staging);
        match made {
            Ok(()) => Store::open(path),
            // Lost a race, or a folder that cannot be replaced (a mount point): made in place.
            Err(_) if path.join(MARKER_FILE).exists() => Store::open(path),
            Err(_) => {
                Store::create_in(path)?;
                Store::open(path)
            }
        }
    }

    /// Makes a new index (tantivy's files, then the marker) in `path`, created if missing.
    fn create_in(path: &Path) -> Result<()> {
        let io_err = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(path).map_err(io_err)?;
        let fields = Fields::load()?;
        Index::builder()
            .schema(fields.schema.clone())
            .register_plugin(std::sync::Arc::new(signatures::SignaturesPlugin))
            .create_in_dir(path)?;
        let marker = Marker {
            format: FORMAT_VERSION,
            created_by: format!("newsidx {}", env!("CARGO_PKG_VERSION")),
            signatures: crate::fingerprint::ALGORITHM_VERSION,
        };
        let marker = serde_json::to_string_pretty(&marker).unwrap_or_default();
        std::fs::write(path.join(MARKER_FILE), marker + "\n").map_err(io_err)
    }

    /// Opens an existing index. Fails with a message that says what is wrong when there is no
    /// index, the directory is not a newsidx index, or its format is not the one of this build.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_on(path, || directory::open(path).and_then(Index::open))
    }

    /// [`Store::open`] with the index opened on a directory of the test's choosing (one that
    /// injects faults, [`faults::Faulty`]).
    #[cfg(test)]
    pub(crate) fn open_with<D: tantivy::Directory>(path: &Path, directory: D) -> Result<Store> {
        Store::open_on(path, || Index::open(directory))
    }

    fn open_on(path: &Path, open_index: impl FnOnce() -> tantivy::Result<Index>) -> Result<Store> {
        let fail = |message: String| Error::Index {
            path: path.to_path_buf(),
            message,
        };
        if !path.exists() {
            return Err(Error::NoIndex {
                path: path.to_path_buf(),
            });
        }
        let marker_path = path.join(MARKER_FILE);
        let marker = match std::fs::read_to_string(&marker_path) {
            Ok(text) => serde_json::from_str::<Marker>(&text)
                .map_err(|e| fail(format!("{MARKER_FILE} is unreadable: {e}")))?,
            Err(_) => {
                return Err(fail(format!(
                    "not a newsidx index (no {MARKER_FILE}); use a directory made by newsidx, or \
                     an empty or new one"
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
        if marker.format < FORMAT_VERSION {
            return Err(fail(format!(
                "index format {} was written by an older newsidx ({}); this build reads format {}. \
                 Rebuild the index: delete the directory and index your sources again.",
                marker.format, marker.created_by, FORMAT_VERSION
            )));
        }
        if marker.signatures != crate::fingerprint::ALGORITHM_VERSION {
            return Err(fail(format!(
                "its near-duplicate fingerprints are version {} ({}); this build makes version {}, \
                 and the two do not compare. Rebuild the index: delete the directory and index your \
                 sources again.",
                marker.signatures,
                marker.created_by,
                crate::fingerprint::ALGORITHM_VERSION
            )));
        }
        let mut index = open_index().map_err(|e| fail(format!("cannot open: {e}")))?;
        index.register_plugin(std::sync::Arc::new(signatures::SignaturesPlugin));
        let fields = Fields::load()?;
        if index.schema() != fields.schema {
            return Err(fail(
                "the index schema differs from schemas/article.json of this build; rebuild the \
                 index with this version"
                    .into(),
            ));
        }
        schema::register_tokenizers(&index);
        let warmer = std::sync::Arc::new(signatures::SignaturesWarmer::new(index.clone()));
        Ok(Store {
            path: path.to_path_buf(),
            index,
            fields,
            warmer,
        })
    }

    /// The index directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tantivy index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The resolved schema fields.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// A new reader on the last commit. It reloads only when asked, so a search sees one consistent
    /// state.
    ///
    /// A reader that fails to open a file is tried once more: a commit made between reading
    /// `meta.json` and opening its files (a merge's clean-up, `newsidx repair` moving a damaged
    /// segment aside) is then read whole.
    pub fn reader(&self) -> Result<IndexReader> {
        let open = || {
            self.index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .warmers(vec![std::sync::Arc::downgrade(&self.warmer) as _])
                .try_into()
        };
        open()
            .or_else(|_| open())
            .map_err(|err| health::damaged(&self.path, err))
    }

    /// tantivy's lock error, said as what it means for the user.
    pub(crate) fn lock_error(&self, error: TantivyError) -> Error {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Many openers racing on a new folder: every one gets the same whole index, none sees a
    /// folder without its marker, and no staging folder is left behind.
    #[test]
    fn openers_racing_on_a_new_folder_all_get_a_whole_index() {
        for round in 0..10 {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join(format!("index{round}"));
            let start = std::sync::Barrier::new(6);
            std::thread::scope(|scope| {
                let openers: Vec<_> = (0..6)
                    .map(|_| {
                        scope.spawn(|| {
                            start.wait();
                            Store::open_or_create(&path).map(|_| ())
                        })
                    })
                    .collect();
                for opener in openers {
                    let opened = opener.join().expect("no panic");
                    assert!(opened.is_ok(), "round {round}: {opened:?}");
                }
            });
            let left: Vec<_> = std::fs::read_dir(dir.path())
                .expect("read")
                .map(|e| e.expect("entry").file_name())
                .collect();
            assert_eq!(left.len(), 1, "{left:?}");
        }
    }
}
