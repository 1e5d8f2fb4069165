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
//! index are dropped and read again when needed, and a day (or an undated pool) larger than the
//! budget is held in part. A probe looks at most 64 leaders per bucket.

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::query::{Query, RangeQuery};
use tantivy::{DateTime, Searcher, Term};

use crate::fingerprint::{HeldSignature, Probe, Signature, StoryRule};
use crate::store::columns::{
    id_key, leader_id_key, story_key, SegmentSignatures, SegmentStoryColumn,
};
use crate::store::Fields;
use crate::Result;

const DAY: i64 = 86_400;
/// The day key of undated articles.
const UNDATED: i64 = i64::MIN;
/// Marks the end of a bucket's chain.
const END: u32 = u32::MAX;
/// Probes of a day after which its leaders get locality-sensitive keys. Until then a probe compares
/// the new article with each of the day's leaders (most are rejected from their count of agreeing
/// MinHash values, a few ns each); keying a leader costs about as much as 30 such comparisons, so a
/// day that few new articles fall near (a batch spread over years) is never keyed, and a day of a
/// bulk load (thousands of articles) is keyed at once.
const KEY_AFTER: u32 = 32;
/// Leaders looked at per bucket, the latest first. A bucket that long is text many leaders share
/// (a template, a stock phrase), not a story; a pair missed there is still found through any other
/// band it agrees on. Keeps a probe's work bounded however alike the articles are.
const CHAIN: usize = 64;
/// The latest articles whose windows say how far a load in date order has moved on: at a commit,
/// the held leaders of the days before all of their windows are dropped (read again should a later
/// article need them).
const RECENT: usize = 512;
/// Bytes a leader's packed facts take ([`crate::fingerprint::Facts::to_packed`]), in the count of
/// leaders a budget holds: 107.5 on average over Reuters' 19,779 articles (64 / 100 / 163 at the
/// 10th / 50th / 90th percentile), with the allocator's rounding about 120.
const PACKED_FACTS: usize = 120;

/// A leader that new articles may join.
struct Leader {
    story: u64,
    /// Held compactly: most leaders are only ever compared by their MinHash (DESIGN.md 1.5).
    signature: HeldSignature,
    /// Written since the last commit: the index cannot give it back, so it is never dropped.
    pending: bool,
}

/// The leaders held of one publication day.
#[derive(Default)]
struct Day {
    leaders: Vec<u32>,
    /// New articles compared with this day so far.
    probes: u32,
    /// Whether its leaders are in the buckets.
    keyed: bool,
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
    /// Held leaders by publication day ([`UNDATED`] for undated ones).
    days: FxHashMap<i64, Day>,
    /// Per band, the band's two MinHash values (the low 32 bits of a [`Probe`] key) -> the last
    /// keyed leader with them; `next` chains the others. One map per band holds 8-byte entries
    /// where a single map of whole keys held 16: on Reuters the buckets were the largest part of
    /// what the leaders of a commit hold, and growing one map of 600,000 keys held its old and new
    /// tables at once (DESIGN.md 1.5, 2.9).
    buckets: Vec<FxHashMap<u32, u32>>,
    next: Vec<u32>,
    /// Days whose committed leaders were read from the index.
    read_days: FxHashSet<i64>,
    /// The ids ([`id_key`]) of leaders replaced since the last commit, with the first leader index
    /// that is still valid for them: the committed old version is no candidate any more.
    gone: FxHashMap<u64, u32>,
    /// The most leaders held before those read from the index are dropped.
    budget: usize,
    /// Held leaders written since the last commit (never dropped).
    pending: usize,
    /// The first day of the window of each of the latest [`RECENT`] dated articles (a ring).
    recent: Vec<i64>,
    /// Where the next one goes in `recent`.
    recent_at: usize,
    /// Reads from the index so far.
    #[cfg(test)]
    reads: usize,
}

fn day_of(published: Option<i64>) -> i64 {
    published.map_or(UNDATED, |t| t.div_euclid(DAY))
}

impl StoryAssigner {
    /// An assigner for the default rule holding at most about `budget_bytes` of leaders.
    pub(crate) fn new(budget_bytes: usize) -> StoryAssigner {
        let rule = StoryRule::default();
        let probe = Probe::new(rule.max_distance);
        let per_leader = std::mem::size_of::<Leader>() + PACKED_FACTS + probe.len() * 24;
        StoryAssigner {
            rule,
            probe,
            leaders: Vec::new(),
            days: FxHashMap::default(),
            buckets: vec![FxHashMap::default(); probe.len()],
            next: Vec::new(),
            read_days: FxHashSet::default(),
            gone: FxHashMap::default(),
            budget: (budget_bytes / per_leader).max(1024),
            pending: 0,
            recent: Vec::with_capacity(RECENT),
            recent_at: 0,
            #[cfg(test)]
            reads: 0,
        }
    }

    /// The days an article published at `published` may share a story with.
    fn window(&self, published: Option<i64>) -> Vec<i64> {
        match (published, self.rule.within_days) {
            (None, _) => vec![UNDATED],
            (Some(t), Some(days)) => {
                let day = t.div_euclid(DAY);
                let days = i64::from(days);
                (day - days..=day + days).collect()
            }
            // Unbounded in time (not the default rule): every day held.
            (Some(_), None) => self
                .days
                .keys()
                .copied()
                .filter(|&d| d != UNDATED)
                .collect(),
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
        if let (Some(t), Some(days)) = (signature.published, self.rule.within_days) {
            let first = t.div_euclid(DAY) - i64::from(days);
            if self.recent.len() < RECENT {
                self.recent.push(first);
            } else {
                self.recent[self.recent_at] = first;
            }
            self.recent_at = (self.recent_at + 1) % RECENT;
        }
        let mut best: Option<(u32, usize)> = None;
        let consider = |this: &StoryAssigner, i: usize, best: &mut Option<(u32, usize)>| {
            let leader = &this.leaders[i];
            let leader_id = leader_id_key(leader.story, leader.signature.simhash.0);
            if leader_id == own || !this.valid(leader_id, i) {
                return;
            }
            if let Some(d) = this.rule.accepts_held(&leader.signature, signature) {
                if best.is_none_or(|b| (d, i) < b) {
                    *best = Some((d, i));
                }
            }
        };
        let mut to_key = Vec::new();
        for day in self.window(signature.published) {
            let Some(held) = self.days.get_mut(&day) else {
                continue;
            };
            if held.keyed {
                continue;
            }
            held.probes += 1;
            if held.probes >= KEY_AFTER {
                to_key.push(day);
            }
            let held = &self.days[&day];
            for &i in &held.leaders {
                consider(self, i as usize, &mut best);
            }
        }
        for day in to_key {
            self.key_day(day);
        }
        let bands = self.probe.len();
        for key in self.probe.keys(signature) {
            let band = (key >> 32) as usize;
            let mut at = self
                .buckets
                .get(band)
                .and_then(|bucket| bucket.get(&(key as u32)))
                .copied()
                .unwrap_or(END);
            let mut walked = 0;
            while at != END && walked < CHAIN {
                let i = at as usize;
                at = self.next[i * bands + band];
                consider(self, i, &mut best);
                walked += 1;
            }
        }
        Ok(match best {
            Some((_, i)) => Assigned {
                story: self.leaders[i].story,
                leader: false,
            },
            None => {
                let story = story_key(id, signature.simhash.0);
                self.hold(story, HeldSignature::new(signature), true);
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
        self.pending = 0;
        if !self.gone.is_empty() {
            self.gone.clear();
            self.drop_read();
        } else if let Some(&floor) = self.recent.iter().min() {
            self.drop_before(floor);
        }
    }

    /// Drops the held leaders published before day `floor` (the undated ones stay): a load in date
    /// order has moved past them. Their days are no longer marked read, so an article that needs
    /// one later reads it from the index again. Leaders read from the index, or written since the
    /// last commit, are otherwise held until the budget drops them all; on Reuters, whose articles
    /// come in date order, those of the days long passed were about 4,900 of the 9,800 held at the
    /// peak (DESIGN.md 1.5).
    fn drop_before(&mut self, floor: i64) {
        let before = |day: i64| day != UNDATED && day < floor;
        self.read_days.retain(|&day| !before(day));
        if !self.days.keys().any(|&day| before(day)) {
            return;
        }
        let days = self.hold_only(|_, leader| !before(day_of(leader.signature.published)));
        // The kept days as they were: probed as often, keyed if they were (their leaders keyed in
        // the order they are held).
        for (day, old) in &days {
            if let Some(held) = self.days.get_mut(day) {
                held.probes = old.probes;
                held.keyed = old.keyed;
            }
        }
        for i in 0..self.leaders.len() {
            if self.days[&day_of(self.leaders[i].signature.published)].keyed {
                self.key_leader(i as u32);
            }
        }
    }

    fn hold(&mut self, story: u64, signature: HeldSignature, pending: bool) {
        let i = self.leaders.len() as u32;
        let day = day_of(signature.published);
        self.next.resize(self.next.len() + self.probe.len(), END);
        self.leaders.push(Leader {
            story,
            signature,
            pending,
        });
        self.pending += usize::from(pending);
        let held = self.days.entry(day).or_default();
        held.leaders.push(i);
        if held.keyed {
            self.key_leader(i);
        }
    }

    /// Puts the leaders of `day` in the buckets.
    fn key_day(&mut self, day: i64) {
        let Some(held) = self.days.get_mut(&day) else {
            return;
        };
        held.keyed = true;
        let leaders = held.leaders.clone();
        for i in leaders {
            self.key_leader(i);
        }
    }

    fn key_leader(&mut self, i: u32) {
        let bands = self.probe.len();
        let keys: Vec<u64> = self
            .probe
            .keys_of(&self.leaders[i as usize].signature.minhash)
            .collect();
        for key in keys {
            let band = (key >> 32) as usize;
            let Some(bucket) = self.buckets.get_mut(band) else {
                continue;
            };
            let previous = bucket.insert(key as u32, i).unwrap_or(END);
            self.next[i as usize * bands + band] = previous;
        }
    }

    /// Holds the committed leaders that an article published at `published` may join, unless read.
    fn load(&mut self, searcher: &Searcher, fields: &Fields, published: Option<i64>) -> Result<()> {
        if self.to_read(published).is_none() {
            return Ok(());
        }
        // Room for the window before it is read: past half the budget, what was read goes (the
        // whole window is then missing, and read again). Only what was read counts: the leaders
        // written since the last commit stay whatever their number, and dropping the others
        // because of them would read every window again for every article.
        if self.leaders.len() - self.pending > self.budget / 2 && published.is_some() {
            self.drop_read();
        }
        let Some((days, mark)) = self.to_read(published) else {
            return Ok(());
        };
        // The undated pool has no window to move: it is read once, up to the budget.
        self.read(searcher, fields, days)?;
        self.read_days.extend(mark);
        Ok(())
    }

    /// The days to read from the index for an article published at `published` (`None` for the
    /// undated pool), with the marks that say they were read; `None` when all were.
    #[allow(clippy::type_complexity)]
    fn to_read(&self, published: Option<i64>) -> Option<(Option<(i64, i64)>, Vec<i64>)> {
        /// Marks, among the days read, that every dated day was (for a rule without a time bound).
        const ALL_DATED: i64 = i64::MIN + 1;
        let (days, mark): (Option<(i64, i64)>, Vec<i64>) = match (published, self.rule.within_days)
        {
            (None, _) => (None, vec![UNDATED]),
            (Some(_), None) => (Some((-(1 << 30), 1 << 30)), vec![ALL_DATED]),
            (Some(_), Some(_)) => {
                let missing: Vec<i64> = self
                    .window(published)
                    .into_iter()
                    .filter(|d| !self.read_days.contains(d))
                    .collect();
                match (missing.first(), missing.last()) {
                    (Some(&first), Some(&last)) => (Some((first, last)), (first..=last).collect()),
                    _ => return None,
                }
            }
        };
        if mark.iter().all(|d| self.read_days.contains(d)) {
            return None;
        }
        Some((days, mark))
    }

    /// Holds again, in their order, only the leaders that `keep` (given each leader's place)
    /// accepts, their days unkeyed; gives back the days as they were.
    fn hold_only(&mut self, keep: impl Fn(usize, &Leader) -> bool) -> FxHashMap<i64, Day> {
        let days = std::mem::take(&mut self.days);
        let leaders = std::mem::take(&mut self.leaders);
        self.buckets.iter_mut().for_each(FxHashMap::clear);
        self.next.clear();
        self.pending = 0;
        for (i, leader) in leaders.into_iter().enumerate() {
            if keep(i, &leader) {
                self.hold(leader.story, leader.signature, leader.pending);
            }
        }
        days
    }

    /// Drops the leaders read from the index, keeping those written since the last commit.
    fn drop_read(&mut self) {
        let gone = std::mem::take(&mut self.gone);
        self.read_days.clear();
        self.hold_only(|i, leader| {
            let leader_id = leader_id_key(leader.story, leader.signature.simhash.0);
            let valid = gone
                .get(&leader_id)
                .is_none_or(|&first| i >= first as usize);
            leader.pending && valid
        });
        // Leaders replaced before this commit stay replaced: their old versions are still in the
        // committed index.
        for leader_id in gone.into_keys() {
            self.gone.insert(leader_id, 0);
        }
    }

    /// Holds the committed leaders published on the days `first..=last` (or the undated ones, for
    /// `None`), skipping days already read.
    fn read(
        &mut self,
        searcher: &Searcher,
        fields: &Fields,
        days: Option<(i64, i64)>,
    ) -> Result<()> {
        let wanted = |published: Option<i64>| {
            let day = day_of(published);
            match days {
                Some((first, last)) => {
                    published.is_some()
                        && (first..=last).contains(&day)
                        && !self.read_days.contains(&day)
                }
                None => published.is_none(),
            }
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
        #[cfg(test)]
        {
            self.reads += 1;
        }
        // Past the budget the rest is not held: an article is then compared with part of the
        // leaders of a day (or of the undated pool) that is larger than the budget. So the reading
        // stops there, before those leaders' signatures are read and packed.
        let room = self.budget.saturating_sub(self.leaders.len());
        let mut found: Vec<(u64, HeldSignature)> = Vec::new();
        for segment in searcher.segment_readers() {
            if found.len() >= room {
                break;
            }
            let signatures = SegmentSignatures::open(segment)?;
            let stories = SegmentStoryColumn::open(segment)?;
            let mut take = |doc: tantivy::DocId| {
                if found.len() >= room || segment.is_deleted(doc) {
                    return;
                }
                let Some((story, true)) = stories.get(doc) else {
                    return;
                };
                let signature = signatures.get(doc);
                let leader_id = leader_id_key(story, signature.simhash.0);
                if wanted(signature.published) && !self.gone.contains_key(&leader_id) {
                    found.push((story, HeldSignature::new(&signature)));
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
        for (story, signature) in found {
            self.hold(story, signature, false);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::tests::{each_live_article, enricher, new_store};

    #[test]
    fn leaders_written_since_the_commit_never_make_every_window_be_read_again() {
        let (_dir, store) = new_store();
        let searcher = store.reader().expect("reader").searcher();
        // The smallest budget (1,024 leaders), and three times as many new stories, unwritten.
        let mut stories = StoryAssigner::new(0);
        let day0 = 10_000 * DAY;
        for i in 0..3_000i64 {
            let mut signature = Signature::of(
                None,
                &format!(
                    "Report number {i} on harvest {} in province {}",
                    i * 7,
                    i % 13
                ),
            );
            signature.published = Some(day0 + (i % 5) * DAY);
            let id = format!("a{i}");
            let assigned = stories
                .assign(&searcher, store.fields(), &id, &signature)
                .expect("assign");
            assert!(assigned.leader, "{i}: every text differs");
        }
        // Five days, one window: read once, not once per article past the budget.
        assert!(stories.reads <= 5, "{} reads", stories.reads);
    }

    /// An article of the tests below: only its id, body and time matter here.
    fn article(id: &str, body: String, at: i64) -> crate::ingest::Article {
        crate::ingest::Article {
            id: id.to_string(),
            title: None,
            body,
            author: None,
            source: None,
            url: None,
            published: time::OffsetDateTime::from_unix_timestamp(at).ok(),
            origin: format!("test:{id}"),
            warnings: Vec::new(),
        }
    }

    /// Enriches `records` and writes them, in order.
    fn upsert_all(
        writer: &mut crate::writer::Writer,
        enricher: &crate::enrich::Enricher,
        records: Vec<Result<crate::ingest::Article>>,
    ) {
        for record in enricher.enrich_records(records) {
            let (article, extra) = record.expect("enriched");
            writer.upsert(&article, extra).expect("upsert");
        }
    }

    /// The `i`-th of many texts that are all different stories.
    fn report(i: i64) -> String {
        format!(
            "Report number {i} on harvest {} in province {} of region {}",
            i * 7,
            i % 13,
            i / 13
        )
    }

    /// A load in date order drops, at a commit, the leaders of the days it has moved past; an
    /// article of such a day that comes later still joins their stories (the day is read again).
    #[test]
    fn days_a_load_has_passed_are_dropped_and_read_again_when_needed() {
        let (_dir, store) = new_store();
        let enricher = enricher();
        let day0 = 10_000 * DAY;
        // A budget that holds every leader of the run: only the load's moving on drops any.
        let options = crate::writer::WriterOptions {
            heap_bytes: 64 << 20,
            threads: 1,
            commit_every: 100,
            ..Default::default()
        };
        let story = "The harvest in the northern province fell by a third this year after the \
            long drought, the farm ministry said on Tuesday, and grain imports will rise to \
            record levels before the spring as mills run short of wheat.";
        let mut writer = crate::writer::Writer::new(&store, &options).expect("writer");
        let mut records = vec![Ok(article("first", story.to_string(), day0))];
        // Then a load in date order, ten to twenty days later: more than `RECENT` articles.
        records.extend((0..700i64).map(|i| {
            Ok(article(
                &format!("a{i}"),
                report(i),
                day0 + (10 + i / 70) * DAY,
            ))
        }));
        upsert_all(&mut writer, enricher, records);
        // The commits after the load moved on dropped day 0 and its leader.
        assert!(
            !writer.stories.days.contains_key(&10_000),
            "day 0 still held"
        );
        assert!(!writer.stories.read_days.contains(&10_000));
        let late = format!("{story} Officials gave no figure.");
        upsert_all(
            &mut writer,
            enricher,
            vec![Ok(article("late", late, day0 + DAY))],
        );
        writer.finish().expect("finish");
        let mut by_id = std::collections::HashMap::new();
        each_live_article(&store, |segment, doc, id| {
            let column = SegmentStoryColumn::open(segment).expect("stories");
            by_id.insert(id, column.get(doc).expect("story"));
        });
        assert_eq!(by_id.len(), 702);
        let (first, leads) = by_id["first"];
        assert!(leads);
        assert_eq!(
            by_id["late"],
            (first, false),
            "the late copy joins the first"
        );
    }

    /// A day holding more committed leaders than the budget is read up to the budget: exactly the
    /// first leaders in the index's order, and the reading stops there.
    #[test]
    fn a_day_larger_than_the_budget_is_held_in_part() {
        let (_dir, store) = new_store();
        let enricher = enricher();
        let day0 = 10_000 * DAY;
        let options = crate::writer::WriterOptions {
            heap_bytes: crate::writer::MIN_HEAP_BYTES,
            threads: 1,
            ..Default::default()
        };
        let mut writer = crate::writer::Writer::new(&store, &options).expect("writer");
        let records = (0..1_100i64)
            .map(|i| Ok(article(&format!("a{i}"), report(i), day0 + i)))
            .collect();
        upsert_all(&mut writer, enricher, records);
        writer.finish().expect("finish");
        let searcher = store.reader().expect("reader").searcher();
        // The committed leaders of the day, in the index's order.
        let mut in_order = Vec::new();
        for segment in searcher.segment_readers() {
            let column = SegmentStoryColumn::open(segment).expect("stories");
            for doc in 0..segment.max_doc() {
                if let Some((story, true)) = column.get(doc) {
                    in_order.push(story);
                }
            }
        }
        let mut stories = StoryAssigner::new(0);
        assert!(
            in_order.len() > stories.budget,
            "{} leaders",
            in_order.len()
        );
        stories
            .load(&searcher, store.fields(), Some(day0))
            .expect("load");
        let held: Vec<u64> = stories.leaders.iter().map(|l| l.story).collect();
        assert_eq!(held, in_order[..stories.budget]);
    }
}
