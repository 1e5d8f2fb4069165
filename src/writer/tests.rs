//! Write failures injected at every point of a run (a disk that fills up after N bytes): the run
//! ends with [`Error::Write`], the index opens holding exactly the articles of the last commit that
//! succeeded, and a re-run on a healthy disk completes without duplicates.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use tantivy::collector::Count;
use tantivy::directory::MmapDirectory;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::{Writer, WriterOptions};
use crate::enrich::Enricher;
use crate::ingest::Article;
use crate::store::directory::Tolerant;
use crate::store::faults::Faulty;
use crate::store::schema::id_key;
use crate::store::Store;
use crate::Error;

const ARTICLES: usize = 120;
const BATCH: usize = 30;

/// The built-in enricher, built once for all the writer's tests.
pub(super) fn enricher() -> &'static Enricher {
    static ENRICHER: OnceLock<Enricher> = OnceLock::new();
    ENRICHER.get_or_init(|| Enricher::new(None).expect("built-in enricher"))
}

/// A new, empty index in a folder of its own, removed with the `TempDir`.
pub(super) fn new_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_or_create(&dir.path().join("index")).expect("create");
    (dir, store)
}

/// Calls `f` with every live article of `store`'s last commit: its segment, its doc id there and
/// its id.
pub(super) fn each_live_article(
    store: &Store,
    mut f: impl FnMut(&tantivy::SegmentReader, tantivy::DocId, String),
) {
    let searcher = store.reader().expect("reader").searcher();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        for doc in segment.doc_ids_alive() {
            let stored: tantivy::TantivyDocument = searcher
                .doc(tantivy::DocAddress::new(ord as u32, doc))
                .expect("stored");
            let id = stored
                .get_first(store.fields().id)
                .and_then(|v| tantivy::schema::Value::as_str(&v))
                .expect("a text id")
                .to_string();
            f(segment, doc, id);
        }
    }
}

fn article(i: usize) -> Article {
    Article {
        id: format!("a{i}"),
        title: Some(format!("Harbour report {i}")),
        body: format!(
            "Dock workers in port {} loaded {} containers of grain on shift {}.",
            i % 7,
            i * 13,
            i % 3
        ),
        author: None,
        source: None,
        url: None,
        published: None,
        origin: format!("test:{i}"),
        warnings: Vec::new(),
    }
}

fn options() -> WriterOptions {
    WriterOptions {
        heap_bytes: super::MIN_HEAP_BYTES,
        threads: 1,
        commit_every: usize::MAX,
        ..WriterOptions::default()
    }
}

/// Writes the articles on `store`, committing every [`BATCH`]: the ids of the last commit that
/// succeeded, and the error that ended the run, if one did.
fn write_all(store: &Store) -> (BTreeSet<String>, Option<Error>) {
    let mut committed = BTreeSet::new();
    let mut writer = match Writer::new(store, &options()) {
        Ok(writer) => writer,
        Err(err) => return (committed, Some(err)),
    };
    let mut written = BTreeSet::new();
    for batch in (0..ARTICLES).collect::<Vec<_>>().chunks(BATCH) {
        let records = batch.iter().map(|&i| Ok(article(i))).collect();
        for record in enricher().enrich_records(records) {
            let (article, extra) = record.expect("enriched");
            if let Err(err) = writer.upsert(&article, extra) {
                return (committed, Some(err));
            }
            written.insert(article.id);
        }
        if let Err(err) = writer.commit() {
            return (committed, Some(err));
        }
        committed = written.clone();
    }
    match writer.finish() {
        Ok(_) => (committed, None),
        Err(err) => (committed, Some(err)),
    }
}

/// How many live articles have `id`.
fn live(store: &Store, id: &str) -> usize {
    let searcher = store.reader().expect("reader").searcher();
    let term = Term::from_field_text(store.fields().id, &id_key(id));
    searcher
        .search(&TermQuery::new(term, IndexRecordOption::Basic), &Count)
        .expect("count")
}

fn faulty_store(path: &Path, budget: i64) -> Store {
    let directory = Faulty::new(Tolerant(MmapDirectory::open(path).expect("mmap")), budget);
    Store::open_with(path, directory).expect("open on the faulty directory")
}

/// Bytes a whole run writes, measured with a budget that never runs out.
fn bytes_of_a_run() -> i64 {
    static BYTES: OnceLock<i64> = OnceLock::new();
    *BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("index");
        drop(Store::open_or_create(&path).expect("create"));
        let budget = i64::MAX / 2;
        let directory = Faulty::new(Tolerant(MmapDirectory::open(&path).expect("mmap")), budget);
        let spent = directory.clone();
        let store = Store::open_with(&path, directory).expect("open");
        let (committed, err) = write_all(&store);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(committed.len(), ARTICLES);
        budget - spent.remaining()
    })
}

fn check_failure_at(budget: i64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("index");
    drop(Store::open_or_create(&path).expect("create"));
    let (committed, err) = write_all(&faulty_store(&path, budget));
    let err = err.expect("the budget is under a whole run's bytes, so a write fails");
    let Error::Write {
        path: named,
        cause,
        articles,
    } = &err
    else {
        panic!("not a write error: {err:?}");
    };
    assert_eq!(named, &path);
    assert!(cause.contains("No space left on device"), "{cause}");
    assert_eq!(*articles, Some(committed.len() as u64), "{err}");

    // The index opens on a healthy disk, holding exactly the last commit's articles.
    let store = Store::open(&path).expect("the index still opens");
    let searcher = store.reader().expect("reader").searcher();
    assert_eq!(searcher.num_docs(), committed.len() as u64);
    for id in &committed {
        assert_eq!(live(&store, id), 1, "{id}");
    }
    // A re-run completes, and every article is there once.
    let (all, err) = write_all(&store);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(all.len(), ARTICLES);
    let searcher = store.reader().expect("reader").searcher();
    assert_eq!(searcher.num_docs(), ARTICLES as u64);
    for i in 0..ARTICLES {
        assert_eq!(live(&store, &format!("a{i}")), 1, "a{i}");
    }
}

#[test]
fn a_write_that_fails_at_once_leaves_an_empty_index_that_opens() {
    check_failure_at(0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The disk fills up after any number of bytes of a run.
    #[test]
    fn a_write_failure_anywhere_keeps_the_last_commit_and_a_rerun_completes(
        fraction in 0.0f64..1.0
    ) {
        let budget = (bytes_of_a_run() as f64 * fraction) as i64;
        check_failure_at(budget);
    }
}

/// One indexing thread per three and a half cores, rounded up, from one to four: one on the
/// two-core machine it was measured on, where two held more memory for no time gained.
#[test]
fn indexing_threads_follow_the_share_of_the_work_tantivy_does() {
    let threads: Vec<usize> = [0, 1, 2, 3, 4, 7, 8, 11, 64, usize::MAX]
        .into_iter()
        .map(super::indexing_threads)
        .collect();
    assert_eq!(threads, [1, 1, 1, 1, 2, 2, 3, 4, 4, 4]);
}

/// The signature stored for every live article of `store`, by id, read from the signatures files.
fn stored_signatures(store: &Store) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut found = std::collections::BTreeMap::new();
    each_live_article(store, |segment, doc, id| {
        let file = crate::store::signatures::SignaturesFile::open(segment).expect("signatures");
        let record = file.record(doc).expect("a record for every document");
        assert!(found.insert(id, record.to_vec()).is_none());
    });
    found
}

/// The signatures files hold each article's own signature however its segment was written: in
/// several commits, after upserts left deleted documents behind, and after a merge dropped them.
#[test]
fn signatures_follow_their_articles_through_upserts_and_merges() {
    let (_dir, store) = new_store();
    let (committed, err) = write_all(&store);
    assert!(err.is_none(), "{err:?}");
    // Every third article again, with another text: the old versions stay in their segments as
    // deleted documents.
    let changed = |i: usize| {
        let mut a = article(i);
        a.body = format!(
            "Port {i} closed after a storm; {} ships waited offshore.",
            i * 7
        );
        a
    };
    let mut writer = Writer::new(&store, &options()).expect("writer");
    let records = (0..ARTICLES).step_by(3).map(|i| Ok(changed(i))).collect();
    for record in enricher().enrich_records(records) {
        let (article, extra) = record.expect("enriched");
        writer.upsert(&article, extra).expect("upsert");
    }
    writer.finish().expect("finish");
    let expected: std::collections::BTreeMap<String, Vec<u8>> = (0..ARTICLES)
        .map(|i| if i % 3 == 0 { changed(i) } else { article(i) })
        .map(|a| {
            let (a, extra) = enricher()
                .enrich_records(vec![Ok(a)])
                .pop()
                .expect("one")
                .expect("enriched");
            (a.id, extra.signature.to_packed())
        })
        .collect();
    assert_eq!(committed.len(), ARTICLES);
    let segments = store.index().searchable_segment_ids().expect("segments");
    assert!(segments.len() > 1, "{segments:?}");
    assert_eq!(stored_signatures(&store), expected);

    // A warmer holds the files of a reader's segments until they are in no live searcher and no
    // longer committed.
    let warmer = crate::store::signatures::SignaturesWarmer::new(store.index().clone());
    let before = store.reader().expect("reader").searcher();
    tantivy::Warmer::warm(&warmer, &before).expect("warm");
    let ids = |s: &[tantivy::index::SegmentId]| s.iter().copied().collect::<BTreeSet<_>>();
    assert_eq!(warmer.held(), ids(&segments));

    let mut merger: tantivy::IndexWriter = store
        .index()
        .writer_with_num_threads(1, 15_000_000)
        .expect("tantivy writer");
    merger.merge(&segments).wait().expect("merge");
    merger.wait_merging_threads().expect("merged");
    let merged = store.index().searchable_segment_ids().expect("ids");
    assert_eq!(merged.len(), 1);
    assert_eq!(stored_signatures(&store), expected);

    tantivy::Warmer::garbage_collect(&warmer, &[before.generation()]);
    assert_eq!(
        warmer.held(),
        ids(&segments),
        "a live searcher still reads them"
    );
    let after = store.reader().expect("reader").searcher();
    tantivy::Warmer::warm(&warmer, &after).expect("warm");
    // Another reader's collection, which knows nothing of `after`: the committed segment stays.
    tantivy::Warmer::garbage_collect(&warmer, &[]);
    assert_eq!(warmer.held(), ids(&merged));
}
