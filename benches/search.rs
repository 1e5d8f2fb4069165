//! Query cost on a prebuilt index: tantivy's own top-10 (the peer: parse, search, count), newsidx's
//! top-10 search without collapse, with near-duplicate collapse, with collapse and entity facets, and
//! `duplicates` over the whole index. The ratios between them are the
//! figures that matter (the machines are noisy); see `common.rs` for the corpus.
//!
//! `cargo bench --bench search`

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use newsidx::entities::EntityKind;
use newsidx::search::build_query;
use newsidx::{Enricher, NewsIndex, SearchRequest, WriterOptions};
use tantivy::collector::{Count, TopDocs};

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

fn run_all(index: &NewsIndex, template: &SearchRequest) -> usize {
    QUERIES
        .iter()
        .map(|q| {
            let request = SearchRequest {
                query: (*q).to_string(),
                ..template.clone()
            };
            index.search(&request).expect("search").hits.len()
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
            QUERIES
                .iter()
                .map(|q| {
                    let request = SearchRequest {
                        query: (*q).to_string(),
                        ..plain.clone()
                    };
                    let query = build_query(&index, &request).expect("query");
                    let top = TopDocs::with_limit(10).order_by_score();
                    let (top, count) = searcher.search(&*query, &(top, Count)).expect("search");
                    top.len() + count
                })
                .sum::<usize>()
        })
    });
    group.bench_function("plain", |b| b.iter(|| run_all(&index, &plain)));
    group.bench_function("collapse", |b| b.iter(|| run_all(&index, &collapsed)));
    group.bench_function("collapse+facets", |b| {
        b.iter(|| run_all(&index, &with_facets))
    });
    group.finish();

    let mut group = c.benchmark_group("duplicates");
    group.sample_size(10);
    group.bench_function("whole_index", |b| {
        b.iter(|| {
            index
                .duplicates(newsidx::fingerprint::DEFAULT_MAX_DISTANCE)
                .expect("duplicates")
                .len()
        })
    });
    group.finish();
}

criterion_group!(benches, queries);
criterion_main!(benches);
