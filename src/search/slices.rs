//! The pass over every match on several threads, in slices of about equal size: a segment larger
//! than its share is cut into ranges of documents, so that the threads finish together. On a
//! million articles in three segments of 320,000 and one of 40,000, two threads searching a segment
//! each at a time had one thread search two large segments while the other searched one and the
//! small one (DESIGN.md 2.18).
//!
//! A collector that looks at its segment as a whole (facets counted from a segment's totals) must
//! know which documents its slice holds: [`SliceCollector::for_slice`] tells it. The others are
//! wrapped in [`Local`], which hands them the slice as if it were a segment.

use std::ops::Range;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentReader;
use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentOrdinal, TERMINATED};

/// A collector whose segment collectors can be given a range of a segment's documents.
pub(crate) trait SliceCollector: Collector {
    /// The collector of the documents `docs` of `segment`; [`Collector::for_segment`] is this with
    /// every document of the segment.
    fn for_slice(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
        docs: Range<DocId>,
    ) -> tantivy::Result<Self::Child>;
}

/// A collector that counts only the documents it is given, with no view of its segment as a whole
/// (a top-k, a count): a slice is to it a segment, and the fruits of one segment's slices merge as
/// those of several segments do.
pub(crate) struct Local<C>(pub C);

impl<C: Collector> Collector for Local<C> {
    type Fruit = C::Fruit;
    type Child = C::Child;

    fn check_schema(&self, schema: &tantivy::schema::Schema) -> tantivy::Result<()> {
        self.0.check_schema(schema)
    }

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<C::Child> {
        self.0.for_segment(segment, reader)
    }

    fn requires_scoring(&self) -> bool {
        self.0.requires_scoring()
    }

    fn merge_fruits(
        &self,
        fruits: Vec<<C::Child as SegmentCollector>::Fruit>,
    ) -> tantivy::Result<C::Fruit> {
        self.0.merge_fruits(fruits)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<<C::Child as SegmentCollector>::Fruit> {
        self.0.collect_segment(weight, segment, reader)
    }
}

impl<C: Collector> SliceCollector for Local<C> {
    fn for_slice(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
        _: Range<DocId>,
    ) -> tantivy::Result<C::Child> {
        self.0.for_segment(segment, reader)
    }
}

impl<C: SliceCollector> SliceCollector for Option<C> {
    fn for_slice(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
        docs: Range<DocId>,
    ) -> tantivy::Result<Self::Child> {
        self.as_ref()
            .map(|c| c.for_slice(segment, reader, docs))
            .transpose()
    }
}

/// Tuples of slice collectors, as tantivy's tuples of collectors: each member gets the slice.
macro_rules! slice_tuple {
    ($($member:ident $index:tt),+) => {
        impl<$($member: SliceCollector),+> SliceCollector for ($($member,)+) {
            fn for_slice(
                &self,
                segment: SegmentOrdinal,
                reader: &SegmentReader,
                docs: Range<DocId>,
            ) -> tantivy::Result<Self::Child> {
                Ok(($(self.$index.for_slice(segment, reader, docs.clone())?,)+))
            }
        }
    };
}

slice_tuple!(A 0, B 1);
slice_tuple!(A 0, B 1, C 2, D 3);

/// One task of the pass: documents `docs` of segment `segment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slice {
    pub(crate) segment: SegmentOrdinal,
    pub(crate) docs: Range<DocId>,
}

/// Slices per thread that the documents are cut into, at most: with two, a thread that finishes
/// its slice early takes another, and no slice is larger than half a thread's share.
const SLICES_PER_THREAD: u64 = 2;

/// The slices of segments of `sizes` documents (`max_doc`, deleted ones included) for `threads`
/// threads: a segment of more than `1 / (threads × SLICES_PER_THREAD)` of all documents is cut
/// into equal ranges no larger than that; the others are one slice each. In segment order, and in
/// document order within a segment, so that merged fruits come in the order of one thread's pass.
pub(crate) fn plan(sizes: &[DocId], threads: usize) -> Vec<Slice> {
    let total: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
    let pieces = (threads.max(1) as u64).saturating_mul(SLICES_PER_THREAD);
    let largest = total.div_ceil(pieces).max(1);
    let mut slices = Vec::new();
    for (segment, &size) in sizes.iter().enumerate() {
        let segment = segment as SegmentOrdinal;
        let cuts = u64::from(size).div_ceil(largest).max(1);
        for cut in 0..cuts {
            let at = |i: u64| (u64::from(size) * i / cuts) as DocId;
            slices.push(Slice {
                segment,
                docs: at(cut)..at(cut + 1),
            });
        }
    }
    slices
}

/// `Searcher::search` with `collector`, its pass over the matches run on `executor`'s `threads`
/// threads in the slices [`plan`] makes. A slice holding a whole segment is collected as tantivy
/// collects a segment; a slice of part of a segment runs the query's scorer from its first document
/// to its last.
pub(crate) fn search<C: SliceCollector>(
    searcher: &Searcher,
    executor: &tantivy::Executor,
    threads: usize,
    query: &dyn Query,
    collector: &C,
) -> tantivy::Result<C::Fruit> {
    let scoring = if collector.requires_scoring() {
        EnableScoring::enabled_from_searcher(searcher)
    } else {
        EnableScoring::disabled_from_searcher(searcher)
    };
    let weight = query.weight(scoring)?;
    collector.check_schema(searcher.schema())?;
    let readers = searcher.segment_readers();
    let sizes: Vec<DocId> = readers.iter().map(SegmentReader::max_doc).collect();
    let slices = plan(&sizes, threads);
    let fruits = executor.map(
        |slice: Slice| {
            let reader = &readers[slice.segment as usize];
            if slice.docs == (0..reader.max_doc()) {
                collector.collect_segment(weight.as_ref(), slice.segment, reader)
            } else {
                collect_slice(collector, weight.as_ref(), &slice, reader)
            }
        },
        slices.into_iter(),
    )?;
    collector.merge_fruits(fruits)
}

/// The fruit of `collector` over the documents of `slice` (part of `reader`'s segment) that match
/// and are not deleted.
fn collect_slice<C: SliceCollector>(
    collector: &C,
    weight: &dyn Weight,
    slice: &Slice,
    reader: &SegmentReader,
) -> tantivy::Result<<C::Child as SegmentCollector>::Fruit> {
    let mut child = collector.for_slice(slice.segment, reader, slice.docs.clone())?;
    let mut scorer = weight.scorer(reader, 1.0)?;
    let mut doc = scorer.doc();
    if doc < slice.docs.start {
        doc = scorer.seek(slice.docs.start);
    }
    let scoring = collector.requires_scoring();
    let alive = reader.alive_bitset();
    while doc != TERMINATED && doc < slice.docs.end {
        if alive.is_none_or(|a| a.is_alive(doc)) {
            let score: Score = if scoring { scorer.score() } else { 0.0 };
            child.collect(doc, score);
        }
        doc = scorer.advance();
    }
    Ok(child.harvest())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every document of every segment in exactly one slice, in order; no slice above its share
    /// (rounded up); a segment within its share left whole.
    #[test]
    fn slices_cover_each_segment_once_in_order() {
        for (sizes, threads) in [
            (vec![320_000, 320_000, 320_000, 40_000], 2),
            (vec![1_000_000], 2),
            (vec![7, 0, 3], 4),
            (vec![5], 1),
            (vec![], 3),
            (vec![1, 1, 1, 1, 1], 8),
            (vec![DocId::MAX, 10], 4),
        ] {
            let slices = plan(&sizes, threads);
            let total: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
            let largest = total.div_ceil(threads as u64 * SLICES_PER_THREAD).max(1);
            for (segment, &size) in sizes.iter().enumerate() {
                let mine: Vec<&Slice> = slices
                    .iter()
                    .filter(|s| s.segment as usize == segment)
                    .collect();
                assert_eq!(mine.first().map(|s| s.docs.start), Some(0), "{sizes:?}");
                assert_eq!(mine.last().map(|s| s.docs.end), Some(size), "{sizes:?}");
                for pair in mine.windows(2) {
                    assert_eq!(pair[0].docs.end, pair[1].docs.start, "{sizes:?}");
                }
                for slice in &mine {
                    assert!(u64::from(slice.docs.end - slice.docs.start) <= largest);
                }
                if u64::from(size) <= largest {
                    assert_eq!(mine.len(), 1, "{sizes:?}: segment {segment} whole");
                }
            }
            assert!(slices.windows(2).all(|p| p[0].segment <= p[1].segment));
        }
        let even = plan(&[320_000, 320_000, 320_000, 40_000], 2);
        let sizes: Vec<DocId> = even.iter().map(|s| s.docs.end - s.docs.start).collect();
        assert_eq!(
            sizes,
            [160_000, 160_000, 160_000, 160_000, 160_000, 160_000, 40_000]
        );
    }
}
