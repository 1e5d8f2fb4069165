//! Index statistics: how many articles, how the index is laid out, and the span of publication dates.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use tantivy::space_usage::PerFieldSpaceUsage;

use super::Reader;
use crate::store::schema::names;
use crate::{Error, Result};

/// Figures about an index; serialises to `stats --json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Stats {
    /// Live articles (replaced versions not counted).
    pub articles: u64,
    /// tantivy segments.
    pub segments: u64,
    /// Bytes on disk.
    pub bytes: u64,
    /// Earliest publication date, RFC 3339.
    pub oldest: Option<String>,
    /// Latest publication date, RFC 3339.
    pub newest: Option<String>,
    /// Articles without a publication date.
    pub undated: u64,
    /// The index's stories (groups of near-duplicates at the default distance, see
    /// [`crate::store::stories`]) read from its story column; `null` when it has none.
    pub stories: Option<StoriesStats>,
}

/// The stories of an index.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct StoriesStats {
    /// Stories of two or more articles.
    pub groups: u64,
    /// Articles in them.
    pub articles: u64,
}

/// Where an index's bytes go, field by field (summed over segments): what `stats --space` prints.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Space {
    /// One row per field that takes any bytes, largest first.
    pub fields: Vec<FieldSpace>,
    /// The stored documents (every stored field together, compressed in blocks).
    pub stored: u64,
    /// The signatures files (the `fingerprint` field: every article's near-duplicate signature).
    pub signatures: u64,
    /// The bitsets of deleted (replaced) articles, until merges drop them.
    pub deletes: u64,
    /// All of it: the sum of the above.
    pub total: u64,
}

/// The bytes of one field in each structure that holds it.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct FieldSpace {
    /// The field's name in the schema.
    pub field: String,
    /// Term dictionary.
    pub terms: u64,
    /// Posting lists (document ids and term frequencies).
    pub postings: u64,
    /// Positions (for phrase queries).
    pub positions: u64,
    /// Fast (columnar) values.
    pub fast: u64,
    /// Field norms (lengths, for BM25).
    pub fieldnorms: u64,
    /// The sum of the above.
    pub total: u64,
}

/// Which count of a [`FieldSpace`] a structure's bytes go to.
type Slot = fn(&mut FieldSpace) -> &mut u64;

/// Where the bytes of the reader's commit go.
pub fn space(reader: &Reader) -> Result<Space> {
    let searcher = reader.searcher()?;
    let usage = searcher.space_usage().map_err(|source| Error::Io {
        path: reader.store().path().to_path_buf(),
        source,
    })?;
    let mut fields: std::collections::BTreeMap<String, FieldSpace> = Default::default();
    let (mut stored, mut signatures, mut deletes) = (0, 0, 0);
    let signatures_file =
        tantivy::index::SegmentComponent::Custom(crate::store::signatures::EXTENSION.to_string());
    for segment in usage.segments() {
        let parts: [(&PerFieldSpaceUsage, Slot); 5] = [
            (segment.termdict(), |f| &mut f.terms),
            (segment.postings(), |f| &mut f.postings),
            (segment.positions(), |f| &mut f.positions),
            (segment.fast_fields(), |f| &mut f.fast),
            (segment.fieldnorms(), |f| &mut f.fieldnorms),
        ];
        for (per_field, slot) in parts {
            for usage in per_field.fields() {
                let bytes = usage.total().get_bytes();
                let row = fields
                    .entry(usage.field_name().to_string())
                    .or_insert_with(|| FieldSpace {
                        field: usage.field_name().to_string(),
                        ..FieldSpace::default()
                    });
                *slot(row) += bytes;
                row.total += bytes;
            }
        }
        stored += segment.store().total().get_bytes();
        signatures += segment
            .component(signatures_file.clone())
            .total()
            .get_bytes();
        deletes += segment.deletes().get_bytes();
    }
    let mut fields: Vec<FieldSpace> = fields.into_values().filter(|f| f.total > 0).collect();
    fields.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.field.cmp(&b.field)));
    let total = fields.iter().map(|f| f.total).sum::<u64>() + stored + signatures + deletes;
    Ok(Space {
        fields,
        stored,
        signatures,
        deletes,
        total,
    })
}

/// Statistics of the reader's commit.
pub fn stats(reader: &Reader) -> Result<Stats> {
    let searcher = reader.searcher()?;
    let mut oldest: Option<i64> = None;
    let mut newest: Option<i64> = None;
    let mut undated = 0u64;
    for segment in searcher.segment_readers() {
        let column = segment.fast_fields().date(names::PUBLISHED)?;
        let alive = segment.alive_bitset();
        for doc in 0..segment.max_doc() {
            if alive.is_some_and(|bits| !bits.is_alive(doc)) {
                continue;
            }
            match column.first(doc) {
                Some(date) => {
                    let secs = date.into_timestamp_secs();
                    oldest = Some(oldest.map_or(secs, |o| o.min(secs)));
                    newest = Some(newest.map_or(secs, |n| n.max(secs)));
                }
                None => undated += 1,
            }
        }
    }
    let rfc = |secs: Option<i64>| {
        secs.and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
            .and_then(|t| t.format(&Rfc3339).ok())
    };
    Ok(Stats {
        articles: searcher.num_docs(),
        segments: searcher.segment_readers().len() as u64,
        bytes: dir_size(reader.store().path())?,
        oldest: rfc(oldest),
        newest: rfc(newest),
        undated,
        stories: reader
            .stories(&searcher, crate::fingerprint::StoryRule::default())
            .map(|stories| {
                let (groups, articles) = stories.summary();
                StoriesStats { groups, articles }
            }),
    })
}

fn dir_size(path: &std::path::Path) -> Result<u64> {
    let entries = std::fs::read_dir(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut total = 0;
    for entry in entries.flatten() {
        if let Ok(meta) = entry.metadata() {
            if meta.is_file() {
                total += meta.len();
            }
        }
    }
    Ok(total)
}
