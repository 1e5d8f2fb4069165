//! Shared by the benchmarks: the corpus they run on. `NEWSIDX_BENCH_CORPUS` names a JSON Lines file
//! (default `../shared/data/reuters21578.jsonl`, the Reuters-21578 stories); without it the bundled
//! fixtures are used so the benchmarks still run on a fresh clone.

use std::path::PathBuf;

use newsidx::ingest::{self, Format, Input};
use newsidx::Article;

/// The articles to benchmark on, and a name for the corpus.
pub fn corpus() -> (String, Vec<Article>) {
    let path = std::env::var_os("NEWSIDX_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/data/reuters21578.jsonl"));
    if path.exists() {
        let input = Input {
            path: path.clone(),
            format: Format::JsonLines,
        };
        let articles: Vec<Article> = ingest::read_input(&input).filter_map(Result::ok).collect();
        return (path.display().to_string(), articles);
    }
    let found = ingest::discover(&[PathBuf::from("index-fixtures")], None);
    let articles = found
        .inputs
        .iter()
        .flat_map(ingest::read_input)
        .filter_map(Result::ok)
        .collect();
    ("index-fixtures".into(), articles)
}
