//! Stories: the groups of near-duplicates of the whole index at the default rule, as the writer
//! keeps them in the story column (each article's story is decided when it is written, see
//! [`crate::writer`]). Read once per searcher into one number per document, so that counting the
//! stories behind a query's matches reads one number per match instead of clustering them all at
//! query time. A query that groups by another rule finds its stories from the matches instead.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use tantivy::index::SegmentId;
use tantivy::Searcher;

use super::columns::SegmentStoryColumn;
use crate::fingerprint::StoryRule;
use crate::Result;

/// Marks an article that is in no group: a story of its own.
pub(crate) const ALONE: u32 = u32::MAX;

/// The story of every article of the segments it was read from.
#[derive(Debug)]
pub(crate) struct Stories {
    /// The rule the groups were formed by.
    pub(crate) rule: StoryRule,
    /// Per segment, each document's story ([`ALONE`] for most): stories of two or more live
    /// articles are numbered densely from 0.
    segments: HashMap<SegmentId, SegmentStories>,
}

/// The stories of one segment, and the segment they were read from.
#[derive(Debug)]
struct SegmentStories {
    /// Each document's story; empty when every article of the segment is alone, so that counting
    /// over such a segment reads nothing per match (a 1M-article corpus without copies).
    column: Arc<[u32]>,
    /// The segment's documents and its live ones when read: deleting from a segment keeps its id.
    max_doc: u32,
    alive: u32,
}

impl Stories {
    /// Reads the story column of every segment of `searcher`: articles that share a story key with
    /// another live article get the story's number, the others are [`ALONE`].
    pub(crate) fn read(searcher: &Searcher) -> Result<Stories> {
        let readers = searcher.segment_readers();
        let mut keys: Vec<Vec<Option<u64>>> = Vec::with_capacity(readers.len());
        let mut seen: FxHashMap<u64, u32> = FxHashMap::default();
        for segment in readers {
            let column = SegmentStoryColumn::open(segment)?;
            let mut segment_keys = vec![None; segment.max_doc() as usize];
            for doc in segment.doc_ids_alive() {
                if let Some((story, _)) = column.get(doc) {
                    *seen.entry(story).or_default() += 1;
                    segment_keys[doc as usize] = Some(story);
                }
            }
            keys.push(segment_keys);
        }
        let mut numbers: FxHashMap<u64, u32> = FxHashMap::default();
        for (&story, &count) in &seen {
            if count >= 2 {
                let next = numbers.len() as u32;
                numbers.insert(story, next);
            }
        }
        let segments = readers
            .iter()
            .zip(keys)
            .map(|(segment, keys)| {
                let mut column: Arc<[u32]> = keys
                    .into_iter()
                    .map(|key| key.and_then(|k| numbers.get(&k).copied()).unwrap_or(ALONE))
                    .collect();
                if column.iter().all(|&story| story == ALONE) {
                    column = Arc::new([]);
                }
                let stories = SegmentStories {
                    column,
                    max_doc: segment.max_doc(),
                    alive: segment.num_docs(),
                };
                (segment.segment_id(), stories)
            })
            .collect();
        Ok(Stories {
            rule: StoryRule::default(),
            segments,
        })
    }

    /// Whether the stories cover exactly the segments of `searcher`, with the same live documents
    /// (an upsert deletes from a segment without changing its id).
    pub(crate) fn covers(&self, searcher: &Searcher) -> bool {
        let readers = searcher.segment_readers();
        readers.len() == self.segments.len()
            && readers.iter().all(|r| {
                self.segments
                    .get(&r.segment_id())
                    .is_some_and(|s| s.max_doc == r.max_doc() && s.alive == r.num_docs())
            })
    }

    /// The number of stories of two or more articles, and the articles in them.
    pub(crate) fn summary(&self) -> (u64, u64) {
        let mut stories = std::collections::HashSet::new();
        let mut articles = 0u64;
        for segment in self.segments.values() {
            for &story in segment.column.iter().filter(|&&s| s != ALONE) {
                stories.insert(story);
                articles += 1;
            }
        }
        (stories.len() as u64, articles)
    }

    /// Each document's story in `segment`; empty when all its articles are alone (a document
    /// past the end is [`ALONE`]).
    pub(crate) fn segment(&self, segment: SegmentId) -> Option<Arc<[u32]>> {
        self.segments.get(&segment).map(|s| s.column.clone())
    }
}
