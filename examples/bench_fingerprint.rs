//! Times the fingerprint module's stages on Reuters-21578: folding, word splitting, the SimHash
//! alone, full signatures, `distance`, `collapse` over 64 and 200 candidates, and `clusters` on
//! the whole corpus. Each figure is the best of several rounds (the machine is shared).
//!
//! ```text
//! cargo run --release --example bench_fingerprint -- /work/shared/data/reuters21578.jsonl
//! ```

use std::hint::black_box;
use std::io::BufRead;
use std::time::Instant;

use newsidx::fingerprint::{
    clusters, collapse, distance, Fingerprinter, Signature, DEFAULT_MAX_DISTANCE,
};
use newsidx::normalize::{fold, words};

#[derive(serde::Deserialize)]
struct Story {
    title: Option<String>,
    body: String,
}

/// The best of `rounds` timings of `f`, in seconds.
fn best(rounds: usize, mut f: impl FnMut()) -> f64 {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: bench_fingerprint <reuters21578.jsonl>")?;
    let file = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut stories = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let story: Story = serde_json::from_str(&line?)?;
        stories.push(story);
    }
    let n = stories.len() as f64;
    let us = |s: f64| s * 1e6 / n;
    let rounds = 5;

    let t_fold = best(rounds, || {
        for s in &stories {
            black_box(fold(s.title.as_deref().unwrap_or("")));
            black_box(fold(&s.body));
        }
    });
    let t_words = best(rounds, || {
        for s in &stories {
            black_box(words(&fold(s.title.as_deref().unwrap_or(""))).count());
            black_box(words(&fold(&s.body)).count());
        }
    });
    let fper = Fingerprinter::new();
    let t_simhash = best(rounds, || {
        for s in &stories {
            black_box(fper.fingerprint(s.title.as_deref(), &s.body));
        }
    });
    let t_sig = best(rounds, || {
        for s in &stories {
            black_box(fper.signature(s.title.as_deref(), &s.body));
        }
    });
    println!("{} stories; per article (best of {rounds}):", stories.len());
    println!("  fold (title + body)            {:6.2} us", us(t_fold));
    println!("  fold + split words             {:6.2} us", us(t_words));
    println!("  fingerprint (SimHash only)     {:6.2} us", us(t_simhash));
    println!("  signature (SimHash + MinHash)  {:6.2} us", us(t_sig));
    println!(
        "  => shingle+SimHash ~{:.2} us, MinHash ~{:.2} us beyond fold",
        us(t_simhash - t_fold),
        us(t_sig - t_simhash)
    );

    let sigs: Vec<Signature> = stories
        .iter()
        .map(|s| fper.signature(s.title.as_deref(), &s.body))
        .collect();

    // distance: all pairs over the first 2000 signatures.
    let m = 2000.min(sigs.len());
    let head = &sigs[..m];
    let t_dist = best(rounds, || {
        let mut near = 0u32;
        for (i, a) in head.iter().enumerate() {
            for b in &head[i + 1..] {
                near += u32::from(distance(a, b) <= DEFAULT_MAX_DISTANCE);
            }
        }
        black_box(near);
    });
    let pairs = (m * (m - 1) / 2) as f64;
    println!(
        "distance: {:.1} ns a pair ({m} signatures, all pairs)",
        t_dist * 1e9 / pairs
    );

    // collapse over windows of consecutive stories (Reuters repeats sit close together).
    for window in [64usize, 200] {
        let starts: Vec<usize> = (0..sigs.len().saturating_sub(window))
            .step_by(997)
            .collect();
        let t = best(rounds, || {
            for &s in &starts {
                black_box(collapse(&sigs[s..s + window], DEFAULT_MAX_DISTANCE));
            }
        });
        println!(
            "collapse({window}): {:.1} us each (mean over {} windows)",
            t * 1e6 / starts.len() as f64,
            starts.len()
        );
    }

    for k in [DEFAULT_MAX_DISTANCE, 20] {
        let t = best(3, || {
            black_box(clusters(&sigs, k));
        });
        let g = clusters(&sigs, k);
        println!(
            "clusters(corpus, {k}): {:.1} ms, {} groups holding {} stories",
            t * 1e3,
            g.len(),
            g.iter().map(Vec::len).sum::<usize>()
        );
    }
    Ok(())
}
