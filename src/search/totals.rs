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

/// How many of a column's values in `rows` are each ordinal below `terms` (read in order).
pub(crate) fn ordinal_totals(
    values: &dyn tantivy::columnar::ColumnValues<u64>,
    rows: Range<u32>,
    terms: usize,
) -> Vec<u32> {
    let mut totals = vec![0u32; terms];
    let count = rows.end.min(values.num_vals());
    let mut chunk = vec![0u64; 1 << 14];
    let mut at = rows.start;
    while at < count {
        let len = (count - at).min(chunk.len() as u32);
        let chunk = &mut chunk[..len as usize];
        values.get_range(u64::from(at), chunk);
        for &ord in chunk.iter() {
            if let Some(total) = usize::try_from(ord).ok().and_then(|o| totals.get_mut(o)) {
                *total += 1;
            }
        }
        at += len;
    }
    totals
}
