//! The learned sequence tagger: an averaged structured perceptron over hashed features
//! ([`features`]), with first-order label transitions and Viterbi decoding, labelling tokens
//! `O` / `B-X` / `I-X` for X in person, org, place and misc (IOB2).
//!
//! Decoding runs over *islands*: runs of tokens that could be part of a name (a word with a capital
//! letter, and up to two tokens between two such words, and an attached period after one), inside one
//! sequence (a sentence or wrapped paragraph, see [`super::tokens`]). Every other token is `O`, which
//! is both true of news text and what makes the tagger fast: most tokens need no features at all.
//!
//! Each span gets a confidence: the margin between the best labelling and the best labelling that
//! differs on one of the span's tokens (from forward and backward max-product passes, the
//! max-marginals), mapped to a probability by a logistic curve fitted on held-out data when the model
//! was trained. Spans under the model's threshold (also chosen on held-out data) are dropped.

mod features;
mod lists;
mod train;

use std::ops::Range;

pub(crate) use features::Context;
pub use train::{train, TrainOptions, TrainReport};

use super::conll::Class;
use super::tokens::{Token, CAP, DIGIT, SPACE_BEFORE, WORD};
use crate::{Error, Result};

/// Labels: 0 is `O`; `1 + 2c` is `B-` and `2 + 2c` is `I-` of class `c` (in [`Class::ALL`] order).
pub(crate) const LABELS: usize = 1 + 2 * Class::ALL.len();

const MAGIC: &[u8; 16] = b"NEWSIDX-TAGGER\0\x01";

/// The default model, trained by `newsidx train-tagger` (see `schemas/tagger.md`).
static BUILTIN: &[u8] = include_bytes!("../../../schemas/tagger.bin");

fn begin(class: usize) -> usize {
    1 + 2 * class
}

fn class_of(label: usize) -> Option<usize> {
    (label > 0).then(|| (label - 1) / 2)
}

fn is_inside(label: usize) -> bool {
    label > 0 && label.is_multiple_of(2)
}

/// Whether `prev -> next` is a valid IOB2 transition.
fn allowed(prev: usize, next: usize) -> bool {
    !is_inside(next) || class_of(prev) == class_of(next)
}

/// A span the tagger found: tokens `first..last`, its class and confidence (0..1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Span {
    pub first: usize,
    pub last: usize,
    pub class: Class,
    pub confidence: f32,
    /// One word capitalised only by its place (see [`Context::capitalised_by_position`]).
    pub by_position: bool,
}

/// A trained tagger model.
#[derive(Clone)]
pub struct Tagger {
    /// Open-addressing table of `(key, weights)`; key 0 marks an empty slot.
    slots: Vec<Slot>,
    mask: usize,
    /// Quantised weights are `i16 * scale`.
    scale: f32,
    moves: Moves,
    /// Logistic calibration of the margin: `p = 1 / (1 + exp(-(a * margin + b)))`.
    calibration: (f32, f32),
    /// Spans under this confidence are dropped.
    threshold: f32,
    /// What the model was trained on (from the model file).
    description: String,
}

impl std::fmt::Debug for Tagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tagger")
            .field("features", &self.features())
            .field("threshold", &self.threshold)
            .field("description", &self.description)
            .finish()
    }
}

/// Label transition weights.
#[derive(Clone, Debug)]
pub(crate) struct Moves {
    pub transitions: [[f32; LABELS]; LABELS],
    /// Transitions from the start (an implicit `O` before the island) and to the end.
    pub start: [f32; LABELS],
    pub end: [f32; LABELS],
}

#[derive(Clone, Copy, Default)]
#[repr(C)]
struct Slot {
    key: u32,
    weights: [i16; LABELS],
}

/// The header of a model file (JSON, after the magic bytes).
#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    feature_version: u32,
    labels: usize,
    scale: f32,
    calibration: (f32, f32),
    threshold: f32,
    description: String,
    features: usize,
}

impl Tagger {
    /// The model that ships with newsidx.
    pub fn builtin() -> Result<Tagger> {
        Tagger::from_bytes(BUILTIN, "built-in tagger model")
    }

    /// Reads a model file written by [`Tagger::to_bytes`] (`newsidx train-tagger`).
    pub fn from_file(path: &std::path::Path) -> Result<Tagger> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Tagger::from_bytes(&bytes, &path.display().to_string())
    }

    /// Reads a model from bytes; `origin` names them in errors.
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Tagger> {
        let bad =
            |why: &str| Error::Invalid(format!("{origin}: not a newsidx tagger model ({why})"));
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| bad("wrong magic bytes"))?;
        let (len, rest) = take_u32(rest).ok_or_else(|| bad("truncated header"))?;
        let header_bytes = rest
            .get(..len as usize)
            .ok_or_else(|| bad("truncated header"))?;
        let header: Header =
            serde_json::from_slice(header_bytes).map_err(|e| bad(&e.to_string()))?;
        if header.feature_version != features::FEATURE_VERSION || header.labels != LABELS {
            return Err(bad(&format!(
                "feature set {} with {} labels; this newsidx reads feature set {} with {LABELS}",
                header.feature_version,
                header.labels,
                features::FEATURE_VERSION
            )));
        }
        let mut rest = &rest[len as usize..];
        let mut floats = |n: usize| -> Result<Vec<f32>> {
            let need = n * 4;
            let b = rest
                .get(..need)
                .ok_or_else(|| bad("truncated transitions"))?;
            rest = &rest[need..];
            Ok(b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect())
        };
        let t = floats(LABELS * LABELS)?;
        let start = floats(LABELS)?;
        let end = floats(LABELS)?;
        let mut transitions = [[0f32; LABELS]; LABELS];
        for (a, row) in transitions.iter_mut().enumerate() {
            row.copy_from_slice(&t[a * LABELS..(a + 1) * LABELS]);
        }
        let record = 4 + 2 * LABELS;
        if rest.len() != header.features * record {
            return Err(bad("feature table size does not match the header"));
        }
        let capacity = (header.features * 2).next_power_of_two().max(16);
        let mut slots = vec![Slot::default(); capacity];
        let mask = capacity - 1;
        for r in rest.chunks_exact(record) {
            let key = u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
            if key == 0 {
                return Err(bad("a feature key is 0"));
            }
            let mut weights = [0i16; LABELS];
            for (l, w) in weights.iter_mut().enumerate() {
                *w = i16::from_le_bytes([r[4 + 2 * l], r[5 + 2 * l]]);
            }
            let mut at = slot_of(key, mask);
            while slots[at].key != 0 && slots[at].key != key {
                at = (at + 1) & mask;
            }
            slots[at] = Slot { key, weights };
        }
        let mut s = [0f32; LABELS];
        s.copy_from_slice(&start);
        let mut e = [0f32; LABELS];
        e.copy_from_slice(&end);
        Ok(Tagger {
            slots,
            mask,
            scale: header.scale,
            moves: Moves {
                transitions,
                start: s,
                end: e,
            },
            calibration: header.calibration,
            threshold: header.threshold,
            description: header.description,
        })
    }

    /// The model as bytes, for a model file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let live: Vec<&Slot> = self.slots.iter().filter(|s| s.key != 0).collect();
        let header = Header {
            feature_version: features::FEATURE_VERSION,
            labels: LABELS,
            scale: self.scale,
            calibration: self.calibration,
            threshold: self.threshold,
            description: self.description.clone(),
            features: live.len(),
        };
        let header = serde_json::to_vec(&header).unwrap_or_default();
        let mut out = Vec::with_capacity(64 + header.len() + live.len() * (4 + 2 * LABELS));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for row in &self.moves.transitions {
            for w in row {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        for w in self.moves.start.iter().chain(&self.moves.end) {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let mut live = live;
        live.sort_by_key(|s| s.key);
        for s in live {
            out.extend_from_slice(&s.key.to_le_bytes());
            for w in s.weights {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        out
    }

    /// The number of features with weights.
    pub fn features(&self) -> usize {
        self.slots.iter().filter(|s| s.key != 0).count()
    }

    /// What the model says it was trained on.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The confidence under which spans are dropped.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    fn weights(&self, key: u32) -> Option<&[i16; LABELS]> {
        let mut at = slot_of(key, self.mask);
        loop {
            let s = &self.slots[at];
            if s.key == key {
                return Some(&s.weights);
            }
            if s.key == 0 {
                return None;
            }
            at = (at + 1) & self.mask;
        }
    }

    /// The label scores of each token of `island` (a token range of `seq`), row per token.
    fn scores(
        &self,
        ctx: &Context,
        island: Range<usize>,
        seq: Range<usize>,
        keys: &mut Vec<u32>,
    ) -> Vec<[f32; LABELS]> {
        island
            .map(|i| {
                keys.clear();
                ctx.features(i, seq.clone(), keys);
                let mut sum = [0i32; LABELS];
                for &k in keys.iter() {
                    if let Some(w) = self.weights(k) {
                        for (s, &w) in sum.iter_mut().zip(w) {
                            *s += i32::from(w);
                        }
                    }
                }
                sum.map(|s| s as f32 * self.scale)
            })
            .collect()
    }

    /// Tags the tokens of `seqs` (token ranges: sentences or wrapped paragraphs; spans never cross one).
    /// Returns spans over confidence threshold `min_confidence` (the model's own when `None`).
    pub(crate) fn tag(
        &self,
        text: &str,
        tokens: &[Token],
        ctx: &Context,
        seqs: &[Range<usize>],
        min_confidence: Option<f32>,
    ) -> Vec<Span> {
        let threshold = min_confidence.unwrap_or(self.threshold);
        self.margin_spans(text, tokens, ctx, seqs)
            .into_iter()
            .map(|(span, _)| span)
            .filter(|span| span.confidence >= threshold)
            .collect()
    }

    fn confidence(&self, margin: f32) -> f32 {
        let (a, b) = self.calibration;
        1.0 / (1.0 + (-(a * margin + b)).exp())
    }
}

/// Viterbi decoding with max-marginals: the best labels, and for each token the margin between the
/// best score and the best score of a labelling that gives the token another label.
#[allow(clippy::needless_range_loop)] // Labels index three tables at once.
pub(crate) fn decode(moves: &Moves, scores: &[[f32; LABELS]]) -> (Vec<usize>, Vec<f32>) {
    let n = scores.len();
    let neg = f32::NEG_INFINITY;
    let mut alpha = vec![[neg; LABELS]; n];
    let mut back = vec![[0u8; LABELS]; n];
    for y in 0..LABELS {
        if allowed(0, y) {
            alpha[0][y] = moves.start[y] + scores[0][y];
        }
    }
    for t in 1..n {
        for y in 0..LABELS {
            let mut best = (neg, 0);
            for p in 0..LABELS {
                if allowed(p, y) {
                    let s = alpha[t - 1][p] + moves.transitions[p][y];
                    if s > best.0 {
                        best = (s, p);
                    }
                }
            }
            alpha[t][y] = best.0 + scores[t][y];
            back[t][y] = best.1 as u8;
        }
    }
    // beta[t][y]: the best score of the labels after t, given label y at t (with the end).
    let mut beta = vec![[neg; LABELS]; n];
    beta[n - 1] = moves.end;
    for t in (0..n - 1).rev() {
        for y in 0..LABELS {
            let mut best = neg;
            for nx in 0..LABELS {
                if allowed(y, nx) {
                    best = best.max(moves.transitions[y][nx] + scores[t + 1][nx] + beta[t + 1][nx]);
                }
            }
            beta[t][y] = best;
        }
    }
    let mut last = 0;
    let mut best = neg;
    for y in 0..LABELS {
        let s = alpha[n - 1][y] + moves.end[y];
        if s > best {
            best = s;
            last = y;
        }
    }
    let mut labels = vec![0usize; n];
    labels[n - 1] = last;
    for t in (1..n).rev() {
        labels[t - 1] = back[t][labels[t]] as usize;
    }
    let margins = (0..n)
        .map(|t| {
            let other = (0..LABELS)
                .filter(|&y| y != labels[t])
                .map(|y| alpha[t][y] + beta[t][y])
                .fold(neg, f32::max);
            best - other
        })
        .collect();
    (labels, margins)
}

fn slot_of(key: u32, mask: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B1) as usize) & mask
}

fn take_u32(b: &[u8]) -> Option<(u32, &[u8])> {
    let (head, rest) = b.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*head), rest))
}

/// The spans of a label sequence: (first, last, class), offsets added to `base`.
fn spans_of(labels: &[usize], base: usize) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (t, &y) in labels.iter().enumerate() {
        if let Some((s, c)) = open {
            if !(is_inside(y) && class_of(y) == Some(c)) {
                out.push((base + s, base + t, c));
                open = None;
            }
        }
        if y > 0 && !is_inside(y) {
            open = class_of(y).map(|c| (t, c));
        } else if is_inside(y) && open.is_none() {
            open = class_of(y).map(|c| (t, c));
        }
    }
    if let Some((s, c)) = open {
        out.push((base + s, base + labels.len(), c));
    }
    out
}

/// A token that can start or end a name: a word with an upper-case letter, or a word of digits
/// and letters starting with a capital or digit ("3M").
fn anchors(text: &str, t: &Token) -> bool {
    t.is(WORD)
        && (t.is(CAP)
            || (t.is(DIGIT) && text[t.start..t.end].chars().any(char::is_uppercase))
            || text[t.start..t.end].chars().skip(1).any(char::is_uppercase))
}

/// A period, `!` or `?` followed by a space: no name runs on past it ("... Shinzo Abe. Abe said").
fn sentence_end(text: &str, tokens: &[Token], i: usize) -> bool {
    let after_abbreviation = i > 0
        && !tokens[i].is(SPACE_BEFORE)
        && super::tokens::ABBREVIATIONS.contains(&tokens[i - 1].text(text));
    !after_abbreviation
        && matches!(tokens[i].text(text), "." | "!" | "?")
        && tokens
            .get(i + 1)
            .is_none_or(|t| t.is(SPACE_BEFORE) || t.is(super::tokens::BREAK_BEFORE))
}

/// The islands of `seq`: maximal runs of anchor tokens joined by gaps of at most two tokens (never
/// across the end of a sentence), each extended by a period attached to its last word ("Inc.").
pub(crate) fn islands(text: &str, tokens: &[Token], seq: Range<usize>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut i = seq.start;
    while i < seq.end {
        if !anchors(text, &tokens[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        let mut j = end;
        while j < seq.end && j <= end + 2 {
            if sentence_end(text, tokens, j) {
                break;
            }
            if anchors(text, &tokens[j]) {
                end = j + 1;
            }
            j += 1;
        }
        if end < seq.end && !tokens[end].is(SPACE_BEFORE) && tokens[end].text(text) == "." {
            end += 1;
        }
        out.push(start..end);
        i = end;
    }
    out
}

impl Tagger {
    /// A tagger from trained weights: quantised to 16 bits with one scale for the whole table.
    pub(crate) fn from_weights(
        rows: Vec<(u32, [f32; LABELS])>,
        moves: Moves,
        calibration: (f32, f32),
        threshold: f32,
        description: String,
    ) -> Tagger {
        let max = rows
            .iter()
            .flat_map(|(_, w)| w.iter())
            .fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 32_000.0 } else { 1.0 };
        let capacity = (rows.len() * 2).next_power_of_two().max(16);
        let mask = capacity - 1;
        let mut slots = vec![Slot::default(); capacity];
        for (key, w) in rows {
            let mut at = slot_of(key, mask);
            while slots[at].key != 0 && slots[at].key != key {
                at = (at + 1) & mask;
            }
            slots[at] = Slot {
                key,
                weights: w.map(|x| (x / scale).round().clamp(-32_767.0, 32_767.0) as i16),
            };
        }
        Tagger {
            slots,
            mask,
            scale,
            moves,
            calibration,
            threshold,
            description,
        }
    }

    pub(crate) fn with_calibration(mut self, calibration: (f32, f32), threshold: f32) -> Tagger {
        self.calibration = calibration;
        self.threshold = threshold;
        self
    }

    pub(crate) fn margin_spans(
        &self,
        text: &str,
        tokens: &[Token],
        ctx: &Context,
        seqs: &[Range<usize>],
    ) -> Vec<(Span, f32)> {
        let mut out = Vec::new();
        let mut keys = Vec::with_capacity(64);
        for seq in seqs {
            for island in islands(text, tokens, seq.clone()) {
                let scores = self.scores(ctx, island.clone(), seq.clone(), &mut keys);
                let (labels, margins) = decode(&self.moves, &scores);
                for (first, last, class) in spans_of(&labels, island.start) {
                    let margin = margins[first - island.start..last - island.start]
                        .iter()
                        .copied()
                        .fold(f32::INFINITY, f32::min);
                    let span = Span {
                        first,
                        last,
                        class: Class::ALL[class],
                        confidence: self.confidence(margin),
                        by_position: last - first == 1 && ctx.capitalised_by_position(first),
                    };
                    out.push((span, margin));
                }
            }
        }
        out
    }
}

/// Lines at least this share of the text's longest line are wrapped prose: a name may go on past
/// their end ("Merrill Lynch\nand Co").
const WRAPPED_SHARE: f32 = 0.6;
/// ... and at least this long, in bytes.
const WRAPPED_MIN: usize = 30;

/// A short line with figures is a table row, not prose.
const SHORT_PROSE: usize = 40;

/// A line that reads as a sentence cut short: three or more words, some in lower case, more letters
/// than digits, no sentence end ("said Kremlin spokesman Dmitry"), unlike a byline, a heading or a
/// table row.
fn prose(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let lower = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_lowercase))
        .count();
    let digits = line.chars().filter(char::is_ascii_digit).count();
    let letters = line.chars().filter(|c| c.is_alphabetic()).count();
    words.len() >= 3
        && lower >= 1
        && (digits == 0 || line.len() >= SHORT_PROSE && digits * 2 < letters)
        && !line.ends_with(['.', '!', '?', ':', ';'])
}

/// The sequences the tagger reads: the text cut at every blank line and at every line break after a
/// line that is not wrapped prose (a heading, a byline, a table row, a dateline), so that a name never
/// runs from one into the next.
pub(crate) fn sequences(text: &str, tokens: &[Token]) -> Vec<Range<usize>> {
    let longest = text.lines().map(|l| l.trim_end().len()).max().unwrap_or(0);
    let wrapped_at = ((longest as f32 * WRAPPED_SHARE) as usize).max(WRAPPED_MIN);
    let mut out = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate().skip(1) {
        if !t.is(super::tokens::BREAK_BEFORE) {
            continue;
        }
        let gap = &text[tokens[i - 1].end..t.start];
        let blank = gap.matches('\n').count() >= 2;
        let line_start = text[..tokens[i - 1].end].rfind('\n').map_or(0, |p| p + 1);
        let line = text[line_start..tokens[i - 1].end].trim();
        if blank || line.len() < wrapped_at && !prose(line) {
            out.push(start..i);
            start = i;
        }
    }
    if start < tokens.len() {
        out.push(start..tokens.len());
    }
    out
}
