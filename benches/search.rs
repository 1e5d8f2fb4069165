//! Query cost on a prebuilt index: tantivy's own top-10 (the peer: parse, search, count), newsidx's
//! top-10 search without collapse, with near-duplicate collapse, with collapse and entity facets, and
//! `duplicates` over the whole index. The ratios between them are the
//! figures that matter (the machines are noisy); see `common.rs` for the corpus.
//!
//! `cargo bench --bench search`

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use newsidx::entities::EntityKind;
use newsidx::{Enricher, NewsIndex, SearchRequest, WriterOptions};

/// Realistic news queries over Reuters-era business news.
const QUERIES: &[&str] = &[
    "oil prices",
    "interest rates",
    "\"trade deficit\"",
    "dollar yen",
    "coffee brazil",
    "opec output",
    "bank of england",
    "takeover bid",
    "wheat exports",
    "gold",
];

fn build() -> (tempfile::TempDir, NewsIndex) {
    let (name, articles) = common::corpus();
    let dir = tempfile::tempdir().expect("temp dir");
    let index = NewsIndex::open_or_create(dir.path()).expect("index");
    let enricher = Enricher::new(None).expect("enricher");
    let mut writer = index.writer(&WriterOptions::default()).expect("writer");
    writer
        .index_all(articles.into_iter().map(Ok), &enricher, false, |_| {})
        .expect("indexed");
    writer.finish().expect("committed");
    eprintln!("index of {name}: {:?}", index.stats().expect("stats"));
    (dir, index)
}

/// `run` over every query, each in a copy of `template`; the sum of what it returns.
fn run_all(template: &SearchRequest, mut run: impl FnMut(&SearchRequest) -> usize) -> usize {
    QUERIES
        .iter()
        .map(|q| {
            run(&SearchRequest {
                query: (*q).to_string(),
                ..template.clone()
            })
        })
        .sum()
}

fn queries(c: &mut Criterion) {
    let (_dir, index) = build();
    let plain = SearchRequest {
        collapse: None,
        ..SearchRequest::new("")
    };
    let collapsed = SearchRequest::new("");
    let with_facets = SearchRequest {
        facets: EntityKind::ALL.to_vec(),
        ..SearchRequest::new("")
    };
    let mut group = c.benchmark_group("top10");
    let searcher = index.searcher().expect("searcher");
    group.bench_function("tantivy", |b| {
        b.iter(|| {
            run_all(&plain, |r| {
                newsidx::search::timing::tantivy_top10(index.reader(), &searcher, r)
                    .expect("search")
                    .len()
            })
        })
    });
    let search = |r: &SearchRequest| index.search(r).expect("search").hits.len();
    group.bench_function("plain", |b| b.iter(|| run_all(&plain, search)));
    group.bench_function("collapse", |b| b.iter(|| run_all(&collapsed, search)));
    group.bench_function("collapse+facets", |b| {
        b.iter(|| run_all(&with_facets, search))
    });
    group.finish();

    let mut group = c.benchmark_group("duplicates");
    group.sample_size(10);
    group.bench_function("whole_index", |b| {
        b.iter(|| {
            index
                .stories(newsidx::fingerprint::StoryRule::default())
                .expect("duplicates")
                .len()
        })
    });
    group.finish();
}

criterion_group!(benches, queries);
criterion_main!(benches);
