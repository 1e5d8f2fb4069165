//! Re-runs leave unchanged articles alone. An article whose id the index already holds with the same
//! stored fields (title, body, author, source, url, date to the second, origin) would be enriched
//! into the same entities, fingerprint and terms, provided the same enricher did it; so it is not
//! enriched or written again. Which enricher wrote the index is kept in tantivy's commit payload
//! ([`Lineage`]): one [`crate::Enricher::identity`] while every article came from it, none once two
//! enrichers (or articles enriched elsewhere) have written.

use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, DocSet, Searcher, TantivyDocument, Term, TERMINATED};

use crate::ingest::Article;
use crate::store::schema::{id_key, Fields};

/// Which enrichers wrote the articles of an index, as its last commit says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lineage {
    /// No articles: whoever writes first sets it.
    Empty,
    /// Every article was enriched by the enricher of this identity.
    Uniform(u64),
    /// Unknown or several: nothing is left alone on a re-run.
    Mixed,
}

/// The commit payload's key.
const KEY: &str = "enriched_by";

impl Lineage {
    /// The lineage of an index of `articles` articles whose last commit carried `payload`.
    pub(super) fn read(articles: u64, payload: Option<&str>) -> Lineage {
        if articles == 0 {
            return Lineage::Empty;
        }
        let identity = payload
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .and_then(|v| v.get(KEY)?.as_str().map(str::to_string))
            .and_then(|hex| u64::from_str_radix(&hex, 16).ok());
        match identity {
            Some(identity) => Lineage::Uniform(identity),
            None => Lineage::Mixed,
        }
    }

    /// The payload of a commit of this lineage.
    pub(super) fn payload(self) -> String {
        match self {
            Lineage::Uniform(identity) => format!("{{\"{KEY}\":\"{identity:016x}\"}}"),
            Lineage::Empty | Lineage::Mixed => format!("{{\"{KEY}\":null}}"),
        }
    }

    /// The lineage once an article enriched by `identity` (`None`: unknown) is written.
    pub(super) fn wrote(self, identity: Option<u64>) -> Lineage {
        match (self, identity) {
            (Lineage::Empty, Some(id)) => Lineage::Uniform(id),
            (Lineage::Uniform(was), Some(id)) if was == id => self,
            _ => Lineage::Mixed,
        }
    }

    /// Whether articles enriched by `identity` may be compared with the index's and left alone.
    pub(super) fn admits(self, identity: u64) -> bool {
        match self {
            Lineage::Empty => true,
            Lineage::Uniform(was) => was == identity,
            Lineage::Mixed => false,
        }
    }
}

/// Whether `searcher` holds `article` as it is: an article with its id whose stored fields equal
/// its fields. Any error reading the index answers no (the article is then written again).
pub(super) fn stored_unchanged(searcher: &Searcher, fields: &Fields, article: &Article) -> bool {
    let Some(address) = find(searcher, fields, &article.id) else {
        return false;
    };
    let Ok(stored) = searcher.doc::<TantivyDocument>(address) else {
        return false;
    };
    let text = |field| stored.get_first(field).and_then(|v| v.as_str());
    let published = stored
        .get_first(fields.published)
        .and_then(|v| v.as_datetime())
        .map(|d| d.into_timestamp_secs());
    text(fields.id) == Some(article.id.as_str())
        && text(fields.title) == article.title.as_deref()
        && text(fields.body) == Some(article.body.as_str())
        && text(fields.author) == article.author.as_deref()
        && text(fields.source) == article.source.as_deref()
        && text(fields.url) == article.url.as_deref()
        && text(fields.origin) == Some(article.origin.as_str())
        && published == article.published.map(|d| d.unix_timestamp())
}

/// The live document with `id`, if any.
fn find(searcher: &Searcher, fields: &Fields, id: &str) -> Option<DocAddress> {
    let term = Term::from_field_text(fields.id, &id_key(id));
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let inverted = segment.inverted_index(fields.id).ok()?;
        let Some(mut postings) = inverted
            .read_postings(&term, IndexRecordOption::Basic)
            .ok()?
        else {
            continue;
        };
        let mut doc = postings.doc();
        while doc != TERMINATED {
            if !segment.is_deleted(doc) {
                return Some(DocAddress::new(ord as u32, doc));
            }
            doc = postings.advance();
        }
    }
    None
}

#[cfg(test)]
mod tests {

    use tantivy::collector::TopDocs;
    use tantivy::query::AllQuery;

    use super::super::{Report, Writer, WriterOptions};
    use super::*;
    use crate::enrich::Enricher;
    use crate::entities::Gazetteer;
    use crate::store::Store;
    use crate::writer::tests::{enricher, new_store};

    fn article(i: usize, body: &str) -> Article {
        Article {
            id: format!("a{i}"),
            title: Some(format!("Harbour report {i}")),
            body: format!("{body} Dock workers in port {i} loaded grain; Angela Merkel visited."),
            author: None,
            source: Some("Wire".into()),
            url: None,
            published: None,
            origin: format!("test:{i}"),
            warnings: Vec::new(),
        }
    }

    fn run(store: &Store, articles: &[Article], enricher: &Enricher, skip: bool) -> Report {
        let options = WriterOptions {
            heap_bytes: super::super::MIN_HEAP_BYTES,
            threads: 1,
            commit_every: 7,
            skip_unchanged: skip,
        };
        let mut writer = Writer::new(store, &options).expect("writer");
        let records: Vec<_> = articles.iter().cloned().map(Ok).collect();
        let report = writer
            .index_all(records, enricher, false, |_| {})
            .expect("index");
        writer.finish().expect("finish");
        report
    }

    /// Every live article's id, body, entities and story value, sorted by id.
    fn contents(store: &Store) -> Vec<(String, String, Vec<String>, u64)> {
        let f = store.fields();
        let searcher = store.reader().expect("reader").searcher();
        let hits = searcher
            .search(&AllQuery, &TopDocs::with_limit(10_000).order_by_score())
            .expect("all");
        let mut out: Vec<_> = hits
            .into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address).expect("doc");
                let text = |field| {
                    doc.get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string()
                };
                let entities = doc
                    .get_all(f.entities)
                    .filter_map(|v| v.as_facet().map(str::to_string))
                    .collect();
                let segment = searcher.segment_reader(address.segment_ord);
                let story = segment
                    .fast_fields()
                    .u64("story")
                    .expect("story column")
                    .first(address.doc_id)
                    .unwrap_or_default();
                (text(f.id), text(f.body), entities, story)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_rerun_leaves_unchanged_articles_alone_and_rewrites_the_changed() {
        let (_dir, store) = new_store();
        let mut articles: Vec<Article> = (0..30).map(|i| article(i, "First.")).collect();
        let first = run(&store, &articles, enricher(), true);
        assert_eq!((first.added, first.updated, first.unchanged), (30, 0, 0));
        let before = contents(&store);

        let again = run(&store, &articles, enricher(), true);
        assert_eq!((again.added, again.updated, again.unchanged), (0, 30, 30));
        assert_eq!(contents(&store), before, "nothing changed");

        // One body, one date and one origin change; each of those is written again.
        articles[3].body = "Vladimir Putin spoke in Moscow.".into();
        articles[4].published = Some(time::macros::datetime!(2020-01-02 03:04:05 UTC));
        articles[5].origin = "moved:5".into();
        let changed = run(&store, &articles, enricher(), true);
        assert_eq!((changed.updated, changed.unchanged), (30, 27));
        let after = contents(&store);
        assert_eq!(after.len(), 30);
        let third = after.iter().find(|a| a.0 == "a3").expect("a3");
        assert_eq!(third.1, "Vladimir Putin spoke in Moscow.");
        assert!(
            third.2.iter().any(|e| e.contains("Vladimir Putin")),
            "{third:?}"
        );

        let all = run(&store, &articles, enricher(), false);
        assert_eq!((all.updated, all.unchanged), (30, 0), "skip_unchanged off");
    }

    #[test]
    fn an_article_written_earlier_in_the_run_is_never_taken_for_unchanged() {
        let (_dir, store) = new_store();
        let original = article(1, "Original.");
        run(&store, std::slice::from_ref(&original), enricher(), true);
        // A new version, then the original again: the original must end up in the index, though
        // it equals what the index held when the run began. Alone in a chunk and across commits.
        let edited = article(1, "Edited.");
        let mut filler: Vec<Article> = (10..30).map(|i| article(i, "Filler.")).collect();
        let mut input = vec![edited.clone()];
        input.append(&mut filler);
        input.push(original.clone());
        let report = run(&store, &input, enricher(), true);
        assert_eq!(report.unchanged, 0, "{report:?}");
        let now = contents(&store);
        let one = now.iter().find(|a| a.0 == "a1").expect("a1");
        assert_eq!(one.1, original.body);
        assert_eq!(now.len(), 21);
        // The same within one chunk.
        let report = run(
            &store,
            &[edited.clone(), original.clone()],
            enricher(),
            true,
        );
        assert_eq!(report.unchanged, 0, "{report:?}");
        let now = contents(&store);
        assert_eq!(
            now.iter().find(|a| a.0 == "a1").expect("a1").1,
            original.body
        );
    }

    #[test]
    fn a_chunk_compared_before_a_commit_is_compared_again_after_it() {
        let (_dir, store) = new_store();
        let original = article(1, "Original.");
        run(&store, std::slice::from_ref(&original), enricher(), true);
        let options = WriterOptions {
            heap_bytes: super::super::MIN_HEAP_BYTES,
            threads: 1,
            ..WriterOptions::default()
        };
        let mut writer = Writer::new(&store, &options).expect("writer");
        let before = writer.searcher.generation().generation_id();
        // The enriching stage found the original unchanged; meanwhile the writer wrote and
        // committed an edited version.
        writer
            .index_all(vec![Ok(article(1, "Edited."))], enricher(), false, |_| {})
            .expect("index");
        writer.commit().expect("commit");
        let mut chunk = super::super::Enriched {
            records: vec![Ok((original.clone(), None))],
            generation: Some(before),
        };
        writer.confirm_unchanged(&mut chunk, enricher());
        assert!(
            matches!(&chunk.records[0], Ok((_, Some(_)))),
            "enriched again"
        );
        // Compared with the current commit, an article it holds is left alone.
        let current = writer.searcher.generation().generation_id();
        let mut chunk = super::super::Enriched {
            records: vec![Ok((article(1, "Edited."), None))],
            generation: Some(current - 1),
        };
        writer.confirm_unchanged(&mut chunk, enricher());
        assert!(matches!(&chunk.records[0], Ok((_, None))), "left alone");
    }

    #[test]
    fn another_enricher_rewrites_everything_and_the_index_stays_mixed() {
        let (_dir, store) = new_store();
        let articles: Vec<Article> = (0..10).map(|i| article(i, "Text.")).collect();
        run(&store, &articles, enricher(), true);
        let user = Gazetteer::from_json(
            r#"{"version":1,"entities":[{"type":"org","name":"Dock Workers Union","aliases":["Dock workers"]}]}"#,
            "test",
        )
        .expect("gazetteer");
        let other = Enricher::new(Some(user)).expect("enricher");
        assert_ne!(other.identity(), enricher().identity());
        let report = run(&store, &articles, &other, true);
        assert_eq!(report.unchanged, 0);
        let entities = &contents(&store)[0].2;
        assert!(
            entities.iter().any(|e| e.contains("Dock Workers Union")),
            "{entities:?}"
        );
        // Articles of two enrichers: no run may leave any alone any more.
        let report = run(&store, &articles, enricher(), true);
        assert_eq!(report.unchanged, 0);
        let report = run(&store, &articles, enricher(), true);
        assert_eq!(report.unchanged, 0);
    }

    #[test]
    fn a_lineage_survives_its_payload_and_turns_mixed_on_a_second_enricher() {
        assert_eq!(Lineage::read(0, None), Lineage::Empty);
        assert_eq!(Lineage::read(5, None), Lineage::Mixed);
        assert_eq!(Lineage::read(5, Some("not json")), Lineage::Mixed);
        let one = Lineage::Empty.wrote(Some(7));
        assert_eq!(one, Lineage::Uniform(7));
        assert_eq!(Lineage::read(5, Some(&one.payload())), one);
        assert_eq!(one.wrote(Some(7)), one);
        assert_eq!(one.wrote(Some(8)), Lineage::Mixed);
        assert_eq!(one.wrote(None), Lineage::Mixed);
        assert_eq!(
            Lineage::read(5, Some(&Lineage::Mixed.payload())),
            Lineage::Mixed
        );
        assert_eq!(Lineage::Mixed.wrote(Some(7)), Lineage::Mixed);
        assert!(one.admits(7) && !one.admits(8) && Lineage::Empty.admits(8));
        assert!(!Lineage::Mixed.admits(7));
    }
}
