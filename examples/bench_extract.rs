//! Extraction throughput over a JSONL file of articles (`title` and `body` fields).
//!
//! `cargo run --release --example bench_extract -- /work/shared/data/reuters21578.jsonl [PASSES]`
//!
//! Builds the extractor once, then runs `extract_article(title, body)` over every article and prints
//! articles/s and MB/s (of title + body bytes) for one core.

use std::time::Instant;

use newsidx::entities::ExtractorBuilder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: bench_extract FILE.jsonl [PASSES]")?;
    let passes: usize = args.next().map(|p| p.parse()).transpose()?.unwrap_or(3);
    let data = std::fs::read_to_string(&path)?;
    let mut articles: Vec<(Option<String>, String)> = Vec::new();
    for (n, line) in data.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        let title = v.get("title").and_then(|t| t.as_str()).map(str::to_string);
        let body = v
            .get("body")
            .and_then(|b| b.as_str())
            .unwrap_or("")
            .to_string();
        articles.push((title, body));
    }
    let bytes: usize = articles
        .iter()
        .map(|(t, b)| t.as_ref().map_or(0, String::len) + b.len())
        .sum();

    let started = Instant::now();
    let extractor = ExtractorBuilder::new().build()?;
    println!(
        "built extractor ({} gazetteer entities) in {:.1} ms",
        extractor.gazetteer_len(),
        started.elapsed().as_secs_f64() * 1e3
    );

    let mut entities = 0usize;
    let mut best = f64::MAX;
    for _ in 0..passes.max(1) {
        let t = Instant::now();
        entities = 0;
        for (title, body) in &articles {
            entities += extractor.extract_article(title.as_deref(), body).len();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{} articles, {:.1} MB, {} distinct entities per pass; best of {} passes: {:.3} s",
        articles.len(),
        bytes as f64 / 1e6,
        entities,
        passes.max(1),
        best
    );
    println!(
        "{:.0} articles/s, {:.2} MB/s (one core)",
        articles.len() as f64 / best,
        bytes as f64 / 1e6 / best
    );
    Ok(())
}
