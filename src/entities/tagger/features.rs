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

use crate::text::fnv1a;

use super::super::gazetteer::Hit;
use super::super::lexicon::Words;
use super::super::tokens::{
    Token, ALLCAPS, BREAK_BEFORE, CAP, DIGIT, LOWER, SENT_START, SHOUT, WORD,
};
use super::super::EntityKind;

/// The version of the feature set; a model records the version it was trained with.
pub(crate) const FEATURE_VERSION: u32 = 3;

/// Lines shorter than this are headings, bylines or table rows rather than prose.
const SHORT_LINE: usize = 40;

fn mix(h: u64, v: u64) -> u64 {
    (h ^ v)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(29)
        .wrapping_add(0x632B_E59B_D9B4_E019)
}

/// [`fnv1a`]'s offset basis and step, for hashing prefixes and suffixes in one pass: a word's hash
/// as written equals `fnv1a` of it, so the word lists ([`super::lists`]) can be keyed by `fnv1a`.
const FNV_SEED: u64 = 0xcbf2_9ce4_8422_2325;

fn step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
}

/// A word's hashes, from one pass over it: as written, lower-cased, capitalised ("SMITH" as
/// "Smith"), its lower-cased prefixes and suffixes of 1-4 chars (0 where the word is shorter), and
/// its length in chars.
#[derive(Debug, Clone, Copy, Default)]
struct Hashes {
    exact: u64,
    lower: u64,
    capitalised: u64,
    prefix: [u64; 4],
    suffix: [u64; 4],
    chars: usize,
}

fn hashes(word: &str) -> Hashes {
    let mut h = Hashes {
        exact: FNV_SEED,
        lower: FNV_SEED,
        capitalised: FNV_SEED,
        prefix: [0; 4],
        suffix: [0; 4],
        chars: 0,
    };
    if word.is_ascii() {
        let b = word.as_bytes();
        for (k, &x) in b.iter().enumerate() {
            let lx = x.to_ascii_lowercase();
            h.exact = step(h.exact, x);
            h.lower = step(h.lower, lx);
            h.capitalised = step(
                h.capitalised,
                if k == 0 { x.to_ascii_uppercase() } else { lx },
            );
            if k < 4 {
                h.prefix[k] = h.lower;
            }
        }
        let mut s = FNV_SEED;
        for k in 0..b.len().min(4) {
            s = step(s, b[b.len() - 1 - k].to_ascii_lowercase());
            h.suffix[k] = s;
        }
        h.chars = b.len();
        return h;
    }
    h.exact = fnv1a(word.as_bytes());
    let mut lowered: Vec<char> = Vec::with_capacity(word.len());
    let mut buf = [0u8; 4];
    for (k, c) in word.chars().enumerate() {
        let start = lowered.len();
        lowered.extend(c.to_lowercase());
        for &l in &lowered[start..] {
            for &b in l.encode_utf8(&mut buf).as_bytes() {
                h.lower = step(h.lower, b);
            }
        }
        if k == 0 {
            for u in c.to_uppercase() {
                for &b in u.encode_utf8(&mut buf).as_bytes() {
                    h.capitalised = step(h.capitalised, b);
                }
            }
        } else {
            for &l in &lowered[start..] {
                for &b in l.encode_utf8(&mut buf).as_bytes() {
                    h.capitalised = step(h.capitalised, b);
                }
            }
        }
        if k < 4 {
            h.prefix[k] = h.lower;
        }
    }
    let mut s = FNV_SEED;
    for (k, &c) in lowered.iter().rev().take(4).enumerate() {
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            s = step(s, b);
        }
        h.suffix[k] = s;
    }
    h.chars = lowered.len();
    h
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
    /// The word's hashes.
    h: Hashes,
    shape: u64,
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
}

/// The per-document context for features: token facts, computed once per text for the tokens the
/// tagger reads (its islands and their neighbours, see [`super::plan`]); a token left out reads as
/// a token with no facts.
pub(crate) struct Context {
    /// The facts of the tokens read, in token order.
    info: Vec<Info>,
    /// Per token, its place in `info`, or [`NOT_READ`].
    slot: Vec<u32>,
}

/// The slot of a token whose facts were not computed.
const NOT_READ: u32 = u32::MAX;

/// What a token whose facts were not computed reads as.
const NO_INFO: Info = Info {
    h: Hashes {
        exact: 0,
        lower: 0,
        capitalised: 0,
        prefix: [0; 4],
        suffix: [0; 4],
        chars: 0,
    },
    shape: 0,
    lexicon: 0,
    gazetteer: 0,
    seen_lower: false,
    seen_cap_mid: false,
    listed: 0,
    flags: 0,
    short_line: false,
};

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
    fnv1a(&out[..n])
}

impl Context {
    /// Facts about the tokens of `text` that `needed` marks (every token when `None`). `hits` are the
    /// gazetteer's matches over the same tokens. The document features read every word.
    pub fn new(
        text: &str,
        tokens: &[Token],
        hits: &[Hit],
        entity_kind: impl Fn(u32) -> EntityKind,
        words: &Words,
        needed: Option<&[bool]>,
    ) -> Context {
        // Only the tokens read get facts: an article's tokens are mostly outside the islands, and
        // filling a full-size table of them (120 bytes a token, fresh pages every article) was a
        // third of this function's time.
        let is_needed = |i: usize| needed.is_none_or(|n| n[i]);
        let read = needed.map_or(tokens.len(), |n| n.iter().filter(|&&x| x).count());
        let mut slot = vec![NOT_READ; tokens.len()];
        let mut info: Vec<Info> = Vec::with_capacity(read);
        // Per token read (aligned with `info`): the word as a capitalised word.
        let mut capitalised: Vec<u64> = Vec::with_capacity(read);
        let line_len = line_lengths(text, tokens, needed);
        // What the document features ask about: the needed capitalised words, lower-cased and as
        // capitalised words.
        let mut ask_lower: FxHashSet<u64> = FxHashSet::default();
        let mut ask_cap: FxHashSet<u64> = FxHashSet::default();
        for (i, t) in tokens.iter().enumerate() {
            if !is_needed(i) {
                continue;
            }
            let word = t.text(text);
            let h = hashes(word);
            let cap = if t.is(ALLCAPS) {
                h.capitalised
            } else {
                h.exact
            };
            if t.is(WORD) && (t.is(CAP) || t.is(ALLCAPS)) {
                ask_lower.insert(h.lower);
                ask_cap.insert(cap);
            }
            slot[i] = info.len() as u32;
            capitalised.push(cap);
            info.push(Info {
                h,
                shape: shape_of(word),
                lexicon: if t.is(WORD) {
                    words.flags_by_hash(h.exact)
                } else {
                    0
                },
                gazetteer: 0,
                seen_lower: false,
                seen_cap_mid: false,
                listed: 0,
                flags: t.flags,
                short_line: line_len[i] < SHORT_LINE,
            });
        }
        let mut lower_seen: FxHashSet<u64> = FxHashSet::default();
        let mut cap_mid_seen: FxHashSet<u64> = FxHashSet::default();
        if !ask_lower.is_empty() {
            for t in tokens {
                if !t.is(WORD) {
                    continue;
                }
                if t.is(LOWER) {
                    let h = fnv1a(t.text(text).as_bytes());
                    if ask_lower.contains(&h) {
                        lower_seen.insert(h);
                    }
                } else if t.is(CAP) && !t.is(SENT_START) && !t.is(SHOUT) {
                    let h = fnv1a(t.text(text).as_bytes());
                    if ask_cap.contains(&h) {
                        cap_mid_seen.insert(h);
                    }
                }
            }
        }
        let lists = super::lists::lists();
        for (i, t) in tokens.iter().enumerate() {
            let at = slot[i];
            if at != NOT_READ && t.is(WORD) && (t.is(CAP) || t.is(ALLCAPS)) {
                let (inf, cap) = (&mut info[at as usize], capitalised[at as usize]);
                inf.seen_lower = lower_seen.contains(&inf.h.lower);
                inf.seen_cap_mid = cap_mid_seen.contains(&cap);
                inf.listed = (lists.of(inf.h.lower) & super::lists::COMMON)
                    | (lists.of(cap) & (super::lists::PROPER | super::lists::SURNAME));
            }
        }
        for hit in hits {
            let kind = entity_kind(hit.entity) as u8;
            let last = hit.last.min(tokens.len());
            for (i, &at) in slot.iter().enumerate().take(last).skip(hit.first) {
                if at == NOT_READ {
                    continue;
                }
                let place = if hit.last - hit.first == 1 {
                    2
                } else if i == hit.first {
                    0
                } else {
                    1
                };
                info[at as usize].gazetteer = 1 + kind * 3 + place;
            }
        }
        Context { info, slot }
    }

    /// The facts of token `i`.
    fn info(&self, i: usize) -> &Info {
        match self.slot[i] {
            NOT_READ => &NO_INFO,
            at => &self.info[at as usize],
        }
    }

    /// Whether token `i` is capitalised only by its place: at the start of a sentence or line or in
    /// shouted text, an English word ("Net", "Stocks") that the word list does not give as a name and
    /// that the document never capitalises in mid-sentence.
    pub fn capitalised_by_position(&self, i: usize) -> bool {
        let x = self.info(i);
        x.flags & (SENT_START | BREAK_BEFORE | SHOUT) != 0
            && x.listed & super::lists::COMMON != 0
            && x.listed & super::lists::PROPER == 0
            && !x.seen_cap_mid
    }

    /// Appends the feature keys of token `i` of the sequence `seq` (token indices) to `out`.
    pub fn features(&self, i: usize, seq: std::ops::Range<usize>, out: &mut Vec<u32>) {
        let at = |j: isize| -> Option<&Info> {
            (j >= seq.start as isize && j < seq.end as isize).then(|| self.info(j as usize))
        };
        let ii = i as isize;
        let me = self.info(i);
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
        let lower_at = |j: isize| around(j, |x| x.h.lower);
        let shape_at = |j: isize| around(j, |x| x.shape);
        let (lm2, lm1, lp1, lp2) = (
            lower_at(ii - 2),
            lower_at(ii - 1),
            lower_at(ii + 1),
            lower_at(ii + 2),
        );
        let (sm1, sp1) = (shape_at(ii - 1), shape_at(ii + 1));
        out.push(key(0, &[]));
        out.push(key(1, &[me.h.exact]));
        out.push(key(2, &[me.h.lower]));
        out.push(key(3, &[lm1]));
        out.push(key(4, &[lp1]));
        out.push(key(5, &[lm2]));
        out.push(key(6, &[lp2]));
        out.push(key(7, &[lm1, me.h.lower]));
        out.push(key(8, &[me.h.lower, lp1]));
        out.push(key(9, &[me.shape]));
        out.push(key(10, &[sm1, me.shape]));
        out.push(key(11, &[me.shape, sp1]));
        out.push(key(12, &[sm1, me.shape, sp1]));
        for k in 0..4 {
            if me.h.prefix[k] != 0 {
                out.push(key(13 + k as u64, &[me.h.prefix[k]]));
            }
            if me.h.suffix[k] != 0 {
                out.push(key(17 + k as u64, &[me.h.suffix[k]]));
            }
        }
        let position = u64::from(me.flags & (SENT_START | SHOUT | BREAK_BEFORE))
            | u64::from(me.short_line) << 20
            | u64::from(i == seq.start) << 21
            | u64::from(me.h.chars > 8) << 22;
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

/// The length in bytes of the line each token is on (without its surrounding whitespace); 0 for the
/// tokens `needed` leaves out.
fn line_lengths(text: &str, tokens: &[Token], needed: Option<&[bool]>) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(tokens.len());
    let (mut line_end, mut len) = (0usize, 0usize);
    let mut known = false;
    for (i, t) in tokens.iter().enumerate() {
        if needed.is_some_and(|n| !n[i]) {
            out.push(0);
            continue;
        }
        if t.start >= line_end || !known {
            known = true;
            let start = bytes[..t.start]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            line_end = bytes[t.start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| t.start + p);
            len = text[start..line_end].trim().len();
        }
        out.push(len);
    }
    out
}
