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
    segments: HashMap<SegmentId, Arc<[u32]>>,
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
                let column: Arc<[u32]> = keys
                    .into_iter()
                    .map(|key| key.and_then(|k| numbers.get(&k).copied()).unwrap_or(ALONE))
                    .collect();
                (segment.segment_id(), column)
            })
            .collect();
        Ok(Stories {
            rule: StoryRule::default(),
            segments,
        })
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
}
