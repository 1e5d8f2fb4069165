//! The MinHash sketch of an article's shingle set and the distance built on it.

use super::{mix, ALGORITHM_VERSION, SHORT_SHINGLES};
use crate::{Error, Result};

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
    pub(super) shingles: u32,
    pub(super) values: [u16; MinHash::LEN],
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
    pub(super) fn within(&self, other: &MinHash, max_distance: Within) -> bool {
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
        self.write_bytes(&mut out);
        out
    }

    /// Appends [`MinHash::to_bytes`] to `out`.
    pub(crate) fn write_bytes(&self, out: &mut Vec<u8>) {
        out.push(VERSION_BYTE);
        out.extend_from_slice(&self.shingles.to_le_bytes());
        for v in &self.values {
            out.extend_from_slice(&v.to_le_bytes());
        }
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
    pub(super) fn of_set(elements: &mut Vec<u64>) -> MinHash {
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
pub(super) struct Within {
    max: u32,
    min_agree: u32,
}

impl Within {
    pub(super) fn new(max_distance: u32) -> Within {
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
pub(super) const VERSION_BYTE: u8 = ALGORITHM_VERSION as u8;
const _: () = assert!(ALGORITHM_VERSION <= u8::MAX as u32);
