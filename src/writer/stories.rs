//! Keeping the story column up to date as articles arrive: each new article is compared with the
//! leaders of the stories published near its date (found through locality-sensitive keys), joins
//! the nearest that the default [`StoryRule`] accepts, or leads a story of its own. Nothing already
//! written is regrouped, so adding N articles costs in proportion to N (and to the leaders of the
//! days they fall in, which are read from the index once per writer).
//!
//! Leaders are read from the committed index by publication day, only the days within the rule's
//! time bound of a new article; undated articles are compared with the undated leaders (read once,
//! when the first undated article comes). A leader replaced by a new version of its article stops
//! being a candidate at once. What is held is bounded: past the budget, the leaders read from the
//! index are dropped and read again when needed.

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::query::{Query, RangeQuery};
use tantivy::{DateTime, Searcher, Term};

use crate::fingerprint::{Probe, Signature, StoryRule};
use crate::store::columns::{
    id_key, leader_id_key, story_key, SegmentSignatures, SegmentStoryColumn,
};
use crate::store::Fields;
use crate::Result;

const DAY: i64 = 86_400;
/// Marks the end of a bucket's chain.
const END: u32 = u32::MAX;

/// A leader that new articles may join.
struct Leader {
    story: u64,
    signature: Signature,
    /// Written since the last commit: the index cannot give it back, so it is never dropped.
    pending: bool,
}

/// The story of a new article, as the story column stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Assigned {
    /// The story's key.
    pub(crate) story: u64,
    /// Whether the article leads it (a story of its own, so far).
    pub(crate) leader: bool,
}

/// Assigns each new article its story (see the module docs).
pub(crate) struct StoryAssigner {
    rule: StoryRule,
    probe: Probe,
    leaders: Vec<Leader>,
    /// Bucket key -> the last leader with it; `next` chains the others, per band.
    buckets: FxHashMap<u64, u32>,
    next: Vec<u32>,
    /// Publication days whose committed leaders are held.
    days: FxHashSet<i64>,
    /// Whether the committed undated leaders are held.
    undated: bool,
    /// Whether every committed dated leader is held (for a rule without a time bound).
    all_dated: bool,
    /// The ids ([`id_key`]) of leaders replaced since the last commit, with the first leader index
    /// that is still valid for them: the committed old version is no candidate any more.
    gone: FxHashMap<u64, u32>,
    /// The most leaders held before those read from the index are dropped.
    budget: usize,
}

impl StoryAssigner {
    /// An assigner for the default rule holding at most about `budget_bytes` of leaders.
    pub(crate) fn new(budget_bytes: usize) -> StoryAssigner {
        let rule = StoryRule::default();
        let probe = Probe::new(rule.max_distance);
        let per_leader = std::mem::size_of::<Leader>() + probe.len() * 24;
        StoryAssigner {
            rule,
            probe,
            leaders: Vec::new(),
            buckets: FxHashMap::default(),
            next: Vec::new(),
            days: FxHashSet::default(),
            undated: false,
            all_dated: false,
            gone: FxHashMap::default(),
            budget: (budget_bytes / per_leader).max(1024),
        }
    }

    /// The story of a new article with id `id` and signature `signature` (its `published` set),
    /// given the committed index `searcher`: the nearest leader the rule accepts (the earliest
    /// held among equals), else a story of its own, which later articles may then join.
    pub(crate) fn assign(
        &mut self,
        searcher: &Searcher,
        fields: &Fields,
        id: &str,
        signature: &Signature,
    ) -> Result<Assigned> {
        let own = id_key(id);
        self.load(searcher, fields, signature.published)?;
        let bands = self.probe.len();
        let mut best: Option<(u32, usize)> = None;
        for key in self.probe.keys(signature) {
            let band = (key >> 32) as usize;
            let mut at = self.buckets.get(&key).copied().unwrap_or(END);
            while at != END {
                let i = at as usize;
                at = self.next[i * bands + band];
                let leader = &self.leaders[i];
                let leader_id = leader_id_key(leader.story, leader.signature.simhash.0);
                if leader_id == own || !self.valid(leader_id, i) {
                    continue;
                }
                if let Some(d) = self.rule.accepts(&leader.signature, signature) {
                    if best.is_none_or(|b| (d, i) < b) {
                        best = Some((d, i));
                    }
                }
            }
        }
        Ok(match best {
            Some((_, i)) => Assigned {
                story: self.leaders[i].story,
                leader: false,
            },
            None => {
                let story = story_key(id, signature.simhash.0);
                self.hold(story, signature.clone(), true);
                Assigned {
                    story,
                    leader: true,
                }
            }
        })
    }

    /// Whether the leader held at `i`, with id key `leader_id`, still leads (not replaced since).
    fn valid(&self, leader_id: u64, i: usize) -> bool {
        self.gone
            .get(&leader_id)
            .is_none_or(|&first| i >= first as usize)
    }

    /// The article with id `id` is being replaced: if it led a story, its old version is no
    /// candidate any more. The new version is assigned afresh; unchanged, it leads the same story
    /// when no other takes it.
    pub(crate) fn replaced(&mut self, id: &str) {
        self.gone.insert(id_key(id), self.leaders.len() as u32);
    }

    /// Everything written so far is committed, replaced articles are gone from the index: the
    /// leaders written become droppable, and after replacements everything read is read again.
    pub(crate) fn committed(&mut self) {
        for leader in &mut self.leaders {
            leader.pending = false;
        }
        if !self.gone.is_empty() {
            self.gone.clear();
            self.drop_read();
        }
    }

    fn hold(&mut self, story: u64, signature: Signature, pending: bool) {
        let i = self.leaders.len() as u32;
        let bands = self.probe.len();
        self.next.resize(self.next.len() + bands, END);
        for key in self.probe.keys(&signature) {
            let band = (key >> 32) as usize;
            let previous = self.buckets.insert(key, i).unwrap_or(END);
            self.next[i as usize * bands + band] = previous;
        }
        self.leaders.push(Leader {
            story,
            signature,
            pending,
        });
    }

    /// Holds the committed leaders that an article published at `published` may join, unless held.
    fn load(&mut self, searcher: &Searcher, fields: &Fields, published: Option<i64>) -> Result<()> {
        match (published, self.rule.within_days) {
            (None, _) => {
                if !self.undated {
                    self.read(searcher, fields, None)?;
                    self.undated = true;
                }
            }
            (Some(_), None) => {
                if !self.all_dated {
                    self.read(searcher, fields, Some((i64::MIN / 2, i64::MAX / 2)))?;
                    self.all_dated = true;
                }
            }
            (Some(t), Some(days)) => {
                let day = t.div_euclid(DAY);
                let days = i64::from(days);
                let missing: Vec<i64> = (day - days..=day + days)
                    .filter(|d| !self.days.contains(d))
                    .collect();
                if let (Some(&first), Some(&last)) = (missing.first(), missing.last()) {
                    if self.leaders.len() > self.budget {
                        self.drop_read();
                    }
                    self.read(searcher, fields, Some((first, last)))?;
                    self.days.extend(first..=last);
                }
            }
        }
        Ok(())
    }

    /// Drops the leaders read from the index, keeping those written since the last commit.
    fn drop_read(&mut self) {
        let leaders = std::mem::take(&mut self.leaders);
        let gone = std::mem::take(&mut self.gone);
        self.buckets.clear();
        self.next.clear();
        self.days.clear();
        self.undated = false;
        self.all_dated = false;
        for (i, leader) in leaders.into_iter().enumerate() {
            let leader_id = leader_id_key(leader.story, leader.signature.simhash.0);
            let valid = gone
                .get(&leader_id)
                .is_none_or(|&first| i >= first as usize);
            if leader.pending && valid {
                self.hold(leader.story, leader.signature, true);
            }
        }
        // Leaders replaced before this commit stay replaced: their old versions are still in the
        // committed index.
        for leader_id in gone.into_keys() {
            self.gone.insert(leader_id, 0);
        }
    }

    /// Holds the committed leaders published on the days `first..=last` (or the undated ones, for
    /// `None`), skipping days already held.
    fn read(
        &mut self,
        searcher: &Searcher,
        fields: &Fields,
        days: Option<(i64, i64)>,
    ) -> Result<()> {
        let held = std::mem::take(&mut self.days);
        let wanted = |published: Option<i64>| match (days, published) {
            (Some((first, last)), Some(t)) => {
                let day = t.div_euclid(DAY);
                (first..=last).contains(&day) && !held.contains(&day)
            }
            (None, None) => true,
            _ => false,
        };
        let range = days.map(|(first, last)| {
            let at = |day: i64| {
                let secs = day.saturating_mul(DAY).clamp(-(1 << 40), 1 << 40);
                Term::from_field_date(fields.published, DateTime::from_timestamp_secs(secs))
            };
            RangeQuery::new(
                std::ops::Bound::Included(at(first)),
                std::ops::Bound::Excluded(at(last.saturating_add(1))),
            )
        });
        let weight = match &range {
            Some(query) => Some(query.weight(
                tantivy::query::EnableScoring::disabled_from_searcher(searcher),
            )?),
            None => None,
        };
        let mut found: Vec<(u64, Signature)> = Vec::new();
        for segment in searcher.segment_readers() {
            let signatures = SegmentSignatures::open(segment)?;
            let stories = SegmentStoryColumn::open(segment)?;
            let mut take = |doc: tantivy::DocId| {
                if segment.is_deleted(doc) {
                    return;
                }
                let Some((story, true)) = stories.get(doc) else {
                    return;
                };
                let signature = signatures.get(doc);
                let leader_id = leader_id_key(story, signature.simhash.0);
                if wanted(signature.published) && !self.gone.contains_key(&leader_id) {
                    found.push((story, signature));
                }
            };
            match &weight {
                Some(weight) => weight.for_each_no_score(segment, &mut |docs| {
                    for &doc in docs {
                        take(doc);
                    }
                })?,
                None => (0..segment.max_doc()).for_each(&mut take),
            }
        }
        self.days = held;
        for (story, signature) in found {
            self.hold(story, signature, false);
        }
        Ok(())
    }
}
