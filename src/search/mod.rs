//! Searching: a request becomes a tantivy query (title boosted over body, date bounds, entity filters),
//! the collectors pick the top hits and count, and each hit is turned into a [`Hit`] with a snippet.

pub mod article;
mod collapse;
pub mod entity_filter;
pub(crate) mod facets;
mod query;
mod snippet;
pub mod stats;
pub mod stories;
pub mod timing;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::{OwnedValue, TantivyDocument, Value};
use tantivy::{IndexReader, Searcher};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::entities::EntityKind;
use crate::store::columns::decode_entity;
use crate::store::stories::Stories;
use crate::store::{Fields, Store};
use crate::Result;

pub use crate::store::columns::EntityKey;
pub use entity_filter::{EntityFilter, EntityMatch, Evidence};
pub use query::build_query;
pub use snippet::Snippet;

/// The read side of an index: a reader on its last commit, and what searches learn and keep
/// between them (the entity ids of the segments met, the stories file as read).
pub struct Reader {
    store: Store,
    /// Opened on first use and kept: opening a reader costs more than a typical query.
    reader: OnceLock<IndexReader>,
    /// Entity ids of the segments queried so far, for facet counting.
    entity_table: facets::EntityTable,
    /// The stories file as read for the current reader (`None` inside: none usable); read on first
    /// use.
    stories: Mutex<Option<Option<Arc<Stories>>>>,
}

impl Reader {
    /// The read side of `store`.
    pub fn new(store: Store) -> Reader {
        Reader {
            store,
            reader: OnceLock::new(),
            entity_table: Default::default(),
            stories: Default::default(),
        }
    }

    /// The index read.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn fields(&self) -> &Fields {
        self.store.fields()
    }

    /// A searcher on the commit that was last when this reader was made or [`Reader::reload`]ed.
    pub fn searcher(&self) -> Result<Searcher> {
        if let Some(reader) = self.reader.get() {
            return Ok(reader.searcher());
        }
        let reader = self.store.reader()?;
        Ok(self.reader.get_or_init(|| reader).searcher())
    }

    /// Makes later searches see the last commit (of this or another process).
    pub fn reload(&self) -> Result<()> {
        if let Some(reader) = self.reader.get() {
            reader.reload()?;
            // Searches only ever see this reader's segments: forget the entity ids of the others.
            let live: Vec<_> = reader
                .searcher()
                .segment_readers()
                .iter()
                .map(|s| s.segment_id())
                .collect();
            self.entity_table.retain(&live);
        }
        *self.stories.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }

    /// The stories of the whole index at `max_distance`, when the stories file covers `searcher`'s
    /// segments at that distance (see [`crate::store::stories`]).
    pub(crate) fn stories(&self, searcher: &Searcher, max_distance: u32) -> Option<Arc<Stories>> {
        let mut cached = self.stories.lock().unwrap_or_else(|e| e.into_inner());
        let stories = cached
            .get_or_insert_with(|| Stories::load(self.store.path(), searcher).map(Arc::new))
            .clone()?;
        (stories.max_distance == max_distance && stories.covers(searcher)).then_some(stories)
    }
}

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
    /// Entities every hit must carry, as resolved by [`entity_filter::resolve_entity`]. Each is also
    /// listed in its kind's facet counts, whatever the limit.
    pub entities: Vec<EntityFilter>,
    /// Entity kinds to count over all matching articles (none: no counting).
    pub facets: Vec<EntityKind>,
    /// Entities listed per kind in the counts.
    pub facet_limit: usize,
    /// Group near-duplicates into stories (`None` lists every article).
    pub collapse: Option<Collapse>,
}

/// How a search groups near-duplicates into stories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collapse {
    /// Articles within this distance are one story (0..=100, see [`crate::fingerprint::distance`]).
    pub max_distance: u32,
    /// What facet counts count.
    pub count: CountMode,
}

impl Default for Collapse {
    fn default() -> Self {
        Collapse {
            max_distance: crate::fingerprint::DEFAULT_MAX_DISTANCE,
            count: CountMode::Stories,
        }
    }
}

/// What facet counts count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CountMode {
    /// Stories: a group of near-duplicates counts once.
    #[default]
    Stories,
    /// Articles: every matching article counts.
    Articles,
}

/// One hit of a page before its stored fields are read.
struct PageEntry {
    score: f32,
    address: tantivy::DocAddress,
    duplicates: Vec<(tantivy::DocAddress, u32)>,
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
            collapse: Some(Collapse::default()),
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
    /// The request's entity filters as resolved: which entity each stands for, and the others that fit.
    #[serde(default)]
    pub entity_filters: Vec<EntityFilter>,
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

/// How many matching articles (or stories) carry an entity. A kind's list is ordered by count, then by
/// the matching articles that carry the entity, then by name (mentions are not stored, so they cannot
/// break ties).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct FacetCount {
    /// Canonical name.
    pub name: String,
    /// Matching articles (or stories) with it.
    pub count: u64,
}

impl Reader {
    /// Runs a search on the reader's commit.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let searcher = self.searcher()?;
        let query = build_query(&self.store, request)?;
        // Collectors allocate for offset + limit hits: no page reaches past the last article.
        let docs = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let bounded = SearchRequest {
            offset: request.offset.min(docs),
            limit: request.limit.min(docs.max(1)),
            ..request.clone()
        };
        let request = &bounded;
        let (page, total_hits, facets) = match request.collapse {
            None => self.plain_page(&searcher, &*query, request),
            Some(collapse) => self.collapsed_page(&searcher, &*query, request, collapse),
        }
        .map_err(|e| query::run_error(&self.store, &request.query, e))?;
        let mut snippets =
            snippet::Snippets::new(&searcher, &*query, self.fields(), request.snippet_chars)?;
        let mut hits = Vec::with_capacity(page.len());
        for entry in page {
            let doc = searcher.doc::<TantivyDocument>(entry.address)?;
            let mut hit = hit_from_doc(self.fields(), &doc, entry.score, snippets.of(&doc));
            for (address, distance) in entry.duplicates {
                let dup = searcher.doc::<TantivyDocument>(address)?;
                let f = self.fields();
                hit.duplicates.push(Duplicate {
                    id: text(&dup, f.id).unwrap_or_default(),
                    title: text(&dup, f.title),
                    source: text(&dup, f.source),
                    published: date(&dup, f.published),
                    distance,
                });
            }
            hits.push(hit);
        }
        Ok(SearchResults {
            query: request.query.clone(),
            total_hits,
            hits,
            facets,
            entity_filters: request.entities.clone(),
        })
    }

    /// The requested page without collapsing, with the total and article facet counts, in one pass.
    fn plain_page(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn tantivy::query::Query,
        request: &SearchRequest,
    ) -> Result<(Vec<PageEntry>, u64, facets::Facets)> {
        let top = TopDocs::with_limit(request.limit.max(1))
            .and_offset(request.offset)
            .order_by_score();
        let (top, total, counts) = if request.facets.is_empty() {
            let (top, total) = searcher.search(query, &(top, Count))?;
            (top, total, facets::Facets::new())
        } else {
            searcher.search(query, &(top, Count, self.article_counter(request)))?
        };
        let page = top
            .into_iter()
            .take(request.limit)
            .map(|(score, address)| PageEntry {
                score,
                address,
                duplicates: Vec::new(),
            })
            .collect();
        Ok((page, total as u64, counts))
    }

    /// The requested page of groups of near-duplicates. Candidates are collected until they form
    /// enough groups (or run out); facet counts follow the collapse unless articles are asked for.
    fn collapsed_page(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn tantivy::query::Query,
        request: &SearchRequest,
        collapse: Collapse,
    ) -> Result<(Vec<PageEntry>, u64, facets::Facets)> {
        let max_distance = collapse.max_distance;
        let needed = request.offset.saturating_add(request.limit);
        let docs = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let mut k = collapse::candidates_for(needed).min(docs.max(1));
        let first = collapse::TopCandidates { k };
        let (mut candidates, total, counts) = match (request.facets.is_empty(), collapse.count) {
            (true, _) => {
                let (c, t) = searcher.search(query, &(first, Count))?;
                (c, t, facets::Facets::new())
            }
            (false, CountMode::Articles) => {
                searcher.search(query, &(first, Count, self.article_counter(request)))?
            }
            (false, CountMode::Stories) => {
                let counter = self.article_counter(request);
                match self.stories(searcher, max_distance) {
                    Some(stories) => {
                        let counter = facets::EntityCounter {
                            stories: Some(stories),
                            ..counter
                        };
                        searcher.search(query, &(first, Count, counter))?
                    }
                    None => {
                        let counter = counter.grouping_matches(max_distance);
                        searcher.search(query, &(first, Count, counter))?
                    }
                }
            }
        };
        collapse::order_ties(searcher, self.fields().id, &mut candidates, k)?;
        loop {
            let signatures: Vec<_> = candidates.iter().map(|c| c.signature.clone()).collect();
            let groups = crate::fingerprint::collapse(&signatures, max_distance);
            let exhausted = candidates.len() < k || k >= docs;
            if groups.len() >= needed || exhausted {
                let page = groups
                    .into_iter()
                    .skip(request.offset)
                    .take(request.limit)
                    .map(|g| PageEntry {
                        score: candidates[g.leader].score,
                        address: candidates[g.leader].address,
                        duplicates: g
                            .members
                            .into_iter()
                            .map(|(m, d)| (candidates[m].address, d))
                            .collect(),
                    })
                    .collect();
                return Ok((page, total as u64, counts));
            }
            k = k.saturating_mul(4).min(docs.max(1));
            candidates = searcher.search(query, &collapse::TopCandidates { k })?;
            collapse::order_ties(searcher, self.fields().id, &mut candidates, k)?;
        }
    }

    fn article_counter(&self, request: &SearchRequest) -> facets::EntityCounter<'_> {
        self.entity_counter(facets::Listing {
            kinds: request.facets.clone(),
            limit: request.facet_limit,
            pinned: request.entities.iter().map(EntityFilter::key).collect(),
        })
    }

    /// Counts the articles that carry each entity of the listing's kinds.
    fn entity_counter(&self, listing: facets::Listing) -> facets::EntityCounter<'_> {
        facets::EntityCounter {
            field: crate::store::schema::names::ENTITIES.into(),
            listing,
            table: &self.entity_table,
            stories: None,
        }
    }

    /// The most frequent entities of the whole index, per kind in `kinds`, at most `limit` per kind.
    pub fn entity_counts(
        &self,
        kinds: &[EntityKind],
        limit: usize,
    ) -> Result<BTreeMap<String, Vec<FacetCount>>> {
        let searcher = self.searcher()?;
        let counter = self.entity_counter(facets::Listing {
            kinds: kinds.to_vec(),
            limit,
            pinned: Vec::new(),
        });
        Ok(searcher.search(&tantivy::query::AllQuery, &counter)?)
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

/// Stored entity facets as `{type, name}` pairs.
pub(crate) fn entities(doc: &TantivyDocument, field: tantivy::schema::Field) -> Vec<EntityRef> {
    doc.get_all(field)
        .filter_map(|v| v.as_facet())
        .filter_map(decode_entity)
        .map(|(kind, name)| EntityRef {
            kind: kind.as_str().to_string(),
            name,
        })
        .collect()
}
