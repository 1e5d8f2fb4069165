//! Grouping near-duplicates into stories: the collapse of a ranked list ([`collapse`]) and every
//! story of a collection ([`stories`]).

use super::minhash::{MinHash, Within};
use super::{mix, story_distance_of, Facts, Signature, DEFAULT_MAX_DISTANCE};

/// The default [`StoryRule::within_days`]: copies of one story published further apart than this
/// are other stories (see DESIGN.md, "Near-duplicates", for how it was chosen).
pub const DEFAULT_WITHIN_DAYS: u32 = 3;

/// When two articles are one story: within `max_distance` of each other by [`story_distance`]
/// (text alike, figures and lead parties agreeing), and published at most `within_days` apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StoryRule {
    /// The most [`story_distance`] between a copy and its story's leader (0..=100).
    pub max_distance: u32,
    /// The most days between a copy's and its leader's publication (`None`: unbounded). An article
    /// without a date is not bounded.
    pub within_days: Option<u32>,
}

impl Default for StoryRule {
    fn default() -> Self {
        StoryRule::new(DEFAULT_MAX_DISTANCE)
    }
}

impl StoryRule {
    /// The rule at `max_distance`, with the default time bound.
    pub fn new(max_distance: u32) -> StoryRule {
        StoryRule {
            max_distance,
            within_days: Some(DEFAULT_WITHIN_DAYS),
        }
    }

    /// The [`story_distance`] of two articles when they are one story by this rule.
    pub fn accepts(&self, a: &Signature, b: &Signature) -> Option<u32> {
        self.accepts_within(a, b, Within::new(self.max_distance))
    }

    /// [`StoryRule::accepts`] with `a` held compactly: its facts are read back only when its time
    /// and MinHash are close enough to `b`'s. Always the answer `accepts` gives for the whole of `a`.
    pub fn accepts_held(&self, a: &super::HeldSignature, b: &Signature) -> Option<u32> {
        let within = Within::new(self.max_distance);
        self.accepts_parts(a.published, &a.minhash, || a.facts(), b, within)
    }

    fn accepts_within(&self, a: &Signature, b: &Signature, within: Within) -> Option<u32> {
        self.accepts_parts(a.published, &a.minhash, || a.facts, b, within)
    }

    /// The one rule behind [`StoryRule::accepts`] and [`StoryRule::accepts_held`], from `a`'s parts:
    /// its facts are asked for only once its time and MinHash pass.
    fn accepts_parts(
        &self,
        published: Option<i64>,
        minhash: &MinHash,
        facts: impl FnOnce() -> Facts,
        b: &Signature,
        within: Within,
    ) -> Option<u32> {
        if !self.published_close(published, b.published) || !minhash.within(&b.minhash, within) {
            return None;
        }
        let d = story_distance_of(minhash, &facts(), b);
        (d <= self.max_distance).then_some(d)
    }

    /// Whether articles published at `a` and `b` (seconds since 1970, `None` when undated) are
    /// close enough in time to be one story: what [`StoryRule::accepts`] checks first, for callers
    /// that can read publication times without reading signatures.
    pub fn published_close(&self, a: Option<i64>, b: Option<i64>) -> bool {
        match (self.within_days, a, b) {
            (Some(days), Some(x), Some(y)) => x.abs_diff(y) <= u64::from(days) * 86_400,
            _ => true,
        }
    }
}

/// One group of near-duplicates in a ranked list, as returned by [`collapse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Story {
    /// The best-ranked item of the group (an index into the input).
    pub leader: usize,
    /// The other items of the group, best-ranked first, each with its [`story_distance`] to the
    /// leader, which is never above the rule's threshold.
    pub members: Vec<(usize, u32)>,
}

/// Collapses a ranked list (best first) into groups of near-duplicates without chaining: going down
/// the list, an item joins the nearest leader before it that `rule` accepts it with (the
/// best-ranked among equals), or leads a group of its own. Every member is thus within the
/// threshold of its leader (two members may be up to twice the threshold apart, never more). Every
/// item is in exactly one group; a group without duplicates has no members. Groups come in the
/// order of their leaders, so the result is still ranked; with every pair found, it groups as
/// [`stories`] does.
///
/// Compares each item with the leaders before it (at most O(n²)): meant for the few hundred top
/// candidates of a query. Most unrelated pairs are rejected from their count of agreeing MinHash
/// values alone (a few ns). For a whole collection use [`stories`].
pub fn collapse(sigs: &[Signature], rule: StoryRule) -> Vec<Story> {
    let within = Within::new(rule.max_distance);
    let mut groups: Vec<Story> = Vec::new();
    for (i, sig) in sigs.iter().enumerate() {
        let mut nearest: Option<(u32, usize)> = None;
        for (g, story) in groups.iter().enumerate() {
            if let Some(d) = rule.accepts_within(&sigs[story.leader], sig, within) {
                if nearest.is_none_or(|n| (d, g) < n) {
                    nearest = Some((d, g));
                }
            }
        }
        match nearest {
            Some((d, g)) => groups[g].members.push((i, d)),
            None => groups.push(Story {
                leader: i,
                members: Vec::new(),
            }),
        }
    }
    groups
}

/// Every group of two or more near-duplicates in a collection, without chaining: going through
/// `sigs` in order (pass them oldest first to make the earliest copy lead), an item joins the
/// nearest earlier leader that `rule` accepts it with (the earliest among equals), or leads a group
/// of its own. Indices into `sigs`, each group in ascending order and so led by its first item,
/// groups ordered by their first index, each item in at most one group; every member is within the
/// threshold of its leader.
///
/// Not all pairs are compared. Locality-sensitive hashing picks the candidates: the MinHash values
/// are cut into bands of `r` values, and two articles are compared when they agree on a whole band.
/// Pairs that share a Jaccard share `J` agree on a band with probability `J^r`, so `r` is chosen per
/// call as the largest for which two equally long articles at exactly the threshold are missed with
/// probability under 10⁻⁴ (r = 2, 60 bands at the default). The search is therefore **not exact**:
/// a pair can be missed, most likely one where a short article lies wholly inside a much longer one
/// (low Jaccard, high containment) near the threshold. On the evaluation set it found every pair
/// that comparing all pairs finds (see `examples/eval_duplicates.rs`). Small inputs (under 200) and
/// thresholds of 54 and more compare all pairs (about 20 ns a pair). A band bucket larger than 32
/// articles (text that many articles share, such as a common sentence) has its members compared
/// with its first 32 only, so that the work stays linear in the number of articles.
pub fn stories(sigs: &[Signature], rule: StoryRule) -> Vec<Vec<usize>> {
    let n = sigs.len();
    let within = Within::new(rule.max_distance);
    // Every accepted pair, as (later, distance, earlier).
    let mut pairs: Vec<(u32, u32, u32)> = Vec::new();
    let mut check = |i: usize, j: usize| {
        let (i, j) = if i < j { (i, j) } else { (j, i) };
        if let Some(d) = rule.accepts_within(&sigs[i], &sigs[j], within) {
            pairs.push((j as u32, d, i as u32));
        }
    };
    // Band entries hold an item's index in 32 bits.
    let bands = Bands::choose(n, rule.max_distance).filter(|_| u32::try_from(n).is_ok());
    match bands {
        Some(bands) => bands.candidates(sigs, &mut check),
        None => {
            for i in 0..n {
                for j in i + 1..n {
                    check(i, j);
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    lead_in_order(n, &pairs)
}

/// The groups of [`stories`] from its accepted pairs, sorted by (later, distance, earlier): each
/// item joins the nearest earlier leader it pairs with.
pub(crate) fn lead_in_order(n: usize, pairs: &[(u32, u32, u32)]) -> Vec<Vec<usize>> {
    const LEADER: u32 = u32::MAX;
    let mut leader_of: Vec<u32> = vec![LEADER; n];
    for run in pairs.chunk_by(|a, b| a.0 == b.0) {
        let item = run[0].0 as usize;
        if let Some(&(_, _, leader)) = run.iter().find(|p| leader_of[p.2 as usize] == LEADER) {
            leader_of[item] = leader;
        }
    }
    let mut group_of: Vec<u32> = vec![LEADER; n];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, &leader) in leader_of.iter().enumerate() {
        if leader == LEADER {
            continue;
        }
        let leader = leader as usize;
        if group_of[leader] == LEADER {
            group_of[leader] = groups.len() as u32;
            groups.push(vec![leader]);
        }
        groups[group_of[leader] as usize].push(i);
    }
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

    /// Hands every candidate pair (two items agreeing on a band) to `check`, some more than once.
    fn candidates(&self, sigs: &[Signature], check: &mut impl FnMut(usize, usize)) {
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
                        check((a & 0xffff_ffff) as usize, (b & 0xffff_ffff) as usize);
                    }
                }
            }
        }
    }
}

/// Locality-sensitive keys for finding, among many articles held apart from each other, those that
/// may be near one article: two articles that [`StoryRule::accepts`] share a key with probability
/// at least 1 - 10⁻⁴ (when equally long; see [`stories`] for the bands). Keys are bands of two
/// MinHash values, tagged with the band's number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    bands: usize,
}

impl Probe {
    /// The keys for `max_distance`: as few bands of two values as keep the chance of missing a
    /// pair at the threshold under 10⁻⁴ (30 at the default), or every band when none do.
    pub fn new(max_distance: u32) -> Probe {
        let j = Bands::jaccard_at(max_distance);
        let most = MinHash::LEN / 2;
        let bands = (1..=most)
            .find(|&b| (1.0 - j * j).powi(b as i32) <= Bands::MISS)
            .unwrap_or(most);
        Probe { bands }
    }

    /// The number of keys of an article with words.
    pub fn len(&self) -> usize {
        self.bands
    }

    /// Whether articles get no keys (never: kept for the `len` convention).
    pub fn is_empty(&self) -> bool {
        self.bands == 0
    }

    /// The keys of `sig`: none for an article without words, which is near nothing.
    pub fn keys<'s>(&self, sig: &'s Signature) -> impl Iterator<Item = u64> + 's {
        self.keys_of(&sig.minhash)
    }

    /// The keys of an article with MinHash `minhash` (see [`Probe::keys`]).
    pub fn keys_of<'s>(&self, minhash: &'s MinHash) -> impl Iterator<Item = u64> + 's {
        let bands = if minhash.shingles > 0 { self.bands } else { 0 };
        (0..bands).map(move |band| {
            let v = &minhash.values;
            (band as u64) << 32 | u64::from(v[2 * band]) << 16 | u64::from(v[2 * band + 1])
        })
    }
}
/// A time bound as users write it (`--within`, `within=`): a number of days, or `any` (also
/// `none`) for no bound.
pub fn parse_within(value: &str) -> std::result::Result<Option<u32>, String> {
    match value.trim() {
        "any" | "none" => Ok(None),
        days => days
            .parse()
            .map(Some)
            .map_err(|_| format!("expected a number of days or `any`, not {days:?}")),
    }
}
