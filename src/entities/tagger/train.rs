//! Training the tagger: an averaged structured perceptron (Collins 2002) over the islands of each
//! sentence, deterministic for a given input and options.
//!
//! Every tenth document is held out. The model trained on the others labels the held-out documents;
//! a logistic curve is fitted to (margin, span was right) there, and the confidence threshold that
//! gives the best F1 on held-out person/org/place spans is kept. The final model is then trained on
//! all documents with the same number of epochs and keeps that calibration.

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::super::conll::{prf, Class, Document};
use super::super::gazetteer::Compiled;
use super::super::lexicon::Words;
use super::super::tokens::{self, Token};
use super::{begin, decode, plan, Context, Moves, Plan, Tagger, LABELS};
use crate::text::Tokens;

/// How to train.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Passes over the training data.
    pub epochs: usize,
    /// Keep at most this many features (those with the largest weights); the model file grows by
    /// 22 bytes a feature.
    pub max_features: usize,
    /// Written into the model file: what it was trained on.
    pub description: String,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 10,
            max_features: 150_000,
            description: String::new(),
        }
    }
}

/// What training saw and how the held-out documents scored.
#[derive(Debug, Clone, Default)]
pub struct TrainReport {
    /// Documents read.
    pub documents: usize,
    /// Sentences read.
    pub sentences: usize,
    /// Tokens read (newsidx's tokens, not the file's).
    pub tokens: usize,
    /// Gold person/org/place/misc tokens.
    pub gold_tokens: usize,
    /// Gold tokens outside every island (the tagger cannot label them).
    pub unreachable_gold_tokens: usize,
    /// Features seen in training.
    pub features_seen: usize,
    /// Features kept in the model.
    pub features_kept: usize,
    /// Held-out precision, recall and F1 of person/org/place spans at the chosen threshold.
    pub heldout: (f64, f64, f64),
    /// The logistic calibration `(a, b)` of the margin.
    pub calibration: (f32, f32),
    /// The confidence threshold chosen on the held-out documents.
    pub threshold: f32,
}

/// One island to learn from: the feature rows of its tokens and their gold labels.
struct Instance {
    rows: Vec<Vec<u32>>,
    gold: Vec<u8>,
}

/// A document prepared for the tagger.
pub(crate) struct Prepared {
    pub tokens: Vec<Token>,
    pub ctx: Context,
}

pub(crate) fn prepare(text: &str, compiled: &Compiled, words: &Words) -> Prepared {
    let mut toks = tokens::tokenize(text, &Tokens::new(text));
    tokens::mark_context(text, &mut toks, false);
    let hits = compiled.find(text, &toks);
    let ctx = Context::new(text, &toks, &hits, |id| compiled.entity(id).0, words, None);
    Prepared { tokens: toks, ctx }
}

/// The token ranges of byte ranges `sentences`.
fn sentence_tokens(tokens: &[Token], sentences: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(sentences.len());
    let mut i = 0;
    for s in sentences {
        while i < tokens.len() && tokens[i].start < s.start {
            i += 1;
        }
        let a = i;
        while i < tokens.len() && tokens[i].end <= s.end {
            i += 1;
        }
        if i > a {
            out.push(a..i);
        }
    }
    out
}

/// Gold labels of each token.
fn gold_labels(doc: &Document, tokens: &[Token]) -> Vec<u8> {
    let mut labels = vec![0u8; tokens.len()];
    let mut g = 0;
    for (i, t) in tokens.iter().enumerate() {
        while g < doc.gold.len() && doc.gold[g].end <= t.start {
            g += 1;
        }
        if let Some(span) = doc
            .gold
            .get(g)
            .filter(|s| s.start <= t.start && t.end <= s.end)
        {
            let c = Class::ALL
                .iter()
                .position(|&c| c == span.class)
                .unwrap_or(0);
            let b = begin(c) as u8;
            labels[i] = if t.start == span.start { b } else { b + 1 };
        }
    }
    labels
}

struct Weights {
    ids: FxHashMap<u32, u32>,
    w: Vec<[f32; LABELS]>,
    u: Vec<[f32; LABELS]>,
    moves: [Moves; 2],
    c: f32,
}

fn empty_moves() -> Moves {
    Moves {
        transitions: [[0.0; LABELS]; LABELS],
        start: [0.0; LABELS],
        end: [0.0; LABELS],
    }
}

impl Weights {
    fn new(ids: FxHashMap<u32, u32>) -> Weights {
        let n = ids.len();
        Weights {
            ids,
            w: vec![[0.0; LABELS]; n],
            u: vec![[0.0; LABELS]; n],
            moves: [empty_moves(), empty_moves()],
            c: 1.0,
        }
    }

    fn scores(&self, inst: &Instance) -> Vec<[f32; LABELS]> {
        inst.rows
            .iter()
            .map(|row| {
                let mut s = [0f32; LABELS];
                for &f in row {
                    for (s, w) in s.iter_mut().zip(&self.w[f as usize]) {
                        *s += w;
                    }
                }
                s
            })
            .collect()
    }

    fn bump(&mut self, inst: &Instance, labels: &[u8], by: f32) {
        let cu = self.c * by;
        for (row, &y) in inst.rows.iter().zip(labels) {
            for &f in row {
                self.w[f as usize][y as usize] += by;
                self.u[f as usize][y as usize] += cu;
            }
        }
        let [m, mu] = &mut self.moves;
        let first = labels[0] as usize;
        m.start[first] += by;
        mu.start[first] += cu;
        let last = labels[labels.len() - 1] as usize;
        m.end[last] += by;
        mu.end[last] += cu;
        for pair in labels.windows(2) {
            m.transitions[pair[0] as usize][pair[1] as usize] += by;
            mu.transitions[pair[0] as usize][pair[1] as usize] += cu;
        }
    }

    fn learn(&mut self, inst: &Instance) {
        let scores = self.scores(inst);
        let pred = decode(&self.moves[0], scores);
        let pred: Vec<u8> = pred.into_iter().map(|y| y as u8).collect();
        if pred != inst.gold {
            self.bump(inst, &inst.gold, 1.0);
            self.bump(inst, &pred, -1.0);
        }
        self.c += 1.0;
    }

    /// The averaged weights, the `max` heaviest rows, as a tagger without calibration.
    fn average(&self, max: usize, description: &str) -> Tagger {
        let c = self.c;
        let avg = |w: &[f32; LABELS], u: &[f32; LABELS]| {
            let mut out = [0f32; LABELS];
            for l in 0..LABELS {
                out[l] = w[l] - u[l] / c;
            }
            out
        };
        let mut rows: Vec<(u32, [f32; LABELS])> = self
            .ids
            .iter()
            .map(|(&key, &id)| (key, avg(&self.w[id as usize], &self.u[id as usize])))
            .filter(|(_, w)| w.iter().any(|x| x.abs() > 1e-6))
            .collect();
        let weight = |w: &[f32; LABELS]| w.iter().map(|x| x.abs()).sum::<f32>();
        rows.sort_by(|a, b| weight(&b.1).total_cmp(&weight(&a.1)).then(a.0.cmp(&b.0)));
        rows.truncate(max);
        let [m, mu] = &self.moves;
        let mut moves = empty_moves();
        for a in 0..LABELS {
            moves.transitions[a] = avg(&m.transitions[a], &mu.transitions[a]);
        }
        moves.start = avg(&m.start, &mu.start);
        moves.end = avg(&m.end, &mu.end);
        Tagger::from_weights(rows, moves, (1.0, 0.0), 0.0, description.to_string())
    }
}

/// Instances of `docs`, with feature keys mapped to rows in `ids` (grown as keys appear).
fn instances(
    docs: &[&Document],
    compiled: &Compiled,
    words: &Words,
    ids: &mut FxHashMap<u32, u32>,
    report: &mut TrainReport,
) -> Vec<Instance> {
    let mut out = Vec::new();
    let mut keys = Vec::with_capacity(64);
    for doc in docs {
        let p = prepare(&doc.text, compiled, words);
        let gold = gold_labels(doc, &p.tokens);
        let seqs = sentence_tokens(&p.tokens, &doc.sentences);
        report.documents += 1;
        report.sentences += seqs.len();
        report.tokens += p.tokens.len();
        let mut reached = vec![false; p.tokens.len()];
        let Plan { islands, .. } = plan(&doc.text, &p.tokens, &seqs);
        for (seq, island) in &islands {
            let mut rows = Vec::with_capacity(island.len());
            for i in island.clone() {
                reached[i] = true;
                keys.clear();
                p.ctx.features(i, seq.clone(), &mut keys);
                let mut row = Vec::with_capacity(keys.len());
                for &k in &keys {
                    let next = ids.len() as u32;
                    row.push(*ids.entry(k).or_insert(next));
                }
                rows.push(row);
            }
            let mut g: Vec<u8> = gold[island.clone()].to_vec();
            // A span cut by the island's start begins at it.
            if g[0] > 0 && g[0].is_multiple_of(2) {
                g[0] -= 1;
            }
            out.push(Instance { rows, gold: g });
        }
        report.gold_tokens += gold.iter().filter(|&&g| g > 0).count();
        report.unreachable_gold_tokens += gold
            .iter()
            .zip(&reached)
            .filter(|(&g, &r)| g > 0 && !r)
            .count();
    }
    out
}

/// A deterministic shuffle (xorshift).
fn shuffle(order: &mut [usize], seed: u64) {
    let mut s = seed | 1;
    for i in (1..order.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        order.swap(i, (s % (i as u64 + 1)) as usize);
    }
}

fn fit(
    docs: &[&Document],
    compiled: &Compiled,
    words: &Words,
    options: &TrainOptions,
    report: &mut TrainReport,
) -> Tagger {
    let mut ids = FxHashMap::default();
    let data = instances(docs, compiled, words, &mut ids, report);
    report.features_seen = ids.len();
    let mut weights = Weights::new(ids);
    let mut order: Vec<usize> = (0..data.len()).collect();
    for epoch in 0..options.epochs {
        shuffle(&mut order, 0x5EED_0000 + epoch as u64);
        for &i in &order {
            weights.learn(&data[i]);
        }
    }
    weights.average(options.max_features, &options.description)
}

/// Spans of class person/org/place predicted on `docs` with their margins, and whether each is right;
/// and the number of gold person/org/place spans.
fn heldout_spans(
    tagger: &Tagger,
    docs: &[&Document],
    compiled: &Compiled,
    words: &Words,
) -> (Vec<(f32, bool)>, usize) {
    let mut out = Vec::new();
    let mut gold_count = 0;
    for doc in docs {
        let p = prepare(&doc.text, compiled, words);
        let seqs = sentence_tokens(&p.tokens, &doc.sentences);
        let gold: std::collections::HashSet<(usize, usize, Class)> = doc
            .gold
            .iter()
            .filter(|g| g.class.kind().is_some())
            .map(|g| (g.start, g.end, g.class))
            .collect();
        gold_count += gold.len();
        for (span, margin) in tagger.margin_spans(&p.ctx, &plan(&doc.text, &p.tokens, &seqs)) {
            if span.class.kind().is_none() {
                continue;
            }
            let key = (
                p.tokens[span.first].start,
                p.tokens[span.last - 1].end,
                span.class,
            );
            out.push((margin, gold.contains(&key)));
        }
    }
    (out, gold_count)
}

/// Logistic regression of `right` on the margin, by damped Newton steps on margins scaled to their
/// mean size, with a little L2 regularisation so that nearly separable data cannot run away.
fn calibrate(points: &[(f32, bool)]) -> (f32, f32) {
    if points.is_empty() {
        return (1.0, 0.0);
    }
    let scale = points.iter().map(|p| f64::from(p.0).abs()).sum::<f64>() / points.len() as f64;
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let xs: Vec<(f64, f64)> = points
        .iter()
        .map(|&(m, y)| (f64::from(m) / scale, f64::from(u8::from(y))))
        .collect();
    const L2: f64 = 1e-2;
    let loss = |a: f64, b: f64| -> f64 {
        let nll: f64 = xs
            .iter()
            .map(|&(x, y)| {
                let z = a * x + b;
                // log(1 + e^z) - y z, computed stably.
                z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z
            })
            .sum();
        nll + L2 * (a * a + b * b)
    };
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..100 {
        let (mut ga, mut gb) = (2.0 * L2 * a, 2.0 * L2 * b);
        let (mut haa, mut hab, mut hbb) = (2.0 * L2, 0.0, 2.0 * L2);
        for &(x, y) in &xs {
            let p = 1.0 / (1.0 + (-(a * x + b)).exp());
            ga += (p - y) * x;
            gb += p - y;
            let w = p * (1.0 - p);
            haa += w * x * x;
            hab += w * x;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        let before = loss(a, b);
        let mut step = 1.0;
        while step > 1e-4 && loss(a - step * da, b - step * db) > before {
            step /= 2.0;
        }
        a -= step * da;
        b -= step * db;
        if (step * da).abs() + (step * db).abs() < 1e-9 {
            break;
        }
    }
    ((a / scale) as f32, b as f32)
}

/// Trains a tagger on `docs` (see the module comment for the procedure).
pub fn train(
    docs: &[Document],
    compiled: &Compiled,
    words: &Words,
    options: &TrainOptions,
) -> (Tagger, TrainReport) {
    let all: Vec<&Document> = docs.iter().collect();
    let train_part: Vec<&Document> = docs
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 10 != 9)
        .map(|(_, d)| d)
        .collect();
    let held: Vec<&Document> = docs
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 10 == 9)
        .map(|(_, d)| d)
        .collect();
    let mut report = TrainReport::default();
    let (mut calibration, mut threshold) = ((1.0, 0.0), 0.0);
    if !held.is_empty() && !train_part.is_empty() {
        let mut scratch = TrainReport::default();
        let first = fit(&train_part, compiled, words, options, &mut scratch);
        let (mut points, gold) = heldout_spans(&first, &held, compiled, words);
        calibration = calibrate(&points);
        let conf = |m: f32| 1.0 / (1.0 + (-(calibration.0 * m + calibration.1)).exp());
        points.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (mut tp, mut best) = (0usize, (0.0f64, (0.0, 0.0, 0.0), 0.0f32));
        for (k, &(m, right)) in points.iter().enumerate() {
            tp += usize::from(right);
            let s = prf(tp, k + 1, gold);
            if s.2 > best.0 {
                best = (s.2, s, conf(m));
            }
        }
        report.heldout = best.1;
        threshold = best.2;
    }
    let tagger = fit(&all, compiled, words, options, &mut report);
    report.features_kept = tagger.features();
    report.calibration = calibration;
    report.threshold = threshold;
    (tagger.with_calibration(calibration, threshold), report)
}
