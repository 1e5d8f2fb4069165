//! Near-duplicate signatures of articles, the distance between them on a 0..=100 scale ("percent of
//! the text that differs"), and the two groupings built on it: every near-duplicate group in a
//! collection ([`clusters`]) and the collapse of a ranked list ([`collapse`]).
//!
//! A news story reaches an index many times: the same wire copy from several sites, re-scraped with
//! other quotes and paragraphing, with a changed headline, cut short, lightly corrected. The text is
//! first folded by [`crate::normalize::fold`], which erases the differences that carry no content; the
//! words left are cut into overlapping two-word shingles, and the article becomes the set of its
//! shingles. The title's are kept apart from the body's and counted twice, and shingles holding a
//! number count twice as well, since stories written from one template (dividend notices, weekly
//! money figures, price reports) differ mostly in their headline and their numbers.
//!
//! Two signatures summarise that set, both computed in one pass by [`Fingerprinter::signature`]:
//!
//! * a [`MinHash`] (245 bytes): from it, the share of shingles two articles have in common is
//!   estimated to within a few percent, and so is how much of the shorter one the longer one contains.
//!   [`distance`] is built on it, because it measured better than the SimHash (held-out pairwise F1
//!   0.988 against 0.962 on Reuters copies with realistic edits; see `examples/eval_duplicates.rs`).
//! * a [`Fingerprint`]: a 64-bit SimHash, which fits a `u64` fast field and whose Hamming distance is a
//!   cruder near-duplicate test.
//!
//! The hashes are written out here (not `std`'s hasher, whose output may change between Rust releases)
//! so that stored signatures stay valid; [`ALGORITHM_VERSION`] changes whenever signatures would, and
//! [`MinHash::from_bytes`] refuses bytes written by another version.
//!
//! ```
//! use newsidx::fingerprint::{distance, Signature, DEFAULT_MAX_DISTANCE};
//!
//! let body = "“One can hardly expect substantive contacts on the entire range of affairs from this call,” \
//!             Kremlin spokesman Dmitry Peskov told reporters in Moscow on Friday, lowering expectations.";
//! let copy = body.replace('“', "\"").replace('”', "\"").replace(", lowering", ".\n\nLowering");
//! let a = Signature::of(Some("Putin call"), body);
//! let b = Signature::of(Some("Putin call"), &copy);
//! assert!(distance(&a, &b) <= DEFAULT_MAX_DISTANCE);
//! ```

use std::fmt;
use std::sync::LazyLock;

use crate::normalize;
use crate::{Error, Result};

/// Bumped whenever the same text would get another signature (folding, shingling, hashing, weights,
/// byte layout), so an index can tell that its stored signatures must be recomputed. Stored in the
/// first byte of [`MinHash::to_bytes`].
pub const ALGORITHM_VERSION: u32 = 3;

/// The default `--max-distance`: two articles whose [`distance`] is at most this ("at most this
/// percent of the text differs") are near-duplicates.
///
/// Chosen by measurement (`examples/eval_duplicates.rs` on Reuters-21578): the smallest threshold whose
/// pairwise F1 on the dev sample is within 0.002 of the best (F1 is flat, 0.986-0.991, from 36 to 55;
/// the rule picked 42 under algorithm version 2 and 40 under version 3, whose sketch differs only in
/// its random draw). On the held-out sample it gives precision 0.993, recall 0.983, F1 0.988 (0.988 at
/// 42 too). Copies with other quotes,
/// paragraphing or debris lie at 0-5; more than 96% of those with an edited headline within 20, of
/// those cut by 10-30% within 30, of those with a few changed words within 30 (short stories lie
/// higher, see [`distance`]). A lower threshold merges fewer reports of one
/// template in a real collection (weekly figures, price reports) at some cost in recall: at 30,
/// held-out recall is 0.96.
pub const DEFAULT_MAX_DISTANCE: u32 = 40;

/// Below this many elements in its MinHash set (title and number shingles counting twice) an article
/// is short: its distances are scaled up by `SHORT_SHINGLES / elements`, so that short template
/// notices differing only in a name are not taken for copies of each other. Measured: 20 and 30 let
/// two dividend notices of different companies with the same figures fall within the default; 50
/// costs recall on short copies (held-out F1 0.982 against 0.988).
const SHORT_SHINGLES: u32 = 40;

/// A 64-bit SimHash of an article's folded title and body. Equal content gives an equal signature;
/// near-duplicate content gives signatures a few bits apart (see [`Fingerprint::distance`]).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// The SimHash of an article under the default [`Fingerprinter`].
    pub fn of(title: Option<&str>, body: &str) -> Fingerprint {
        DEFAULT_FINGERPRINTER.fingerprint(title, body)
    }

    /// The number of bits in which the two signatures differ (0..=64).
    pub fn distance(self, other: Fingerprint) -> u32 {
        (self.0 ^ other.0).count_ones()
    }
}

impl fmt::Display for Fingerprint {
    /// Sixteen lower-case hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl From<u64> for Fingerprint {
    fn from(bits: u64) -> Self {
        Fingerprint(bits)
    }
}

impl From<Fingerprint> for u64 {
    fn from(fp: Fingerprint) -> Self {
        fp.0
    }
}

/// A MinHash of an article's shingle set: for each of [`MinHash::LEN`] bins, 16 bits of the smallest
/// key thrown into it by the set's elements (b-bit MinHash of a fast similarity sketch; see
/// `MinHash::of_set`), plus the set's size.
///
/// Two sets agree on one value with probability equal to their Jaccard similarity (plus 2⁻¹⁶ by
/// chance), so the share of agreeing values estimates it with a standard error of at most
/// `0.5 / sqrt(120)`, about 0.046, and less near 0 or 1. The set sizes turn that into an estimate of
/// how much of the smaller set the larger contains, which is what a copy cut short keeps.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MinHash {
    shingles: u32,
    values: [u16; MinHash::LEN],
}

impl MinHash {
    /// The number of hash values. 120 x 16 bits measured as good as 256 x 32 bits (F1 within 0.002)
    /// and keeps the stored form under 256 bytes.
    pub const LEN: usize = 120;

    /// The length of [`MinHash::to_bytes`]: a version byte, the set size (`u32`) and the values
    /// (`u16` each), little-endian.
    pub const BYTES: usize = 1 + 4 + 2 * MinHash::LEN;

    /// The size of the summarised set: the article's distinct shingles, title shingles and those
    /// holding a number counting twice (0 for an article without words).
    pub fn shingles(&self) -> u32 {
        self.shingles
    }

    /// The estimated Jaccard similarity of the two shingle sets (shared shingles over all shingles),
    /// 0.0..=1.0; 0.0 when either set is empty.
    pub fn jaccard(&self, other: &MinHash) -> f64 {
        if self.shingles == 0 || other.shingles == 0 {
            return 0.0;
        }
        jaccard_of(self.agreements(other))
    }

    /// The estimated percent of text that differs, 0..=100; see [`distance`].
    pub fn distance(&self, other: &MinHash) -> u32 {
        if self.shingles == 0 || other.shingles == 0 {
            return 100;
        }
        let j = jaccard_of(self.agreements(other));
        if j <= 0.0 {
            return 100;
        }
        let (na, nb) = (f64::from(self.shingles), f64::from(other.shingles));
        let smaller = na.min(nb);
        // |A ∩ B| = J (|A| + |B|) / (1 + J).
        let contained = (j * (na + nb) / (1.0 + j) / smaller).min(1.0);
        let differs = 1.0 - (j + contained) / 2.0;
        let scale = (f64::from(SHORT_SHINGLES) / smaller).max(1.0);
        (100.0 * differs * scale).round().clamp(0.0, 100.0) as u32
    }

    /// Whether `self.distance(other) <= max_distance`, answered from the count of agreeing values
    /// alone for most unrelated pairs: the grouping functions ask this of many pairs.
    fn within(&self, other: &MinHash, max_distance: Within) -> bool {
        // `distance` is at least 100 (1 - J) / 2 and J is at most the share of agreeing values, so
        // fewer than `max_distance.min_agree` agreements cannot be within the threshold.
        self.agreements(other) >= max_distance.min_agree && self.distance(other) <= max_distance.max
    }

    /// How many of the values agree: one tight loop over the two arrays, which the compiler turns
    /// into vector compares.
    fn agreements(&self, other: &MinHash) -> u32 {
        let mut agree = 0u16;
        for (a, b) in self.values.iter().zip(&other.values) {
            agree += u16::from(a == b);
        }
        u32::from(agree)
    }

    /// The stored form, [`MinHash::BYTES`] long: [`ALGORITHM_VERSION`] as one byte, the set size as a
    /// little-endian `u32`, then each value as a little-endian `u16`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MinHash::BYTES);
        out.push(VERSION_BYTE);
        out.extend_from_slice(&self.shingles.to_le_bytes());
        for v in &self.values {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Reads the form written by [`MinHash::to_bytes`]. Any other input (wrong length, or written by
    /// another [`ALGORITHM_VERSION`]) is an [`Error::Invalid`]; it never panics.
    pub fn from_bytes(bytes: &[u8]) -> Result<MinHash> {
        if bytes.len() != MinHash::BYTES {
            return Err(Error::Invalid(format!(
                "MinHash signature has {} bytes, expected {}",
                bytes.len(),
                MinHash::BYTES
            )));
        }
        let (version, rest) = bytes.split_at(1);
        if version[0] != VERSION_BYTE {
            return Err(Error::Invalid(format!(
                "MinHash signature of algorithm version {}, expected {}: recompute it",
                version[0], VERSION_BYTE
            )));
        }
        let (size, rest) = rest.split_at(4);
        let mut shingles = [0u8; 4];
        shingles.copy_from_slice(size);
        let mut values = [0u16; MinHash::LEN];
        for (v, pair) in values.iter_mut().zip(rest.chunks_exact(2)) {
            *v = u16::from_le_bytes([pair[0], pair[1]]);
        }
        Ok(MinHash {
            shingles: u32::from_le_bytes(shingles),
            values,
        })
    }

    /// The MinHash of a set of well-mixed 64-bit element hashes (duplicates allowed), by "fast
    /// similarity sketching" (Dahlgaard, Knudsen and Thorup, 2017) rather than one hash function per
    /// value, which cost `LEN` hash evaluations per element.
    ///
    /// Elements are thrown into the `LEN` bins in rounds: in round `r` each element lands in one bin
    /// chosen by its `r`-th hash, with the key `r + (a fraction from the same hash)`; a bin keeps its
    /// smallest key. Rounds go on until every bin holds a key (about `ln LEN` rounds' worth of throws
    /// in all, one round for a long article); from round `LEN` on, an element's bin is its first bin
    /// plus the round, so even a set of one element fills every bin. A later round's keys are all
    /// larger than an earlier round's, so stopping once every bin is filled gives the same keys as
    /// throwing all rounds. Each bin's key is thus the smallest of a fixed random process over the
    /// elements, and two sets agree on it exactly when the smallest throw into that bin from their
    /// union comes from a shared element: with probability equal to their Jaccard similarity, as for
    /// the classic MinHash, with bins no worse than independent.
    fn of_set(elements: &mut Vec<u64>) -> MinHash {
        elements.sort_unstable();
        elements.dedup();
        let mut keys = [u64::MAX; MinHash::LEN];
        let mut empty = MinHash::LEN;
        let bins = MinHash::LEN as u64;
        for round in 0..2 * bins {
            if empty == 0 || elements.is_empty() {
                break;
            }
            for &x in elements.iter() {
                // The elements are mixed already: round 0 uses them as they are.
                let h = if round == 0 {
                    x
                } else {
                    mix(x.wrapping_add(round.wrapping_mul(ROUND_STEP)))
                };
                let bin = if round < bins {
                    // The high 32 bits scaled to 0..LEN (a multiply, not a division).
                    ((h >> 32) * bins) >> 32
                } else {
                    ((((x >> 32) * bins) >> 32) + round) % bins
                };
                let key = round << 32 | (h & 0xffff_ffff);
                let slot = &mut keys[bin as usize];
                if *slot == u64::MAX {
                    empty -= 1;
                }
                *slot = (*slot).min(key);
            }
        }
        let mut values = [0u16; MinHash::LEN];
        if !elements.is_empty() {
            for (v, &k) in values.iter_mut().zip(&keys) {
                // b-bit MinHash: 16 bits of the key, taken after a mix so that two different keys
                // agree with probability 2^-16 whatever their size.
                *v = (mix(k) >> 48) as u16;
            }
        }
        MinHash {
            shingles: u32::try_from(elements.len()).unwrap_or(u32::MAX),
            values,
        }
    }
}

/// The estimated Jaccard similarity from the number of agreeing values.
fn jaccard_of(agree: u32) -> f64 {
    // Two different minima still agree on 16 bits with probability 2^-16.
    let chance = 1.0 / 65536.0;
    let share = f64::from(agree) / MinHash::LEN as f64;
    ((share - chance) / (1.0 - chance)).clamp(0.0, 1.0)
}

/// A threshold on [`distance`] with the fewest agreeing MinHash values a pair within it can have.
#[derive(Clone, Copy, Debug)]
struct Within {
    max: u32,
    min_agree: u32,
}

impl Within {
    fn new(max_distance: u32) -> Within {
        // distance <= max needs 100 (1 - J) / 2 < max + 0.5, so J > 1 - (2 max + 1) / 100, and J is at
        // most agree / LEN. The margin of one value keeps float rounding on the safe side.
        let bound = MinHash::LEN as f64 * (1.0 - (2.0 * f64::from(max_distance) + 1.0) / 100.0);
        Within {
            max: max_distance,
            min_agree: (bound.floor() as i64 - 1).max(0) as u32,
        }
    }
}

/// The step between the seeds of two rounds of [`MinHash::of_set`] (the splitmix64 increment).
const ROUND_STEP: u64 = 0x9e37_79b9_7f4a_7c15;

/// The first byte of the stored form.
const VERSION_BYTE: u8 = ALGORITHM_VERSION as u8;
const _: () = assert!(ALGORITHM_VERSION <= u8::MAX as u32);

/// Both signatures of one article, as [`Fingerprinter::signature`] makes them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    /// The 64-bit SimHash.
    pub simhash: Fingerprint,
    /// The MinHash, on which [`distance`] is based.
    pub minhash: MinHash,
}

impl Signature {
    /// The length of [`Signature::to_bytes`]: the MinHash's bytes, then the SimHash (`u64`,
    /// little-endian).
    pub const BYTES: usize = MinHash::BYTES + 8;

    /// The signatures of an article under the default [`Fingerprinter`].
    pub fn of(title: Option<&str>, body: &str) -> Signature {
        DEFAULT_FINGERPRINTER.signature(title, body)
    }

    /// The stored form, [`Signature::BYTES`] long (one bytes field holds both signatures).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.minhash.to_bytes();
        out.extend_from_slice(&self.simhash.0.to_le_bytes());
        out
    }

    /// Reads the form written by [`Signature::to_bytes`]; any other input is an [`Error::Invalid`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Signature> {
        if bytes.len() != Signature::BYTES {
            return Err(Error::Invalid(format!(
                "signature has {} bytes, expected {}",
                bytes.len(),
                Signature::BYTES
            )));
        }
        let (minhash, simhash) = bytes.split_at(MinHash::BYTES);
        let mut bits = [0u8; 8];
        bits.copy_from_slice(simhash);
        Ok(Signature {
            simhash: Fingerprint(u64::from_le_bytes(bits)),
            minhash: MinHash::from_bytes(minhash)?,
        })
    }
}

/// The distance between two articles on a 0..=100 scale: the estimated percent of their text that
/// differs. `--max-distance K` means "at most K percent of the text may differ".
///
/// Precisely, 100 x (1 - s) where s is the mean of two estimated shares of two-word shingles (those
/// of the title and those holding a number counting twice): those the two articles have in common out
/// of all (Jaccard), and those of the shorter article found in the longer (containment). Text missing from one copy thus counts half: a copy cut by 30% is at
/// about 15. An article without words is at 100 from everything. Short articles (under 40 shingles,
/// about 30 words) are judged more strictly: the percent is multiplied by `40 / shingles`, so that two
/// dividend notices that differ only in the company's name are not within the default. Being
/// estimated from 120 hash values, the percent is good to about ±5 near the default.
pub fn distance(a: &Signature, b: &Signature) -> u32 {
    a.minhash.distance(&b.minhash)
}

static DEFAULT_FINGERPRINTER: LazyLock<Fingerprinter> = LazyLock::new(Fingerprinter::new);

/// Computes signatures with fixed options. Build it once (it is cheap to share) and call
/// [`Fingerprinter::signature`] (or [`Fingerprinter::fingerprint`] for the SimHash alone) per article.
#[derive(Clone, Debug)]
pub struct Fingerprinter {
    shingle_size: usize,
    title_weight: i32,
    word_weight: i32,
    lead_words: usize,
    lead_weight: i32,
}

impl Default for Fingerprinter {
    fn default() -> Self {
        Fingerprinter::new()
    }
}

/// One shingle as [`Fingerprinter::shingles`] hands it out.
struct Shingle {
    hash: u64,
    /// Its SimHash vote weight.
    weight: i32,
    /// Whether it is a shingle of the title (not the body, and not a single word).
    title: bool,
    /// Whether it is a shingle proper (not a single word added for the SimHash).
    set: bool,
    /// Whether one of its words holds a digit.
    number: bool,
}

impl Fingerprinter {
    /// A fingerprinter with the default options (those of [`Signature::of`]).
    pub fn new() -> Fingerprinter {
        Fingerprinter {
            shingle_size: FingerprinterBuilder::DEFAULT_SHINGLE_SIZE,
            title_weight: FingerprinterBuilder::DEFAULT_TITLE_WEIGHT,
            word_weight: FingerprinterBuilder::DEFAULT_WORD_WEIGHT,
            lead_words: FingerprinterBuilder::DEFAULT_LEAD_WORDS,
            lead_weight: FingerprinterBuilder::DEFAULT_LEAD_WEIGHT,
        }
    }

    /// A builder for a fingerprinter with other options.
    pub fn builder() -> FingerprinterBuilder {
        FingerprinterBuilder::new()
    }

    /// The SimHash of an article alone: its title (if any) and body are folded
    /// ([`crate::normalize::fold`]) and shingled separately, so no shingle spans the two.
    pub fn fingerprint(&self, title: Option<&str>, body: &str) -> Fingerprint {
        with_scratch(|scratch| {
            let mut votes = [0i32; 64];
            self.shingles(title, body, scratch, |s| {
                add_votes(&mut votes, s.hash, s.weight)
            });
            simhash(&votes)
        })
    }

    /// Both signatures of an article, from one pass over its shingles. The MinHash set holds every
    /// body shingle once and every title shingle `title_weight` times (as distinct elements), and
    /// twice that for a shingle with a digit in it.
    pub fn signature(&self, title: Option<&str>, body: &str) -> Signature {
        with_scratch(|scratch| {
            let mut votes = [0i32; 64];
            let mut elements = std::mem::take(&mut scratch.elements);
            elements.clear();
            let title_copies = self.title_weight as u64;
            self.shingles(title, body, scratch, |s| {
                add_votes(&mut votes, s.hash, s.weight);
                if !s.set {
                    return;
                }
                // Each copy is its own element; title and body copies never coincide.
                let (salt, copies) = if s.title {
                    (TITLE_SALT, title_copies)
                } else {
                    (BODY_SALT, 1)
                };
                let copies = copies * if s.number { NUMBER_COPIES } else { 1 };
                for copy in 0..copies {
                    elements.push(mix(s.hash ^ salt.wrapping_add(copy)));
                }
            });
            let minhash = MinHash::of_set(&mut elements);
            scratch.elements = elements;
            Signature {
                simhash: simhash(&votes),
                minhash,
            }
        })
    }

    /// Hands every shingle of the title and the body to `each`.
    fn shingles(
        &self,
        title: Option<&str>,
        body: &str,
        scratch: &mut Scratch,
        mut each: impl FnMut(Shingle),
    ) {
        if let Some(title) = title {
            normalize::fold_into(title, &mut scratch.folded);
            word_hashes(&scratch.folded, &mut scratch.words);
            self.shingle_words(&scratch.words, true, self.title_weight, 0, &mut each);
        }
        normalize::fold_into(body, &mut scratch.folded);
        word_hashes(&scratch.folded, &mut scratch.words);
        self.shingle_words(&scratch.words, false, 1, self.lead_words, &mut each);
    }

    /// The shingles of one folded text, given as its words' hashes and whether each holds a digit:
    /// every run of `shingle_size` words, with SimHash weight `weight` (times `lead_weight` for the
    /// first `lead` of them), and every single word with weight `word_weight`. A text shorter than a
    /// shingle is one shingle, so a one-line article still gets a signature.
    fn shingle_words(
        &self,
        words: &[(u64, bool)],
        title: bool,
        weight: i32,
        lead: usize,
        each: &mut impl FnMut(Shingle),
    ) {
        if weight == 0 || words.is_empty() {
            return;
        }
        let k = self.shingle_size.min(words.len());
        for (at, window) in words.windows(k).enumerate() {
            let hash = window
                .iter()
                .fold(k as u64, |acc, &(h, _)| mix(acc.rotate_left(23) ^ h));
            let weight = if at < lead {
                weight * self.lead_weight
            } else {
                weight
            };
            each(Shingle {
                hash,
                weight,
                title,
                set: true,
                number: window.iter().any(|&(_, digit)| digit),
            });
        }
        if self.word_weight != 0 && k > 1 {
            for &(h, _) in words {
                each(Shingle {
                    hash: mix(h ^ 0x5bd1_e995),
                    weight: weight * self.word_weight,
                    title,
                    set: false,
                    number: false,
                });
            }
        }
    }
}

/// Buffers reused from one article to the next on a thread, so that signing allocates nothing once
/// warm.
#[derive(Default)]
struct Scratch {
    /// The folded title or body.
    folded: String,
    /// Per word of `folded`: its hash ([`word_hash`]) and whether it holds a digit.
    words: Vec<(u64, bool)>,
    /// The MinHash set's elements.
    elements: Vec<u64>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Runs `f` with this thread's [`Scratch`] (or fresh buffers, should it be in use or gone).
fn with_scratch<T>(f: impl Fn(&mut Scratch) -> T) -> T {
    SCRATCH
        .try_with(|cell| {
            cell.try_borrow_mut()
                .ok()
                .map(|mut scratch| f(&mut scratch))
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| f(&mut Scratch::default()))
}

/// The words of a folded text (single spaces between words, as [`normalize::fold`] writes them),
/// each as its [`word_hash`] and whether it holds an ASCII digit, in one pass without slicing.
fn word_hashes(folded: &str, out: &mut Vec<(u64, bool)>) {
    out.clear();
    let mut h = FNV_OFFSET;
    let (mut len, mut digit) = (0usize, false);
    for &b in folded.as_bytes() {
        if b == b' ' {
            if len > 0 {
                out.push((mix(h), digit));
            }
            h = FNV_OFFSET;
            (len, digit) = (0, false);
        } else {
            h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
            len += 1;
            digit |= b.is_ascii_digit();
        }
    }
    if len > 0 {
        out.push((mix(h), digit));
    }
}

/// How many times a shingle with a digit counts in the MinHash set: numbers are what tell apart
/// two stories of one template (weekly money supply, a eurobond issue, a dividend).
const NUMBER_COPIES: u64 = 2;

/// Salts of the MinHash set's elements: a title shingle never equals a body shingle.
const TITLE_SALT: u64 = 0x7469_746c_655f_7361;
const BODY_SALT: u64 = 0x626f_6479_5f73_616c;

fn simhash(votes: &[i32; 64]) -> Fingerprint {
    let mut bits = 0u64;
    for (bit, &v) in votes.iter().enumerate() {
        if v > 0 {
            bits |= 1 << bit;
        }
    }
    Fingerprint(bits)
}

/// Adds `weight` to the vote of every bit set in `hash` and takes it from every other, eight bits
/// at a time through a table of lane masks (a form the compiler vectorises).
fn add_votes(votes: &mut [i32; 64], hash: u64, weight: i32) {
    let twice = weight.wrapping_mul(2);
    for (lanes, byte) in votes.chunks_exact_mut(8).zip(hash.to_le_bytes()) {
        for (v, &m) in lanes.iter_mut().zip(&BIT_MASKS[usize::from(byte)]) {
            *v = v.wrapping_add((m & twice).wrapping_sub(weight));
        }
    }
}

/// `BIT_MASKS[b][j]` is all ones when bit `j` of `b` is set, else zero.
static BIT_MASKS: [[i32; 8]; 256] = {
    let mut table = [[0i32; 8]; 256];
    let mut b = 0;
    while b < 256 {
        let mut j = 0;
        while j < 8 {
            if b >> j & 1 == 1 {
                table[b][j] = -1;
            }
            j += 1;
        }
        b += 1;
    }
    table
};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over the word's bytes, then [`mix`]: stable across platforms and Rust releases.
/// [`word_hashes`] computes the same without slicing; this form states it (tests check the two agree).
#[cfg(test)]
fn word_hash(word: &str) -> u64 {
    let mut h = FNV_OFFSET;
    for &b in word.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
    }
    mix(h)
}

/// The splitmix64 finaliser: spreads every input bit over all output bits.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
/// Options for a [`Fingerprinter`], in the builder style: `Fingerprinter::builder().shingle_size(3).build()`.
#[derive(Clone, Debug)]
pub struct FingerprinterBuilder {
    shingle_size: usize,
    title_weight: u32,
    word_weight: u32,
    lead_words: usize,
    lead_weight: u32,
}

impl Default for FingerprinterBuilder {
    fn default() -> Self {
        FingerprinterBuilder::new()
    }
}

impl FingerprinterBuilder {
    const DEFAULT_SHINGLE_SIZE: usize = 2;
    const DEFAULT_TITLE_WEIGHT: i32 = 2;
    const DEFAULT_WORD_WEIGHT: i32 = 0;
    const DEFAULT_LEAD_WORDS: usize = 25;
    const DEFAULT_LEAD_WEIGHT: i32 = 2;
    const MAX_SHINGLE_SIZE: usize = 16;
    const MAX_WEIGHT: u32 = 1000;

    /// A builder holding the default options.
    pub fn new() -> FingerprinterBuilder {
        FingerprinterBuilder {
            shingle_size: Self::DEFAULT_SHINGLE_SIZE,
            title_weight: Self::DEFAULT_TITLE_WEIGHT.unsigned_abs(),
            word_weight: Self::DEFAULT_WORD_WEIGHT.unsigned_abs(),
            lead_words: Self::DEFAULT_LEAD_WORDS,
            lead_weight: Self::DEFAULT_LEAD_WEIGHT.unsigned_abs(),
        }
    }

    /// Words per shingle (1..=16; default 2). Longer shingles tell same-template stories apart better;
    /// shorter ones survive edited words better. Two measured best on Reuters.
    pub fn shingle_size(&mut self, words: usize) -> &mut FingerprinterBuilder {
        self.shingle_size = words;
        self
    }

    /// The weight of each title shingle relative to a body shingle: its SimHash vote weight, and its
    /// number of copies in the MinHash set (0 ignores the title; at most 1000; default 2). Short
    /// template stories differ mostly in their headline, so it counts double.
    pub fn title_weight(&mut self, weight: u32) -> &mut FingerprinterBuilder {
        self.title_weight = weight;
        self
    }

    /// The weight of each single word, added to the shingles, relative to a shingle (0 for none; at
    /// most 1000; default 0, since single words made same-template stories look alike). Ignored when
    /// the shingle size is 1.
    pub fn word_weight(&mut self, weight: u32) -> &mut FingerprinterBuilder {
        self.word_weight = weight;
        self
    }

    /// How many words open the body as its lead: shingles starting there weigh [`Self::lead_weight`].
    /// A copy cut short keeps its lead, so weighting it keeps the copy near its original (default 25).
    pub fn lead_words(&mut self, words: usize) -> &mut FingerprinterBuilder {
        self.lead_words = words;
        self
    }

    /// The weight of a lead shingle relative to another body shingle (at most 1000; default 2).
    pub fn lead_weight(&mut self, weight: u32) -> &mut FingerprinterBuilder {
        self.lead_weight = weight;
        self
    }

    /// The fingerprinter, or [`Error::Invalid`] if an option is out of range.
    pub fn build(&self) -> Result<Fingerprinter> {
        if !(1..=Self::MAX_SHINGLE_SIZE).contains(&self.shingle_size) {
            return Err(Error::Invalid(format!(
                "fingerprint shingle size {} is not in 1..={}",
                self.shingle_size,
                Self::MAX_SHINGLE_SIZE
            )));
        }
        for (name, weight) in [
            ("title", self.title_weight),
            ("word", self.word_weight),
            ("lead", self.lead_weight),
        ] {
            if weight > Self::MAX_WEIGHT {
                return Err(Error::Invalid(format!(
                    "fingerprint {name} weight {weight} is not in 0..={}",
                    Self::MAX_WEIGHT
                )));
            }
        }
        Ok(Fingerprinter {
            shingle_size: self.shingle_size,
            // In range by the check above.
            title_weight: self.title_weight as i32,
            word_weight: self.word_weight as i32,
            lead_words: self.lead_words,
            lead_weight: self.lead_weight as i32,
        })
    }
}

/// One group of near-duplicates in a ranked list, as returned by [`collapse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The best-ranked item of the group (an index into the input).
    pub leader: usize,
    /// The other items of the group, best-ranked first, each with its [`distance`] to the leader. A
    /// member joins through any item of the group, so its distance to the leader can exceed the
    /// threshold.
    pub members: Vec<(usize, u32)>,
}

/// Collapses a ranked list (best first) into groups of near-duplicates: two items are in one group
/// when a chain of items, each at most `max_distance` from the next, joins them. Every item is in
/// exactly one group; a group without duplicates has no members. Groups come in the order of their
/// leaders, so the result is still ranked.
///
/// Compares all pairs (O(n²)): meant for the few hundred top candidates of a query (about 130 µs for
/// 200 at the default threshold). Most unrelated pairs are rejected from their count of agreeing
/// MinHash values alone (a few ns); the others cost one [`distance`] (about 20 ns). For a whole
/// collection use [`clusters`].
pub fn collapse(sigs: &[Signature], max_distance: u32) -> Vec<Group> {
    let mut sets = UnionFind::new(sigs.len());
    let within = Within::new(max_distance);
    for (i, a) in sigs.iter().enumerate() {
        for (j, b) in sigs.iter().enumerate().skip(i + 1) {
            if sets.find(i) != sets.find(j) && a.minhash.within(&b.minhash, within) {
                sets.union(i, j);
            }
        }
    }
    // Items in input order: the first item seen of each set is its best-ranked, the leader.
    let mut group_of_root: Vec<Option<usize>> = vec![None; sigs.len()];
    let mut groups: Vec<Group> = Vec::new();
    for i in 0..sigs.len() {
        let root = sets.find(i);
        match group_of_root[root] {
            Some(g) => {
                let leader = groups[g].leader;
                groups[g]
                    .members
                    .push((i, distance(&sigs[leader], &sigs[i])));
            }
            None => {
                group_of_root[root] = Some(groups.len());
                groups.push(Group {
                    leader: i,
                    members: Vec::new(),
                });
            }
        }
    }
    groups
}

/// Every group of two or more near-duplicates in a collection: indices into `sigs`, each group in
/// ascending order, groups ordered by their first index, each item in at most one group. Groups are
/// transitive, as in [`collapse`]; every pair joined is within `max_distance` by [`distance`].
///
/// Not all pairs are compared. Locality-sensitive hashing picks the candidates: the MinHash values
/// are cut into bands of `r` values, and two articles are compared when they agree on a whole band.
/// Pairs that share a Jaccard share `J` agree on a band with probability `J^r`, so `r` is chosen per
/// call as the largest for which two equally long articles at exactly `max_distance` are missed with
/// probability under 10⁻⁴ (r = 2, 60 bands at the default). The search is therefore **not exact**:
/// a pair can be missed, most likely one where a short article lies wholly inside a much longer one
/// (low Jaccard, high containment) near the threshold; it is then still joined if a chain of other
/// pairs joins it. On the evaluation set it found every pair that comparing all pairs finds (see
/// `examples/eval_duplicates.rs`). Small inputs (under 200) and thresholds of 54 and more compare
/// all pairs (about 20 ns a pair: 4-5 s for 20,000 articles). A band bucket larger than 32 articles
/// (text that many articles share, such as a common sentence) has its members compared with its first
/// 32 only, so that the work stays linear in the number of articles; a pair missed there is still
/// found through any other band it agrees on.
pub fn clusters(sigs: &[Signature], max_distance: u32) -> Vec<Vec<usize>> {
    let n = sigs.len();
    let mut sets = UnionFind::new(n);
    let within = Within::new(max_distance);
    let mut join = |sets: &mut UnionFind, i: usize, j: usize| {
        if sets.find(i) != sets.find(j) && sigs[i].minhash.within(&sigs[j].minhash, within) {
            sets.union(i, j);
        }
    };
    // Band entries hold an item's index in 32 bits.
    let bands = Bands::choose(n, max_distance).filter(|_| u32::try_from(n).is_ok());
    match bands {
        Some(bands) => bands.join_candidates(sigs, &mut sets, &mut join),
        None => {
            for i in 0..n {
                for j in i + 1..n {
                    join(&mut sets, i, j);
                }
            }
        }
    }
    let mut group_of_root: Vec<Option<usize>> = vec![None; n];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..n {
        let root = sets.find(i);
        match group_of_root[root] {
            Some(g) => groups[g].push(i),
            None => {
                group_of_root[root] = Some(groups.len());
                groups.push(vec![i]);
            }
        }
    }
    groups.retain(|g| g.len() >= 2);
    groups
}

/// How [`clusters`] cuts the MinHash values into bands of `rows` values.
#[derive(Debug, PartialEq, Eq)]
struct Bands {
    rows: usize,
}

impl Bands {
    /// The largest acceptable chance of missing a pair at the threshold.
    const MISS: f64 = 1e-4;
    /// Below this many items comparing all pairs is as fast.
    const MIN_ITEMS: usize = 200;
    /// The most values in one band key (4 x 16 bits fill a `u64`).
    const MAX_ROWS: usize = 4;
    /// Members of a band bucket that every other member is compared with.
    const ANCHORS: usize = 32;

    /// The bands for `n` items at `max_distance`, or `None` when all pairs should be compared.
    fn choose(n: usize, max_distance: u32) -> Option<Bands> {
        if n < Self::MIN_ITEMS {
            return None;
        }
        let j = Self::jaccard_at(max_distance);
        (2..=Self::MAX_ROWS)
            .rev()
            .find(|&rows| Self::miss(j, rows) <= Self::MISS)
            .map(|rows| Bands { rows })
    }

    /// The Jaccard share of two equally long articles at distance `d` (not counting the short-text
    /// scaling, which only raises distances): with equal sizes the containment is `2J / (1 + J)`, and
    /// `(J + 2J / (1 + J)) / 2 = s` is solved for `J`.
    fn jaccard_at(d: u32) -> f64 {
        let s = 1.0 - f64::from(d.min(100)) / 100.0;
        let b = 3.0 - 2.0 * s;
        (-b + (b * b + 8.0 * s).sqrt()) / 2.0
    }

    /// The chance that a pair with Jaccard share `j` agrees on no band of `rows` values.
    fn miss(j: f64, rows: usize) -> f64 {
        let bands = (MinHash::LEN / rows) as i32;
        (1.0 - j.powi(rows as i32)).powi(bands)
    }

    fn join_candidates(
        &self,
        sigs: &[Signature],
        sets: &mut UnionFind,
        join: &mut impl FnMut(&mut UnionFind, usize, usize),
    ) {
        // Each entry is a band key (32 bits) above an item's index, so one sort of plain integers
        // brings equal keys together. Two values fill 32 bits; more are hashed to 32 bits, and a
        // rare collision only adds a candidate, which is verified like any other.
        let mut keyed: Vec<u64> = Vec::with_capacity(sigs.len());
        for band in 0..MinHash::LEN / self.rows {
            keyed.clear();
            let rows = band * self.rows..(band + 1) * self.rows;
            for (i, sig) in sigs.iter().enumerate() {
                // An article without words is near nothing.
                if sig.minhash.shingles > 0 {
                    let key = sig.minhash.values[rows.clone()]
                        .iter()
                        .fold(0u64, |k, &v| k << 16 | u64::from(v));
                    let key = if self.rows <= 2 { key } else { mix(key) >> 32 };
                    keyed.push(key << 32 | i as u64);
                }
            }
            keyed.sort_unstable();
            for bucket in keyed.chunk_by(|a, b| a >> 32 == b >> 32) {
                // A large bucket is common text (a shared sentence, boilerplate), not a story: its
                // members are compared with its first ANCHORS only, which keeps the work linear.
                for (at, &a) in bucket.iter().enumerate().take(Self::ANCHORS) {
                    for &b in &bucket[at + 1..] {
                        join(sets, (a & 0xffff_ffff) as usize, (b & 0xffff_ffff) as usize);
                    }
                }
            }
        }
    }
}

/// Disjoint sets over `0..n`, with path halving and union by size.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_0: &str = include_str!("../index-fixtures/seeds/000_aecc5211d1b19b5f.txt");
    const SEED_1: &str = include_str!("../index-fixtures/seeds/001_a6f8cf2398086dd3.txt");
    const SEED_2: &str = include_str!("../index-fixtures/seeds/002_b9033812e55315ed.txt");

    const UNRELATED: &str = "Showers continued throughout the week in the Bahia cocoa zone, alleviating the \
        drought since early January and improving prospects for the coming temporao, although normal \
        humidity levels have not been restored, Comissaria Smith said in its weekly review. The dry \
        period means the temporao will be late this year.";

    const DIVIDEND: &str =
        "Qtly div 35 cts vs 35 cts prior\n    Payable March 31\n    Record March nine\n\n Reuter";

    /// Distance cases, one per line: `name: (title, body) vs (title, body) => near | far`.
    /// `near` means within [`DEFAULT_MAX_DISTANCE`]; `far` means beyond it.
    macro_rules! distance_cases {
        ($($name:ident: ($ta:expr, $a:expr) vs ($tb:expr, $b:expr) => $want:ident;)*) => {$(
            #[test]
            fn $name() {
                let d = distance(&Signature::of($ta, &$a), &Signature::of($tb, &$b));
                distance_cases!(@check $want, d);
            }
        )*};
        (@check near, $d:expr) => { assert!($d <= DEFAULT_MAX_DISTANCE, "distance {} > {}", $d, DEFAULT_MAX_DISTANCE) };
        (@check far, $d:expr) => { assert!($d > DEFAULT_MAX_DISTANCE, "distance {} too small", $d) };
    }

    fn straighten(text: &str) -> String {
        text.replace(['\u{201C}', '\u{201D}'], "\"")
            .replace('\u{2019}', "'")
    }

    fn one_paragraph_per_sentence(text: &str) -> String {
        text.replace(". ", ".\n\n    ")
    }

    fn with_debris(text: &str) -> String {
        format!("{text}\nRead more: Kremlin says no breakthrough expected\nhttps://example.com/a/b pic.twitter.com/Xy12")
    }

    /// The first `percent` of the words of `text`.
    fn cut(text: &str, percent: usize) -> String {
        let words: Vec<&str> = text.split_whitespace().collect();
        words[..words.len() * percent / 100].join(" ")
    }

    distance_cases! {
        seed_0_vs_1: (None, SEED_0) vs (None, SEED_1) => near;
        seed_0_vs_2: (None, SEED_0) vs (None, SEED_2) => near;
        seed_1_vs_2: (None, SEED_1) vs (None, SEED_2) => near;
        seed_vs_itself: (Some("Trump calls Putin"), SEED_2) vs (Some("Trump calls Putin"), SEED_2) => near;
        seed_straight_quotes: (None, SEED_2) vs (None, straighten(SEED_2)) => near;
        seed_reparagraphed: (None, SEED_2) vs (None, one_paragraph_per_sentence(SEED_2)) => near;
        seed_debris: (None, SEED_2) vs (None, with_debris(SEED_2)) => near;
        seed_cut_by_a_third: (None, SEED_2) vs (None, cut(SEED_2, 67)) => near;
        // Cut to a fifth, the copy's shingles are 21% of the original's: 39.5 by exact sets, too
        // close to the default for a test. Cut to a twentieth it is short, and far.
        seed_cut_to_a_twentieth: (None, SEED_2) vs (None, cut(SEED_2, 5)) => far;
        seed_vs_unrelated: (None, SEED_2) vs (None, UNRELATED) => far;
        seed_vs_unrelated_same_title: (Some("News"), SEED_2) vs (Some("News"), UNRELATED) => far;
        dividend_same_company: (Some("EMHART CORP <EMH> QTLY DIVIDEND"), DIVIDEND) vs (Some("Emhart Corp QTLY DIVIDEND"), DIVIDEND) => near;
        dividend_other_company: (Some("EMHART CORP <EMH> QTLY DIVIDEND"), DIVIDEND) vs (Some("TULTEX CORP <TTX> QTLY DIVIDEND"), DIVIDEND) => far;
        empty_vs_empty: (None, "") vs (None, "") => far;
    }

    #[test]
    fn distance_is_symmetric_and_zero_on_equal_text() {
        let a = Signature::of(Some("Trump calls Putin"), SEED_0);
        let b = Signature::of(None, SEED_1);
        assert_eq!(distance(&a, &b), distance(&b, &a));
        assert_eq!(distance(&a, &a), 0);
        assert_eq!(distance(&a, &Signature::of(None, "")), 100);
    }

    #[test]
    fn jaccard_estimate_is_close() {
        // Two texts of 400 distinct words sharing the first `shared` of them: 399 shingles each, of
        // which `shared - 1` are common.
        for shared in [0usize, 100, 200, 300, 400] {
            let a: Vec<String> = (0..400).map(|i| format!("w{i}")).collect();
            let b: Vec<String> = (0..400)
                .map(|i| {
                    if i < shared {
                        format!("w{i}")
                    } else {
                        format!("x{i}")
                    }
                })
                .collect();
            let (a, b) = (
                Signature::of(None, &a.join(" ")),
                Signature::of(None, &b.join(" ")),
            );
            let common = shared.saturating_sub(1) as f64;
            let truth = common / (2.0 * 399.0 - common);
            let estimate = a.minhash.jaccard(&b.minhash);
            assert!(
                (estimate - truth).abs() < 0.1,
                "{shared}: {estimate} vs {truth}"
            );
        }
    }

    #[test]
    fn signature_matches_fingerprint_and_bytes_round_trip() {
        let fp = Fingerprinter::new();
        let sig = fp.signature(Some("Trump calls Putin"), SEED_1);
        assert_eq!(
            sig.simhash,
            fp.fingerprint(Some("Trump calls Putin"), SEED_1)
        );
        assert_eq!(sig.minhash.to_bytes().len(), MinHash::BYTES);
        assert_eq!(
            MinHash::from_bytes(&sig.minhash.to_bytes()).ok(),
            Some(sig.minhash.clone())
        );
        assert_eq!(Signature::from_bytes(&sig.to_bytes()).ok(), Some(sig));
        const { assert!(Signature::BYTES <= 256) };
    }

    /// Junk for `from_bytes`: `name: bytes => accepted`.
    macro_rules! from_bytes_cases {
        ($($name:ident: $bytes:expr => $ok:expr;)*) => {$(
            #[test]
            fn $name() {
                let bytes: Vec<u8> = $bytes;
                assert_eq!(MinHash::from_bytes(&bytes).is_ok(), $ok, "MinHash of {} bytes", bytes.len());
                let mut long = bytes.clone();
                long.extend_from_slice(&[0; 8]);
                assert_eq!(Signature::from_bytes(&long).is_ok(), $ok, "Signature of {} bytes", long.len());
            }
        )*};
    }

    fn versioned(len: usize, fill: u8) -> Vec<u8> {
        let mut bytes = vec![fill; len];
        if let Some(first) = bytes.first_mut() {
            *first = VERSION_BYTE;
        }
        bytes
    }

    from_bytes_cases! {
        from_bytes_empty: vec![] => false;
        from_bytes_one: vec![VERSION_BYTE] => false;
        from_bytes_short: versioned(MinHash::BYTES - 1, 7) => false;
        from_bytes_long: versioned(MinHash::BYTES + 1, 7) => false;
        from_bytes_old_version: vec![2; MinHash::BYTES] => false;
        from_bytes_other_version: vec![0xff; MinHash::BYTES] => false;
        from_bytes_any_values: versioned(MinHash::BYTES, 0xab) => true;
        from_bytes_zeros: versioned(MinHash::BYTES, 0) => true;
    }

    #[test]
    fn empty_and_odd_input_do_not_panic() {
        let fp = Fingerprinter::new();
        for (title, body) in [
            (None, ""),
            (Some(""), ""),
            (Some("x"), ""),
            (None, "a"),
            (None, "..."),
        ] {
            let sig = fp.signature(title, body);
            let _ = distance(&sig, &sig);
        }
        assert_eq!(Fingerprint::of(None, ""), Fingerprint(0));
        assert_eq!(Signature::of(None, "...").minhash.shingles(), 0);
        assert_eq!(Signature::of(Some("x"), "a").minhash.shingles(), 3);
    }

    #[test]
    fn builder_rejects_out_of_range_options() {
        assert!(Fingerprinter::builder().shingle_size(0).build().is_err());
        assert!(Fingerprinter::builder().shingle_size(17).build().is_err());
        assert!(Fingerprinter::builder().title_weight(1001).build().is_err());
        assert!(Fingerprinter::builder()
            .shingle_size(2)
            .word_weight(1)
            .build()
            .is_ok());
    }

    /// `word_hashes` over folded texts: `name: folded text`; it must agree with `word_hash` per word.
    macro_rules! word_hash_cases {
        ($($name:ident: $folded:expr;)*) => {$(
            #[test]
            fn $name() {
                let mut got = Vec::new();
                word_hashes($folded, &mut got);
                let want: Vec<(u64, bool)> = normalize::words($folded)
                    .map(|w| (word_hash(w), w.bytes().any(|b| b.is_ascii_digit())))
                    .collect();
                assert_eq!(got, want);
            }
        )*};
    }

    word_hash_cases! {
        word_hashes_empty: "";
        word_hashes_one: "putin";
        word_hashes_numbers: "qtly div 35 cts vs 35 cts prior 1987 q4";
        word_hashes_unicode: "zürich 東 京 नमस्ते";
        word_hashes_stray_spaces: " a  b ";
    }

    #[test]
    fn signature_is_stable() {
        // Stored signatures must not change silently: bump ALGORITHM_VERSION with these values.
        assert_eq!(ALGORITHM_VERSION, 3);
        let sig = Signature::of(None, "one two three four");
        assert_eq!(sig, Signature::of(None, "One, two: three four!"));
        assert_eq!(sig.minhash.shingles(), 3);
        assert_eq!(sig.minhash.to_bytes()[..5], [3, 3, 0, 0, 0]);
    }

    #[test]
    fn bands_are_chosen_by_threshold() {
        assert_eq!(
            Bands::choose(20_000, DEFAULT_MAX_DISTANCE),
            Some(Bands { rows: 2 })
        );
        assert_eq!(Bands::choose(20_000, 10), Some(Bands { rows: 4 }));
        assert_eq!(Bands::choose(20_000, 100), None);
        assert_eq!(Bands::choose(100, 10), None);
        assert!((Bands::jaccard_at(0) - 1.0).abs() < 1e-9);
        assert!(Bands::jaccard_at(100).abs() < 1e-9);
    }

    /// A small deterministic generator (xorshift*), so the tests need no crate.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
        }
    }

    /// Stories of 20-200 words from a small vocabulary (so unrelated ones share shingles too), each
    /// followed by 0-3 copies with words changed and the ending cut, at distances around any threshold.
    fn planted(n: usize, seed: u64) -> Vec<Signature> {
        let mut rng = Rng(seed);
        let mut sigs = Vec::with_capacity(n);
        while sigs.len() < n {
            let len = 20 + rng.below(180);
            let story: Vec<String> = (0..len).map(|_| format!("w{}", rng.below(300))).collect();
            sigs.push(Signature::of(None, &story.join(" ")));
            for _ in 0..rng.below(4) {
                let mut copy = story.clone();
                for _ in 0..rng.below(len / 4 + 1) {
                    let at = rng.below(copy.len());
                    copy[at] = format!("w{}", rng.below(300));
                }
                copy.truncate(len - rng.below(len / 3 + 1));
                sigs.push(Signature::of(None, &copy.join(" ")));
            }
        }
        sigs.truncate(n);
        sigs
    }

    fn brute_force(sigs: &[Signature], k: u32) -> Vec<Vec<usize>> {
        let mut sets = UnionFind::new(sigs.len());
        for i in 0..sigs.len() {
            for j in i + 1..sigs.len() {
                if distance(&sigs[i], &sigs[j]) <= k {
                    sets.union(i, j);
                }
            }
        }
        let mut by_root = std::collections::BTreeMap::<usize, Vec<usize>>::new();
        for i in 0..sigs.len() {
            by_root.entry(sets.find(i)).or_default().push(i);
        }
        let mut groups: Vec<Vec<usize>> = by_root.into_values().filter(|g| g.len() >= 2).collect();
        groups.sort();
        groups
    }

    /// `clusters` against brute force: `name: (n, seed, max_distance)`.
    macro_rules! cluster_cases {
        ($($name:ident: ($n:expr, $seed:expr, $k:expr);)*) => {$(
            #[test]
            fn $name() {
                let sigs = planted($n, $seed);
                let groups = clusters(&sigs, $k);
                assert_eq!(groups, brute_force(&sigs, $k));
                assert!($n < 300 || !groups.is_empty());
            }
        )*};
    }

    cluster_cases! {
        clusters_empty: (0, 1, 10);
        clusters_one: (1, 1, 10);
        clusters_small_brute_path: (50, 2, 35);
        clusters_k0: (800, 3, 0);
        clusters_k5: (800, 4, 5);
        clusters_k10: (800, 5, 10);
        clusters_k20: (800, 6, 20);
        clusters_default: (800, 7, DEFAULT_MAX_DISTANCE);
        clusters_k45: (800, 8, 45);
        clusters_k100: (300, 9, 100);
    }

    #[test]
    fn clusters_on_duplicated_signatures() {
        let sigs = vec![Signature::of(None, UNRELATED); 5];
        assert_eq!(clusters(&sigs, 0), vec![vec![0, 1, 2, 3, 4]]);
        let empty = vec![Signature::of(None, ""); 300];
        assert!(clusters(&empty, 50).is_empty());
    }

    /// `collapse` cases over texts: `name: [texts] within k => [(leader, [members])]`; each member's
    /// distance must be its [`distance`] to the leader.
    macro_rules! collapse_cases {
        ($($name:ident: [$($text:expr),*] within $k:expr => [$(($leader:expr, [$($m:expr),*])),*];)*) => {$(
            #[test]
            fn $name() {
                let sigs: Vec<Signature> = vec![$(Signature::of(None, &$text)),*];
                let want: Vec<Group> = vec![$(Group {
                    leader: $leader,
                    members: vec![$(($m, distance(&sigs[$leader], &sigs[$m]))),*],
                }),*];
                assert_eq!(collapse(&sigs, $k), want);
            }
        )*};
    }

    collapse_cases! {
        collapse_empty: [] within 30 => [];
        collapse_singletons: [SEED_2, UNRELATED] within 30 => [(0, []), (1, [])];
        collapse_copies: [SEED_0, UNRELATED, SEED_1, with_debris(UNRELATED), SEED_2] within 30 => [(0, [2, 4]), (1, [3])];
        collapse_leader_is_best: [cut(SEED_2, 70), UNRELATED, SEED_2] within 30 => [(0, [2]), (1, [])];
        collapse_chain: [cut(SEED_2, 40), SEED_2, cut(SEED_2, 70)] within 25 => [(0, [1, 2])];
        collapse_zero: [SEED_2, straighten(SEED_2), SEED_1] within 0 => [(0, [1]), (2, [])];
    }

    #[test]
    fn collapse_agrees_with_clusters() {
        let sigs = planted(400, 99);
        let from_collapse: Vec<Vec<usize>> = collapse(&sigs, 20)
            .into_iter()
            .filter(|g| !g.members.is_empty())
            .map(|g| {
                std::iter::once(g.leader)
                    .chain(g.members.iter().map(|m| m.0))
                    .collect()
            })
            .collect();
        assert_eq!(from_collapse, clusters(&sigs, 20));
    }
}
