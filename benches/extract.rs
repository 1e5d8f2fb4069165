//! Enrichment throughput over a news corpus (see `common.rs` for which): entity extraction
//! (articles/s and bytes/s) and near-duplicate signatures (articles/s).
//!
//! `cargo bench --bench extract`

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use newsidx::entities::ExtractorBuilder;
use newsidx::fingerprint::Signature;
use newsidx::Enricher;

fn extraction(c: &mut Criterion) {
    let (name, articles) = common::corpus();
    let extractor = ExtractorBuilder::new().build().expect("built-in gazetteer");
    let bytes: usize = articles
        .iter()
        .map(|a| a.body.len() + a.title.as_ref().map_or(0, String::len))
        .sum();
    eprintln!("corpus {name}: {} articles, {bytes} bytes", articles.len());

    let mut group = c.benchmark_group("extract");
    group.sample_size(10);
    group.throughput(Throughput::Elements(articles.len() as u64));
    group.bench_function("articles", |b| {
        b.iter(|| {
            let mut n = 0;
            for a in &articles {
                n += extractor.extract_article(a.title.as_deref(), &a.body).len();
            }
            n
        })
    });
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("bytes", |b| {
        b.iter(|| {
            let mut n = 0;
            for a in &articles {
                n += extractor.extract_article(a.title.as_deref(), &a.body).len();
            }
            n
        })
    });
    group.finish();

    let mut group = c.benchmark_group("fingerprint");
    group.sample_size(10);
    group.throughput(Throughput::Elements(articles.len() as u64));
    group.bench_function("signature", |b| {
        b.iter(|| {
            articles
                .iter()
                .map(|a| Signature::of(a.title.as_deref(), &a.body).simhash.0)
                .fold(0u64, |acc, h| acc ^ h)
        })
    });
    group.finish();

    // Everything indexing computes per article from one token stream: entities, fingerprint, terms.
    let enricher = Enricher::new(None).expect("built-in gazetteer");
    let mut group = c.benchmark_group("enrich");
    group.sample_size(10);
    group.throughput(Throughput::Elements(articles.len() as u64));
    group.bench_function("articles", |b| {
        b.iter(|| {
            articles
                .iter()
                .map(|a| enricher.enrich(a).entities.len())
                .sum::<usize>()
        })
    });
    group.finish();

    c.bench_function("extractor_build", |b| {
        b.iter(|| ExtractorBuilder::new().build().expect("built-in gazetteer"))
    });
}

criterion_group!(benches, extraction);
criterion_main!(benches);
