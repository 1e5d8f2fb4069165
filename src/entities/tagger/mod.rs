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
pub(crate) mod lists;
mod table;
mod train;

use std::borrow::Cow;
use std::ops::Range;

pub(crate) use features::Context;
use table::Table;
pub use train::{train, TrainOptions, TrainReport};

use super::conll::Class;
use super::tokens::{Token, CAP, SPACE_BEFORE, WORD};
use crate::{Error, Result};

/// Labels: 0 is `O`; `1 + 2c` is `B-` and `2 + 2c` is `I-` of class `c` (in [`Class::ALL`] order).
pub(crate) const LABELS: usize = 1 + 2 * Class::ALL.len();

/// The first bytes of a model file.
pub(crate) const MAGIC: &[u8; 16] = b"NEWSIDX-TAGGER\0\x02";
/// The first bytes of a model file of the first layout (the features as sorted records), still read.
const MAGIC_RECORDS: &[u8; 16] = b"NEWSIDX-TAGGER\0\x01";

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
    /// The features' weights by key.
    table: Table,
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
    /// The table's slots ([`MAGIC`] files; the first layout has none).
    #[serde(default)]
    slots: usize,
}

impl Tagger {
    /// The model that ships with newsidx, its table read in place from the binary.
    pub fn builtin() -> Result<Tagger> {
        Tagger::read(BUILTIN, "built-in tagger model", Cow::Borrowed)
    }

    /// Reads a model file written by [`Tagger::to_bytes`] (`newsidx train-tagger`).
    pub fn from_file(path: &std::path::Path) -> Result<Tagger> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Tagger::from_bytes(&bytes, &path.display().to_string())
    }

    /// Reads a model from bytes; `origin` names them in errors. Reads the files of earlier
    /// versions too, whose table was a list of features.
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Tagger> {
        Tagger::read(bytes, origin, |table| Cow::Owned(table.to_vec()))
    }

    /// [`Tagger::from_bytes`], the table's bytes kept by `keep`.
    fn read<'a>(
        bytes: &'a [u8],
        origin: &str,
        keep: impl FnOnce(&'a [u8]) -> Cow<'static, [u8]>,
    ) -> Result<Tagger> {
        let bad =
            |why: &str| Error::Invalid(format!("{origin}: not a newsidx tagger model ({why})"));
        let (laid_out, rest) = match bytes.strip_prefix(MAGIC.as_slice()) {
            Some(rest) => (true, rest),
            None => (
                false,
                bytes
                    .strip_prefix(MAGIC_RECORDS.as_slice())
                    .ok_or_else(|| bad("wrong magic bytes"))?,
            ),
        };
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
        let table = if laid_out {
            Table::from_layout(keep(rest), header.slots, header.features).map_err(bad)?
        } else {
            Tagger::table_of_records(rest, header.features).map_err(bad)?
        };
        let mut s = [0f32; LABELS];
        s.copy_from_slice(&start);
        let mut e = [0f32; LABELS];
        e.copy_from_slice(&end);
        Ok(Tagger {
            table,
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

    /// A hash of the whole model (weights, moves, calibration, threshold): equal for equal models.
    /// Cheaper than hashing [`Tagger::to_bytes`]: it reads the table in place, 64 bits at a time.
    pub(crate) fn identity(&self) -> u64 {
        let mix = |h: u64, v: u64| (h ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(31);
        let mut h = 0x7A66_E4D1_0C3B_5F29;
        for (key, weights) in self.table.iter() {
            // 64-bit words: the key and two weights, then four weights at a time.
            let mut word = u64::from(key);
            let mut filled = 2;
            for x in weights {
                word |= u64::from(x as u16) << (16 * filled);
                filled += 1;
                if filled == 4 {
                    h = mix(h, word);
                    (word, filled) = (0, 0);
                }
            }
            h = mix(h, word);
        }
        let moves = self
            .moves
            .transitions
            .iter()
            .flatten()
            .chain(&self.moves.start)
            .chain(&self.moves.end);
        for &f in moves.chain([&self.scale, &self.calibration.0, &self.calibration.1]) {
            h = mix(h, u64::from(f.to_bits()));
        }
        mix(h, u64::from(self.threshold.to_bits()))
    }

    /// The model as bytes, for a model file: the header, the moves, then the table as laid out in
    /// memory (see [`table`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = Header {
            feature_version: features::FEATURE_VERSION,
            labels: LABELS,
            scale: self.scale,
            calibration: self.calibration,
            threshold: self.threshold,
            description: self.description.clone(),
            features: self.table.len(),
            slots: self.table.capacity(),
        };
        let header = serde_json::to_vec(&header).unwrap_or_default();
        let table = self.table.bytes();
        let mut out =
            Vec::with_capacity(64 + header.len() + 4 * LABELS * (LABELS + 2) + table.len());
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
        out.extend_from_slice(table);
        out
    }

    /// The model in the first layout of model files (the features as records sorted by key), which
    /// earlier versions wrote: for tests that such files are still read.
    #[cfg(test)]
    pub(crate) fn to_record_bytes(&self) -> Vec<u8> {
        let laid_out = self.to_bytes();
        let (len, _) = take_u32(&laid_out[MAGIC.len()..]).unwrap_or_default();
        let mut header: serde_json::Value =
            serde_json::from_slice(&laid_out[MAGIC.len() + 4..][..len as usize])
                .unwrap_or_default();
        if let Some(fields) = header.as_object_mut() {
            fields.remove("slots");
        }
        let header = serde_json::to_vec(&header).unwrap_or_default();
        let moves_at = MAGIC.len() + 4 + len as usize;
        let moves = &laid_out[moves_at..moves_at + 4 * LABELS * (LABELS + 2)];
        let mut out = MAGIC_RECORDS.to_vec();
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(moves);
        let mut live: Vec<(u32, [i16; LABELS])> = self.table.iter().collect();
        live.sort_by_key(|&(key, _)| key);
        for (key, weights) in live {
            out.extend_from_slice(&key.to_le_bytes());
            for w in weights {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        out
    }

    /// Whether the model's table is read in place (the built-in model's, from the binary).
    #[cfg(test)]
    pub(crate) fn in_place(&self) -> bool {
        self.table.in_place()
    }

    /// The table of a model file of the first layout: `features` records of a key and its weights.
    fn table_of_records(
        records: &[u8],
        features: usize,
    ) -> std::result::Result<Table, table::Refusal> {
        let record = 4 + table::ROW;
        if features.checked_mul(record) != Some(records.len()) {
            return Err("feature table size does not match the header");
        }
        let mut table = Table::with_features(features);
        for r in records.chunks_exact(record) {
            let key = u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
            if key == 0 {
                return Err("a feature key is 0");
            }
            let mut weights = [0i16; LABELS];
            for (l, w) in weights.iter_mut().enumerate() {
                *w = i16::from_le_bytes([r[4 + 2 * l], r[5 + 2 * l]]);
            }
            table.insert(key, weights);
        }
        Ok(table)
    }

    /// The number of features with weights.
    pub fn features(&self) -> usize {
        self.table.len()
    }

    /// What the model says it was trained on.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The confidence under which spans are dropped.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// The label scores of each token of `island` (a token range of `seq`), row per token, into
    /// `out`.
    fn scores(
        &self,
        ctx: &Context,
        island: Range<usize>,
        seq: Range<usize>,
        keys: &mut Vec<u32>,
        out: &mut Vec<[f32; LABELS]>,
    ) {
        out.clear();
        let table = self.table.view();
        for i in island {
            keys.clear();
            ctx.features(i, seq.clone(), keys);
            let mut sum = [0i32; LABELS];
            for &k in keys.iter() {
                if let Some(row) = table.get(k) {
                    for (s, w) in sum.iter_mut().zip(table::weights_of(row)) {
                        *s += i32::from(w);
                    }
                }
            }
            out.push(sum.map(|s| s as f32 * self.scale));
        }
    }

    /// Tags the islands of `plan` (see [`plan`]) and returns the spans over confidence threshold
    /// `min_confidence` (the model's own when `None`). Spans never cross a sequence.
    pub(crate) fn tag(&self, ctx: &Context, plan: &Plan, min_confidence: Option<f32>) -> Vec<Span> {
        let threshold = min_confidence.unwrap_or(self.threshold);
        self.margin_spans(ctx, plan)
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
pub(crate) fn decode_into<'s>(moves: &Moves, scratch: &'s mut Scratch) -> (&'s [usize], &'s [f32]) {
    let Scratch {
        scores,
        alpha,
        back,
        beta,
        labels,
        margins,
    } = scratch;
    let n = scores.len();
    let neg = f32::NEG_INFINITY;
    if n == 1 {
        // A lone word (most islands): the best label and the runner-up, with no search.
        let mut total = [neg; LABELS];
        for (y, t) in total.iter_mut().enumerate() {
            if allowed(0, y) {
                *t = moves.start[y] + scores[0][y] + moves.end[y];
            }
        }
        let best = (0..LABELS).fold(0, |b, y| if total[y] > total[b] { y } else { b });
        let second = (0..LABELS)
            .filter(|&y| y != best)
            .map(|y| total[y])
            .fold(neg, f32::max);
        labels.clear();
        labels.push(best);
        margins.clear();
        margins.push(total[best] - second);
        return (labels, margins);
    }
    // Invalid moves (`O -> I-X`) cost minus infinity, so the loops below need no test.
    let mut trans = moves.transitions;
    for (p, row) in trans.iter_mut().enumerate() {
        for (y, t) in row.iter_mut().enumerate() {
            if !allowed(p, y) {
                *t = neg;
            }
        }
    }
    alpha.clear();
    alpha.resize(n, [neg; LABELS]);
    back.clear();
    back.resize(n, [0u8; LABELS]);
    for y in 0..LABELS {
        alpha[0][y] = trans[0][y] - moves.transitions[0][y] + moves.start[y] + scores[0][y];
    }
    for t in 1..n {
        let prev = alpha[t - 1];
        for y in 0..LABELS {
            let mut best = (neg, 0);
            for p in 0..LABELS {
                let s = prev[p] + trans[p][y];
                if s > best.0 {
                    best = (s, p);
                }
            }
            alpha[t][y] = best.0 + scores[t][y];
            back[t][y] = best.1 as u8;
        }
    }
    // beta[t][y]: the best score of the labels after t, given label y at t (with the end).
    beta.clear();
    beta.resize(n, [neg; LABELS]);
    beta[n - 1] = moves.end;
    for t in (0..n - 1).rev() {
        let mut ahead = [0f32; LABELS];
        for (a, (s, b)) in ahead.iter_mut().zip(scores[t + 1].iter().zip(&beta[t + 1])) {
            *a = s + b;
        }
        for y in 0..LABELS {
            let mut best = neg;
            for nx in 0..LABELS {
                best = best.max(trans[y][nx] + ahead[nx]);
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
    labels.clear();
    labels.resize(n, 0);
    labels[n - 1] = last;
    for t in (1..n).rev() {
        labels[t - 1] = back[t][labels[t]] as usize;
    }
    margins.clear();
    margins.extend((0..n).map(|t| {
        let other = (0..LABELS)
            .filter(|&y| y != labels[t])
            .map(|y| alpha[t][y] + beta[t][y])
            .fold(neg, f32::max);
        best - other
    }));
    (labels, margins)
}

/// Buffers reused across islands.
#[derive(Default)]
pub(crate) struct Scratch {
    pub scores: Vec<[f32; LABELS]>,
    alpha: Vec<[f32; LABELS]>,
    back: Vec<[u8; LABELS]>,
    beta: Vec<[f32; LABELS]>,
    labels: Vec<usize>,
    margins: Vec<f32>,
}

/// [`decode_into`] of `scores`, for training: the best labels.
pub(crate) fn decode(moves: &Moves, scores: Vec<[f32; LABELS]>) -> Vec<usize> {
    let mut scratch = Scratch {
        scores,
        ..Scratch::default()
    };
    decode_into(moves, &mut scratch).0.to_vec()
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
    if !t.is(WORD) {
        return false;
    }
    if t.is(CAP) {
        return true;
    }
    let word = &text[t.start..t.end];
    if word.is_ascii() {
        word.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        word.chars().any(char::is_uppercase)
    }
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
        let mut table = Table::with_features(rows.len());
        for (key, w) in rows {
            table.insert(
                key,
                w.map(|x| (x / scale).round().clamp(-32_767.0, 32_767.0) as i16),
            );
        }
        Tagger {
            table,
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

    /// Every span of the plan's islands with its margin, whatever its confidence.
    pub(crate) fn margin_spans(&self, ctx: &Context, plan: &Plan) -> Vec<(Span, f32)> {
        let mut out = Vec::new();
        let mut keys = Vec::with_capacity(64);
        let mut scratch = Scratch::default();
        for (seq, island) in &plan.islands {
            self.scores(
                ctx,
                island.clone(),
                seq.clone(),
                &mut keys,
                &mut scratch.scores,
            );
            let (labels, margins) = decode_into(&self.moves, &mut scratch);
            for (first, last, class) in spans_of(labels, island.start) {
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
        out
    }
}

/// What the tagger reads of a text: its islands, each with its sequence, and which tokens need
/// features (the islands' and their neighbours').
pub(crate) struct Plan {
    pub islands: Vec<(Range<usize>, Range<usize>)>,
    pub needed: Vec<bool>,
}

/// The plan of `seqs`.
pub(crate) fn plan(text: &str, tokens: &[Token], seqs: &[Range<usize>]) -> Plan {
    let mut islands_out = Vec::new();
    let mut needed = vec![false; tokens.len()];
    for seq in seqs {
        for island in islands(text, tokens, seq.clone()) {
            let a = island.start.saturating_sub(2).max(seq.start);
            let b = (island.end + 2).min(seq.end);
            needed[a..b].iter_mut().for_each(|n| *n = true);
            islands_out.push((seq.clone(), island));
        }
    }
    Plan {
        islands: islands_out,
        needed,
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
