//! The tagger's features: for each token, a list of 32-bit hashed feature keys. Nothing is built as a
//! string: each token's word, lower-cased word, shape, prefixes and suffixes are hashed once, and a
//! feature key mixes a template number with those hashes.
//!
//! Templates: the word as written and lower-cased; the lower-cased words at -2..+2 and the two
//! bigrams around the token; the word shape (`Xx`, `X.X.`, `dd`) alone and with its neighbours';
//! prefixes and suffixes of 1-4 chars; position (sentence start, first of its line, in a short line,
//! in shouted text); the word-list flags (title, first name, organisation suffix, place word...) of the
//! token and its neighbours; the gazetteer kind of the longest gazetteer name covering the token, with
//! the token's place in it; and two document features: the word is seen in lower case elsewhere in the
//! document (a common word capitalised at a sentence start), or capitalised in mid-sentence elsewhere
//! (a name in a shouted headline).

use rustc_hash::FxHashSet;

use super::super::gazetteer::Hit;
use super::super::lexicon::Words;
use super::super::tokens::{
    Token, ALLCAPS, BREAK_BEFORE, CAP, DIGIT, LOWER, SENT_START, SHOUT, WORD,
};
use super::super::EntityKind;

/// The version of the feature set; a model records the version it was trained with.
pub(crate) const FEATURE_VERSION: u32 = 2;

/// Lines shorter than this are headings, bylines or table rows rather than prose.
const SHORT_LINE: usize = 40;

fn mix(h: u64, v: u64) -> u64 {
    (h ^ v)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(29)
        .wrapping_add(0x632B_E59B_D9B4_E019)
}

fn hash_bytes(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub(crate) fn hash_str(s: &str) -> u64 {
    hash_bytes(s.bytes())
}

/// A key from a template number and one or more hashes; never 0 (the empty slot of the table).
fn key(template: u64, parts: &[u64]) -> u32 {
    let h = parts
        .iter()
        .fold(mix(0x51_7CC1_B727_220A, template), |h, &p| mix(h, p));
    let k = (h >> 32) as u32 ^ h as u32;
    k.max(1)
}

/// What is known of one token before its features are made.
#[derive(Debug, Clone, Copy, Default)]
struct Info {
    exact: u64,
    lower: u64,
    shape: u64,
    prefix: [u64; 4],
    suffix: [u64; 4],
    /// Word-list flags.
    lexicon: u32,
    /// Gazetteer: 0 none, else 1 + kind * 3 + (0 begin, 1 inside, 2 single).
    gazetteer: u8,
    seen_lower: bool,
    seen_cap_mid: bool,
    /// Word-list flags ([`super::lists`]): of the lower-cased word and of the capitalised word.
    listed: u8,
    flags: u16,
    short_line: bool,
    long: bool,
}

/// The per-document context for features: token facts, computed once per text.
pub(crate) struct Context {
    info: Vec<Info>,
}

const SENTINEL_BEFORE: u64 = 0xB0;
const SENTINEL_AFTER: u64 = 0xE0;

fn shape_of(word: &str) -> u64 {
    let mut out = [0u8; 8];
    let mut n = 0;
    let mut last = 0u8;
    for c in word.chars() {
        let s = if c.is_uppercase() {
            b'X'
        } else if c.is_lowercase() {
            b'x'
        } else if c.is_numeric() {
            b'd'
        } else if c.is_ascii() {
            c as u8
        } else {
            b'?'
        };
        if s != last && n < out.len() {
            out[n] = s;
            n += 1;
        }
        last = s;
    }
    hash_bytes(out[..n].iter().copied())
}

impl Context {
    /// Facts about every token of `text`. `hits` are the gazetteer's matches over the same tokens.
    pub fn new(
        text: &str,
        tokens: &[Token],
        hits: &[Hit],
        entity_kind: impl Fn(u32) -> EntityKind,
        words: &Words,
    ) -> Context {
        let mut lower_seen: FxHashSet<u64> = FxHashSet::default();
        let mut cap_mid_seen: FxHashSet<u64> = FxHashSet::default();
        let mut info: Vec<Info> = Vec::with_capacity(tokens.len());
        let line_len = line_lengths(text, tokens);
        let mut lower = String::new();
        for (i, t) in tokens.iter().enumerate() {
            let word = t.text(text);
            lower.clear();
            if word.is_ascii() {
                lower.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
            } else {
                lower.extend(word.chars().flat_map(char::to_lowercase));
            }
            let mut prefix = [0u64; 4];
            let mut suffix = [0u64; 4];
            let chars: Vec<(usize, char)> = lower.char_indices().collect();
            for k in 0..4 {
                if k < chars.len() {
                    let end = chars.get(k + 1).map_or(lower.len(), |c| c.0);
                    prefix[k] = hash_str(&lower[..end]);
                    suffix[k] = hash_str(&lower[chars[chars.len() - 1 - k].0..]);
                }
            }
            let lower_hash = hash_str(&lower);
            if t.is(WORD) {
                if t.is(LOWER) {
                    lower_seen.insert(lower_hash);
                } else if t.is(CAP) && !t.is(SENT_START) && !t.is(SHOUT) {
                    cap_mid_seen.insert(hash_str(word));
                }
            }
            info.push(Info {
                exact: hash_str(word),
                lower: lower_hash,
                shape: shape_of(word),
                prefix,
                suffix,
                lexicon: if t.is(WORD) { words.flags(word) } else { 0 },
                gazetteer: 0,
                seen_lower: false,
                seen_cap_mid: false,
                listed: 0,
                flags: t.flags,
                short_line: line_len[i] < SHORT_LINE,
                long: chars.len() > 8,
            });
        }
        for (i, t) in tokens.iter().enumerate() {
            if t.is(WORD) && (t.is(CAP) || t.is(ALLCAPS)) {
                let inf = &mut info[i];
                inf.seen_lower = lower_seen.contains(&inf.lower);
                let word = t.text(text);
                // The capitalised form of the word (for ALL-CAPS words: first letter kept).
                let cap = if t.is(ALLCAPS) {
                    let mut c = word.chars();
                    c.next().map_or(String::new(), |f| {
                        f.to_uppercase()
                            .chain(c.flat_map(char::to_lowercase))
                            .collect()
                    })
                } else {
                    word.to_string()
                };
                let cap_hash = hash_str(&cap);
                inf.seen_cap_mid = cap_mid_seen.contains(&cap_hash);
                let lists = super::lists::lists();
                inf.listed = (lists.of(inf.lower) & super::lists::COMMON)
                    | (lists.of(cap_hash) & (super::lists::PROPER | super::lists::SURNAME));
            }
        }
        for hit in hits {
            let kind = entity_kind(hit.entity) as u8;
            let last = hit.last.min(tokens.len());
            for (i, slot) in info.iter_mut().enumerate().take(last).skip(hit.first) {
                let place = if hit.last - hit.first == 1 {
                    2
                } else if i == hit.first {
                    0
                } else {
                    1
                };
                slot.gazetteer = 1 + kind * 3 + place;
            }
        }
        Context { info }
    }

    /// Whether token `i` is capitalised only by its place: at the start of a sentence or line or in
    /// shouted text, an English word ("Net", "Stocks") that the word list does not give as a name and
    /// that the document never capitalises in mid-sentence.
    pub fn capitalised_by_position(&self, i: usize) -> bool {
        let x = &self.info[i];
        x.flags & (SENT_START | BREAK_BEFORE | SHOUT) != 0
            && x.listed & super::lists::COMMON != 0
            && x.listed & super::lists::PROPER == 0
            && !x.seen_cap_mid
    }

    /// Appends the feature keys of token `i` of the sequence `seq` (token indices) to `out`.
    pub fn features(&self, i: usize, seq: std::ops::Range<usize>, out: &mut Vec<u32>) {
        let at = |j: isize| -> Option<&Info> {
            (j >= seq.start as isize && j < seq.end as isize).then(|| &self.info[j as usize])
        };
        let ii = i as isize;
        let me = &self.info[i];
        // A neighbour's hash, or a sentinel past either end of the sequence.
        let around = |j: isize, of: fn(&Info) -> u64| {
            at(j).map_or(
                if j < ii {
                    SENTINEL_BEFORE
                } else {
                    SENTINEL_AFTER
                },
                of,
            )
        };
        let lower_at = |j: isize| around(j, |x| x.lower);
        let shape_at = |j: isize| around(j, |x| x.shape);
        let (lm2, lm1, lp1, lp2) = (
            lower_at(ii - 2),
            lower_at(ii - 1),
            lower_at(ii + 1),
            lower_at(ii + 2),
        );
        let (sm1, sp1) = (shape_at(ii - 1), shape_at(ii + 1));
        out.push(key(0, &[]));
        out.push(key(1, &[me.exact]));
        out.push(key(2, &[me.lower]));
        out.push(key(3, &[lm1]));
        out.push(key(4, &[lp1]));
        out.push(key(5, &[lm2]));
        out.push(key(6, &[lp2]));
        out.push(key(7, &[lm1, me.lower]));
        out.push(key(8, &[me.lower, lp1]));
        out.push(key(9, &[me.shape]));
        out.push(key(10, &[sm1, me.shape]));
        out.push(key(11, &[me.shape, sp1]));
        out.push(key(12, &[sm1, me.shape, sp1]));
        for k in 0..4 {
            if me.prefix[k] != 0 {
                out.push(key(13 + k as u64, &[me.prefix[k]]));
            }
            if me.suffix[k] != 0 {
                out.push(key(17 + k as u64, &[me.suffix[k]]));
            }
        }
        let position = u64::from(me.flags & (SENT_START | SHOUT | BREAK_BEFORE))
            | u64::from(me.short_line) << 20
            | u64::from(i == seq.start) << 21
            | u64::from(me.long) << 22;
        out.push(key(21, &[position, me.shape]));
        for (template, j) in [(22u64, ii), (23, ii - 1), (24, ii + 1), (25, ii - 2)] {
            let Some(x) = at(j) else { continue };
            let mut bits = x.lexicon;
            while bits != 0 {
                let bit = bits.trailing_zeros();
                bits &= bits - 1;
                out.push(key(template, &[u64::from(bit)]));
            }
        }
        if me.gazetteer != 0 {
            out.push(key(26, &[u64::from(me.gazetteer)]));
            out.push(key(27, &[u64::from(me.gazetteer), me.shape]));
        }
        for (template, j) in [(28u64, ii - 1), (29, ii + 1)] {
            if let Some(x) = at(j).filter(|x| x.gazetteer != 0) {
                out.push(key(template, &[u64::from(x.gazetteer)]));
            }
        }
        if me.flags & (CAP | ALLCAPS) != 0 && me.flags & WORD != 0 {
            let doc = u64::from(me.seen_lower)
                | u64::from(me.seen_cap_mid) << 1
                | u64::from(me.flags & (SENT_START | SHOUT)) << 2;
            out.push(key(30, &[doc]));
            out.push(key(32, &[u64::from(me.listed)]));
            out.push(key(33, &[u64::from(me.listed), doc]));
            if let Some(next) = at(ii + 1) {
                out.push(key(
                    34,
                    &[u64::from(me.listed), u64::from(next.listed), next.shape],
                ));
            }
            if let Some(prev) = at(ii - 1) {
                out.push(key(
                    35,
                    &[u64::from(prev.listed), prev.shape, u64::from(me.listed)],
                ));
            }
        }
        if me.flags & DIGIT != 0 {
            out.push(key(31, &[u64::from(me.flags & (CAP | LOWER))]));
        }
    }
}

/// The length in bytes of the line each token is on.
fn line_lengths(text: &str, tokens: &[Token]) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(tokens.len());
    let mut line = (0usize, 0usize);
    for t in tokens {
        if t.start >= line.1 || out.is_empty() {
            let start = bytes[..t.start]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let end = bytes[t.start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| t.start + p);
            line = (start, end);
        }
        out.push(text[line.0..line.1].trim().len());
    }
    out
}
