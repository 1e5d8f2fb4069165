//! Every group of near-duplicates in the whole index, found without comparing all pairs: signatures
//! are read from their fast field, and [`fingerprint::clusters`] finds candidate pairs by banding
//! before it checks them.

use serde::Serialize;
use tantivy::schema::TantivyDocument;

use crate::fingerprint;
use crate::index::NewsIndex;
use crate::search::{date, text};
use crate::Result;

/// One group of near-duplicate articles.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Cluster {
    /// Article ids, the earliest published first.
    pub ids: Vec<String>,
    /// Number of articles.
    pub size: usize,
    /// Their headlines (or `null`), in the order of `ids`.
    pub titles: Vec<Option<String>>,
}

impl NewsIndex {
    /// All groups of two or more articles within `max_distance` of each other (transitively); each
    /// article is in at most one group. Largest groups first.
    pub fn duplicates(&self, max_distance: u32) -> Result<Vec<Cluster>> {
        let searcher = self.searcher()?;
        let (addresses, signatures) = crate::search::signatures::all_live(&searcher)?;
        let f = self.fields();
        let mut clusters = Vec::new();
        for members in fingerprint::clusters(&signatures, max_distance) {
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
            clusters.push(Cluster {
                size: articles.len(),
                ids: articles.iter().map(|a| a.1.clone()).collect(),
                titles: articles.into_iter().map(|a| a.2).collect(),
            });
        }
        clusters.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.ids.cmp(&b.ids)));
        Ok(clusters)
    }
}
