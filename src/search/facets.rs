//! Entity facet counts over the articles matching a query, and the catalogue of entities in the index.
//! Counting reads each segment's facet column (ordinals) and maps them to global entity ids through an
//! [`EntityTable`] built once per segment, then sums across segments in `merge_fruits`; names are looked
//! up only for the entities counted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::index::{SegmentId, SegmentReader};
use tantivy::{DocId, Score, SegmentOrdinal};

use super::FacetCount;
use crate::entities::EntityKind;

/// An entity as stored in a facet: kind and canonical name.
pub type EntityKey = (EntityKind, String);

/// Splits a facet's encoded form (`person\0Vladimir Putin`) into kind and name.
pub(crate) fn decode(encoded: &str) -> Option<EntityKey> {
    let (kind, name) = encoded.split_once('\0')?;
    Some((kind.parse().ok()?, name.to_string()))
}

/// Marks a facet ordinal that is not an entity.
const NOT_AN_ENTITY: u32 = u32::MAX;

/// Every entity of the index, interned once: each segment's facet ordinals map to global ids, so that
/// counting reads no dictionary and hashes no names per query. Segments never change, so a segment's
/// map is built on its first query and kept until the segment leaves the index.
#[derive(Default)]
pub(crate) struct EntityTable {
    inner: Mutex<TableInner>,
}

#[derive(Default)]
struct TableInner {
    names: Vec<EntityKey>,
    ids: HashMap<EntityKey, u32>,
    segments: HashMap<SegmentId, Arc<[u32]>>,
}

impl EntityTable {
    /// The global id of each facet ordinal of `segment` ([`NOT_AN_ENTITY`] for other facets).
    fn segment(&self, segment: &SegmentReader, reader: &FacetReader) -> Arc<[u32]> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(map) = inner.segments.get(&segment.segment_id()) {
            return Arc::clone(map);
        }
        let TableInner { names, ids, .. } = &mut *inner;
        let mut map = Vec::with_capacity(reader.num_facets());
        let all: Vec<u64> = (0..reader.num_facets() as u64).collect();
        let _ = reader.facet_dict().sorted_ords_to_term_cb(&all, |bytes| {
            let id = match std::str::from_utf8(bytes).ok().and_then(decode) {
                Some(key) => *ids.entry(key).or_insert_with_key(|key| {
                    names.push(key.clone());
                    names.len() as u32 - 1
                }),
                None => NOT_AN_ENTITY,
            };
            map.push(id);
        });
        map.resize(reader.num_facets(), NOT_AN_ENTITY);
        let map: Arc<[u32]> = map.into();
        inner
            .segments
            .insert(segment.segment_id(), Arc::clone(&map));
        map
    }

    /// Forgets the segments that are no longer in the index.
    pub(crate) fn retain(&self, live: &[SegmentId]) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.segments.retain(|id, _| live.contains(id));
    }

    /// The `limit` entities of each kind in `kinds` with the highest counts (ties by name), as names:
    /// only those are cloned out of the table.
    fn top(&self, counts: &[u64], kinds: &[EntityKind], limit: usize) -> HashMap<EntityKey, u64> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let names = &inner.names;
        let order = |a: &usize, b: &usize| {
            counts[*b]
                .cmp(&counts[*a])
                .then_with(|| names[*a].1.cmp(&names[*b].1))
        };
        let mut out = HashMap::new();
        for kind in kinds {
            let mut ids: Vec<usize> = (0..counts.len())
                .filter(|&id| counts[id] > 0 && names[id].0 == *kind)
                .collect();
            if ids.len() > limit && limit > 0 {
                ids.select_nth_unstable_by(limit - 1, order);
            }
            ids.truncate(limit);
            out.extend(ids.into_iter().map(|id| (names[id].clone(), counts[id])));
        }
        out
    }
}

/// Counts, per entity, the matching articles that carry it.
pub(crate) struct EntityCounter<'a> {
    pub(crate) field: String,
    pub(crate) kinds: Vec<EntityKind>,
    /// Entities kept per kind, the most frequent.
    pub(crate) limit: usize,
    pub(crate) table: &'a EntityTable,
}

pub(crate) struct SegmentEntityCounter {
    reader: FacetReader,
    global: Arc<[u32]>,
    counts: Vec<u64>,
}

impl Collector for EntityCounter<'_> {
    type Fruit = HashMap<EntityKey, u64>;
    type Child = SegmentEntityCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let reader = segment.facet_reader(&self.field)?;
        let global = self.table.segment(segment, &reader);
        Ok(SegmentEntityCounter {
            counts: vec![0; reader.num_facets()],
            reader,
            global,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u32, u64)>>) -> tantivy::Result<Self::Fruit> {
        let mut total: Vec<u64> = Vec::new();
        for (id, count) in fruits.into_iter().flatten() {
            let id = id as usize;
            if id >= total.len() {
                total.resize(id + 1, 0);
            }
            total[id] += count;
        }
        Ok(self.table.top(&total, &self.kinds, self.limit))
    }
}

impl SegmentCollector for SegmentEntityCounter {
    type Fruit = Vec<(u32, u64)>;

    fn collect(&mut self, doc: DocId, _: Score) {
        for ord in self.reader.facet_ords(doc) {
            if let Some(count) = self.counts.get_mut(ord as usize) {
                *count += 1;
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.counts
            .iter()
            .zip(self.global.iter())
            .filter(|&(&count, &id)| count > 0 && id != NOT_AN_ENTITY)
            .map(|(&count, &id)| (id, count))
            .collect()
    }
}

/// Groups counts by kind, most frequent first (ties by name), at most `limit` per kind.
pub(crate) fn top_by_kind(
    counts: HashMap<EntityKey, u64>,
    kinds: &[EntityKind],
    limit: usize,
) -> std::collections::BTreeMap<String, Vec<FacetCount>> {
    let mut by_kind: std::collections::BTreeMap<String, Vec<FacetCount>> = kinds
        .iter()
        .map(|k| (k.as_str().to_string(), Vec::new()))
        .collect();
    for ((kind, name), count) in counts {
        if let Some(list) = by_kind.get_mut(kind.as_str()) {
            list.push(FacetCount { name, count });
        }
    }
    for list in by_kind.values_mut() {
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        list.truncate(limit);
    }
    by_kind
}

/// Counts, per entity, the stories (groups of near-duplicates, found with
/// [`crate::fingerprint::clusters`] over all matching articles) that carry it: a story reprinted ten
/// times counts once.
pub(crate) struct StoryEntityCounter<'a> {
    pub(crate) field: String,
    pub(crate) kinds: Vec<EntityKind>,
    /// Entities kept per kind, the most frequent.
    pub(crate) limit: usize,
    pub(crate) max_distance: u32,
    pub(crate) table: &'a EntityTable,
}

/// What one segment contributes: each matching article's signature and entities.
pub(crate) struct SegmentStories {
    signatures: Vec<crate::fingerprint::Signature>,
    /// Article `i`'s entities (global ids) are `entities[starts[i]..starts[i + 1]]`.
    entities: Vec<u32>,
    starts: Vec<usize>,
}

pub(crate) struct SegmentStoryCounter {
    reader: FacetReader,
    global: Arc<[u32]>,
    signatures: super::signatures::SegmentSignatures,
    stories: SegmentStories,
}

impl Collector for StoryEntityCounter<'_> {
    type Fruit = HashMap<EntityKey, u64>;
    type Child = SegmentStoryCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let reader = segment.facet_reader(&self.field)?;
        Ok(SegmentStoryCounter {
            global: self.table.segment(segment, &reader),
            reader,
            signatures: super::signatures::SegmentSignatures::open(segment)?,
            stories: SegmentStories {
                signatures: Vec::new(),
                entities: Vec::new(),
                starts: vec![0],
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentStories>) -> tantivy::Result<Self::Fruit> {
        let mut signatures = Vec::new();
        let mut entities: Vec<u32> = Vec::new();
        let mut starts: Vec<usize> = vec![0];
        for fruit in fruits {
            let offset = entities.len();
            signatures.extend(fruit.signatures);
            entities.extend(fruit.entities);
            starts.extend(fruit.starts.iter().skip(1).map(|s| s + offset));
        }
        let size = entities.iter().max().map_or(0, |&m| m as usize + 1);
        // counts[id]: stories carrying entity id; marked[id]: the last story that counted it.
        let mut counts = vec![0u64; size];
        let mut marked = vec![usize::MAX; size];
        let mut count = |story: usize, article: usize| {
            for &id in &entities[starts[article]..starts[article + 1]] {
                let id = id as usize;
                if marked[id] != story {
                    marked[id] = story;
                    counts[id] += 1;
                }
            }
        };
        let groups = crate::fingerprint::clusters(&signatures, self.max_distance);
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
        Ok(self.table.top(&counts, &self.kinds, self.limit))
    }
}

impl SegmentCollector for SegmentStoryCounter {
    type Fruit = SegmentStories;

    fn collect(&mut self, doc: DocId, _: Score) {
        let global = &self.global;
        self.stories.entities.extend(
            self.reader
                .facet_ords(doc)
                .filter_map(|ord| global.get(ord as usize).copied())
                .filter(|&id| id != NOT_AN_ENTITY),
        );
        self.stories.starts.push(self.stories.entities.len());
        self.stories.signatures.push(self.signatures.get(doc));
    }

    fn harvest(self) -> SegmentStories {
        self.stories
    }
}
