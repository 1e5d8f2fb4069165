//! Column encodings, and the readers of the fingerprints (kept in each segment's signatures file,
//! [`super::signatures`]) and stories. An entity is the facet `/KIND/NAME`.

use tantivy::columnar::Column;
use tantivy::index::SegmentReader;
use tantivy::schema::Facet;
use tantivy::DocId;

use super::schema::names;
use super::signatures::SignaturesFile;
use crate::entities::EntityKind;
use crate::fingerprint::Signature;

/// An entity as stored in a facet: kind and canonical name.
pub type EntityKey = (EntityKind, String);

/// The facet of an entity: `/person/Vladimir Putin` (a `/` inside the name is escaped).
pub fn entity_facet(kind: EntityKind, name: &str) -> Facet {
    Facet::from_path([kind.as_str(), name])
}

/// The entity of a facet's encoded form, as stored and in the facet dictionary: the path steps
/// separated by NUL, unescaped (`person\0Vladimir Putin`); `None` for a facet that is no entity.
pub fn decode_entity(encoded: &str) -> Option<EntityKey> {
    entity_parts(encoded).map(|(kind, name)| (kind, name.to_string()))
}

/// [`decode_entity`] without copying the name.
pub(crate) fn entity_parts(encoded: &str) -> Option<(EntityKind, &str)> {
    let (kind, name) = encoded.split_once('\0')?;
    Some((kind.parse().ok()?, name))
}

/// The fingerprints of one segment, with the publication times that story rules bound.
pub(crate) struct SegmentSignatures {
    file: SignaturesFile,
    published: Column<tantivy::DateTime>,
}

impl SegmentSignatures {
    pub(crate) fn open(segment: &SegmentReader) -> tantivy::Result<SegmentSignatures> {
        Ok(SegmentSignatures {
            file: SignaturesFile::open(segment)?,
            published: segment.fast_fields().date(names::PUBLISHED)?,
        })
    }

    /// The signature of `doc`, with its publication time; one far from everything when it has none.
    /// Read in place from the segment's signatures file.
    pub(crate) fn get(&self, doc: DocId) -> Signature {
        let mut signature = self.file.get(doc).unwrap_or_else(missing);
        signature.published = self.published(doc);
        signature
    }

    /// The publication time of `doc`, in seconds since 1970.
    pub(crate) fn published(&self, doc: DocId) -> Option<i64> {
        self.published
            .first(doc)
            .map(|date| date.into_timestamp_secs())
    }
}

/// Marks, in the story column, the article that leads its story.
const LEADER: u64 = 1 << 63;

/// The story key of an article that leads a story: 63 bits of a stable hash of its id and its text
/// (its SimHash), so that an article indexed again unchanged leads the same story, and one replaced
/// by another text a new one. A story is numbered by the key of its leader.
pub(crate) fn story_key(id: &str, simhash: u64) -> u64 {
    (id_key(id) ^ spread(simhash)) & !LEADER
}

/// The part of a story key that its leader's id gives: [`story_key`] without the text.
pub(crate) fn id_key(id: &str) -> u64 {
    crate::text::fnv1a(id.as_bytes()) & !LEADER
}

/// The [`id_key`] of the leader of story `story` whose SimHash is `simhash`.
pub(crate) fn leader_id_key(story: u64, simhash: u64) -> u64 {
    (story ^ spread(simhash)) & !LEADER
}

/// The splitmix64 finaliser.
fn spread(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The story column's value for an article of story `story` (a [`story_key`]), its leader or not.
pub(crate) fn story_value(story: u64, leader: bool) -> u64 {
    story & !LEADER | if leader { LEADER } else { 0 }
}

/// The story column of one segment: each article's story at the default rule, and whether it leads
/// it.
pub(crate) struct SegmentStoryColumn {
    column: Column<u64>,
}

impl SegmentStoryColumn {
    pub(crate) fn open(segment: &SegmentReader) -> tantivy::Result<SegmentStoryColumn> {
        Ok(SegmentStoryColumn {
            column: segment.fast_fields().u64(names::STORY)?,
        })
    }

    /// The story of `doc` and whether it leads it; `None` for an article written without one.
    pub(crate) fn get(&self, doc: DocId) -> Option<(u64, bool)> {
        self.column.first(doc).map(SegmentStoryColumn::decode)
    }

    /// Every document's story value, read in one pass, when every document of the segment has one
    /// (`None` otherwise: read them one by one); [`SegmentStoryColumn::decode`] reads a value.
    pub(crate) fn all(&self, max_doc: DocId) -> Option<Vec<u64>> {
        if !matches!(self.column.index, tantivy::columnar::ColumnIndex::Full)
            || self.column.values.num_vals() != max_doc
        {
            return None;
        }
        let mut values = vec![0u64; max_doc as usize];
        self.column.values.get_range(0, &mut values);
        Some(values)
    }

    /// A story value of [`SegmentStoryColumn::all`] as [`SegmentStoryColumn::get`] gives it.
    pub(crate) fn decode(value: u64) -> (u64, bool) {
        (value & !LEADER, value & LEADER != 0)
    }
}

/// The signature of every live article of `searcher`, with its segment ordinal and document.
pub(crate) fn all_live(
    searcher: &tantivy::Searcher,
) -> tantivy::Result<(Vec<tantivy::DocAddress>, Vec<Signature>)> {
    let articles = usize::try_from(searcher.num_docs()).unwrap_or(0);
    let mut addresses = Vec::with_capacity(articles);
    let mut signatures = Vec::with_capacity(articles);
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let sigs = SegmentSignatures::open(segment)?;
        for doc in segment.doc_ids_alive() {
            addresses.push(tantivy::DocAddress::new(ord as u32, doc));
            signatures.push(sigs.get(doc));
        }
    }
    Ok((addresses, signatures))
}

/// The signature used for a document that has none (indexed without text): far from everything.
pub(crate) fn missing() -> Signature {
    Signature::of(None, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_survive_their_facet() {
        for name in ["Vladimir Putin", "AC/DC", "a\\b", ""] {
            let facet = entity_facet(EntityKind::Org, name);
            let decoded = decode_entity(facet.encoded_str());
            assert_eq!(
                decoded,
                Some((EntityKind::Org, name.to_string())),
                "{name:?}"
            );
        }
        assert_eq!(decode_entity("nokind\0x"), None);
        assert_eq!(decode_entity("person"), None);
    }
}
