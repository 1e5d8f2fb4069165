//! Stories: the groups of near-duplicates of the whole index at the default distance, found once when
//! a writer finishes and kept in a file next to the index, so that counting the stories behind a
//! query's matches reads one number per match instead of clustering them all at query time.
//!
//! The file describes the segments it was computed on. A search uses it only when it covers every
//! segment the searcher sees (a run that stopped before writing it, or a library user who committed
//! without [`crate::writer::Writer::finish`], leaves it stale) and the query groups at the file's distance;
//! otherwise stories are found from the matches at query time, as before the file existed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::index::SegmentId;
use tantivy::Searcher;

use crate::fingerprint::{self, Signature};
use crate::{Error, Result};

/// The file, in the index directory.
pub const FILE: &str = "newsidx-stories.json";

/// Marks an article that is in no group: a story of its own.
pub(crate) const ALONE: u32 = u32::MAX;

/// Memory one article takes while stories are found: its signature, its address, its band key, its
/// place in the disjoint sets and in the grouping, and its story.
const BYTES_PER_ARTICLE: usize = std::mem::size_of::<Signature>() + 8 + 8 + 16 + 16 + 4;

/// The story of every article of the segments it was computed on.
#[derive(Debug)]
pub(crate) struct Stories {
    /// Distance the groups were formed at.
    pub(crate) max_distance: u32,
    /// Per segment, each document's story ([`ALONE`] for most).
    segments: HashMap<SegmentId, Arc<[u32]>>,
}

/// Whether finding the stories of `articles` takes at most `budget` bytes.
fn fits(budget: usize, articles: usize) -> bool {
    memory_needed(articles) <= budget
}

/// The memory, in bytes, that finding the stories of `articles` articles takes: the writer's memory
/// budget (`newsidx index --heap-mb`) must be at least this for the stories file to be written.
pub fn memory_needed(articles: usize) -> usize {
    articles.saturating_mul(BYTES_PER_ARTICLE)
}

/// The stored form: per segment, only the documents that share a story.
#[derive(Serialize, Deserialize)]
struct StoredStories {
    signatures: u32,
    max_distance: u32,
    segments: Vec<StoredSegment>,
}

#[derive(Serialize, Deserialize)]
struct StoredSegment {
    id: String,
    max_doc: u32,
    /// `[doc, story]` pairs.
    grouped: Vec<[u32; 2]>,
}

impl Stories {
    /// Groups the live articles of `searcher`'s segments at `max_distance` with
    /// [`fingerprint::stories`], their signatures held in memory; `None` when that would take more
    /// than `budget` bytes.
    pub(crate) fn find(
        searcher: &Searcher,
        max_distance: u32,
        budget: usize,
    ) -> Result<Option<Stories>> {
        let readers = searcher.segment_readers();
        let articles = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        if !fits(budget, articles) {
            return Ok(None);
        }
        let (addresses, signatures) = super::columns::all_live(searcher)?;
        let mut columns: Vec<Vec<u32>> = readers
            .iter()
            .map(|s| vec![ALONE; s.max_doc() as usize])
            .collect();
        let groups = fingerprint::stories(&signatures, max_distance);
        drop(signatures);
        for (story, members) in groups.into_iter().enumerate() {
            for m in members {
                let address = addresses[m];
                columns[address.segment_ord as usize][address.doc_id as usize] = story as u32;
            }
        }
        let segments = readers
            .iter()
            .zip(columns)
            .map(|(s, column)| (s.segment_id(), column.into()))
            .collect();
        Ok(Some(Stories {
            max_distance,
            segments,
        }))
    }

    /// Whether the stories cover exactly the segments of `searcher`.
    pub(crate) fn covers(&self, searcher: &Searcher) -> bool {
        let readers = searcher.segment_readers();
        readers.len() == self.segments.len()
            && readers.iter().all(|r| {
                self.segments
                    .get(&r.segment_id())
                    .is_some_and(|column| column.len() == r.max_doc() as usize)
            })
    }

    /// The number of stories of two or more articles, and the articles in them.
    pub(crate) fn summary(&self) -> (u64, u64) {
        let mut stories = std::collections::HashSet::new();
        let mut articles = 0u64;
        for column in self.segments.values() {
            for &story in column.iter().filter(|&&s| s != ALONE) {
                stories.insert(story);
                articles += 1;
            }
        }
        (stories.len() as u64, articles)
    }

    /// Each document's story in `segment`.
    pub(crate) fn segment(&self, segment: SegmentId) -> Option<Arc<[u32]>> {
        self.segments.get(&segment).cloned()
    }

    /// Writes the file into `dir`, replacing the old one whole (written aside, then renamed).
    pub(crate) fn save(&self, dir: &Path) -> Result<()> {
        let mut segments: Vec<StoredSegment> = self
            .segments
            .iter()
            .map(|(id, column)| StoredSegment {
                id: id.uuid_string(),
                max_doc: column.len() as u32,
                grouped: (0u32..)
                    .zip(column.iter())
                    .filter(|&(_, &story)| story != ALONE)
                    .map(|(doc, &story)| [doc, story])
                    .collect(),
            })
            .collect();
        segments.sort_by(|a, b| a.id.cmp(&b.id));
        let stored = StoredStories {
            signatures: fingerprint::ALGORITHM_VERSION,
            max_distance: self.max_distance,
            segments,
        };
        let path = dir.join(FILE);
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let aside = dir.join(format!("{FILE}.tmp"));
        let json = serde_json::to_vec(&stored).unwrap_or_default();
        std::fs::write(&aside, json).map_err(io)?;
        std::fs::rename(&aside, &path).map_err(io)
    }

    /// Reads the file in `dir`; `None` when there is none or it cannot be used for `searcher`
    /// (unreadable, another signature version, other segments, a document out of range): stories
    /// are then found at query time.
    pub(crate) fn load(dir: &Path, searcher: &Searcher) -> Option<Stories> {
        let bytes = std::fs::read(dir.join(FILE)).ok()?;
        let stored: StoredStories = serde_json::from_slice(&bytes).ok()?;
        if stored.signatures != fingerprint::ALGORITHM_VERSION
            || stored.segments.len() != searcher.segment_readers().len()
        {
            return None;
        }
        let live: HashMap<SegmentId, u32> = searcher
            .segment_readers()
            .iter()
            .map(|r| (r.segment_id(), r.max_doc()))
            .collect();
        let mut segments = HashMap::new();
        for segment in stored.segments {
            let id = SegmentId::from_uuid_string(&segment.id).ok()?;
            // Checked before allocating: the file says how long each column is.
            if live.get(&id) != Some(&segment.max_doc) {
                return None;
            }
            let mut column = vec![ALONE; segment.max_doc as usize];
            for [doc, story] in segment.grouped {
                *column.get_mut(doc as usize)? = story;
            }
            segments.insert(id, column.into());
        }
        Some(Stories {
            max_distance: stored.max_distance,
            segments,
        })
    }

    /// Removes the file in `dir`, if any.
    pub(crate) fn remove(dir: &Path) -> Result<()> {
        match std::fs::remove_file(dir.join(FILE)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Io {
                path: dir.join(FILE),
                source: e,
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_bounds_the_articles() {
        const MIB: usize = 1 << 20;
        assert_eq!(BYTES_PER_ARTICLE, 308);
        assert!(fits(256 * MIB, 20_000));
        assert!(fits(256 * MIB, 870_000));
        assert!(!fits(256 * MIB, 1_000_000));
        assert!(fits(512 * MIB, 1_000_000));
        assert!(fits(0, 0));
    }
}
