//! Searching: a request becomes a tantivy query (title boosted over body, date bounds, entity filters),
//! the collectors pick the top hits and count, and each hit is turned into a [`Hit`] with a snippet.

mod entity_filter;
mod facets;
mod query;
mod snippet;

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::{OwnedValue, TantivyDocument, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::entities::EntityKind;
use crate::index::NewsIndex;
use crate::schema::Fields;
use crate::Result;

pub use facets::EntityKey;
pub use query::build_query;
pub use snippet::Snippet;

/// A search to run.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// Query in tantivy syntax over title and body.
    pub query: String,
    /// Hits to return.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Only articles published at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Only articles published before or at this time.
    pub until: Option<OffsetDateTime>,
    /// Longest snippet, in characters.
    pub snippet_chars: usize,
    /// Entities every hit must carry (resolved, see [`NewsIndex::resolve_entity`]).
    pub entities: Vec<EntityKey>,
    /// Entity kinds to count over all matching articles (none: no counting).
    pub facets: Vec<EntityKind>,
    /// Entities listed per kind in the counts.
    pub facet_limit: usize,
}

impl SearchRequest {
    /// A request for `query` with default paging (first 10 hits).
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            limit: 10,
            offset: 0,
            since: None,
            until: None,
            snippet_chars: 240,
            entities: Vec::new(),
            facets: Vec::new(),
            facet_limit: 10,
        }
    }
}

/// The answer to a [`SearchRequest`]; serialises to the `--json` output.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct SearchResults {
    /// The query as given.
    pub query: String,
    /// Articles matching the query and filters.
    pub total_hits: u64,
    /// The requested page of hits, best first.
    pub hits: Vec<Hit>,
    /// Entity counts per type (filled when asked for).
    pub facets: BTreeMap<String, Vec<FacetCount>>,
}

/// One search hit.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Hit {
    /// Article id.
    pub id: String,
    /// BM25 score.
    pub score: f32,
    /// Headline.
    pub title: Option<String>,
    /// The headline, or the opening words of the body when there is none (for display; not in JSON).
    #[serde(skip)]
    pub label: String,
    /// Publication.
    pub source: Option<String>,
    /// Byline.
    pub author: Option<String>,
    /// Address.
    pub url: Option<String>,
    /// Publication time, RFC 3339.
    pub published: Option<String>,
    /// A passage of the body around the matched words, as plain text.
    pub snippet: String,
    /// Byte ranges of the matched words within `snippet`.
    pub highlights: Vec<[usize; 2]>,
    /// Entities of the article.
    pub entities: Vec<EntityRef>,
    /// Near-duplicates collapsed under this hit.
    pub duplicates: Vec<Duplicate>,
    /// File and line or row the article was read from.
    pub origin: Option<String>,
}

/// An entity of a hit.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct EntityRef {
    /// `person`, `org` or `place`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Canonical name.
    pub name: String,
}

/// A near-duplicate collapsed under a hit.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Duplicate {
    /// Article id.
    pub id: String,
    /// Headline.
    pub title: Option<String>,
    /// Publication.
    pub source: Option<String>,
    /// Publication time, RFC 3339.
    pub published: Option<String>,
    /// Fingerprint distance to the hit.
    pub distance: u32,
}

/// How many matching articles carry an entity.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct FacetCount {
    /// Canonical name.
    pub name: String,
    /// Matching articles (or stories) with it.
    pub count: u64,
}

impl NewsIndex {
    /// Runs a search on the last commit.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let reader = self.reader()?;
        let searcher = reader.searcher();
        let query = build_query(self, request)?;
        let top = TopDocs::with_limit(request.limit.max(1))
            .and_offset(request.offset)
            .order_by_score();
        let counter = facets::EntityCounter {
            field: "entities".into(),
            kinds: request.facets.clone(),
        };
        let (top, total_hits, counts) = if request.facets.is_empty() {
            let (top, total) = searcher.search(&*query, &(top, Count))?;
            (top, total, Default::default())
        } else {
            searcher.search(&*query, &(top, Count, counter))?
        };
        let snippets =
            snippet::Snippets::new(&searcher, &*query, self.fields(), request.snippet_chars)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top.into_iter().take(request.limit) {
            let doc = searcher.doc::<TantivyDocument>(address)?;
            let snippet = snippets.of(&doc);
            hits.push(hit_from_doc(self.fields(), &doc, score, snippet));
        }
        Ok(SearchResults {
            query: request.query.clone(),
            total_hits: total_hits as u64,
            hits,
            facets: facets::top_by_kind(counts, &request.facets, request.facet_limit),
        })
    }

    /// The most frequent entities of the whole index, per kind in `kinds`, at most `limit` per kind.
    pub fn entity_counts(
        &self,
        kinds: &[EntityKind],
        limit: usize,
    ) -> Result<BTreeMap<String, Vec<FacetCount>>> {
        let searcher = self.reader()?.searcher();
        let counter = facets::EntityCounter {
            field: "entities".into(),
            kinds: kinds.to_vec(),
        };
        let counts = searcher.search(&tantivy::query::AllQuery, &counter)?;
        Ok(facets::top_by_kind(counts, kinds, limit))
    }
}

/// Builds a [`Hit`] from a stored document.
pub(crate) fn hit_from_doc(f: &Fields, doc: &TantivyDocument, score: f32, snippet: Snippet) -> Hit {
    let title = text(doc, f.title);
    let label = match &title {
        Some(title) => title.clone(),
        None => opening_words(&text(doc, f.body).unwrap_or_default(), 12),
    };
    Hit {
        id: text(doc, f.id).unwrap_or_default(),
        score,
        title,
        label,
        source: text(doc, f.source),
        author: text(doc, f.author),
        url: text(doc, f.url),
        published: date(doc, f.published),
        snippet: snippet.text,
        highlights: snippet.highlights,
        entities: entities(doc, f.entities),
        duplicates: Vec::new(),
        origin: text(doc, f.origin),
    }
}

/// The first `n` words of `text`, with an ellipsis when there are more.
fn opening_words(text: &str, n: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().take(n + 1).collect();
    if words.len() > n {
        format!("{} …", words[..n].join(" "))
    } else {
        words.join(" ")
    }
}

/// First stored text of `field`.
pub(crate) fn text(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// Stored date of `field` as RFC 3339.
pub(crate) fn date(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
    match doc.get_first(field).map(OwnedValue::from) {
        Some(OwnedValue::Date(dt)) => dt.into_utc().format(&Rfc3339).ok(),
        _ => None,
    }
}

/// Stored entity facets as `{type, name}` pairs. A stored facet is its encoded form: the path steps
/// separated by NUL, unescaped, so a name containing `/` comes back intact.
pub(crate) fn entities(doc: &TantivyDocument, field: tantivy::schema::Field) -> Vec<EntityRef> {
    doc.get_all(field)
        .filter_map(|v| v.as_facet())
        .filter_map(|encoded| {
            let (kind, name) = encoded.split_once('\0')?;
            Some(EntityRef {
                kind: kind.to_string(),
                name: name.to_string(),
            })
        })
        .collect()
}
