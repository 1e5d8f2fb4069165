//! Per-segment totals of a column's ordinals, for facet counts of queries that match most of a
//! segment: such a query is counted as the totals less the documents it leaves out (DESIGN.md
//! 2.16). Shared by the entity facets (`facets.rs`) and the source and author counts
//! (`counts.rs`).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Mutex;

use tantivy::index::SegmentId;
use tantivy::DocId;

/// A query that matches more than this share of a segment's documents (or of a slice's, see
/// `slices.rs`) has its facets counted from their totals, less the documents it does not match.
pub(crate) const FROM_TOTALS_SHARE: f64 = 0.5;

/// Per segment, column (the entity facets, a source or author column) and range of documents (the
/// segment, or a slice of it: see `slices.rs`), how many of those documents (deleted ones too)
/// carry each ordinal: read once, the first time a query matches most of them, and kept while the
/// segment is in the index and cut into the same slices.
#[derive(Default)]
pub(crate) struct ColumnTotals {
    segments: Mutex<TotalsBySegment>,
    /// Off: every match is counted, whatever share of its segment matches (for tests that compare
    /// the two ways).
    off: std::sync::atomic::AtomicBool,
}

type TotalsBySegment = HashMap<(SegmentId, &'static str, Range<DocId>), std::sync::Arc<[u32]>>;

impl ColumnTotals {
    fn segments(&self) -> std::sync::MutexGuard<'_, TotalsBySegment> {
        self.segments.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether queries may count from totals (`Reader::set_counting_from_totals`).
    pub(crate) fn on(&self) -> bool {
        !self.off.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Lets queries count from totals, or not.
    pub(crate) fn set_on(&self, on: bool) {
        self.off.store(!on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Forgets the totals of the segments not in `live`.
    pub(crate) fn retain(&self, live: &[SegmentId]) {
        self.segments().retain(|(id, _, _), _| live.contains(id));
    }

    /// The totals of `column` over documents `docs` of `segment`, read by `read` now if they were
    /// not.
    pub(crate) fn get(
        &self,
        segment: SegmentId,
        column: &'static str,
        docs: Range<DocId>,
        read: impl FnOnce() -> Vec<u32>,
    ) -> std::sync::Arc<[u32]> {
        let key = (segment, column, docs);
        if let Some(totals) = self.segments().get(&key) {
            return totals.clone();
        }
        // Read outside the lock: other segments' searches go on meanwhile.
        let totals: std::sync::Arc<[u32]> = read().into();
        let mut segments = self.segments();
        // The totals of other ranges of this segment and column that overlap these come from
        // another cut of the segment into slices (the index grew, or the threads changed): they
        // are not asked for any more.
        let (segment, column, docs) = &key;
        segments.retain(|(s, c, d), _| {
            !(s == segment && c == column && d != docs && d.start < docs.end && docs.start < d.end)
        });
        segments.entry(key).or_insert(totals).clone()
    }
}

/// Whether `matches` documents are more than [`FROM_TOTALS_SHARE`] of `docs`: then they are
/// counted from the totals of `docs`, less the documents [`left_out`].
pub(crate) fn most_of(matches: usize, docs: &Range<DocId>) -> bool {
    matches as f64 > FROM_TOTALS_SHARE * docs.len() as f64
}

/// The documents of `docs` that are not among `matches` (each within `docs`), in order.
pub(crate) fn left_out(docs: Range<DocId>, matches: &[DocId]) -> impl Iterator<Item = DocId> {
    let first = docs.start;
    let mut matched = vec![0u64; docs.len().div_ceil(64)];
    for &doc in matches {
        let at = (doc - first) as usize;
        matched[at / 64] |= 1 << (at % 64);
    }
    docs.filter(move |&doc| {
        let at = (doc - first) as usize;
        matched[at / 64] & (1 << (at % 64)) == 0
    })
}

/// Calls `each` with every value of a column in `rows`, in order, read a chunk at a time (one
/// dynamically dispatched call per 16,384 values). `false` from `each` stops the reading and is
/// returned.
pub(crate) fn each_value(
    values: &dyn tantivy::columnar::ColumnValues<u64>,
    rows: Range<u32>,
    mut each: impl FnMut(u64) -> bool,
) -> bool {
    let count = rows.end.min(values.num_vals());
    let mut chunk = vec![0u64; 1 << 14];
    let mut at = rows.start;
    while at < count {
        let len = (count - at).min(chunk.len() as u32);
        let chunk = &mut chunk[..len as usize];
        values.get_range(u64::from(at), chunk);
        if !chunk.iter().all(|&value| each(value)) {
            return false;
        }
        at += len;
    }
    true
}

/// How many of a column's values in `rows` are each ordinal below `terms` (read in order).
pub(crate) fn ordinal_totals(
    values: &dyn tantivy::columnar::ColumnValues<u64>,
    rows: Range<u32>,
    terms: usize,
) -> Vec<u32> {
    let mut totals = vec![0u32; terms];
    each_value(values, rows, |ord| {
        if let Some(total) = usize::try_from(ord).ok().and_then(|o| totals.get_mut(o)) {
            *total += 1;
        }
        true
    });
    totals
}
