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
}

/// The most ordinals (4 bytes each) an emptied [`SharedMatches`] keeps room for: about 60,000 shared
/// matches of a slice at the 17 ordinals per article of the 1M generated corpus.
const MAX_KEPT_ORDINALS: usize = 1 << 20;
/// The most matches it keeps room for (a key of 8 bytes each, and a start of 4).
const MAX_KEPT_KEYS: usize = 1 << 17;

/// Per ordinal of a segment: `(ordinal, stories, articles)`, in ordinal order.
pub(crate) type StoryCounts = Vec<(u64, u64, u64)>;

impl SharedMatches {
    /// Holds a match of `story` that carries the facet ordinals `ords`.
    pub(crate) fn push(&mut self, story: u32, ords: &[u64]) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.keys
            .push(u64::from(story) << 32 | self.keys.len() as u64);
        self.ords
            .extend(ords.iter().filter_map(|&ord| u32::try_from(ord).ok()));
        self.starts.push(self.ords.len() as u32);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// These buffers, emptied, to hold the next query's matches; `None` when a query's many
    /// matches made them larger than is worth keeping (a server keeps a few: 48 MiB at most).
    pub(crate) fn emptied(mut self) -> Option<SharedMatches> {
        if self.ords.capacity() > MAX_KEPT_ORDINALS || self.keys.capacity() > MAX_KEPT_KEYS {
            return None;
        }
        self.keys.clear();
        self.ords.clear();
        self.starts.clear();
        self.stories.clear();
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
        self.keys.sort_unstable();
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
        touched.sort_unstable();
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

    #[test]
    fn each_ordinal_counts_once_per_story_and_once_per_match() {
        let mut shared = SharedMatches::default();
        // Story 7: two matches carrying ordinal 3, one of them 5 too; story 2: one match with 3 and 3
        // again (a column lists an ordinal once per document, but the count must not care).
        shared.push(7, &[3, 5]);
        shared.push(2, &[3]);
        shared.push(7, &[3]);
        shared.push(2, &[9]);
        let (mut stories, mut articles, mut marks) = (vec![0; 10], vec![0; 10], vec![0; 10]);
        let counts = shared.count(&mut stories, &mut articles, &mut marks);
        assert_eq!(counts, vec![(3, 2, 3), (5, 1, 1), (9, 1, 1)]);
        assert!(stories
            .iter()
            .chain(&articles)
            .chain(&marks)
            .all(|&c| c == 0));
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
        shared.push(1, &[0, 12, 1 << 40]);
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
