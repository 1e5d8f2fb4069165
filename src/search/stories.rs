//! Every story (group of near-duplicates) of the whole index, found without comparing all pairs:
//! fingerprints are read from their column, and [`fingerprint::stories`] finds candidate pairs by
//! banding before it checks them.

use serde::Serialize;
use tantivy::schema::TantivyDocument;

use super::{date, text, Reader};
use crate::fingerprint;
use crate::Result;

/// One story: articles that are near-duplicates of each other.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct StorySummary {
    /// Article ids, the earliest published first.
    pub ids: Vec<String>,
    /// Number of articles.
    pub size: usize,
    /// Their headlines (or `null`), in the order of `ids`.
    pub titles: Vec<Option<String>>,
}

/// All stories of two or more articles within `max_distance` of each other (transitively); each
/// article is in at most one. Largest first.
pub fn stories(reader: &Reader, max_distance: u32) -> Result<Vec<StorySummary>> {
    let searcher = reader.searcher()?;
    let (addresses, signatures) = crate::store::columns::all_live(&searcher)?;
    let f = reader.fields();
    let mut stories = Vec::new();
    for members in fingerprint::stories(&signatures, max_distance) {
        let mut articles = Vec::with_capacity(members.len());
        for m in members {
            let doc = searcher.doc::<TantivyDocument>(addresses[m])?;
            articles.push((
                date(&doc, f.published),
                text(&doc, f.id).unwrap_or_default(),
                text(&doc, f.title),
            ));
        }
        articles.sort();
        stories.push(StorySummary {
            size: articles.len(),
            ids: articles.iter().map(|a| a.1.clone()).collect(),
            titles: articles.into_iter().map(|a| a.2).collect(),
        });
    }
    stories.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.ids.cmp(&b.ids)));
    Ok(stories)
}
