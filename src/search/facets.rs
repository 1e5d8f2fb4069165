//! Entity facet counts over the articles matching a query, and the catalogue of entities in the index.
//! Counting reads each segment's facet column (ordinals); `merge_fruits` maps them to global entity ids
//! through the [`EntityTable`] (which decodes each ordinal of a segment from its dictionary the first
//! time a query meets it, and remembers it), sums, and names only the entities reported. A list is
//! ordered by count (articles or stories), then by the matching articles that carry the entity, then
//! by name; the index stores each entity once per article, so mentions cannot break ties.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::index::{SegmentId, SegmentReader};
use tantivy::{DocId, Score, SegmentOrdinal};

use super::counts::story_of;
use super::shared::{in_several, nonzero, SharedMatches, StoryCounts};
use super::totals::{each_value, left_out, most_of, ordinal_totals, ColumnTotals};
use super::FacetCount;
use crate::entities::EntityKind;
use crate::store::columns::{entity_parts, EntityKey};
use crate::store::stories::{Stories, ALONE};

/// Entity counts per kind (`person`, `org`, `place`), most frequent first.
pub(crate) type Facets = std::collections::BTreeMap<String, Vec<FacetCount>>;

/// Marks a facet ordinal that is not an entity.
const NOT_AN_ENTITY: u32 = u32::MAX;
/// Marks a facet ordinal not decoded yet.
const UNKNOWN: u32 = u32::MAX - 1;

/// Every entity met so far, interned: each segment's facet ordinals map to global ids, so that counting
/// hashes no names and a long-lived index (a server, `newsidx bench`) reads each dictionary entry once.
/// A one-shot search decodes only the ordinals its matches carry, as it would without the table.
/// Segments never change, so what is learnt of a segment stays true until it leaves the index.
#[derive(Default)]
pub(crate) struct EntityTable {
    inner: Mutex<TableInner>,
    /// Counters of finished queries, cleared, for the next ones (see [`Totals`]); one set per
    /// query running at once is enough.
    spare: Spare<Totals, 8>,
    /// Per-segment counters of finished queries, zeroed, for the next ones (see [`Tally`]); a few
    /// per segment of the queries running at once.
    tallies: std::sync::Arc<SpareTallies>,
    /// Per segment (or slice of one), the count of every facet ordinal over its documents, for
    /// queries that match most of them (see [`SegmentEntityCounter::count_from_totals`]).
    column_totals: std::sync::Arc<ColumnTotals>,
    /// Each segment's facet column as plain arrays, once read (see [`PlainColumns`]).
    plain_columns: PlainColumns,
    /// The shared matches' buffers of finished queries, emptied, for the next ones: grown afresh
    /// for each query, their pages were cleared by the kernel every time (6 % of collapse + facets
    /// on the 1M corpus with copies; DESIGN.md 2.16).
    shared: Spare<SharedMatches, 8>,
}

/// Per segment, its facet column laid out for counting ([`SegmentRows`]). Read when a second query
/// counts the segment's facets, so that a one-shot search never pays for reading it.
#[derive(Default)]
struct PlainColumns {
    segments: Mutex<HashMap<SegmentId, Plain>>,
    /// Numbers the queries (see [`EntityTable::next_query`]).
    queries: std::sync::atomic::AtomicU64,
}

enum Plain {
    /// Asked for by this query only, so far.
    SeenBy(u64),
    /// Being read by a query; the others use the column's index meanwhile.
    Reading,
    Read(std::sync::Arc<SegmentRows>),
    /// The column's rows do not follow its documents' order (never for a column tantivy writes).
    Unusable,
}

/// A segment's facet column as plain arrays. Document `d`'s ordinals are rows
/// `bounds[d]..bounds[d + 1]` (`max_doc + 1` numbers: 4 MB for the 1M index): the column's own
/// index answers through a rank in its optional index and two reads of its bit-packed start column,
/// each a dynamically dispatched call, about a seventh of a faceted search over 80,000 matches of
/// the 1M index. The ordinals themselves as 16 bits when the segment has at most 65,536 facets
/// (about 47,000 per segment of 320,000 articles in the 1M index; 34 MB for its 17 million
/// ordinals, the size of the bit-packed column they copy): a run of a batch's ordinals is then
/// copied out of the array instead of unpacked through a dynamically dispatched call.
pub(crate) struct SegmentRows {
    bounds: Box<[u32]>,
    ords: Option<Box<[u16]>>,
}

impl PlainColumns {
    fn segments(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Plain>> {
        self.segments.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The plain arrays of `facets`' segment of `max_doc` documents for query number `query`: read
    /// (once, by one thread) when a query other than the first that asked needs them.
    fn of(
        &self,
        facets: &SegmentFacets,
        max_doc: DocId,
        query: u64,
    ) -> Option<std::sync::Arc<SegmentRows>> {
        match self.segments().entry(facets.segment) {
            std::collections::hash_map::Entry::Occupied(mut known) => match known.get() {
                Plain::Read(rows) => return Some(rows.clone()),
                Plain::Unusable | Plain::Reading => return None,
                Plain::SeenBy(first) if *first == query => return None,
                Plain::SeenBy(_) => {
                    known.insert(Plain::Reading);
                }
            },
            std::collections::hash_map::Entry::Vacant(first) => {
                first.insert(Plain::SeenBy(query));
                return None;
            }
        }
        // Read outside the lock: other segments' searches go on meanwhile.
        let rows = facets.row_bounds(max_doc).map(|bounds| {
            std::sync::Arc::new(SegmentRows {
                bounds: bounds.into(),
                ords: facets.ordinals16().map(Into::into),
            })
        });
        // Kept only while the segment is: `retain` may have dropped it meanwhile.
        if let Some(entry) = self.segments().get_mut(&facets.segment) {
            *entry = rows.clone().map_or(Plain::Unusable, Plain::Read);
        }
        rows
    }

    fn retain(&self, live: &[SegmentId]) {
        self.segments().retain(|id, _| live.contains(id));
    }
}

/// The key of the entity facets' totals in [`ColumnTotals`].
const ENTITY_COLUMN: &str = "entities";

impl ColumnTotals {
    /// The totals of documents `docs` of `facets`' segment, read now if they were not.
    fn of(&self, facets: &SegmentFacets, docs: std::ops::Range<DocId>) -> std::sync::Arc<[u32]> {
        self.get(facets.segment, ENTITY_COLUMN, docs.clone(), || {
            facets.ordinal_totals(docs)
        })
    }
}

/// Counters of finished queries, all zero, kept (at most `KEEP`) for the next ones.
struct Spare<T, const KEEP: usize>(Mutex<Vec<T>>);

impl<T, const KEEP: usize> Default for Spare<T, KEEP> {
    fn default() -> Self {
        Spare(Mutex::new(Vec::new()))
    }
}

impl<T: Default, const KEEP: usize> Spare<T, KEEP> {
    /// A spare value, or a new one.
    fn take(&self) -> T {
        let mut spare = self.0.lock().unwrap_or_else(|e| e.into_inner());
        spare.pop().unwrap_or_default()
    }

    /// Takes back `value`, which the caller has zeroed.
    fn give_back(&self, value: T) {
        let mut spare = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if spare.len() < KEEP {
            spare.push(value);
        }
    }
}

/// Per-ordinal counters of segment tallies: a segment of the 1M index has tens of thousands of
/// facets (70,182 entities in all), and allocating their counters for each segment of each query
/// had the kernel clear fresh pages every time (5 % of a faceted search at 1M articles).
type SpareTallies = Spare<Vec<u32>, 32>;

impl SpareTallies {
    /// `len` counters, all zero.
    fn counters(&self, len: usize) -> Vec<u32> {
        let mut counters = self.take();
        // Counters come back all zero, so this keeps them so.
        counters.resize(len, 0);
        counters.truncate(len);
        counters
    }
}

#[derive(Default)]
struct TableInner {
    names: Vec<EntityKey>,
    /// Per id, its kind: what [`EntityTable::top`] reads of every entity counted, a byte each where
    /// `names` holds 32 (a name's kind was a cache miss per entity counted, three times over).
    kinds: Vec<EntityKind>,
    /// Per id, the first eight bytes of its name, big-endian and padded with zeros: names whose
    /// prefixes differ compare as their prefixes do, so ranking compares names (scattered on the heap)
    /// only when the prefixes tie.
    prefixes: Vec<u64>,
    /// The ids by kind and name (see [`NameIds`]).
    ids: NameIds,
    /// Per segment, each facet ordinal's id ([`UNKNOWN`] until named). Shared, so that a segment's
    /// counter can take it at its start and name its own counts where it runs (see
    /// [`EntityTable::names_of`]); filled copy-on-write when a query meets ordinals not named yet.
    segments: HashMap<SegmentId, std::sync::Arc<Vec<u32>>>,
}

/// Ids by kind and name: a table of ids hashed by the name they stand for (`names[id]`), so that a
/// name read from a dictionary is looked up without being copied into a `String` first, and the
/// names are held once (a map keyed by `EntityKey` copied each name it met and held a second copy of
/// each new one). Hashed with a seeded hasher, as the names come from articles (foldhash; SipHash
/// was a tenth of a one-shot faceted search on the 1M index).
#[derive(Default)]
struct NameIds {
    table: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl NameIds {
    fn hash(&self, kind: EntityKind, name: &str) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one((kind, name))
    }

    /// The id of `kind`'s `name` among `names`, if it has one.
    fn get(&self, names: &[EntityKey], kind: EntityKind, name: &str) -> Option<u32> {
        let hash = self.hash(kind, name);
        self.table
            .find(hash, |&id| {
                names
                    .get(id as usize)
                    .is_some_and(|n| n.0 == kind && n.1 == name)
            })
            .copied()
    }

    /// Records that `names[id]` has id `id` (it has none yet).
    fn insert(&mut self, names: &[EntityKey], id: u32) {
        let Some((kind, name)) = names.get(id as usize) else {
            return;
        };
        let hash = self.hash(*kind, name);
        let hasher = &self.hasher;
        self.table.insert_unique(hash, id, |&other| {
            use std::hash::BuildHasher;
            names
                .get(other as usize)
                .map_or(0, |(k, n)| hasher.hash_one((*k, n.as_str())))
        });
    }
}

impl EntityTable {
    /// The global ids of `sorted` (ascending, distinct facet ordinals of `facets`' segment), aligned
    /// with it; [`NOT_AN_ENTITY`] for facets that are not entities.
    fn ids(&self, facets: &SegmentFacets, sorted: &[u64]) -> Vec<u32> {
        let (segment, reader) = (facets.segment, &facets.reader);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let TableInner {
            names,
            kinds,
            prefixes,
            ids,
            segments,
        } = &mut *inner;
        let map = segments
            .entry(segment)
            .or_insert_with(|| std::sync::Arc::new(vec![UNKNOWN; reader.num_facets()]));
        let len = map.len();
        let at = move |ord: u64| usize::try_from(ord).ok().filter(|&i| i < len);
        let missing: Vec<u64> = sorted
            .iter()
            .copied()
            .filter(|&ord| at(ord).is_some_and(|i| map[i] == UNKNOWN))
            .collect();
        if !missing.is_empty() {
            let map = std::sync::Arc::make_mut(map);
            let mut found = missing.iter();
            let _ = reader
                .facet_dict()
                .sorted_ords_to_term_cb(&missing, |bytes| {
                    let Some(&ord) = found.next() else {
                        return;
                    };
                    let id = match std::str::from_utf8(bytes).ok().and_then(entity_parts) {
                        Some((kind, name)) => match ids.get(names, kind, name) {
                            Some(id) => id,
                            None => {
                                let id = names.len() as u32;
                                prefixes.push(name_prefix(name));
                                kinds.push(kind);
                                names.push((kind, name.to_string()));
                                ids.insert(names, id);
                                id
                            }
                        },
                        None => NOT_AN_ENTITY,
                    };
                    map[ord as usize] = id;
                });
        }
        sorted
            .iter()
            .map(|&ord| match at(ord).map(|i| map[i]) {
                Some(UNKNOWN) | None => NOT_AN_ENTITY,
                Some(id) => id,
            })
            .collect()
    }

    /// `segment`'s ids by facet ordinal as far as earlier queries named them, if any did: what a
    /// segment's counter names its counts with before the merge (see [`named`]).
    fn names_of(&self, segment: SegmentId) -> Option<std::sync::Arc<Vec<u32>>> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.segments.get(&segment).cloned()
    }

    /// A number for a new query's [`EntityCounter`], distinct from every other's.
    pub(crate) fn next_query(&self) -> u64 {
        self.plain_columns
            .queries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets the segments that are no longer in the index.
    pub(crate) fn retain(&self, live: &[SegmentId]) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.segments.retain(|id, _| live.contains(id));
        drop(inner);
        self.column_totals.retain(live);
        self.plain_columns.retain(live);
    }

    /// The totals of the segments' columns, shared with the counters of sources and authors.
    pub(crate) fn column_totals(&self) -> std::sync::Arc<ColumnTotals> {
        self.column_totals.clone()
    }

    /// Whether a query that matches most of a segment counts its facets from the segment's totals
    /// (the default) or match by match; the counts are the same.
    pub(crate) fn set_counting_from_totals(&self, on: bool) {
        self.column_totals.set_on(on);
    }

    /// Per kind of `listing`, the `limit` entities with the highest counts, most frequent first (ties
    /// by the articles that carry them, then by name), and the pinned entities of that kind wherever
    /// they rank; only those are cloned out of the table.
    fn top(&self, totals: &Totals, listing: &Listing) -> Facets {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (names, prefixes) = (&inner.names, &inner.prefixes);
        let len = totals.counts.len().min(names.len());
        let (counts, articles) = (&totals.counts[..len], &totals.articles[..len]);
        let order = |a: &usize, b: &usize| {
            counts[*b]
                .cmp(&counts[*a])
                .then(articles[*b].cmp(&articles[*a]))
                .then(prefixes[*a].cmp(&prefixes[*b]))
                .then_with(|| names[*a].1.cmp(&names[*b].1))
        };
        let limit = listing.limit;
        // The `limit` best of each kind of the listing, in one pass over the entities counted:
        // a kind's list is kept as a heap whose root is its worst, so that an entity ranked below
        // it (most of them, with a count below the root's) is passed over at the cost of comparing
        // two counts. Listing every entity counted by kind and selecting from the lists was a
        // quarter of the merge of a one-word query at 1M (DESIGN.md 2.16).
        let mut best: Vec<std::collections::BinaryHeap<Ranked>> = (0..listing.kinds.len())
            .map(|_| std::collections::BinaryHeap::with_capacity(limit.min(1024)))
            .collect();
        let rank = |id: usize| Ranked { id, order: &order };
        for id in totals.counted.iter().map(|&id| id as usize) {
            if id >= len || counts[id] == 0 {
                continue;
            }
            let kind = inner.kinds.get(id);
            for (kept, listed) in best.iter_mut().zip(&listing.kinds) {
                if Some(listed) != kind {
                    continue;
                }
                if kept.len() < limit {
                    kept.push(rank(id));
                } else if let Some(mut worst) = kept.peek_mut() {
                    if counts[id] >= counts[worst.id] && order(&id, &worst.id).is_lt() {
                        *worst = rank(id);
                    }
                }
            }
        }
        listing
            .kinds
            .iter()
            .zip(best)
            .map(|(&kind, kept)| {
                let mut ids: Vec<usize> = kept.into_iter().map(|ranked| ranked.id).collect();
                // The entities of the search's filters, when counted but not among the best.
                let pinned: Vec<usize> = listing
                    .pinned
                    .iter()
                    .filter(|key| key.0 == kind)
                    .filter_map(|key| inner.ids.get(&inner.names, key.0, &key.1))
                    .map(|id| id as usize)
                    .filter(|&id| id < len && counts[id] > 0 && !ids.contains(&id))
                    .collect();
                ids.extend(pinned);
                ids.sort_by(order);
                let list = ids
                    .into_iter()
                    .map(|id| FacetCount {
                        name: names[id].1.clone(),
                        count: counts[id],
                    })
                    .collect();
                (kind.as_str().to_string(), list)
            })
            .collect()
    }
}

/// An entity id in a heap of the best ranked ([`EntityTable::top`]): the greatest is the one
/// ranked last, by `order` (which ranks the best first).
struct Ranked<'a> {
    id: usize,
    order: &'a dyn Fn(&usize, &usize) -> std::cmp::Ordering,
}

impl PartialEq for Ranked<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Ranked<'_> {}

impl PartialOrd for Ranked<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.order)(&self.id, &other.id)
    }
}

/// The first eight bytes of `name`, big-endian, padded with zeros. When the prefixes of two names
/// differ, the names compare as the prefixes do: a name is padded with 0, which no byte sorts
/// below, so a name that is a prefix of another never gets the larger prefix.
fn name_prefix(name: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = name.len().min(8);
    bytes[..n].copy_from_slice(&name.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}

/// What a facet list shows: the kinds counted, the entities kept per kind (the most frequent), and the
/// entities listed wherever they rank (the search's entity filters).
#[derive(Debug, Clone, Default)]
pub(crate) struct Listing {
    pub(crate) kinds: Vec<EntityKind>,
    /// Entities kept per kind, the most frequent.
    pub(crate) limit: usize,
    /// Entities listed beyond the limit when it would cut them.
    pub(crate) pinned: Vec<EntityKey>,
}

/// Per global entity id: its count (articles or stories) and the matching articles that carry it.
/// Counters are indexed by id, so they span every entity met so far; the [`EntityTable`] keeps them
/// between queries and only the entries a query touched are cleared after it. Allocating them for
/// each query (and growing them id by id) cost half the instructions of tantivy's whole top-10 on
/// Reuters (DESIGN.md 2.14).
#[derive(Default)]
struct Totals {
    counts: Vec<u64>,
    articles: Vec<u64>,
    /// The ids counted, each once.
    counted: Vec<u32>,
}

impl Totals {
    /// Adds `count` and `articles` to entity `id` (nothing for [`NOT_AN_ENTITY`]).
    fn add(&mut self, id: u32, count: u64, articles: u64) {
        if id == NOT_AN_ENTITY {
            return;
        }
        let at = id as usize;
        if at >= self.counts.len() {
            let len = (at + 1).max(self.counts.len() * 2);
            self.counts.resize(len, 0);
            self.articles.resize(len, 0);
        }
        if self.counts[at] == 0 && self.articles[at] == 0 {
            self.counted.push(id);
        }
        self.counts[at] += count;
        self.articles[at] += articles;
    }

    /// Takes `count` back from entity `id`'s count (nothing for [`NOT_AN_ENTITY`]).
    fn take_back(&mut self, id: u32, count: u64) {
        if id == NOT_AN_ENTITY {
            return;
        }
        if let Some(c) = self.counts.get_mut(id as usize) {
            *c = c.saturating_sub(count);
        }
    }

    /// Zero for every id again.
    fn clear(&mut self) {
        for &id in &self.counted {
            self.counts[id as usize] = 0;
            self.articles[id as usize] = 0;
        }
        self.counted.clear();
    }
}

/// A segment's facet ordinals, sorted and distinct, and where each of `ords` is among them.
fn distinct(ords: &[u64]) -> (Vec<u64>, Vec<u32>) {
    let mut sorted = ords.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let positions = ords
        .iter()
        .map(|ord| sorted.binary_search(ord).unwrap_or_default() as u32)
        .collect();
    (sorted, positions)
}

/// Counts, per entity, the matching articles that carry it; or, given the index's stories, the
/// stories: the articles of one story count once.
pub(crate) struct EntityCounter<'a> {
    pub(crate) field: String,
    pub(crate) listing: Listing,
    pub(crate) table: &'a EntityTable,
    /// This query's number ([`EntityTable::next_query`]).
    pub(crate) query: u64,
    /// The story of every article (see [`crate::store::stories`]), to count stories rather than articles.
    pub(crate) stories: Option<std::sync::Arc<Stories>>,
}

pub(crate) struct SegmentEntityCounter {
    facets: SegmentFacets,
    /// The facet ordinals of the matches that are alone in their story.
    counts: Tally,
    /// Each document's story, when stories are counted.
    stories: Option<std::sync::Arc<[u32]>>,
    /// The matches that share a story, with their facet ordinals.
    shared: SharedMatches,
    /// Matches not counted yet: they are counted [`BATCH`] at a time (see [`SegmentFacets::read`]),
    /// or, when [`SegmentEntityCounter::totals`] is set, all at the end.
    pending: Vec<DocId>,
    spare: std::sync::Arc<SpareTallies>,
    /// The segment's totals, when a query that matches most of it may be counted from them.
    totals: Option<std::sync::Arc<ColumnTotals>>,
    /// The documents of the segment (deleted ones included) this counter is given: all of them, or
    /// a slice (see [`super::slices`]).
    docs: std::ops::Range<DocId>,
    /// The segment's ids by ordinal as earlier queries named them ([`EntityTable::names_of`]).
    names: Option<std::sync::Arc<Vec<u32>>>,
}

/// Matches whose facet ordinals are read together.
const BATCH: usize = 128;

/// A segment's entity facet column: its dictionary, for the [`EntityTable`], and its ordinals, read
/// a document's range at a time (`FacetReader::facet_ords` makes one dynamically dispatched read per
/// ordinal). Both counters read it.
pub(crate) struct SegmentFacets {
    segment: SegmentId,
    reader: FacetReader,
    ords: tantivy::columnar::Column<u64>,
    buffer: Vec<u64>,
    /// The ordinals' rows of the documents of a batch (see [`SegmentFacets::read`]).
    rows: Vec<std::ops::Range<u32>>,
    /// The column as plain arrays, when read (see [`SegmentRows`]).
    plain: Option<std::sync::Arc<SegmentRows>>,
    /// Document `i` of the last batch read has ordinals `buffer[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
}

impl SegmentFacets {
    fn open(segment: &SegmentReader, field: &str) -> tantivy::Result<SegmentFacets> {
        // What `SegmentReader::facet_reader` opens, opened once for both uses.
        let column = segment.fast_fields().str(field)?.ok_or_else(|| {
            tantivy::TantivyError::SchemaError(format!("no facet column {field}"))
        })?;
        Ok(SegmentFacets {
            segment: segment.segment_id(),
            ords: column.ords().clone(),
            reader: FacetReader::new(column),
            buffer: Vec::new(),
            rows: Vec::new(),
            plain: None,
            starts: Vec::new(),
        })
    }

    /// Document `d`'s rows of the column are `bounds[d]..bounds[d + 1]`: `None` if the column's
    /// rows do not follow its documents' order (never for a column tantivy writes).
    fn row_bounds(&self, max_doc: DocId) -> Option<Vec<u32>> {
        let mut bounds = Vec::with_capacity(max_doc as usize + 1);
        let mut end = 0u32;
        bounds.push(end);
        for doc in 0..max_doc {
            let rows = self.ords.index.value_row_ids(doc);
            if !rows.is_empty() {
                if rows.start != end {
                    return None;
                }
                end = rows.end;
            }
            bounds.push(end);
        }
        Some(bounds)
    }

    /// Every ordinal of the column, in row order, as 16 bits: `None` when the segment has more
    /// than 65,536 facets.
    fn ordinals16(&self) -> Option<Vec<u16>> {
        if self.reader.num_facets() > usize::from(u16::MAX) + 1 {
            return None;
        }
        let values = &*self.ords.values;
        let mut ords = Vec::with_capacity(values.num_vals() as usize);
        let fits = each_value(values, 0..values.num_vals(), |ord| {
            u16::try_from(ord).map(|ord| ords.push(ord)).is_ok()
        });
        fits.then_some(ords)
    }

    /// Document `doc`'s rows of the column.
    fn rows_of(&self, doc: DocId) -> std::ops::Range<u32> {
        let at = doc as usize;
        match self.plain.as_deref().map(|rows| &rows.bounds) {
            Some(b) if at + 1 < b.len() => b[at]..b[at + 1],
            _ => self.ords.index.value_row_ids(doc),
        }
    }

    /// Reads the facet ordinals of every document of `docs`; document `i`'s are then
    /// [`SegmentFacets::batch`]`(i)`. The ordinals of a query's matches lie far apart in a large
    /// segment's column, so each document's read waits on memory; reading the row ranges of a whole
    /// batch first, then their ordinals, keeps many of those reads in flight at once instead of one
    /// per match, between which the query's own work runs (DESIGN.md 2.16).
    fn read(&mut self, docs: &[DocId]) {
        if let Some(rows) = self.plain.as_deref() {
            for &doc in docs {
                if let Some(bound) = rows.bounds.get(doc as usize) {
                    prefetch(bound);
                }
            }
        }
        self.rows.clear();
        for &doc in docs {
            let rows = self.rows_of(doc);
            self.rows.push(rows);
        }
        self.starts.clear();
        self.starts.push(0);
        let mut total = 0;
        for rows in &self.rows {
            total += rows.len();
            self.starts.push(total);
        }
        self.buffer.clear();
        self.buffer.resize(total, 0);
        // Every match's ordinals asked for before any is copied: the copies below then wait on
        // memory together rather than one match at a time (DESIGN.md 2.16).
        if let Some(ords) = self.plain.as_deref().and_then(|rows| rows.ords.as_deref()) {
            for rows in &self.rows {
                prefetch_row(ords.get(rows.start as usize..rows.end as usize));
            }
        }
        // Documents whose rows follow one another (every match of a query that matches most of
        // the segment) are read as one range: one call into the column instead of one per match.
        let mut i = 0;
        while i < self.rows.len() {
            let mut j = i + 1;
            while j < self.rows.len() && self.rows[j].start == self.rows[j - 1].end {
                j += 1;
            }
            let out = &mut self.buffer[self.starts[i]..self.starts[j]];
            let start = self.rows[i].start as usize;
            let copied = self.plain.as_deref().and_then(|rows| rows.ords.as_deref());
            match copied.and_then(|ords| ords.get(start..start + out.len())) {
                Some(ords) => {
                    for (o, &ord) in out.iter_mut().zip(ords) {
                        *o = u64::from(ord);
                    }
                }
                None => self
                    .ords
                    .values
                    .get_range(u64::from(self.rows[i].start), out),
            }
            i = j;
        }
    }

    /// The facet ordinals of document `i` of the last batch [read](SegmentFacets::read).
    fn batch(&self, i: usize) -> &[u64] {
        &self.buffer[self.starts[i]..self.starts[i + 1]]
    }

    /// The facet ordinals of `doc`.
    fn of(&mut self, doc: DocId) -> &[u64] {
        self.read(&[doc]);
        self.batch(0)
    }

    /// How many of documents `docs` of the segment (deleted ones too) carry each facet ordinal:
    /// their values of the column, read in order.
    fn ordinal_totals(&self, docs: std::ops::Range<DocId>) -> Vec<u32> {
        let rows = self.ords.index.docid_range_to_rowids(docs);
        ordinal_totals(&*self.ords.values, rows, self.reader.num_facets())
    }
}

/// Asks for the first and the last cache line of a match's ordinals (`None`: nothing to ask for).
/// A match's ordinals (about 18 at 16 bits) often straddle two lines, and asking for the first only
/// left the second one's load waiting (DESIGN.md 2.16).
fn prefetch_row(row: Option<&[u16]>) {
    if let Some((first, last)) = row.and_then(|row| Some((row.first()?, row.last()?))) {
        prefetch(first);
        prefetch(last);
    }
}

/// Asks the processor to bring `value`'s cache line in, without waiting for it.
#[inline(always)]
fn prefetch<T>(value: &T) {
    // SAFETY: a prefetch is a hint that reads nothing the program sees and cannot fault, and SSE
    // (which has it) is part of every x86-64 processor.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (value as *const T).cast(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Facet ordinals counted in a segment: listed while they are few, so that a query with few matches
/// neither clears nor scans a counter per facet of the segment; counted per ordinal once there are
/// many.
enum Tally {
    Few(Vec<u64>),
    /// Counters from the spare ones, given back zeroed by [`Tally::into_counts`]; a segment has
    /// fewer than 2^32 documents. Half the size of `u64` counters, they stay in the cache more.
    Many(Vec<u32>),
}

impl Tally {
    /// Counts `ord`, one of the segment's `facets` ordinals (one out of range is not counted).
    fn add(&mut self, ord: u64, facets: usize, spare: &SpareTallies) {
        if usize::try_from(ord).map_or(true, |o| o >= facets) {
            return;
        }
        match self {
            Tally::Few(ords) => {
                ords.push(ord);
                // Sorting the list would then cost about what clearing and scanning the counters does.
                if ords.len() > facets / 16 {
                    let mut counts = spare.counters(facets);
                    for &o in ords.iter() {
                        counts[o as usize] += 1;
                    }
                    *self = Tally::Many(counts);
                }
            }
            Tally::Many(counts) => {
                if let Some(count) = counts.get_mut(ord as usize) {
                    *count += 1;
                }
            }
        }
    }

    /// Counts each of `ords` (see [`Tally::add`]). Once there are counters, they are incremented
    /// through their slice, held for the whole run of ordinals: reloading the tally's kind, length
    /// and pointer for each ordinal was 4 % of `newsidx bench` at 1M.
    fn add_all<T: Copy + Into<u64>>(&mut self, ords: &[T], facets: usize, spare: &SpareTallies) {
        if let Tally::Many(counts) = self {
            for &ord in ords {
                let ord: u64 = ord.into();
                if let Some(count) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o)) {
                    *count += 1;
                }
            }
            return;
        }
        for &ord in ords {
            self.add(ord.into(), facets, spare);
        }
    }

    /// `(ordinal, count)` for every ordinal counted, in ordinal order; counters go back to `spare`.
    fn into_counts(self, spare: &SpareTallies) -> Vec<(u64, u64)> {
        match self {
            Tally::Few(mut ords) => {
                ords.sort_unstable();
                ords.chunk_by(|a, b| a == b)
                    .map(|run| (run[0], run.len() as u64))
                    .collect()
            }
            Tally::Many(mut counts) => {
                let mut counted = Vec::new();
                nonzero(&mut counts, true, &mut counted);
                spare.give_back(counts);
                counted
            }
        }
    }
}

impl<'a> EntityCounter<'a> {
    /// The same counts by story, the stories found from the matches themselves by `rule`:
    /// for when the index's stories cannot answer.
    pub(crate) fn grouping_matches(
        self,
        rule: crate::fingerprint::StoryRule,
    ) -> StoryEntityCounter<'a> {
        StoryEntityCounter {
            field: self.field,
            listing: self.listing,
            rule,
            table: self.table,
        }
    }
}

/// What one segment contributes: matches per facet ordinal; for the matches that share a story,
/// stories and matches per facet ordinal, and the matches themselves (for the stories that other
/// segments hold matches of too).
pub(crate) struct SegmentCounts {
    facets: SegmentFacets,
    counts: Vec<(u64, u64)>,
    story_counts: StoryCounts,
    shared: SharedMatches,
    /// The ids of `counts`' and `story_counts`' ordinals, when the segment's counter could name
    /// them all (see [`named`]); else the merge names them.
    ids: Option<[Vec<u32>; 2]>,
}

/// The ids of `ords` by `map` (a segment's ids by ordinal, [`EntityTable::names_of`]), if it names
/// every one of them. A segment's counter names its counts with it where it runs, on the search's
/// threads, so that the merge, on one thread, only adds them up: that took the merge of a one-word
/// query's seven slices at 1M from 1.35-1.6 to 1.15-1.45 ms (DESIGN.md 2.16).
fn named(map: &[u32], ords: impl ExactSizeIterator<Item = u64>) -> Option<Vec<u32>> {
    let mut ids = Vec::with_capacity(ords.len());
    for ord in ords {
        match usize::try_from(ord).ok().and_then(|at| map.get(at)) {
            Some(&id) if id != UNKNOWN => ids.push(id),
            _ => return None,
        }
    }
    Some(ids)
}

impl super::slices::SliceCollector for EntityCounter<'_> {
    fn for_slice(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
        docs: std::ops::Range<DocId>,
    ) -> tantivy::Result<SegmentEntityCounter> {
        let mut facets = SegmentFacets::open(segment, &self.field)?;
        facets.plain = self
            .table
            .plain_columns
            .of(&facets, segment.max_doc(), self.query);
        Ok(SegmentEntityCounter {
            facets,
            counts: Tally::Few(Vec::new()),
            stories: self
                .stories
                .as_ref()
                .and_then(|s| s.segment(segment.segment_id())),
            shared: self.table.shared.take(),
            pending: {
                // Kept between queries: a query may hold every match of a segment.
                let mut pending = self.table.tallies.take();
                pending.clear();
                pending
            },
            spare: self.table.tallies.clone(),
            totals: self
                .table
                .column_totals
                .on()
                .then(|| self.table.column_totals.clone()),
            docs,
            names: self.table.names_of(segment.segment_id()),
        })
    }
}

impl Collector for EntityCounter<'_> {
    type Fruit = Facets;
    type Child = SegmentEntityCounter;

    fn for_segment(
        &self,
        ordinal: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        use super::slices::SliceCollector;
        self.for_slice(ordinal, segment, 0..segment.max_doc())
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentCounts>) -> tantivy::Result<Self::Fruit> {
        // Zero for every entity, kept from an earlier query when one is spare.
        let mut totals = self.table.spare.take();
        for fruit in &fruits {
            // `counts` is in ordinal order, so its ordinals are sorted and distinct.
            let [count_ids, story_ids] = match &fruit.ids {
                Some([counts, stories]) => [Cow::Borrowed(counts), Cow::Borrowed(stories)],
                None => {
                    let ords: Vec<u64> = fruit.counts.iter().map(|&(ord, _)| ord).collect();
                    let counts = self.table.ids(&fruit.facets, &ords);
                    let ords: Vec<u64> = fruit.story_counts.iter().map(|&(ord, ..)| ord).collect();
                    let stories = self.table.ids(&fruit.facets, &ords);
                    [Cow::Owned(counts), Cow::Owned(stories)]
                }
            };
            for (&id, &(_, count)) in count_ids.iter().zip(&fruit.counts) {
                totals.add(id, count, count);
            }
            for (&id, &(_, stories, articles)) in story_ids.iter().zip(&fruit.story_counts) {
                totals.add(id, stories, articles);
            }
        }
        self.count_stories_once(&fruits, &mut totals);
        let facets = self.table.top(&totals, &self.listing);
        totals.clear();
        self.table.spare.give_back(totals);
        for fruit in fruits {
            if let Some(emptied) = fruit.shared.emptied() {
                self.table.shared.give_back(emptied);
            }
        }
        Ok(facets)
    }
}

impl EntityCounter<'_> {
    /// A story with matches in several segments (or slices) was counted once in each for every
    /// entity they carry: takes the extra counts back.
    fn count_stories_once(&self, fruits: &[SegmentCounts], totals: &mut Totals) {
        let lists: Vec<&[u32]> = fruits.iter().map(|f| f.shared.stories()).collect();
        let several = in_several(&lists);
        if several.is_empty() {
            return;
        }
        // `story << 32 | global id`, once per segment that holds matches of the story carrying
        // the entity.
        let mut pairs: Vec<u64> = Vec::new();
        let mut ords = Vec::new();
        let mut ranges = Vec::new();
        for fruit in fruits {
            ords.clear();
            ranges.clear();
            for &story in &several {
                let start = ords.len();
                fruit.shared.ordinals_of(story, &mut ords);
                ranges.push((story, start..ords.len()));
            }
            let (sorted, positions) = distinct(&ords);
            let ids = self.table.ids(&fruit.facets, &sorted);
            for (story, range) in ranges.drain(..) {
                pairs.extend(
                    positions[range]
                        .iter()
                        .map(|&p| u64::from(story) << 32 | u64::from(ids[p as usize])),
                );
            }
        }
        pairs.sort_unstable();
        for run in pairs.chunk_by(|a, b| a == b) {
            totals.take_back((run[0] & 0xffff_ffff) as u32, run.len() as u64 - 1);
        }
    }
}

/// A segment's matches held (four bytes each) kept for the next query up to this many.
const MAX_KEPT_MATCHES: usize = 1 << 17;

impl SegmentEntityCounter {
    /// Counts the facets of the matches (all pending) from the totals of the counter's documents
    /// (the segment, or a slice of it): every ordinal's count over those documents, less the
    /// ordinals of the documents that do not match (deleted ones among them) and of the matches
    /// that share a story (which are counted as pairs, as [`SegmentEntityCounter::count_pending`]
    /// does). When most of a segment matches, that reads
    /// the few documents left out instead of every match: `*` on a million articles read 18
    /// million ordinals (DESIGN.md 2.16).
    fn count_from_totals(&mut self, totals: &[u32]) {
        let facets = totals.len();
        let mut counts = self.spare.counters(facets);
        counts.copy_from_slice(totals);
        let mut subtract = |ords: &[u64]| {
            for &ord in ords {
                if let Some(count) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o)) {
                    debug_assert!(*count > 0, "ordinal {ord} below its segment total");
                    *count = count.saturating_sub(1);
                }
            }
        };
        let mut batch: Vec<DocId> = Vec::with_capacity(BATCH);
        let mut left_out = left_out(self.docs.clone(), &self.pending).peekable();
        while left_out.peek().is_some() {
            batch.clear();
            batch.extend(left_out.by_ref().take(BATCH));
            self.facets.read(&batch);
            subtract(&self.facets.buffer);
        }
        if self.stories.as_ref().is_some_and(|s| !s.is_empty()) {
            for chunk in self.pending.chunks(BATCH) {
                batch.clear();
                batch.extend(
                    chunk
                        .iter()
                        .copied()
                        .filter(|&doc| story_of(self.stories.as_ref(), doc) != ALONE),
                );
                if batch.is_empty() {
                    continue;
                }
                self.facets.read(&batch);
                subtract(&self.facets.buffer);
                for (i, &doc) in batch.iter().enumerate() {
                    let story = story_of(self.stories.as_ref(), doc);
                    self.shared.push(story, self.facets.batch(i));
                }
            }
        }
        self.pending.clear();
        self.counts = Tally::Many(counts);
    }

    /// Counts the facets of the pending matches.
    fn count_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if let Some(rows) = self.facets.plain.clone() {
            if let Some(ords) = rows.ords.as_deref() {
                if self.count_plain(&rows.bounds, ords) {
                    return;
                }
            }
        }
        self.facets.read(&self.pending);
        let facets = self.facets.reader.num_facets();
        for (i, &doc) in self.pending.iter().enumerate() {
            let ords = self.facets.batch(i);
            match story_of(self.stories.as_ref(), doc) {
                ALONE => self.counts.add_all(ords, facets, &self.spare),
                story => self.shared.push(story, ords),
            }
        }
        self.pending.clear();
    }
}

impl SegmentEntityCounter {
    /// Counts the facets of the pending matches straight from the column's plain arrays, without
    /// copying their ordinals to [`SegmentFacets::read`]'s buffer first. Every match's row range,
    /// then the first and the last cache line of its ordinals, are asked for before any is read.
    /// Only the two together paid in the measurements of DESIGN.md 2.16 (facets' own time at 1M
    /// about 7.2 -> 6.0 ms). `false`, with nothing counted, if a match or its rows lie outside the
    /// arrays (never for arrays [`SegmentFacets::row_bounds`] read from this segment).
    fn count_plain(&mut self, bounds: &[u32], ords: &[u16]) -> bool {
        let rows_of = |doc: DocId| {
            let at = doc as usize;
            let (&start, &end) = (bounds.get(at)?, bounds.get(at + 1)?);
            ords.get(start as usize..end as usize)
        };
        // Row bounds ascend (`row_bounds` reads them so), so every row lies in `ords` when the last
        // one ends there.
        let rows_fit = bounds.last().is_some_and(|&end| end as usize <= ords.len());
        if !rows_fit
            || self
                .pending
                .iter()
                .any(|&doc| doc as usize + 1 >= bounds.len())
        {
            return false;
        }
        for &doc in &self.pending {
            prefetch(&bounds[doc as usize]);
        }
        for &doc in &self.pending {
            prefetch_row(rows_of(doc));
        }
        let facets = self.facets.reader.num_facets();
        for &doc in &self.pending {
            let row = rows_of(doc).unwrap_or_default();
            match story_of(self.stories.as_ref(), doc) {
                ALONE => self.counts.add_all(row, facets, &self.spare),
                story => self.shared.push(story, row),
            }
        }
        self.pending.clear();
        true
    }
}

impl SegmentCollector for SegmentEntityCounter {
    type Fruit = SegmentCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.pending.push(doc);
        // With totals at hand, every match waits for the end, where their share decides.
        if self.pending.len() == BATCH && self.totals.is_none() {
            self.count_pending();
        }
    }

    fn harvest(mut self) -> SegmentCounts {
        let most = most_of(self.pending.len(), &self.docs);
        match self.totals.take() {
            Some(totals) if most => {
                self.count_from_totals(&totals.of(&self.facets, self.docs.clone()))
            }
            Some(_) => {
                let pending = std::mem::take(&mut self.pending);
                for chunk in pending.chunks(BATCH) {
                    self.pending.extend_from_slice(chunk);
                    self.count_pending();
                }
                self.pending = pending;
                self.pending.clear();
            }
            None => self.count_pending(),
        }
        // Kept for the next query unless a large segment's matches made it large.
        if self.pending.capacity() <= MAX_KEPT_MATCHES {
            self.spare.give_back(std::mem::take(&mut self.pending));
        }
        let story_counts = if self.shared.is_empty() {
            Vec::new()
        } else {
            let facets = self.facets.reader.num_facets();
            let mut counters: [Vec<u32>; 3] = std::array::from_fn(|_| self.spare.counters(facets));
            let [stories, articles, marks] = &mut counters;
            let counted = self.shared.count(stories, articles, marks);
            for zeroed in counters {
                self.spare.give_back(zeroed);
            }
            counted
        };
        let counts = self.counts.into_counts(&self.spare);
        let ids = self.names.as_deref().and_then(|map| {
            let counts = named(map, counts.iter().map(|&(ord, _)| ord))?;
            let stories = named(map, story_counts.iter().map(|&(ord, ..)| ord))?;
            Some([counts, stories])
        });
        SegmentCounts {
            counts,
            facets: self.facets,
            story_counts,
            shared: self.shared,
            ids,
        }
    }
}

/// Counts, per entity, the stories (groups of near-duplicates, found with
/// [`crate::fingerprint::stories`] over all matching articles) that carry it: a story reprinted ten
/// times counts once. Used when the index's story column cannot answer (another rule) (see [`crate::store::stories`]).
pub(crate) struct StoryEntityCounter<'a> {
    field: String,
    listing: Listing,
    rule: crate::fingerprint::StoryRule,
    table: &'a EntityTable,
}

/// What one segment contributes: each matching article's signature and facet ordinals.
pub(crate) struct SegmentStories {
    facets: SegmentFacets,
    signatures: Vec<crate::fingerprint::Signature>,
    /// Article `i`'s facet ordinals are `ords[starts[i]..starts[i + 1]]`.
    ords: Vec<u64>,
    starts: Vec<usize>,
}

pub(crate) struct SegmentStoryCounter {
    signatures: crate::store::columns::SegmentSignatures,
    stories: SegmentStories,
}

/// Each matching article's signature and ordinals are kept, whatever slice of its segment it is in.
impl super::slices::SliceCollector for StoryEntityCounter<'_> {
    fn for_slice(
        &self,
        ordinal: SegmentOrdinal,
        segment: &SegmentReader,
        _: std::ops::Range<DocId>,
    ) -> tantivy::Result<SegmentStoryCounter> {
        self.for_segment(ordinal, segment)
    }
}

impl Collector for StoryEntityCounter<'_> {
    type Fruit = Facets;
    type Child = SegmentStoryCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(SegmentStoryCounter {
            signatures: crate::store::columns::SegmentSignatures::open(segment)?,
            stories: SegmentStories {
                facets: SegmentFacets::open(segment, &self.field)?,
                signatures: Vec::new(),
                ords: Vec::new(),
                starts: vec![0],
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentStories>) -> tantivy::Result<Self::Fruit> {
        // Every article's entities as global ids (NOT_AN_ENTITY for other facets), all segments.
        let mut signatures = Vec::new();
        let mut entities: Vec<u32> = Vec::new();
        let mut starts: Vec<usize> = vec![0];
        for fruit in fruits {
            let (sorted, positions) = distinct(&fruit.ords);
            let ids = self.table.ids(&fruit.facets, &sorted);
            let offset = entities.len();
            entities.extend(positions.into_iter().map(|p| ids[p as usize]));
            starts.extend(fruit.starts.iter().skip(1).map(|s| s + offset));
            signatures.extend(fruit.signatures);
        }
        let size = entities
            .iter()
            .filter(|&&id| id != NOT_AN_ENTITY)
            .max()
            .map_or(0, |&m| m as usize + 1);
        // counts[id]: stories carrying entity id; marked[id]: the last story that counted it;
        // articles[id]: articles carrying it.
        let mut counts = vec![0u64; size];
        let mut articles = vec![0u64; size];
        let mut marked = vec![usize::MAX; size];
        let mut count = |story: usize, article: usize| {
            for &id in &entities[starts[article]..starts[article + 1]] {
                let id = id as usize;
                if id < size {
                    articles[id] += 1;
                    if marked[id] != story {
                        marked[id] = story;
                        counts[id] += 1;
                    }
                }
            }
        };
        let groups = crate::fingerprint::stories(&signatures, self.rule);
        let mut in_story = vec![false; signatures.len()];
        for (story, members) in groups.iter().enumerate() {
            for &m in members {
                in_story[m] = true;
                count(story, m);
            }
        }
        for article in (0..signatures.len()).filter(|&a| !in_story[a]) {
            count(groups.len() + article, article);
        }
        let counted: Vec<u32> = (0..size as u32)
            .filter(|&id| counts[id as usize] > 0)
            .collect();
        let totals = Totals {
            counts,
            articles,
            counted,
        };
        Ok(self.table.top(&totals, &self.listing))
    }
}

impl SegmentCollector for SegmentStoryCounter {
    type Fruit = SegmentStories;

    fn collect(&mut self, doc: DocId, _: Score) {
        let stories = &mut self.stories;
        stories.ords.extend_from_slice(stories.facets.of(doc));
        stories.starts.push(stories.ords.len());
        stories.signatures.push(self.signatures.get(doc));
    }

    fn harvest(self) -> SegmentStories {
        self.stories
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A facet column's rows as the plain array gives them, document by document, against the
    /// column's own index: documents with no facet, one, and many, in two segments.
    #[test]
    fn row_bounds_give_each_document_its_rows() {
        use tantivy::schema::{FacetOptions, Schema};
        use tantivy::{doc, Index, IndexWriter};
        let mut schema = Schema::builder();
        let field = schema.add_facet_field("entities", FacetOptions::default());
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        for commit in 0..2 {
            for i in 0..200u32 {
                let mut document = doc!();
                for f in 0..(i * 7 + commit) % 5 {
                    let facet = format!("/person/p{}", (i + f) % 13);
                    document.add_facet(field, tantivy::schema::Facet::from(facet.as_str()));
                }
                writer.add_document(document).expect("add");
            }
            writer.commit().expect("commit");
        }
        let searcher = index.reader().expect("reader").searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        for segment in searcher.segment_readers() {
            let mut facets = SegmentFacets::open(segment, "entities").expect("column");
            let bounds = facets
                .row_bounds(segment.max_doc())
                .expect("rows in document order");
            assert_eq!(bounds.len(), segment.max_doc() as usize + 1);
            let by_index: Vec<std::ops::Range<u32>> = (0..segment.max_doc())
                .map(|doc| facets.ords.index.value_row_ids(doc))
                .collect();
            assert!(
                by_index.iter().any(|r| r.is_empty()),
                "documents without facets"
            );
            let ords = facets.ordinals16().expect("13 facets fit in 16 bits");
            let mut arrays = SegmentFacets::open(segment, "entities").expect("column");
            arrays.plain = Some(std::sync::Arc::new(SegmentRows {
                bounds: bounds.clone().into(),
                ords: Some(ords.into()),
            }));
            // A batch's ordinals read from the plain arrays are those read from the column: every
            // document (one run), and every third (one read per document).
            let all: Vec<DocId> = (0..segment.max_doc()).collect();
            let thirds: Vec<DocId> = all.iter().copied().step_by(3).collect();
            for docs in [&all, &thirds] {
                facets.read(docs);
                arrays.read(docs);
                assert_eq!(arrays.buffer, facets.buffer);
                assert_eq!(arrays.starts, facets.starts);
            }
            facets.plain = Some(std::sync::Arc::new(SegmentRows {
                bounds: bounds.into(),
                ords: None,
            }));
            for (doc, expected) in by_index.iter().enumerate() {
                // The index gives a document without facets `0..0`, the array an empty range
                // where its rows would begin: both none.
                let got = facets.rows_of(doc as DocId);
                let same = (got.is_empty() && expected.is_empty()) || got == *expected;
                assert!(same, "document {doc}: {got:?} against {expected:?}");
            }
        }
    }

    /// A segment's counter names its counts only when the map names every one of them.
    #[test]
    fn named_gives_ids_only_for_ordinals_all_named() {
        let map = [3, UNKNOWN, 7, NOT_AN_ENTITY];
        assert_eq!(
            named(&map, [0u64, 2, 3].into_iter()),
            Some(vec![3, 7, NOT_AN_ENTITY])
        );
        assert_eq!(named(&map, std::iter::empty()), Some(vec![]));
        assert_eq!(named(&map, [0u64, 1].into_iter()), None, "not named yet");
        assert_eq!(named(&map, [2u64, 4].into_iter()), None, "past the map");
        assert_eq!(named(&map, [u64::MAX].into_iter()), None, "past the map");
    }

    /// Every name inserted is found again under its own kind only; names never inserted (a
    /// prefix, another kind, another case) are not found.
    #[test]
    fn name_ids_find_each_name_under_its_kind() {
        let mut names: Vec<EntityKey> = Vec::new();
        let mut ids = NameIds::default();
        for i in 0..5_000u32 {
            for kind in [EntityKind::Person, EntityKind::Place] {
                let id = names.len() as u32;
                names.push((kind, format!("Name {i}")));
                ids.insert(&names, id);
            }
        }
        for (id, (kind, name)) in names.iter().enumerate() {
            assert_eq!(ids.get(&names, *kind, name), Some(id as u32));
        }
        assert_eq!(ids.get(&names, EntityKind::Org, "Name 7"), None);
        assert_eq!(ids.get(&names, EntityKind::Person, "Name"), None);
        assert_eq!(ids.get(&names, EntityKind::Person, "name 7"), None);
        assert_eq!(ids.get(&names, EntityKind::Person, "Name 5000"), None);
    }

    /// Names whose prefixes differ are ordered by them as they are by the whole name.
    #[test]
    fn name_prefixes_order_names_as_the_names_do() {
        let names = [
            "",
            "a",
            "a\0",
            "a\0b",
            "ab",
            "abcdefgh",
            "abcdefg",
            "abcdefghi",
            "abcdefgz",
            "b",
            "Z",
            "é",
            "\u{1F600}",
            "Vladimir Putin",
            "Vladimir Putina",
            "Vladimi",
        ];
        for a in names {
            for b in names {
                let (pa, pb) = (name_prefix(a), name_prefix(b));
                if pa != pb {
                    assert_eq!(pa.cmp(&pb), a.cmp(b), "{a:?} {b:?}");
                } else if a.len() <= 8 && b.len() <= 8 && !a.contains('\0') && !b.contains('\0') {
                    assert_eq!(a, b);
                }
            }
        }
    }

    /// The same ordinals counted as a list and as counters give the same counts, whichever way the
    /// tally ends (the list turns into counters past a sixteenth of the segment's facets), and
    /// counters reused from an earlier tally of another size start from zero.
    #[test]
    fn a_tally_counts_alike_as_a_list_and_as_counters() {
        // Ordinals 97..=99 are out of range for a segment of 97 facets and are never counted.
        let ords: Vec<u64> = (0..500u64).map(|i| (i * 7919) % 100).collect();
        let spare = SpareTallies::default();
        for facets in [97, 1_000, 100_000, 1_000, 97, 97] {
            let mut expected = std::collections::BTreeMap::new();
            for &ord in ords.iter().filter(|&&o| (o as usize) < facets) {
                *expected.entry(ord).or_insert(0u64) += 1;
            }
            let expected: Vec<(u64, u64)> = expected.into_iter().collect();
            // One ordinal at a time, and a document's ordinals at a time (runs of 13, so the
            // tally turns into counters in the middle of a run).
            let mut tally = Tally::Few(Vec::new());
            for &ord in &ords {
                tally.add(ord, facets, &spare);
            }
            let many = matches!(tally, Tally::Many(_));
            assert_eq!(many, facets < 16 * ords.len(), "{facets} facets");
            assert_eq!(
                tally.into_counts(&spare),
                expected,
                "{facets} facets, one by one"
            );
            let mut tally = Tally::Few(Vec::new());
            for run in ords.chunks(13) {
                tally.add_all(run, facets, &spare);
            }
            assert_eq!(matches!(tally, Tally::Many(_)), many, "{facets} facets");
            assert_eq!(
                tally.into_counts(&spare),
                expected,
                "{facets} facets, in runs"
            );
        }
        let spare = spare.0.lock().unwrap();
        assert_eq!(spare.len(), 1, "one set of counters, reused");
        assert!(spare[0].iter().all(|&count| count == 0));
    }
}
