//! Entity facet counts over the articles matching a query, and the catalogue of entities in the index.
//! Counting reads each segment's facet column (ordinals), turns ordinals into names once per segment,
//! and sums across segments in `merge_fruits`, as tantivy's own FacetCollector does.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentReader;
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

/// The entities of the given facet ordinals of one segment, in one ordered pass over the segment's
/// facet dictionary (looking ordinals up one by one decodes a dictionary block each time).
fn names_of(reader: &tantivy::fastfield::FacetReader, ords: &[u64]) -> HashMap<u64, EntityKey> {
    let mut sorted = ords.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = HashMap::with_capacity(sorted.len());
    let mut at = sorted.iter();
    let _ = reader
        .facet_dict()
        .sorted_ords_to_term_cb(&sorted, |bytes| {
            if let Some(&ord) = at.next() {
                if let Some(key) = std::str::from_utf8(bytes).ok().and_then(decode) {
                    out.insert(ord, key);
                }
            }
        });
    out
}

/// Counts, per entity, the matching articles that carry it.
pub(crate) struct EntityCounter {
    pub(crate) field: String,
    pub(crate) kinds: Vec<EntityKind>,
}

pub(crate) struct SegmentEntityCounter {
    reader: tantivy::fastfield::FacetReader,
    counts: HashMap<u64, u64>,
}

impl Collector for EntityCounter {
    type Fruit = HashMap<EntityKey, u64>;
    type Child = SegmentEntityCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(SegmentEntityCounter {
            reader: segment.facet_reader(&self.field)?,
            counts: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<EntityKey, u64>>) -> tantivy::Result<Self::Fruit> {
        let mut total: HashMap<EntityKey, u64> = HashMap::new();
        for fruit in fruits {
            for (key, count) in fruit {
                if self.kinds.contains(&key.0) {
                    *total.entry(key).or_default() += count;
                }
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentEntityCounter {
    type Fruit = HashMap<EntityKey, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        for ord in self.reader.facet_ords(doc) {
            *self.counts.entry(ord).or_default() += 1;
        }
    }

    fn harvest(self) -> Self::Fruit {
        let ords: Vec<u64> = self.counts.keys().copied().collect();
        let mut names = names_of(&self.reader, &ords);
        self.counts
            .into_iter()
            .filter_map(|(ord, count)| Some((names.remove(&ord)?, count)))
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
pub(crate) struct StoryEntityCounter {
    pub(crate) field: String,
    pub(crate) kinds: Vec<EntityKind>,
    pub(crate) max_distance: u32,
}

/// What one segment contributes: each matching article's signature and entities.
pub(crate) struct SegmentStories {
    keys: Vec<EntityKey>,
    articles: Vec<(crate::fingerprint::Signature, Vec<u32>)>,
}

pub(crate) struct SegmentStoryCounter {
    reader: tantivy::fastfield::FacetReader,
    signatures: super::signatures::SegmentSignatures,
    docs: Vec<(crate::fingerprint::Signature, Vec<u64>)>,
}

impl Collector for StoryEntityCounter {
    type Fruit = HashMap<EntityKey, u64>;
    type Child = SegmentStoryCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(SegmentStoryCounter {
            reader: segment.facet_reader(&self.field)?,
            signatures: super::signatures::SegmentSignatures::open(segment)?,
            docs: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentStories>) -> tantivy::Result<Self::Fruit> {
        // Give every entity one global id, then cluster all articles at once.
        let mut ids: HashMap<EntityKey, u32> = HashMap::new();
        let mut names: Vec<EntityKey> = Vec::new();
        let mut signatures = Vec::new();
        let mut entities: Vec<Vec<u32>> = Vec::new();
        for fruit in fruits {
            let global: Vec<Option<u32>> = fruit
                .keys
                .into_iter()
                .map(|key| {
                    if !self.kinds.contains(&key.0) {
                        return None;
                    }
                    let next = names.len() as u32;
                    Some(*ids.entry(key.clone()).or_insert_with(|| {
                        names.push(key);
                        next
                    }))
                })
                .collect();
            for (signature, local) in fruit.articles {
                signatures.push(signature);
                entities.push(
                    local
                        .into_iter()
                        .filter_map(|l| global.get(l as usize).copied().flatten())
                        .collect(),
                );
            }
        }
        let mut story_of: Vec<usize> = (0..signatures.len()).collect();
        for (story, members) in crate::fingerprint::clusters(&signatures, self.max_distance)
            .into_iter()
            .enumerate()
        {
            for m in members {
                story_of[m] = signatures.len() + story;
            }
        }
        let mut seen: std::collections::HashSet<(usize, u32)> = std::collections::HashSet::new();
        let mut counts: HashMap<EntityKey, u64> = HashMap::new();
        for (article, ents) in entities.iter().enumerate() {
            for &id in ents {
                if seen.insert((story_of[article], id)) {
                    *counts.entry(names[id as usize].clone()).or_default() += 1;
                }
            }
        }
        Ok(counts)
    }
}

impl SegmentCollector for SegmentStoryCounter {
    type Fruit = SegmentStories;

    fn collect(&mut self, doc: DocId, _: Score) {
        let ords = self.reader.facet_ords(doc).collect();
        self.docs.push((self.signatures.get(doc), ords));
    }

    fn harvest(self) -> SegmentStories {
        let all: Vec<u64> = self
            .docs
            .iter()
            .flat_map(|(_, o)| o.iter().copied())
            .collect();
        let names = names_of(&self.reader, &all);
        let mut local: HashMap<u64, u32> = HashMap::with_capacity(names.len());
        let mut keys: Vec<EntityKey> = Vec::with_capacity(names.len());
        for (ord, key) in names {
            local.insert(ord, keys.len() as u32);
            keys.push(key);
        }
        let articles = self
            .docs
            .into_iter()
            .map(|(signature, ords)| {
                let ents = ords.iter().filter_map(|o| local.get(o).copied()).collect();
                (signature, ents)
            })
            .collect();
        SegmentStories { keys, articles }
    }
}
