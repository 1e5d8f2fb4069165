//! Times the fingerprint module's stages on Reuters-21578: cutting the words (the shared token
//! stream), folding them for the fingerprint, full signatures, `distance`, `collapse` over 64 and 200
//! candidates, and `stories` on the whole corpus. Each figure is the best of several rounds (the machine is shared).
//!
//! ```text
//! cargo run --release --example bench_fingerprint -- /work/shared/data/reuters21578.jsonl
//! ```

use std::hint::black_box;
use std::io::BufRead;
use std::time::Instant;

use newsidx::fingerprint::{
    collapse, distance, stories as find_stories, FieldText, Fingerprinter, Signature, StoryRule,
    DEFAULT_MAX_DISTANCE,
};
use newsidx::text::{fold::fold_words, Tokens};

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

    let tokens: Vec<(Option<Tokens>, Tokens)> = stories
        .iter()
        .map(|s| (s.title.as_deref().map(Tokens::new), Tokens::new(&s.body)))
        .collect();
    let t_words = best(rounds, || {
        for s in &stories {
            black_box(s.title.as_deref().map(Tokens::new));
            black_box(Tokens::new(&s.body));
        }
    });
    let t_fold = best(rounds, || {
        let mut buf = String::new();
        for (s, (title, body)) in stories.iter().zip(&tokens) {
            let mut n = 0usize;
            if let (Some(text), Some(title)) = (s.title.as_deref(), title) {
                fold_words(text, title, &mut buf, |_| n += 1);
            }
            fold_words(&s.body, body, &mut buf, |_| n += 1);
            black_box(n);
        }
    });
    let fper = Fingerprinter::new();
    let sign = |s: &Story, (title, body): &(Option<Tokens>, Tokens)| {
        let title = s
            .title
            .as_deref()
            .zip(title.as_ref())
            .map(|(text, tokens)| FieldText { text, tokens });
        fper.signature(
            title,
            FieldText {
                text: &s.body,
                tokens: body,
            },
        )
    };
    let t_sig = best(rounds, || {
        for (s, t) in stories.iter().zip(&tokens) {
            black_box(sign(s, t));
        }
    });
    println!("{} stories; per article (best of {rounds}):", stories.len());
    println!("  cut words (title + body)       {:6.2} us", us(t_words));
    println!("  fold words for the fingerprint {:6.2} us", us(t_fold));
    println!("  signature (SimHash + MinHash)  {:6.2} us", us(t_sig));
    println!(
        "  => shingles and sketches ~{:.2} us beyond folding",
        us(t_sig - t_fold)
    );

    let sigs: Vec<Signature> = stories
        .iter()
        .zip(&tokens)
        .map(|(s, t)| sign(s, t))
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
                black_box(collapse(
                    &sigs[s..s + window],
                    StoryRule::new(DEFAULT_MAX_DISTANCE),
                ));
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
            black_box(find_stories(&sigs, StoryRule::new(k)));
        });
        let g = find_stories(&sigs, StoryRule::new(k));
        println!(
            "stories(corpus, {k}): {:.1} ms, {} groups holding {} stories",
            t * 1e3,
            g.len(),
            g.iter().map(Vec::len).sum::<usize>()
        );
    }
    Ok(())
}
