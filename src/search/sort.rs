//! Hits in date order: a collector keeping the `k` newest (or oldest) matches, read from the
//! `published` fast column. Undated articles come last in both orders, and ties (one date) go by
//! document address, so that pages of one reader never overlap or skip.

use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::index::SegmentReader;
use tantivy::{DateTime, DocAddress, DocId, Score, SegmentOrdinal};

use crate::store::schema::names;

/// The order of a search's hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best BM25 score first.
    #[default]
    Relevance,
    /// Latest publication first; undated articles last.
    Newest,
    /// Earliest publication first; undated articles last.
    Oldest,
}

impl Sort {
    /// The order to use for `query` when `asked` (none: newest first for `*`, which matches every
    /// article alike, relevance otherwise).
    pub fn resolve(asked: Option<Sort>, query: &str) -> Sort {
        asked.unwrap_or(if query.trim() == "*" {
            Sort::Newest
        } else {
            Sort::Relevance
        })
    }
}

/// Where a match falls in a date order: smaller first. Dated before undated; then by time,
/// reversed for newest first.
pub(crate) type DateKey = (bool, i64);

/// The key of an article published at `secs` (none: undated) in the order `newest` or oldest first.
pub(crate) fn date_key(secs: Option<i64>, newest: bool) -> DateKey {
    match secs {
        Some(s) if newest => (false, s.saturating_neg()),
        Some(s) => (false, s),
        None => (true, 0),
    }
}

/// A match kept by [`TopByDate`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dated {
    pub(crate) key: DateKey,
    pub(crate) address: DocAddress,
    pub(crate) score: Score,
}

/// Collects the first `k` matches in date order (see [`date_key`]), ties by address.
pub(crate) struct TopByDate {
    pub(crate) k: usize,
    pub(crate) newest: bool,
}

/// One segment's entry; ordered by key then doc, the heap's top being the last kept.
struct Entry {
    key: DateKey,
    doc: DocId,
    score: Score,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.key, self.doc) == (other.key, other.doc)
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.key, self.doc).cmp(&(other.key, other.doc))
    }
}

pub(crate) struct SegmentTopByDate {
    segment: SegmentOrdinal,
    k: usize,
    newest: bool,
    dates: Column<DateTime>,
    heap: BinaryHeap<Entry>,
}

/// The `published` column of `segment`, in seconds.
pub(crate) fn published(segment: &SegmentReader) -> tantivy::Result<Column<DateTime>> {
    segment.fast_fields().date(names::PUBLISHED)
}

impl Collector for TopByDate {
    type Fruit = Vec<Dated>;
    type Child = SegmentTopByDate;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTopByDate> {
        Ok(SegmentTopByDate {
            segment,
            k: self.k,
            newest: self.newest,
            dates: published(reader)?,
            heap: BinaryHeap::with_capacity(self.k.min(4096) + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Dated>>) -> tantivy::Result<Vec<Dated>> {
        let mut all: Vec<Dated> = fruits.into_iter().flatten().collect();
        all.sort_unstable_by_key(|d| (d.key, d.address));
        all.truncate(self.k);
        Ok(all)
    }
}

impl SegmentCollector for SegmentTopByDate {
    type Fruit = Vec<Dated>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.k == 0 {
            return;
        }
        let secs = self.dates.first(doc).map(|d| d.into_timestamp_secs());
        let entry = Entry {
            key: date_key(secs, self.newest),
            doc,
            score,
        };
        if self.heap.len() < self.k {
            self.heap.push(entry);
        } else if self.heap.peek().is_some_and(|last| entry < *last) {
            self.heap.pop();
            self.heap.push(entry);
        }
    }

    fn harvest(self) -> Vec<Dated> {
        let segment = self.segment;
        self.heap
            .into_vec()
            .into_iter()
            .map(|e| Dated {
                key: e.key,
                address: DocAddress::new(segment, e.doc),
                score: e.score,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undated_articles_come_last_in_both_orders() {
        for newest in [true, false] {
            let mut keys = [Some(5), None, Some(-3), Some(i64::MIN), Some(9)]
                .map(|s| (date_key(s, newest), s));
            keys.sort();
            let order: Vec<Option<i64>> = keys.iter().map(|k| k.1).collect();
            if newest {
                assert_eq!(order, [Some(9), Some(5), Some(-3), Some(i64::MIN), None]);
            } else {
                assert_eq!(order, [Some(i64::MIN), Some(-3), Some(5), Some(9), None]);
            }
        }
    }
}
