//! Entity counts over the matches that share a story with another article: each entity counts once
//! per story, however many of the story's matches carry it.
//!
//! A segment (or a slice of one) holds its matches that share a story with their facet ordinals, groups
//! them by story when it is done, and counts each story's distinct ordinals: a sort of one key per match
//! and of each story's few ordinals, where listing a `(story, ordinal)` pair per ordinal of every such
//! match and sorting them all once the segments were merged took 150 ms of one thread for `oil` on a
//! million articles of which a sixth are copies (DESIGN.md 2.16). A story whose matches lie in several
//! segments is counted once in each; [`in_several`] finds those stories and the merge takes the extra
//! counts back.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The matches of one segment (or slice) that share a story, with their facet ordinals.
#[derive(Default)]
pub(crate) struct SharedMatches {
    /// `story << 32 | i` for the `i`-th match held; sorted by [`SharedMatches::count`].
    keys: Vec<u64>,
    /// Match `i`'s ordinals are `ords[starts[i]..starts[i + 1]]` (a segment's column has fewer
    /// than 2^32 rows, so `u32` offsets hold them).
    ords: Vec<u32>,
    starts: Vec<u32>,
    /// The distinct stories held, ascending (filled by [`SharedMatches::count`]).
    stories: Vec<u32>,
    /// Room for [`sort_by_story`] to sort `keys` through.
    scratch: Vec<u64>,
}

/// The most ordinals (4 bytes each) an emptied [`SharedMatches`] keeps room for: about 60,000 shared
/// matches of a slice at the 17 ordinals per article of the 1M generated corpus.
const MAX_KEPT_ORDINALS: usize = 1 << 20;
/// The most matches it keeps room for (a key of 8 bytes each, a start of 4, and a key of 8 in the
/// radix sort's scratch).
const MAX_KEPT_KEYS: usize = 1 << 17;

/// Per ordinal of a segment: `(ordinal, stories, articles)`, in ordinal order.
pub(crate) type StoryCounts = Vec<(u64, u64, u64)>;

impl SharedMatches {
    /// Holds a match of `story` that carries the facet ordinals `ords`.
    pub(crate) fn push<T: Copy + Into<u64>>(&mut self, story: u32, ords: &[T]) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.keys
            .push(u64::from(story) << 32 | self.keys.len() as u64);
        self.ords.extend(
            ords.iter()
                .filter_map(|&ord| u32::try_from(ord.into()).ok()),
        );
        self.starts.push(self.ords.len() as u32);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// These buffers, emptied, to hold the next query's matches; `None` when a query's many
    /// matches made them larger than is worth keeping (a server keeps a few: 52 MiB at most).
    pub(crate) fn emptied(mut self) -> Option<SharedMatches> {
        if self.ords.capacity() > MAX_KEPT_ORDINALS
            || self.keys.capacity() > MAX_KEPT_KEYS
            || self.scratch.capacity() > MAX_KEPT_KEYS
        {
            return None;
        }
        self.keys.clear();
        self.ords.clear();
        self.starts.clear();
        self.stories.clear();
        self.scratch.clear();
        Some(self)
    }

    /// Counts, per ordinal below the counters' length, the stories held that carry it and the matches
    /// that do. `stories`, `articles` and `marks` are counters, one per ordinal of the segment, all zero;
    /// they are left all zero again.
    pub(crate) fn count(
        &mut self,
        stories: &mut [u32],
        articles: &mut [u32],
        marks: &mut [u32],
    ) -> StoryCounts {
        sort_by_story(&mut self.keys, &mut self.scratch);
        self.stories.clear();
        let mut touched: Vec<u32> = Vec::new();
        for (group, members) in self.keys.chunk_by(|a, b| a >> 32 == b >> 32).enumerate() {
            self.stories.push((members[0] >> 32) as u32);
            // The story's number among those held, from 1: an ordinal marked with it was counted
            // for the story already.
            let mark = group as u32 + 1;
            for &key in members {
                let i = (key & 0xffff_ffff) as usize;
                for &ord in &self.ords[self.starts[i] as usize..self.starts[i + 1] as usize] {
                    let at = ord as usize;
                    let (Some(s), Some(a), Some(m)) =
                        (stories.get_mut(at), articles.get_mut(at), marks.get_mut(at))
                    else {
                        continue;
                    };
                    if *a == 0 {
                        touched.push(ord);
                    }
                    *a += 1;
                    if *m != mark {
                        *m = mark;
                        *s += 1;
                    }
                }
            }
        }
        // Many ordinals touched: found in order by a scan of the counters, a block at a time,
        // rather than by sorting them (the sort was 6 % of one-word queries' faceted search at 1M).
        if touched.len() > articles.len() / 32 {
            let mut found = Vec::new();
            nonzero(articles, false, &mut found);
            touched.clear();
            touched.extend(found.iter().map(|&(ord, _)| ord as u32));
        } else {
            touched.sort_unstable();
        }
        touched
            .into_iter()
            .map(|ord| {
                let at = ord as usize;
                marks[at] = 0;
                (
                    u64::from(ord),
                    u64::from(std::mem::take(&mut stories[at])),
                    u64::from(std::mem::take(&mut articles[at])),
                )
            })
            .collect()
    }

    /// The distinct stories held, ascending, once [`SharedMatches::count`] has run.
    pub(crate) fn stories(&self) -> &[u32] {
        &self.stories
    }

    /// Appends the distinct ordinals of the matches of `story` held (none if it has none), ascending,
    /// to `out`; once [`SharedMatches::count`] has run.
    pub(crate) fn ordinals_of(&self, story: u32, out: &mut Vec<u64>) {
        let first = self.keys.partition_point(|&k| k >> 32 < u64::from(story));
        let mut ords: Vec<u64> = self.keys[first..]
            .iter()
            .take_while(|&&k| k >> 32 == u64::from(story))
            .flat_map(|&key| self.ords_of(key).iter().map(|&o| u64::from(o)))
            .collect();
        ords.sort_unstable();
        ords.dedup();
        out.extend(ords);
    }

    fn ords_of(&self, key: u64) -> &[u32] {
        let i = (key & 0xffff_ffff) as usize;
        &self.ords[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

/// The index and value of each nonzero counter of `counts`, in index order, appended to `out`; with
/// `clear`, the counters are left zero. Runs of zero counters are skipped a block at a time (testing
/// a whole block compiles to a few vector instructions), and within a block every counter is written
/// to `out` and kept by advancing past it only when nonzero: a branch on each counter mispredicted
/// about once per nonzero one, and a query's counters are nonzero at no pattern.
pub(crate) fn nonzero(counts: &mut [u32], clear: bool, out: &mut Vec<(u64, u64)>) {
    const BLOCK: usize = 32;
    let mut kept = out.len();
    for (block, run) in counts.chunks_mut(BLOCK).enumerate() {
        if run.iter().fold(0, |any, &count| any | count) == 0 {
            continue;
        }
        out.resize(kept + run.len(), (0, 0));
        let at = (block * BLOCK) as u64;
        for (k, count) in (at..).zip(run.iter_mut()) {
            out[kept] = (k, u64::from(*count));
            kept += usize::from(*count != 0);
            if clear {
                *count = 0;
            }
        }
    }
    out.truncate(kept);
}

/// Sorts `keys` (`story << 32 | i`, pushed in the order of `i`) as `sort_unstable` would: a
/// radix sort of their stories, 11 bits a pass, which keeps each story's matches in the order of `i`.
/// A comparison sort of a one-word query's shared matches at 1M was half of their counting
/// (DESIGN.md 2.16). `scratch` is room for it (any contents).
fn sort_by_story(keys: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    const BITS: u32 = 11;
    const DIGITS: usize = 1 << BITS;
    if keys.len() < 256 {
        keys.sort_unstable();
        return;
    }
    let highest = keys.iter().map(|&k| k >> 32).max().unwrap_or(0);
    let passes = (64 - highest.leading_zeros()).div_ceil(BITS);
    scratch.clear();
    scratch.resize(keys.len(), 0);
    let mut counts = vec![0usize; DIGITS];
    for pass in 0..passes {
        let shift = 32 + pass * BITS;
        let digit = |key: u64| (key >> shift) as usize & (DIGITS - 1);
        counts.fill(0);
        for &key in keys.iter() {
            counts[digit(key)] += 1;
        }
        let mut at = 0;
        for count in counts.iter_mut() {
            let n = *count;
            *count = at;
            at += n;
        }
        for &key in keys.iter() {
            let slot = &mut counts[digit(key)];
            scratch[*slot] = key;
            *slot += 1;
        }
        std::mem::swap(keys, scratch);
    }
}

/// The values found in two or more of `lists` (each ascending and distinct), ascending.
pub(crate) fn in_several(lists: &[&[u32]]) -> Vec<u32> {
    let mut out = Vec::new();
    if lists.iter().filter(|l| !l.is_empty()).count() < 2 {
        return out;
    }
    let mut heads: BinaryHeap<Reverse<(u32, usize, usize)>> = lists
        .iter()
        .enumerate()
        .filter_map(|(l, list)| list.first().map(|&v| Reverse((v, l, 0))))
        .collect();
    let mut last: Option<(u32, usize)> = None;
    while let Some(Reverse((value, l, i))) = heads.pop() {
        match &mut last {
            Some((v, seen)) if *v == value => *seen += 1,
            _ => {
                if let Some((v, seen)) = last {
                    if seen >= 2 {
                        out.push(v);
                    }
                }
                last = Some((value, 1));
            }
        }
        if let Some(&next) = lists[l].get(i + 1) {
            heads.push(Reverse((next, l, i + 1)));
        }
    }
    if let Some((v, seen)) = last {
        if seen >= 2 {
            out.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nonzero counters on either side of a block's edges, in a last block that is not whole, and
    /// none at all.
    #[test]
    fn nonzero_finds_every_nonzero_counter_in_order() {
        let mut counts = vec![0u32; 100];
        for (at, count) in [(0, 1), (31, 2), (32, 3), (63, 4), (64, 5), (99, 6)] {
            counts[at] = count;
        }
        let found = |counts: &mut [u32], clear: bool| {
            let mut found = vec![(7, 7)];
            nonzero(counts, clear, &mut found);
            found
        };
        let expected = [(7, 7), (0, 1), (31, 2), (32, 3), (63, 4), (64, 5), (99, 6)];
        assert_eq!(found(&mut counts, false), expected);
        assert_eq!(found(&mut counts, true), expected);
        assert_eq!(counts, vec![0; 100]);
        assert_eq!(found(&mut [0; 70], true), [(7, 7)]);
        assert_eq!(found(&mut [], true), [(7, 7)]);
    }

    #[test]
    fn keys_sort_by_story_as_a_comparison_sort_does() {
        let mut scratch = vec![7; 3];
        for (n, stories) in [
            (10, 5u64),
            (300, 3),
            (5000, 1 << 20),
            (5000, u64::from(u32::MAX)),
        ] {
            // A fixed pseudo-random sequence of stories (a linear congruential generator).
            let mut state = n as u64;
            let mut keys: Vec<u64> = (0..n as u64)
                .map(|i| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((state >> 32) % (stories + 1)) << 32 | i
                })
                .collect();
            let mut expected = keys.clone();
            expected.sort_unstable();
            sort_by_story(&mut keys, &mut scratch);
            assert_eq!(keys, expected, "{n} keys of up to {stories} stories");
        }
        // The highest stories, whose top bits the last pass sorts, among low ones.
        let top = u64::from(u32::MAX);
        let mut keys: Vec<u64> = (0..600u64)
            .map(|i| [top, top - 1, 0, 1 << 31, top][i as usize % 5] << 32 | i)
            .collect();
        let mut expected = keys.clone();
        expected.sort_unstable();
        sort_by_story(&mut keys, &mut scratch);
        assert_eq!(keys, expected, "the highest stories");
    }

    #[test]
    fn each_ordinal_counts_once_per_story_and_once_per_match() {
        // Counters for ten ordinals, most of them touched (found by a scan), and for a thousand,
        // few of them touched (found by sorting those touched).
        for facets in [10, 1000] {
            let mut shared = SharedMatches::default();
            // Story 7: two matches carrying ordinal 3, one of them 5 too; story 2: one match,
            // with 9 and 3 (out of order: the count must not care).
            shared.push(7, &[3, 5u64]);
            shared.push(2, &[9, 3u64]);
            shared.push(7, &[3u64]);
            let (mut stories, mut articles, mut marks) =
                (vec![0; facets], vec![0; facets], vec![0; facets]);
            let counts = shared.count(&mut stories, &mut articles, &mut marks);
            assert_eq!(counts, vec![(3, 2, 3), (5, 1, 1), (9, 1, 1)], "{facets}");
            assert!(stories
                .iter()
                .chain(&articles)
                .chain(&marks)
                .all(|&c| c == 0));
        }
        let mut shared = SharedMatches::default();
        shared.push(7, &[3, 5u64]);
        shared.push(2, &[3u64]);
        shared.push(7, &[3u64]);
        shared.push(2, &[9u64]);
        let (mut stories, mut articles, mut marks) = (vec![0; 10], vec![0; 10], vec![0; 10]);
        // Story 2 now has two matches, one with 3: ordinal 3 is in both stories, in three matches.
        assert_eq!(
            shared.count(&mut stories, &mut articles, &mut marks),
            vec![(3, 2, 3), (5, 1, 1), (9, 1, 1)]
        );
        assert_eq!(shared.stories(), &[2, 7]);
        let mut out = vec![100];
        shared.ordinals_of(7, &mut out);
        assert_eq!(out, vec![100, 3, 5]);
        out.clear();
        shared.ordinals_of(4, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn ordinals_past_the_counters_are_not_counted() {
        let mut shared = SharedMatches::default();
        shared.push(1, &[0, 12, 1u64 << 40]);
        let (mut stories, mut articles, mut marks) = (vec![0; 4], vec![0; 4], vec![0; 4]);
        assert_eq!(
            shared.count(&mut stories, &mut articles, &mut marks),
            vec![(0, 1, 1)]
        );
    }

    #[test]
    fn values_in_two_or_more_lists() {
        assert_eq!(
            in_several(&[&[1, 4, 9], &[2, 4, 8], &[], &[8, 9, 10]]),
            vec![4, 8, 9]
        );
        assert_eq!(in_several(&[&[1, 2, 3]]), Vec::<u32>::new());
        assert_eq!(in_several(&[&[5], &[5], &[5]]), vec![5]);
    }
}
