//! Searching: a request becomes a tantivy query (title boosted over body, fuzzy words, date bounds,
//! entity and source filters), the collectors pick the top hits (by score or date, grouped into
//! stories or not) and count over every match (entities, stories, dates, sources, authors), and each
//! hit is turned into a [`Hit`] with a snippet. [`Reader::export`] writes every match instead.

pub mod article;
mod collapse;
pub mod counts;
pub mod entity_filter;
pub mod export;
pub(crate) mod facets;
mod query;
mod shared;
mod slices;
mod snippet;
pub mod sort;
pub mod stats;
pub mod stories;
pub mod timing;
mod totals;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::{OwnedValue, TantivyDocument, Value};
use tantivy::{IndexReader, Searcher};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::entities::EntityKind;
use crate::fingerprint::StoryRule;
use crate::store::columns::decode_entity;
use crate::store::stories::Stories;
use crate::store::{Fields, Store};
use crate::Result;

pub use crate::store::columns::EntityKey;
pub use counts::{Bucket, FieldFacet, Interval};
pub use entity_filter::{EntityFilter, EntityMatch, Evidence};
pub use export::{ExportFormat, StoredField};
pub use query::{build_query, MAX_QUERY_BYTES, MAX_QUERY_CLAUSES, MAX_QUERY_DEPTH};
pub use snippet::Snippet;
pub use sort::Sort;

/// The read side of an index: a reader on its last commit, and what searches learn and keep
/// between them (the entity ids of the segments met, the stories of the story column as read).
pub struct Reader {
    store: Store,
    /// Opened on first use and kept: opening a reader costs more than a typical query.
    reader: OnceLock<IndexReader>,
    /// Entity ids of the segments queried so far, for facet counting.
    entity_table: facets::EntityTable,
    /// The stories of the story column, as read for the last searcher that asked.
    stories: Mutex<Option<Arc<Stories>>>,
    /// The entity names of the segments' dictionaries, as read for the last searcher that resolved
    /// an entity filter.
    entity_names: Mutex<Option<Arc<entity_filter::StoredNames>>>,
    /// Threads for the pass over every match of a large index, and how many (see
    /// [`Reader::executor`]).
    executor: OnceLock<Option<(tantivy::Executor, usize)>>,
    /// Articles from which that pass runs on them.
    parallel_from: std::sync::atomic::AtomicU64,
}

/// Articles from which a search's pass over its matches runs on several threads, by default.
pub const PARALLEL_ARTICLES: u64 = 200_000;
/// At most this many threads per search.
const MAX_SEARCH_THREADS: usize = 4;

impl Reader {
    /// The read side of `store`.
    pub fn new(store: Store) -> Reader {
        Reader {
            store,
            reader: OnceLock::new(),
            entity_table: Default::default(),
            stories: Default::default(),
            entity_names: Default::default(),
            executor: OnceLock::new(),
            parallel_from: PARALLEL_ARTICLES.into(),
        }
    }

    /// Runs a search's pass over its matches on several threads (one per core, up to four, each
    /// taking a slice of the documents at a time: a segment, or part of a large one) from
    /// `articles` articles in the index on ([`PARALLEL_ARTICLES`] by
    /// default); `u64::MAX`: always on the calling thread. Results do not depend on it.
    pub fn set_parallel_from(&self, articles: u64) {
        self.parallel_from
            .store(articles, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether a search that matches most of a segment counts that segment's facets from its totals,
    /// less the documents left out (the default: `true`), or match by match. Results do not depend
    /// on it; the totals are read once per segment and kept (DESIGN.md 2.16).
    pub fn set_counting_from_totals(&self, on: bool) {
        self.entity_table.set_counting_from_totals(on);
    }

    /// Threads to run the pass over every match of `searcher` on, a slice of the documents each at a
    /// time (see [`slices::plan`]): none (the calling thread) for an index of fewer articles than
    /// [`Reader::set_parallel_from`] says ([`PARALLEL_ARTICLES`]), where counting costs less than
    /// handing slices to other threads; otherwise one per core, up to [`MAX_SEARCH_THREADS`]. An
    /// index of one segment is cut into slices too.
    /// Counting facets over a large share of a million articles waits on memory for every match
    /// (DESIGN.md 2.16); two cores share that wait.
    pub(crate) fn executor(&self, searcher: &Searcher) -> Option<&(tantivy::Executor, usize)> {
        self.threads(searcher)
    }

    /// [`Reader::executor`]: the threads and how many.
    fn threads(&self, searcher: &Searcher) -> Option<&(tantivy::Executor, usize)> {
        let from = self
            .parallel_from
            .load(std::sync::atomic::Ordering::Relaxed);
        if searcher.num_docs() < from {
            return None;
        }
        self.executor
            .get_or_init(|| {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                let threads = cores.min(MAX_SEARCH_THREADS);
                // Without threads (a sandbox that forbids them), the search runs on this one.
                (threads > 1)
                    .then(|| tantivy::Executor::multi_thread(threads, "newsidx-search-").ok())
                    .flatten()
                    .map(|executor| (executor, threads))
            })
            .as_ref()
    }

    /// The threads a search of the reader's commit runs its pass over the matches on (1: the
    /// calling thread alone; see [`Reader::set_parallel_from`]).
    pub fn search_threads(&self) -> Result<usize> {
        Ok(self.threads(&self.searcher()?).map_or(1, |(_, n)| *n))
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
            reader
                .reload()
                .map_err(|err| crate::store::health::damaged(self.store.path(), err))?;
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
        *self.entity_names.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }

    /// The stories of the whole index by `rule`, when the story column holds them (it holds those
    /// of the default rule; see [`crate::store::stories`]). Read once per searcher.
    pub(crate) fn stories(&self, searcher: &Searcher, rule: StoryRule) -> Option<Arc<Stories>> {
        if rule != StoryRule::default() {
            return None;
        }
        let mut cached = self.stories.lock().unwrap_or_else(|e| e.into_inner());
        if cached.as_ref().is_none_or(|s| !s.covers(searcher)) {
            *cached = Stories::open(searcher, self.store.path())
                .ok()
                .map(Arc::new);
        }
        cached.clone().filter(|s| s.rule == rule)
    }
}

/// A search to run.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// Query in tantivy syntax over title and body.
    pub query: String,
    /// Hits (stories when collapsed) to return; 0 for the counts only.
    pub limit: usize,
    /// Hits (stories when collapsed) to skip.
    pub offset: usize,
    /// The order of the hits (`None`: see [`Sort::resolve`]).
    pub sort: Option<Sort>,
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
    /// Fields (source, author) to count over all matching articles, beside the entity kinds.
    pub field_facets: Vec<FieldFacet>,
    /// Entities (and field values) listed per kind in the counts.
    pub facet_limit: usize,
    /// Only articles from one of these sources (any case); none: every source.
    pub sources: Vec<String>,
    /// Count the matches (stories, unless articles are counted) per date bucket.
    pub histogram: Option<Interval>,
    /// Stored fields added to each hit beyond those always there (today: `body`).
    pub fields: Vec<StoredField>,
    /// Group near-duplicates into stories (`None` lists every article).
    pub collapse: Option<Collapse>,
}

/// How a search groups near-duplicates into stories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collapse {
    /// Articles within this distance of a story's leader are copies of it (0..=100, see
    /// [`crate::fingerprint::story_distance`]).
    pub max_distance: u32,
    /// Copies are published at most this many days from the leader (`None`: any time apart).
    pub within_days: Option<u32>,
    /// What facet counts count.
    pub count: CountMode,
}

impl Default for Collapse {
    fn default() -> Self {
        Collapse {
            max_distance: crate::fingerprint::DEFAULT_MAX_DISTANCE,
            within_days: Some(crate::fingerprint::DEFAULT_WITHIN_DAYS),
            count: CountMode::Stories,
        }
    }
}

impl Collapse {
    /// The rule that makes two articles one story.
    pub fn rule(&self) -> StoryRule {
        StoryRule {
            max_distance: self.max_distance,
            within_days: self.within_days,
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

/// The collectors that count over every match, run in the first pass beside the page's.
struct Counters<'a> {
    entities: Option<facets::EntityCounter<'a>>,
    story_entities: Option<facets::StoryEntityCounter<'a>>,
    matches: Option<counts::MatchCounter>,
}

/// What the first pass counted.
struct Counted {
    total: u64,
    facets: facets::Facets,
    matches: Option<counts::MatchCounts>,
}

impl Counters<'_> {
    /// Runs `page` and the counters in one pass over the matches, on `executor`'s threads when
    /// there are (see [`Reader::executor`]).
    fn run<C: slices::SliceCollector>(
        self,
        searcher: &Searcher,
        executor: Option<&(tantivy::Executor, usize)>,
        query: &dyn tantivy::query::Query,
        page: C,
    ) -> Result<(C::Fruit, Counted)> {
        let collectors = &(
            page,
            slices::Local(Count),
            (self.entities, self.story_entities),
            self.matches,
        );
        let (fruit, total, (entities, stories), matches) =
            search_on(searcher, executor, query, collectors)?;
        Ok((
            fruit,
            Counted {
                total: total as u64,
                facets: entities.or(stories).unwrap_or_default(),
                matches,
            },
        ))
    }
}

/// `Searcher::search`, on `executor`'s threads when there are (see [`Reader::executor`]), in
/// slices of about equal size (see [`slices::search`]).
pub(crate) fn search_on<C: slices::SliceCollector>(
    searcher: &Searcher,
    executor: Option<&(tantivy::Executor, usize)>,
    query: &dyn tantivy::query::Query,
    collector: &C,
) -> tantivy::Result<C::Fruit> {
    match executor {
        Some((executor, threads)) => slices::search(searcher, executor, *threads, query, collector),
        None => searcher.search(query, collector),
    }
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
            sort: None,
            since: None,
            until: None,
            snippet_chars: 240,
            entities: Vec::new(),
            facets: Vec::new(),
            field_facets: Vec::new(),
            facet_limit: 10,
            sources: Vec::new(),
            histogram: None,
            fields: Vec::new(),
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
    /// Distinct stories among the matching articles when collapsing: from the index's story column
    /// when the search groups by its rule (the default), else the groups of the collapse when it
    /// saw every match; `null` otherwise (unknown, or not collapsing).
    #[serde(default)]
    pub total_stories: Option<u64>,
    /// The order of the hits.
    #[serde(default)]
    pub sort: Sort,
    /// The requested page of hits, best first.
    pub hits: Vec<Hit>,
    /// Entity counts per type (filled when asked for).
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// The request's entity filters as resolved: which entity each stands for, and the others that fit.
    #[serde(default)]
    pub entity_filters: Vec<EntityFilter>,
    /// Matching stories (or articles) per date bucket, from the first to the last non-empty bucket
    /// or over the date bounds of the request; `null` when not asked for.
    #[serde(default)]
    pub histogram: Option<Vec<Bucket>>,
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
    /// The headline, or the opening words of the body when there is none (for display).
    #[serde(default)]
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
    /// The article text, when asked for ([`StoredField::Body`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
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

/// A near-duplicate collapsed under a hit, or an article of a story
/// ([`stories::StorySummary::members`]).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Duplicate {
    /// Article id.
    pub id: String,
    /// Headline.
    pub title: Option<String>,
    /// The headline, or the opening words of the body when there is none (for display).
    #[serde(default)]
    pub label: String,
    /// Publication.
    pub source: Option<String>,
    /// Publication time, RFC 3339.
    pub published: Option<String>,
    /// [`crate::fingerprint::story_distance`] to the hit (or to the story's leader; 0 for the leader
    /// itself).
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

/// The most frequent entities of an index (`newsidx entities --json`, `GET /api/entities`).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct EntityListing {
    /// Most articles first, then by name.
    pub entities: Vec<EntityCount>,
}

/// An entity with the number of articles that mention it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct EntityCount {
    /// `person`, `org` or `place`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Canonical name.
    pub name: String,
    /// Articles that mention it.
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
        let sort = Sort::resolve(request.sort, &request.query);
        let counters = self.counters(&searcher, request);
        let (page, counted, seen_stories) = match request.collapse {
            None => self
                .plain_page(&searcher, &*query, request, sort, counters)
                .map(|(page, counted)| (page, counted, None)),
            Some(collapse) => {
                self.collapsed_page(&searcher, &*query, request, collapse, sort, counters)
            }
        }
        .map_err(|e| query::run_error(&self.store, &request.query, e))?;
        let mut snippets =
            snippet::Snippets::new(&searcher, &*query, self.fields(), request.snippet_chars)?;
        let f = self.fields();
        let mut hits = Vec::with_capacity(page.len());
        for entry in page {
            let doc = searcher.doc::<TantivyDocument>(entry.address)?;
            let mut hit = hit_from_doc(f, &doc, entry.score, snippets.of(&doc));
            if request.fields.contains(&StoredField::Body) {
                hit.body = text(&doc, f.body);
            }
            for (address, distance) in entry.duplicates {
                let dup = searcher.doc::<TantivyDocument>(address)?;
                hit.duplicates.push(Duplicate {
                    id: text(&dup, f.id).unwrap_or_default(),
                    label: label(&dup, f),
                    title: text(&dup, f.title),
                    source: text(&dup, f.source),
                    published: date(&dup, f.published),
                    distance,
                });
            }
            hits.push(hit);
        }
        let Counted {
            total,
            mut facets,
            matches,
        } = counted;
        let matches = matches.unwrap_or_default();
        for (field, values) in matches.fields {
            facets.insert(
                field.as_str().to_string(),
                self.field_counts(&searcher, field, values, request.facet_limit)?,
            );
        }
        let histogram = match request.histogram {
            Some(interval) => {
                let bound =
                    |t: Option<OffsetDateTime>| t.and_then(|t| interval.start(t.unix_timestamp()));
                Some(counts::fill(
                    interval,
                    &matches.histogram,
                    bound(request.since),
                    bound(request.until),
                )?)
            }
            None => None,
        };
        Ok(SearchResults {
            query: request.query.clone(),
            total_hits: total,
            total_stories: request.collapse.and(matches.stories.or(seen_stories)),
            sort,
            hits,
            facets,
            entity_filters: request.entities.clone(),
            histogram,
        })
    }

    /// The `limit` most frequent `values` of `field`, each named as stored in its first matching
    /// article (the fast column holds it lower-cased).
    fn field_counts(
        &self,
        searcher: &Searcher,
        field: FieldFacet,
        values: Vec<counts::FieldValue>,
        limit: usize,
    ) -> Result<Vec<FacetCount>> {
        let f = self.fields();
        let stored = match field {
            FieldFacet::Source => f.source,
            FieldFacet::Author => f.author,
        };
        let mut counts = Vec::with_capacity(limit.min(values.len()));
        for value in values.into_iter().take(limit) {
            let doc = searcher.doc::<TantivyDocument>(value.example)?;
            counts.push(FacetCount {
                name: text(&doc, stored).unwrap_or(value.value),
                count: value.count,
            });
        }
        Ok(counts)
    }

    /// The collectors that count over every match, beside the page: entity facets (by article, by
    /// the story column, or by grouping the matches), and stories, histogram and field counts.
    fn counters(&self, searcher: &Searcher, request: &SearchRequest) -> Counters<'_> {
        let stories = request
            .collapse
            .and_then(|c| self.stories(searcher, c.rule()));
        let by_story = request.collapse.filter(|c| c.count == CountMode::Stories);
        let mut counters = Counters {
            entities: None,
            story_entities: None,
            matches: None,
        };
        if !request.facets.is_empty() {
            let counter = self.article_counter(request);
            match (by_story, &stories) {
                (None, _) => counters.entities = Some(counter),
                (Some(_), Some(stories)) => {
                    counters.entities = Some(facets::EntityCounter {
                        stories: Some(stories.clone()),
                        ..counter
                    })
                }
                (Some(c), None) => {
                    counters.story_entities = Some(counter.grouping_matches(c.rule()))
                }
            }
        }
        let more = request.histogram.is_some() || !request.field_facets.is_empty();
        if stories.is_some() || more {
            counters.matches = Some(counts::MatchCounter {
                group_at: by_story
                    .filter(|_| more && stories.is_none())
                    .map(|c| c.rule()),
                by_story: by_story.is_some(),
                stories,
                histogram: request.histogram,
                fields: request.field_facets.clone(),
                totals: Some(self.entity_table.column_totals()).filter(|t| t.on()),
            });
        }
        counters
    }

    /// The requested page without collapsing, in one pass with the counts.
    fn plain_page(
        &self,
        searcher: &Searcher,
        query: &dyn tantivy::query::Query,
        request: &SearchRequest,
        sort: Sort,
        counters: Counters<'_>,
    ) -> Result<(Vec<PageEntry>, Counted)> {
        let entry = |score, address| PageEntry {
            score,
            address,
            duplicates: Vec::new(),
        };
        let (page, counted) = match sort {
            Sort::Relevance => {
                let top = TopDocs::with_limit(request.limit.max(1))
                    .and_offset(request.offset)
                    .order_by_score();
                let top = slices::Local(top);
                let (top, counted) = counters.run(searcher, self.executor(searcher), query, top)?;
                let page = top.into_iter().map(|(s, a)| entry(s, a)).collect();
                (page, counted)
            }
            Sort::Newest | Sort::Oldest => {
                let top = sort::TopByDate {
                    k: request.offset.saturating_add(request.limit),
                    newest: sort == Sort::Newest,
                };
                let top = slices::Local(top);
                let (top, counted) = counters.run(searcher, self.executor(searcher), query, top)?;
                let page = top
                    .into_iter()
                    .skip(request.offset)
                    .map(|d| entry(d.score, d.address))
                    .collect();
                (page, counted)
            }
        };
        let page: Vec<PageEntry> = page;
        Ok((page.into_iter().take(request.limit).collect(), counted))
    }

    /// The requested page of groups of near-duplicates. Candidates (the best-scoring or the newest
    /// or oldest matches) are collected until they form enough groups (or run out); each group is
    /// led by its best-scoring candidate, and in a date order the groups follow their leaders'
    /// dates. Also gives the number of groups when the candidates were every match.
    fn collapsed_page(
        &self,
        searcher: &Searcher,
        query: &dyn tantivy::query::Query,
        request: &SearchRequest,
        collapse: Collapse,
        sort: Sort,
        counters: Counters<'_>,
    ) -> Result<(Vec<PageEntry>, Counted, Option<u64>)> {
        let needed = request.offset.saturating_add(request.limit);
        let docs = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let mut k = collapse::candidates_for(needed).min(docs.max(1));
        let newest = sort == Sort::Newest;
        let (mut candidates, mut keys, counted) = match sort {
            Sort::Relevance => {
                let (c, counted) = counters.run(
                    searcher,
                    self.executor(searcher),
                    query,
                    slices::Local(collapse::TopCandidates { k }),
                )?;
                (c, None, counted)
            }
            Sort::Newest | Sort::Oldest => {
                let (dated, counted) = counters.run(
                    searcher,
                    self.executor(searcher),
                    query,
                    slices::Local(sort::TopByDate { k, newest }),
                )?;
                let (c, keys) = self.by_score(searcher, dated)?;
                (c, Some(keys), counted)
            }
        };
        loop {
            // Date candidates are not cut at a score: every run of ties is ordered.
            let cut = if keys.is_some() { usize::MAX } else { k };
            collapse::order_ties(searcher, self.fields().id, &mut candidates, cut)?;
            let signatures: Vec<_> = candidates.iter().map(|c| c.signature.clone()).collect();
            let mut groups = crate::fingerprint::collapse(&signatures, collapse.rule());
            let exhausted = candidates.len() < k || k >= docs;
            if groups.len() >= needed || exhausted {
                if let Some(keys) = &keys {
                    let address = |g: &crate::fingerprint::Story| candidates[g.leader].address;
                    groups.sort_by_key(|g| (keys.get(&address(g)).copied(), address(g)));
                }
                let seen = exhausted.then_some(groups.len() as u64);
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
                return Ok((page, counted, seen));
            }
            k = k.saturating_mul(4).min(docs.max(1));
            match sort {
                Sort::Relevance => {
                    candidates = searcher.search(query, &collapse::TopCandidates { k })?;
                }
                Sort::Newest | Sort::Oldest => {
                    let dated = searcher.search(query, &sort::TopByDate { k, newest })?;
                    let (c, more) = self.by_score(searcher, dated)?;
                    (candidates, keys) = (c, Some(more));
                }
            }
        }
    }

    /// Date-ordered candidates as collapse takes them: best score first (ties by address; equal
    /// scores are then ordered by content by [`collapse::order_ties`]), with their signatures, and
    /// the date key of each.
    #[allow(clippy::type_complexity)]
    fn by_score(
        &self,
        searcher: &Searcher,
        mut dated: Vec<sort::Dated>,
    ) -> Result<(
        Vec<collapse::Candidate>,
        HashMap<tantivy::DocAddress, sort::DateKey>,
    )> {
        dated.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
        let columns = searcher
            .segment_readers()
            .iter()
            .map(crate::store::columns::SegmentSignatures::open)
            .collect::<tantivy::Result<Vec<_>>>()?;
        let mut candidates = Vec::with_capacity(dated.len());
        for d in &dated {
            let signature = columns
                .get(d.address.segment_ord as usize)
                .map_or_else(crate::store::columns::missing, |c| c.get(d.address.doc_id));
            candidates.push(collapse::Candidate {
                score: d.score,
                address: d.address,
                signature,
            });
        }
        let keys = dated.iter().map(|d| (d.address, d.key)).collect();
        Ok((candidates, keys))
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
            query: self.entity_table.next_query(),
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
    Hit {
        label: label(doc, f),
        id: text(doc, f.id).unwrap_or_default(),
        score,
        title,
        source: text(doc, f.source),
        author: text(doc, f.author),
        url: text(doc, f.url),
        published: date(doc, f.published),
        snippet: snippet.text,
        highlights: snippet.highlights,
        entities: entities(doc, f.entities),
        duplicates: Vec::new(),
        origin: text(doc, f.origin),
        body: None,
    }
}

/// The headline of a stored article, or the opening words of its body when it has none.
pub(crate) fn label(doc: &TantivyDocument, f: &Fields) -> String {
    match text(doc, f.title) {
        Some(title) => title,
        None => opening_words(&text(doc, f.body).unwrap_or_default(), 12),
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
