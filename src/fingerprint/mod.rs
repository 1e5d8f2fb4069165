//! Near-duplicate signatures of articles, the distance between them on a 0..=100 scale ("percent of
//! the text that differs"), and the two groupings built on it: every story (group of near-duplicates) in a
//! collection ([`stories`]) and the collapse of a ranked list ([`collapse`]).
//!
//! A news story reaches an index many times: the same wire copy from several sites, re-scraped with
//! other quotes and paragraphing, with a changed headline, cut short, lightly corrected. The text is
//! read from the shared token stream and folded by [`crate::text::fold::fold_words`], which erases the differences that carry no content; the
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

mod facts;
mod minhash;
mod shingles;
mod simhash;
mod story;
#[cfg(test)]
mod tests;

pub use facts::Facts;
pub use minhash::MinHash;
pub use shingles::{FieldText, Fingerprinter};
pub use simhash::Fingerprint;
pub use story::{collapse, parse_within, stories, Probe, Story, StoryRule, DEFAULT_WITHIN_DAYS};

use crate::text::Tokens;
use crate::{Error, Result};

/// Bumped whenever the same text would get another signature (folding, shingling, hashing, weights,
/// byte layout), so an index can tell that its stored signatures must be recomputed. Stored in the
/// first byte of [`MinHash::to_bytes`].
pub const ALGORITHM_VERSION: u32 = 5;

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

/// Both signatures of one article, as [`Fingerprinter::signature`] makes them, with its figures and
/// parties and (when known) its publication time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    /// The 64-bit SimHash.
    pub simhash: Fingerprint,
    /// The MinHash, on which [`distance`] is based.
    pub minhash: MinHash,
    /// The figures and lead parties, which [`story_distance`] checks.
    pub facts: Facts,
    /// Publication time in seconds since 1970 (UTC), which [`StoryRule::within_days`] bounds; not
    /// part of [`Signature::to_packed`]: readers of an index fill it from the article's date.
    pub published: Option<i64>,
}

impl Signature {
    /// The signatures of an article (its words cut here; [`Fingerprinter::signature`] takes words
    /// already cut).
    pub fn of(title: Option<&str>, body: &str) -> Signature {
        let title_tokens = title.map(Tokens::new);
        let body_tokens = Tokens::new(body);
        let title = title
            .zip(title_tokens.as_ref())
            .map(|(text, tokens)| FieldText { text, tokens });
        Fingerprinter.signature(
            title,
            FieldText {
                text: body,
                tokens: &body_tokens,
            },
        )
    }

    /// The stored form, what each segment's signatures file keeps: the MinHash's bytes
    /// ([`MinHash::BYTES`]), the SimHash (`u64`, little-endian), then the facts packed
    /// ([`Facts::to_packed`]). Without the publication time.
    pub fn to_packed(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MinHash::BYTES + 8 + self.facts.packed_len());
        self.minhash.write_bytes(&mut out);
        out.extend_from_slice(&self.simhash.0.to_le_bytes());
        self.facts.write_packed(&mut out);
        out
    }

    /// Reads the form written by [`Signature::to_packed`]; any other input is an
    /// [`Error::Invalid`].
    pub fn from_packed(bytes: &[u8]) -> Result<Signature> {
        if bytes.len() < MinHash::BYTES + 8 {
            return Err(Error::Invalid(format!(
                "packed signature has {} bytes, fewer than {}",
                bytes.len(),
                MinHash::BYTES + 8
            )));
        }
        let (minhash, rest) = bytes.split_at(MinHash::BYTES);
        let (simhash, facts) = rest.split_at(8);
        let mut bits = [0u8; 8];
        bits.copy_from_slice(simhash);
        Ok(Signature {
            simhash: Fingerprint(u64::from_le_bytes(bits)),
            minhash: MinHash::from_bytes(minhash)?,
            facts: Facts::from_packed(facts)
                .ok_or_else(|| Error::Invalid("signature has malformed facts".into()))?,
            published: None,
        })
    }
}

/// A [`Signature`] held compactly, for holding many at once (the story leaders a writer keeps):
/// the MinHash as it is, the facts packed ([`Facts::to_packed`]) and read back only when the
/// MinHash of an article is within reach ([`StoryRule::accepts_held`]). 288 bytes and an
/// allocation of 108 on average (Reuters: 64-163 for the middle 80 %), where a `Signature` takes
/// 568.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldSignature {
    /// The 64-bit SimHash.
    pub simhash: Fingerprint,
    /// The MinHash.
    pub minhash: MinHash,
    /// Publication time in seconds since 1970 (UTC).
    pub published: Option<i64>,
    facts: Box<[u8]>,
}

impl HeldSignature {
    /// `signature`, held compactly.
    pub fn new(signature: &Signature) -> HeldSignature {
        HeldSignature {
            simhash: signature.simhash,
            minhash: signature.minhash.clone(),
            published: signature.published,
            facts: signature.facts.to_packed(),
        }
    }

    /// The facts, read back.
    pub fn facts(&self) -> Facts {
        // Packed by `new` from whole facts: reading them back cannot fail.
        Facts::from_packed(&self.facts).unwrap_or_default()
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

/// The distance between two articles as stories: their [`distance`], or 100 (nothing in common) when
/// their figures or their lead parties conflict ([`Facts::conflict`]), however alike their words.
pub fn story_distance(a: &Signature, b: &Signature) -> u32 {
    story_distance_of(&a.minhash, &a.facts, b)
}

/// [`story_distance`] from `a`'s MinHash and facts (`a` may be held compactly).
fn story_distance_of(minhash: &MinHash, facts: &Facts, b: &Signature) -> u32 {
    if facts.conflict(&b.facts) {
        100
    } else {
        minhash.distance(&b.minhash)
    }
}

/// The splitmix64 finaliser: spreads every input bit over all output bits.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
