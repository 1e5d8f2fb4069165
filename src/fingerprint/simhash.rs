//! The 64-bit SimHash of an article: a cruder near-duplicate test than the MinHash, kept inside the
//! signature to order ties of equal scores by content.

use std::fmt;

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

pub(super) fn simhash(votes: &[i32; 64]) -> Fingerprint {
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
pub(super) fn add_votes(votes: &mut [i32; 64], hash: u64, weight: i32) {
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
