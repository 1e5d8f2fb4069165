//! Entity facet counts over the articles matching a query, and the catalogue of entities in the index.
//! Counting reads each segment's facet column (ordinals), turns ordinals into names once per segment,
//! and sums across segments in `merge_fruits`, as tantivy's own FacetCollector does.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentReader;
use tantivy::schema::Facet;
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
        let mut facet = Facet::root();
        let mut out = HashMap::with_capacity(self.counts.len());
        for (ord, count) in self.counts {
            if self.reader.facet_from_ord(ord, &mut facet).is_ok() {
                if let Some(key) = decode(facet.encoded_str()) {
                    out.insert(key, count);
                }
            }
        }
        out
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
