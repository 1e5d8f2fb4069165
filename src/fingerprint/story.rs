//! Grouping near-duplicates into stories: the collapse of a ranked list ([`collapse`]) and every
//! story of a collection ([`stories`]).

use super::minhash::{MinHash, Within};
use super::{distance, mix, Signature};

/// One group of near-duplicates in a ranked list, as returned by [`collapse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Story {
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
/// collection use [`stories`].
pub fn collapse(sigs: &[Signature], max_distance: u32) -> Vec<Story> {
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
    let mut groups: Vec<Story> = Vec::new();
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
                groups.push(Story {
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
pub fn stories(sigs: &[Signature], max_distance: u32) -> Vec<Vec<usize>> {
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

/// How [`stories`] cuts the MinHash values into bands of `rows` values.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Bands {
    pub(super) rows: usize,
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
    pub(super) fn choose(n: usize, max_distance: u32) -> Option<Bands> {
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
    pub(super) fn jaccard_at(d: u32) -> f64 {
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
pub(super) struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    pub(super) fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    pub(super) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    pub(super) fn union(&mut self, a: usize, b: usize) {
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
