//! Index statistics: how many articles, how the index is laid out, and the span of publication dates.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;

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
