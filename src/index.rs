//! [`NewsIndex`]: one open index, the facade over the [`Store`] (the index on disk), the
//! [`Writer`] and the [`Reader`] (searching). Each method is one call into those layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use tantivy::{Index, Searcher};

use crate::entities::{EntityKind, Extractor, NameLookup};
use crate::fingerprint::StoryRule;
use crate::search::article::ArticleView;
use crate::search::stats::Stats;
use crate::search::stories::{StoriesPage, StorySummary};
use crate::search::timing::Latency;
use crate::search::{
    EntityCount, EntityFilter, EntityKey, EntityListing, ExportFormat, FacetCount, Reader,
    SearchRequest, SearchResults, StoredField,
};
use crate::store::{Fields, Store};
use crate::writer::{Writer, WriterOptions};
use crate::Result;

/// An open newsidx index.
pub struct NewsIndex {
    store: Store,
    reader: Reader,
}

impl NewsIndex {
    /// Opens the index at `path`, creating it (and the directory) when there is none yet.
    pub fn open_or_create(path: &Path) -> Result<NewsIndex> {
        Ok(NewsIndex::on(Store::open_or_create(path)?))
    }

    /// Opens an existing index for reading or writing. Fails with a message that says what is wrong
    /// when there is no index, the directory is not a newsidx index, or its format is another.
    pub fn open(path: &Path) -> Result<NewsIndex> {
        Ok(NewsIndex::on(Store::open(path)?))
    }

    fn on(store: Store) -> NewsIndex {
        NewsIndex {
            reader: Reader::new(store.clone()),
            store,
        }
    }

    /// The index directory.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// The underlying tantivy index.
    pub fn tantivy(&self) -> &Index {
        self.store.index()
    }

    /// The resolved schema fields.
    pub fn fields(&self) -> &Fields {
        self.store.fields()
    }

    /// The index on disk.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The read side.
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// A writer that upserts articles. Fails at once when another process holds the writer lock.
    pub fn writer(&self, options: &WriterOptions) -> Result<Writer<'_>> {
        Writer::new(&self.store, options)
    }

    /// A searcher on the commit that was last when this index was opened or [`NewsIndex::reload`]ed.
    pub fn searcher(&self) -> Result<Searcher> {
        self.reader.searcher()
    }

    /// Makes later searches see the last commit (of this or another process).
    pub fn reload(&self) -> Result<()> {
        self.reader.reload()
    }

    /// Runs a search (see [`Reader::search`]).
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        self.reader.search(request)
    }

    /// Writes every match of `request` to `out` (see [`Reader::export`]); returns the lines written.
    pub fn export(
        &self,
        request: &SearchRequest,
        format: ExportFormat,
        fields: &[StoredField],
        out: &mut dyn std::io::Write,
    ) -> Result<u64> {
        self.reader.export(request, format, fields, out)
    }

    /// The most frequent entities of the whole index, per kind in `kinds`, at most `limit` per kind.
    pub fn entity_counts(
        &self,
        kinds: &[EntityKind],
        limit: usize,
    ) -> Result<BTreeMap<String, Vec<FacetCount>>> {
        self.reader.entity_counts(kinds, limit)
    }

    /// Every entity stored in the index.
    pub fn known_entities(&self) -> Result<BTreeSet<EntityKey>> {
        crate::search::entity_filter::known_entities(&self.reader)
    }

    /// Resolves `spec` (`TYPE:NAME` or a bare `NAME`) to the stored entity it stands for, reporting
    /// the others that fit (see [`crate::search::entity_filter`]). `names` turns the typed name into
    /// gazetteer entities: an [`Extractor`] already built, or a [`crate::entities::Gazetteer`].
    pub fn resolve_entity(&self, spec: &str, names: &dyn NameLookup) -> Result<EntityFilter> {
        crate::search::entity_filter::resolve_entity(&self.reader, spec, names)
    }

    /// The article with id `id`, whole: its fields, where its entities occur (found by `extractor`)
    /// and the other articles within `max_distance` of it; `None` when the index holds no such id
    /// (see [`crate::search::article`]).
    pub fn article(
        &self,
        id: &str,
        extractor: &Extractor,
        max_distance: u32,
    ) -> Result<Option<ArticleView>> {
        crate::search::article::article(&self.reader, id, extractor, max_distance)
    }

    /// Figures about the index.
    pub fn stats(&self) -> Result<Stats> {
        crate::search::stats::stats(&self.reader)
    }

    /// Where the index's bytes go, field by field.
    pub fn space(&self) -> Result<crate::search::stats::Space> {
        crate::search::stats::space(&self.reader)
    }

    /// Every story of two or more articles by `rule`, largest first.
    pub fn stories(&self, rule: StoryRule) -> Result<Vec<StorySummary>> {
        crate::search::stories::stories(&self.reader, rule)
    }

    /// A page of [`NewsIndex::stories`]: at most `limit` (all when `None`) from `offset`.
    pub fn stories_page(
        &self,
        rule: StoryRule,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<StoriesPage> {
        crate::search::stories::stories_page(&self.reader, rule, offset, limit)
    }

    /// The most frequent entities of the whole index, of `kind` (every kind when `None`), most
    /// articles first, at most `limit`.
    pub fn top_entities(&self, kind: Option<EntityKind>, limit: usize) -> Result<EntityListing> {
        let kinds = match kind {
            Some(kind) => vec![kind],
            None => EntityKind::ALL.to_vec(),
        };
        let mut entities: Vec<EntityCount> = self
            .entity_counts(&kinds, limit)?
            .into_iter()
            .flat_map(|(kind, counts)| {
                counts.into_iter().map(move |c| EntityCount {
                    kind: kind.clone(),
                    name: c.name,
                    count: c.count,
                })
            })
            .collect();
        entities.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        entities.truncate(limit);
        Ok(EntityListing { entities })
    }

    /// Times `queries` in-process (see [`crate::search::timing`]).
    pub fn time_queries(&self, queries: &[String], repeat: usize) -> Result<Vec<Latency>> {
        crate::search::timing::time_queries(&self.reader, queries, repeat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::Enricher;
    use crate::ingest::Article;
    use crate::search::{ExportFormat, StoredField};

    /// The text of harbour report `i`.
    fn harbour_report(i: usize) -> String {
        format!(
            "Dock workers in port {i} loaded {} containers of grain, the harbour master said, and \
             the night shift unloaded {} tonnes of coal from {} ships.",
            i * 13,
            i * 7 + 3,
            i % 5 + 2
        )
    }

    /// An article with only an id, a title, a body and an origin.
    fn article(id: String, title: String, body: String, origin: String) -> Article {
        Article {
            url: None,
            body,
            id,
            title: Some(title),
            origin,
            source: None,
            author: None,
            published: None,
            warnings: Vec::new(),
        }
    }

    /// An index of 40 articles, every fourth with a copy (the same text under another id).
    fn index(dir: &Path) -> NewsIndex {
        let index = NewsIndex::open_or_create(dir).expect("index");
        let enricher = Enricher::new(None).expect("enricher");
        let mut writer = index.writer(&WriterOptions::default()).expect("writer");
        let mut records = Vec::new();
        for i in 0..40 {
            let body = harbour_report(i);
            for copy in 0..(1 + usize::from(i % 4 == 0)) {
                // A url of its own: `--fields url` tells the copies' lines apart.
                records.push(Ok(Article {
                    url: Some(format!("https://example.test/{i}/{copy}")),
                    author: Some("Port desk".into()),
                    ..article(
                        format!("a{i}-{copy}"),
                        format!("Harbour report {i}"),
                        body.clone(),
                        format!("export-test:{i}"),
                    )
                }));
            }
        }
        for record in enricher.enrich_records(records) {
            let (article, extra) = record.expect("enriched");
            writer.upsert(&article, extra).expect("upsert");
        }
        writer.finish().expect("finish");
        index
    }

    /// The stories `finish` leaves in the index folder are those of the story column, and a search
    /// uses them only while they cover the index: after a commit without `finish` (a run stopped
    /// at once) it reads the column, and the next `finish` saves them again.
    #[test]
    fn saved_stories_are_used_only_while_they_cover_the_index() {
        use crate::store::stories::{Stories, STORIES_FILE};
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path();
        let index = index(path);
        assert!(path.join(STORIES_FILE).exists(), "left by finish");
        let searcher = index.searcher().expect("searcher");
        let saved = Stories::load(path).expect("saved");
        assert!(saved.covers(&searcher));
        // Ten stories of an article and its copy.
        assert_eq!(saved.summary(), (10, 20));
        assert_eq!(Stories::read(&searcher).expect("read").summary(), (10, 20));
        // A search opening the index takes the file's stories, not the column's: a file that
        // covers the index but holds no story is believed.
        let real = std::fs::read(path.join(STORIES_FILE)).expect("file");
        Stories::all_alone(&searcher).save(path).expect("save");
        let opened = Stories::open(&searcher, path).expect("open");
        assert_eq!(opened.summary(), (0, 0));
        std::fs::write(path.join(STORIES_FILE), real).expect("put back");
        assert_eq!(
            Stories::open(&searcher, path).expect("open").summary(),
            (10, 20)
        );

        let enricher = Enricher::new(None).expect("enricher");
        let copy = |of: usize, id: &str| {
            Ok(article(
                id.into(),
                format!("Harbour report {of}"),
                harbour_report(of),
                format!("stories-file-test:{id}"),
            ))
        };
        let mut writer = index.writer(&WriterOptions::default()).expect("writer");
        // A third article of story 0, and a copy of article 1 (alone so far).
        for record in enricher.enrich_records(vec![copy(0, "a0-2"), copy(1, "a1-1")]) {
            let (article, extra) = record.expect("enriched");
            writer.upsert(&article, extra).expect("upsert");
        }
        writer.commit().expect("commit");
        drop(writer);
        index.reader.reload().expect("reload");
        let searcher = index.searcher().expect("searcher");
        assert!(!Stories::load(path).expect("still there").covers(&searcher));
        let stories = index
            .reader
            .stories(&searcher, crate::fingerprint::StoryRule::default())
            .expect("stories");
        assert_eq!(stories.summary(), (11, 23));
        let results = index.search(&SearchRequest::new("grain")).expect("search");
        assert_eq!((results.total_hits, results.total_stories), (52, Some(40)));

        index
            .writer(&WriterOptions::default())
            .expect("writer")
            .finish()
            .expect("finish");
        index.reader.reload().expect("reload");
        let saved = Stories::load(path).expect("saved again");
        assert!(saved.covers(&index.searcher().expect("searcher")));
        assert_eq!(saved.summary(), (11, 23));
    }

    /// Export's lines read a window at a time (documents in index order) come out as with one
    /// window, in every format, grouped or not, the copies' ids with their story.
    #[test]
    fn windows_of_lines_export_what_one_window_does() {
        let dir = tempfile::tempdir().expect("tempdir");
        let index = index(dir.path());
        let mut grouped = 0;
        for collapse in [true, false] {
            for format in [ExportFormat::JsonLines, ExportFormat::Csv] {
                let mut request = SearchRequest::new("harbour");
                if !collapse {
                    request.collapse = None;
                }
                let export = |window| {
                    let mut out = Vec::new();
                    let lines = index
                        .reader
                        .export_in_windows(&request, format, &[StoredField::Url], &mut out, window)
                        .expect("export");
                    (lines, String::from_utf8(out).expect("utf-8"))
                };
                let (lines, whole) = export(usize::MAX);
                assert_eq!(lines, if collapse { 40 } else { 50 });
                for window in [1, 3, 7] {
                    assert_eq!(export(window), (lines, whole.clone()), "window {window}");
                }
                grouped += whole.matches("a0-1").count();
            }
        }
        assert!(grouped >= 2, "the copies were not exported");
    }

    /// Entity facets counted by story equal the distinct stories (from the index's story column)
    /// that carry each entity, counted here article by article: with a story's copies in other
    /// segments than its first article, on one thread and in slices, from the segments' totals and
    /// match by match.
    #[test]
    fn facets_count_each_story_once_across_segments() {
        use crate::entities::EntityKind;
        use std::collections::{BTreeMap, BTreeSet};
        let dir = tempfile::tempdir().expect("tempdir");
        let index = NewsIndex::open_or_create(dir.path()).expect("index");
        let enricher = Enricher::new(None).expect("enricher");
        let options = WriterOptions {
            commit_every: 4,
            ..WriterOptions::default()
        };
        let mut writer = index.writer(&options).expect("writer");
        let people = [
            "Angela Merkel",
            "Vladimir Putin",
            "Donald Trump",
            "Emmanuel Macron",
        ];
        let places = ["Berlin", "Moscow", "Paris", "London", "Madrid"];
        let mut records = Vec::new();
        for i in 0..30usize {
            let body = format!(
                "{} met {} in {} on Tuesday to discuss {} barrels of oil and a loan of {} million \
                 dollars, officials in {} said after talks that lasted {} hours.",
                people[i % 4],
                people[(i / 4 + 1) % 4],
                places[i % 5],
                i * 1_000 + 17,
                i * 3 + 5,
                places[(i + 2) % 5],
                i % 7 + 2,
            );
            // Every third story has copies: one or two, a few articles later (so often in the
            // next segment), with a line of debris.
            let copies = if i % 3 == 0 { 1 + i % 2 } else { 0 };
            for copy in 0..=copies {
                let body = if copy == 0 {
                    body.clone()
                } else {
                    format!("Advertisement\n\n{body}")
                };
                records.push(Ok(article(
                    format!("s{i}-{copy}"),
                    format!("Talks {i}"),
                    body,
                    format!("story-test:{i}"),
                )));
            }
        }
        // Copies a few records after their first article.
        for i in (0..records.len()).step_by(5) {
            let end = (i + 5).min(records.len());
            records[i..end].rotate_left(1);
        }
        // Three copies and two first articles written again with another text: their first
        // versions stay behind as deleted documents, and their stories lose a member.
        let rewritten: Vec<_> = records
            .iter()
            .filter(|r| {
                r.as_ref().is_ok_and(|a| {
                    ["s0-1", "s3-1", "s9-2", "s6-0", "s12-0"].contains(&a.id.as_str())
                })
            })
            .map(|r| {
                let mut article = r.as_ref().expect("article").clone();
                article.body = format!("Berlin talks were called off. {}", article.body.len());
                Ok(article)
            })
            .collect();
        assert_eq!(rewritten.len(), 5);
        records.extend(rewritten);
        for record in enricher.enrich_records(records) {
            let (article, extra) = record.expect("enriched");
            writer.upsert(&article, extra).expect("upsert");
        }
        writer.finish().expect("finish");
        let searcher = index.searcher().expect("searcher");
        assert!(searcher.segment_readers().len() >= 2, "several segments");
        assert!(
            searcher
                .segment_readers()
                .iter()
                .any(|s| s.num_deleted_docs() > 0),
            "deleted documents"
        );
        let stories = index
            .reader
            .stories(&searcher, crate::fingerprint::StoryRule::default())
            .expect("the story column answers for the default rule");
        // Per entity: the stories that carry it (an article alone is a story of its own).
        // An entity (kind, name), and a story: (0, story, 0), or (1, segment, document) for an
        // article alone.
        type Entity = (String, String);
        let mut expected: BTreeMap<Entity, BTreeSet<(u32, u32, u32)>> = BTreeMap::new();
        let mut spanning = 0;
        let mut first_segment: BTreeMap<u32, usize> = BTreeMap::new();
        for (s, segment) in searcher.segment_readers().iter().enumerate() {
            let column = stories.segment(segment.segment_id());
            let facets = segment.facet_reader("entities").expect("facets");
            for doc in 0..segment.max_doc() {
                if !segment.is_deleted(doc) {
                    let story = crate::search::counts::story_of(column.as_ref(), doc);
                    let key = if story == crate::store::stories::ALONE {
                        (1, s as u32, doc)
                    } else {
                        if *first_segment.entry(story).or_insert(s) != s {
                            spanning += 1;
                        }
                        (0, story, 0)
                    };
                    let mut facet = tantivy::schema::Facet::root();
                    for ord in facets.facet_ords(doc) {
                        facets.facet_from_ord(ord, &mut facet).expect("facet");
                        if let Some((kind, name)) =
                            crate::store::columns::decode_entity(facet.encoded_str())
                        {
                            expected
                                .entry((kind.as_str().to_string(), name))
                                .or_default()
                                .insert(key);
                        }
                    }
                }
            }
        }
        assert!(spanning > 0, "no story has articles in two segments");
        let expected: BTreeMap<Entity, u64> = expected
            .into_iter()
            .map(|(entity, stories)| (entity, stories.len() as u64))
            .collect();
        for (parallel_from, from_totals) in
            [(u64::MAX, true), (0, true), (0, false), (u64::MAX, false)]
        {
            index.reader.set_parallel_from(parallel_from);
            index.reader.set_counting_from_totals(from_totals);
            let results = index
                .search(&SearchRequest {
                    facets: EntityKind::ALL.to_vec(),
                    facet_limit: 1_000,
                    ..SearchRequest::new("*")
                })
                .expect("search");
            let counted: BTreeMap<Entity, u64> = results
                .facets
                .iter()
                .flat_map(|(kind, list)| {
                    list.iter()
                        .map(move |f| ((kind.clone(), f.name.clone()), f.count))
                })
                .collect();
            assert_eq!(
                counted, expected,
                "threads from {parallel_from}, totals {from_totals}"
            );
        }
    }
}
