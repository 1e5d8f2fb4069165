//! In-process query timing, so that latency figures are not process start-up: each query is run in
//! several modes on the same searcher, interleaved, and the per-mode latency distribution is reported
//! next to a plain tantivy top-10 on the same index as the peer.

use std::time::Instant;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::TantivyDocument;
use tantivy::{DocAddress, Score, Searcher};

use super::slices::Local;
use super::{build_query, Reader, SearchRequest};
use crate::entities::EntityKind;
use crate::Result;

/// Latency of one mode over all runs, in milliseconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Latency {
    /// What was timed.
    pub mode: String,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// Mean.
    pub mean_ms: f64,
    /// p50 relative to the plain tantivy top-10.
    pub p50_ratio: f64,
    /// Every timed run, in the order run, so that runs of several processes can be pooled (as
    /// `bench/compare.sh` does when it interleaves engines).
    pub samples_ms: Vec<f64>,
}

/// The modes timed by [`time_queries`], in order. The first is the peer; the last is the same
/// top-10 on the threads newsidx searches a large index with ([`Reader::executor`]; one thread
/// for a small index, when it is the first again).
pub const MODES: [&str; 6] = [
    "tantivy top-10",
    "tantivy top-10 + stored docs",
    "newsidx plain",
    "newsidx collapse",
    "newsidx collapse + facets",
    "tantivy top-10, newsidx's threads",
];

/// The peer of a newsidx search: tantivy's own top 10 for `request`'s query (parse, search,
/// count), with no snippets, collapse or facets.
pub fn tantivy_top10(
    reader: &Reader,
    searcher: &Searcher,
    request: &SearchRequest,
) -> Result<Vec<(Score, DocAddress)>> {
    top10_on(reader, searcher, None, request)
}

/// [`tantivy_top10`] on `executor`'s threads when there are.
fn top10_on(
    reader: &Reader,
    searcher: &Searcher,
    executor: Option<&(tantivy::Executor, usize)>,
    request: &SearchRequest,
) -> Result<Vec<(Score, DocAddress)>> {
    let query = build_query(reader.store(), request)?;
    let top = Local(TopDocs::with_limit(10).order_by_score());
    let (top, _count) = super::search_on(searcher, executor, &*query, &(top, Local(Count)))?;
    Ok(top)
}

/// Runs every query `repeat` times in each of [`MODES`] (after one warm-up round) and reports the
/// latency of each mode.
pub fn time_queries(reader: &Reader, queries: &[String], repeat: usize) -> Result<Vec<Latency>> {
    let searcher = reader.searcher()?;
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); MODES.len()];
    for round in 0..=repeat.max(1) {
        for query in queries {
            let plain = SearchRequest {
                collapse: None,
                ..SearchRequest::new(query.clone())
            };
            let collapsed = SearchRequest::new(query.clone());
            let faceted = SearchRequest {
                facets: EntityKind::ALL.to_vec(),
                ..SearchRequest::new(query.clone())
            };
            // The mode order rotates every round so that no mode always runs on warm caches.
            for step in 0..MODES.len() {
                let mode = (step + round) % MODES.len();
                let times = &mut samples[mode];
                let started = Instant::now();
                match mode {
                    0 | 1 => {
                        let top = tantivy_top10(reader, &searcher, &plain)?;
                        if mode == 1 {
                            for (_, address) in top {
                                searcher.doc::<TantivyDocument>(address)?;
                            }
                        }
                    }
                    2 => drop(reader.search(&plain)?),
                    3 => drop(reader.search(&collapsed)?),
                    4 => drop(reader.search(&faceted)?),
                    _ => drop(top10_on(
                        reader,
                        &searcher,
                        reader.executor(&searcher),
                        &plain,
                    )?),
                }
                if round > 0 {
                    times.push(started.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
    }
    let base = percentile(&mut samples[0].clone(), 0.5).max(1e-9);
    Ok(samples
        .into_iter()
        .zip(MODES)
        .map(|(samples_ms, mode)| {
            let mut sorted = samples_ms.clone();
            let p50_ms = percentile(&mut sorted, 0.5);
            Latency {
                mode: mode.to_string(),
                p50_ms,
                p95_ms: percentile(&mut sorted, 0.95),
                mean_ms: sorted.iter().sum::<f64>() / sorted.len().max(1) as f64,
                p50_ratio: p50_ms / base,
                samples_ms,
            }
        })
        .collect())
}

/// The `q` quantile of `values` (nearest rank).
fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v = vec![5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(percentile(&mut v, 0.5), 3.0);
        assert_eq!(percentile(&mut v, 0.95), 5.0);
        assert_eq!(percentile(&mut [], 0.5), 0.0);
    }
}
