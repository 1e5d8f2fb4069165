//! Counts over every match beyond entities: the number of stories, matches per date bucket (the
//! histogram) and per source or author. One collector reads, per match, its story (from the stories
//! file), its date (the `published` fast column) and its source and author (their fast columns, as
//! ordinals); nothing is read from the document store. `merge_fruits` gives each match its story
//! (the file's, or groups found from the matches' fingerprints when the file cannot answer, as
//! entity facets do), then counts.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::{SegmentId, SegmentReader};
use tantivy::{DateTime, DocAddress, DocId, Score, SegmentOrdinal};
use time::{Date, Month, OffsetDateTime};

use crate::fingerprint::Signature;
use crate::store::columns::SegmentSignatures;
use crate::store::schema::names;
use crate::store::stories::{Stories, ALONE};

use super::totals::{left_out, most_of, ordinal_totals, ColumnTotals};
use crate::{Error, Result};

/// The width of a histogram bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    /// A calendar day (UTC).
    Day,
    /// A week, from Monday 00:00 UTC.
    Week,
    /// A calendar month.
    Month,
    /// A calendar year.
    Year,
}

/// Most buckets a histogram may have: a range that needs more asks for a coarser interval.
pub const MAX_BUCKETS: usize = 100_000;

const DAY: i64 = 86_400;

impl Interval {
    /// The start (Unix seconds, UTC) of the bucket holding `secs`; `None` for a time `time` cannot
    /// represent.
    pub fn start(self, secs: i64) -> Option<i64> {
        let days = secs.div_euclid(DAY);
        Some(match self {
            Interval::Day => days * DAY,
            // 1970-01-01 was a Thursday: Monday is 3 days before it.
            Interval::Week => ((days + 3).div_euclid(7) * 7 - 3) * DAY,
            Interval::Month | Interval::Year => {
                let date = OffsetDateTime::from_unix_timestamp(secs).ok()?.date();
                let month = if self == Interval::Month {
                    date.month()
                } else {
                    Month::January
                };
                let first = Date::from_calendar_date(date.year(), month, 1).ok()?;
                first.midnight().assume_utc().unix_timestamp()
            }
        })
    }

    /// The start of the bucket after the one starting at `start`.
    pub fn next(self, start: i64) -> Option<i64> {
        match self {
            Interval::Day => start.checked_add(DAY),
            Interval::Week => start.checked_add(7 * DAY),
            Interval::Month | Interval::Year => {
                let date = OffsetDateTime::from_unix_timestamp(start).ok()?.date();
                let (year, month) = match (self, date.month()) {
                    (Interval::Month, Month::December) => (date.year() + 1, Month::January),
                    (Interval::Month, m) => (date.year(), m.next()),
                    _ => (date.year() + 1, Month::January),
                };
                let first = Date::from_calendar_date(year, month, 1).ok()?;
                Some(first.midnight().assume_utc().unix_timestamp())
            }
        }
    }
}

/// One bucket of a histogram.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Bucket {
    /// The bucket's first moment, RFC 3339 (UTC).
    pub start: String,
    /// Matching stories (or articles) whose date falls in it.
    pub count: u64,
}

/// The buckets from `lo` to `hi` (bucket starts, inclusive) with the counts of `counted` (bucket
/// start, count; ascending), empty ones included.
pub(crate) fn fill(
    interval: Interval,
    counted: &[(i64, u64)],
    lo: Option<i64>,
    hi: Option<i64>,
) -> Result<Vec<Bucket>> {
    let (Some(lo), Some(hi)) = (
        lo.or(counted.first().map(|c| c.0)),
        hi.or(counted.last().map(|c| c.0)),
    ) else {
        return Ok(Vec::new());
    };
    let mut buckets = Vec::new();
    let mut at = lo;
    let mut counts = counted.iter().peekable();
    while at <= hi {
        if buckets.len() == MAX_BUCKETS {
            return Err(Error::Invalid(format!(
                "the histogram would have more than {MAX_BUCKETS} buckets; use a coarser interval \
                 or a shorter date range"
            )));
        }
        while counts.next_if(|c| c.0 < at).is_some() {}
        let count = counts.next_if(|c| c.0 == at).map_or(0, |c| c.1);
        let start = OffsetDateTime::from_unix_timestamp(at)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        buckets.push(Bucket { start, count });
        match interval.next(at) {
            Some(next) if next > at => at = next,
            _ => break,
        }
    }
    Ok(buckets)
}

/// A field counted with `--facets` beside the entity kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldFacet {
    /// The publication.
    Source,
    /// The byline.
    Author,
}

impl FieldFacet {
    /// The field's name, which is also its key in the facet counts.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldFacet::Source => names::SOURCE,
            FieldFacet::Author => names::AUTHOR,
        }
    }
}

/// A value of a counted field, before the listing is cut to the limit.
#[derive(Debug)]
pub(crate) struct FieldValue {
    /// As in the fast column (lower-cased).
    pub(crate) value: String,
    /// Matching stories (or articles) with it.
    pub(crate) count: u64,
    /// Matching articles with it.
    pub(crate) articles: u64,
    /// The first matching article (by address) with it, whose stored value is shown.
    pub(crate) example: DocAddress,
}

/// What the counter found.
#[derive(Debug, Default)]
pub(crate) struct MatchCounts {
    /// Distinct stories among the matches, when stories were known.
    pub(crate) stories: Option<u64>,
    /// (bucket start, count) of the non-empty buckets, ascending.
    pub(crate) histogram: Vec<(i64, u64)>,
    /// Per field asked, every value, most frequent first (ties by articles, then value).
    pub(crate) fields: Vec<(FieldFacet, Vec<FieldValue>)>,
}

/// Counts stories, dates per bucket and field values over all matches.
pub(crate) struct MatchCounter {
    /// Each article's story, from the story column.
    pub(crate) stories: Option<Arc<Stories>>,
    /// Without the file: group the matches at this distance (when stories are counted).
    pub(crate) group_at: Option<crate::fingerprint::StoryRule>,
    /// Count stories (a story once) rather than articles in the histogram and field counts.
    pub(crate) by_story: bool,
    pub(crate) histogram: Option<Interval>,
    pub(crate) fields: Vec<FieldFacet>,
    /// Segment totals per column, for field counts of queries that match most of a segment
    /// (`None`: every match is read).
    pub(crate) totals: Option<Arc<ColumnTotals>>,
}

impl MatchCounter {
    /// Only the number of stories and field counts are asked: no record per match is kept, field
    /// values are tallied per segment.
    fn light(&self) -> bool {
        self.histogram.is_none() && self.group_at.is_none()
    }
}

/// One field's values over a segment's matches, by the column's ordinal (light mode).
struct FieldTally {
    /// Matches alone in their story (every match when stories are not counted).
    counts: Vec<u32>,
    /// Every match.
    articles: Vec<u32>,
    /// The first match (the lowest document).
    first: Vec<DocId>,
    /// (story, ordinal) of the matches that share a story, when stories are counted.
    pairs: Vec<(u32, u32)>,
}

impl FieldTally {
    fn new(column: &StrColumn) -> FieldTally {
        let terms = column.dictionary().num_terms();
        FieldTally {
            counts: vec![0; terms],
            articles: vec![0; terms],
            first: vec![DocId::MAX; terms],
            pairs: Vec::new(),
        }
    }

    /// Counts `doc`'s value (of ordinal `ord`), whose story is `story` (counted as a pair when
    /// `by_story` and the story has other articles).
    fn add(&mut self, ord: u64, doc: DocId, story: u32, by_story: bool) {
        let Some(o) = usize::try_from(ord).ok().filter(|&o| o < self.counts.len()) else {
            return;
        };
        self.articles[o] += 1;
        if self.first[o] == DocId::MAX {
            self.first[o] = doc;
        }
        if by_story && story != ALONE {
            self.pairs.push((story, o as u32));
        } else {
            self.counts[o] += 1;
        }
    }

    /// Counts `matches` (ascending, more than half of documents `docs`: the segment's, or a
    /// slice's) from the column's `totals` over `docs`: less the documents left out (deleted ones
    /// among them), then less the matches that share a story (counted as pairs); each value's
    /// first match is then found from the start.
    fn count_from_totals(
        &mut self,
        column: &StrColumn,
        totals: &[u32],
        (matches, docs): (&[DocId], std::ops::Range<DocId>),
        stories: Option<&Arc<[u32]>>,
        by_story: bool,
    ) {
        let ords = column.ords();
        let ord_of = |doc: DocId| {
            ords.first(doc)
                .and_then(|o| usize::try_from(o).ok())
                .filter(|&o| o < totals.len())
        };
        self.articles.copy_from_slice(totals);
        for doc in left_out(docs, matches) {
            if let Some(o) = ord_of(doc) {
                debug_assert!(self.articles[o] > 0, "ordinal {o} below its segment total");
                self.articles[o] = self.articles[o].saturating_sub(1);
            }
        }
        self.counts.copy_from_slice(&self.articles);
        if by_story && stories.is_some_and(|s| !s.is_empty()) {
            for &doc in matches {
                let story = story_of(stories, doc);
                if story == ALONE {
                    continue;
                }
                if let Some(o) = ord_of(doc) {
                    self.counts[o] = self.counts[o].saturating_sub(1);
                    self.pairs.push((story, o as u32));
                }
            }
        }
        let mut unnamed = self.articles.iter().filter(|&&a| a > 0).count();
        for &doc in matches {
            if unnamed == 0 {
                break;
            }
            if let Some(o) = ord_of(doc) {
                if self.first[o] == DocId::MAX {
                    self.first[o] = doc;
                    unnamed -= 1;
                }
            }
        }
    }
}

struct Record {
    doc: DocId,
    story: u32,
    date: Option<i64>,
}

pub(crate) struct SegmentMatchCounter {
    stories: Option<Arc<[u32]>>,
    signatures: Option<SegmentSignatures>,
    dates: Option<Column<DateTime>>,
    light: bool,
    /// Field values counted once per story (stories known from the story column).
    by_story: bool,
    /// Light mode with totals: the matches, held until the segment's share is known.
    held: Option<Held>,
    fruit: SegmentMatches,
}

/// What a segment counter in light mode needs to count fields from the totals of its documents.
struct Held {
    totals: Arc<ColumnTotals>,
    segment: SegmentId,
    names: Vec<&'static str>,
    /// The documents of the segment (deleted ones included) the counter is given: all of them, or
    /// a slice (see [`super::slices`]).
    docs: std::ops::Range<DocId>,
    matches: Vec<DocId>,
}

/// One segment's matches: in light mode a count of lone articles and the stories of the others;
/// else one record per match, its field ordinals (`u64::MAX`: none) and, for grouping, its
/// fingerprint.
pub(crate) struct SegmentMatches {
    segment: SegmentOrdinal,
    columns: Vec<Option<StrColumn>>,
    alone: u64,
    shared: Vec<u32>,
    /// Light mode: per field, its tally (`None` where the segment has no such column).
    tallies: Vec<Option<FieldTally>>,
    records: Vec<Record>,
    ords: Vec<u64>,
    signatures: Vec<Signature>,
}

impl super::slices::SliceCollector for MatchCounter {
    fn for_slice(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
        docs: std::ops::Range<DocId>,
    ) -> tantivy::Result<SegmentMatchCounter> {
        let mut columns = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            columns.push(reader.fast_fields().str(field.as_str())?);
        }
        let light = self.light();
        let tallied = light && columns.iter().any(Option::is_some);
        Ok(SegmentMatchCounter {
            by_story: self.by_story && self.stories.is_some(),
            held: self.totals.clone().filter(|_| tallied).map(|totals| Held {
                totals,
                segment: reader.segment_id(),
                names: self.fields.iter().map(|f| f.as_str()).collect(),
                docs,
                matches: Vec::new(),
            }),
            stories: self
                .stories
                .as_ref()
                .and_then(|s| s.segment(reader.segment_id())),
            signatures: match self.group_at {
                Some(_) => Some(SegmentSignatures::open(reader)?),
                None => None,
            },
            dates: match self.histogram {
                Some(_) => Some(super::sort::published(reader)?),
                None => None,
            },
            light,
            fruit: SegmentMatches {
                segment,
                tallies: match light {
                    true => columns
                        .iter()
                        .map(|c| c.as_ref().map(FieldTally::new))
                        .collect(),
                    false => Vec::new(),
                },
                columns,
                alone: 0,
                shared: Vec::new(),
                records: Vec::new(),
                ords: Vec::new(),
                signatures: Vec::new(),
            },
        })
    }
}

impl Collector for MatchCounter {
    type Fruit = MatchCounts;
    type Child = SegmentMatchCounter;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentMatchCounter> {
        use super::slices::SliceCollector;
        self.for_slice(segment, reader, 0..reader.max_doc())
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentMatches>) -> tantivy::Result<MatchCounts> {
        if self.light() {
            let mut fields = Vec::with_capacity(self.fields.len());
            for (f, &field) in self.fields.iter().enumerate() {
                fields.push((field, tallied_values(&fruits, f)?));
            }
            let alone: u64 = fruits.iter().map(|f| f.alone).sum();
            let mut shared: Vec<u32> = fruits.into_iter().flat_map(|f| f.shared).collect();
            shared.sort_unstable();
            shared.dedup();
            return Ok(MatchCounts {
                stories: self
                    .stories
                    .is_some()
                    .then_some(alone + shared.len() as u64),
                fields,
                ..MatchCounts::default()
            });
        }
        // Each match's story key: the file's story, a group found here, or the match itself
        // (`1 << 32 | index`, apart from any story number).
        let mut story: Vec<u64> = fruits
            .iter()
            .flat_map(|f| f.records.iter())
            .enumerate()
            .map(|(i, r)| match r.story {
                ALONE => 1 << 32 | i as u64,
                s => u64::from(s),
            })
            .collect();
        let known = self.stories.is_some() || self.group_at.is_some();
        if let Some(rule) = self.group_at.filter(|_| self.stories.is_none()) {
            let signatures: Vec<Signature> = fruits
                .iter()
                .flat_map(|f| f.signatures.iter().cloned())
                .collect();
            for (g, members) in crate::fingerprint::stories(&signatures, rule)
                .into_iter()
                .enumerate()
            {
                for m in members {
                    story[m] = g as u64;
                }
            }
        }
        // A key from `1 << 32` up is a lone match's own: only the others need deduplicating.
        const OWN: u64 = 1 << 32;
        let stories = known.then(|| {
            let mut shared: Vec<u64> = story.iter().copied().filter(|&k| k < OWN).collect();
            let own = story.len() - shared.len();
            shared.sort_unstable();
            shared.dedup();
            (own + shared.len()) as u64
        });
        // The unit counted: a story, or each match on its own.
        let by_story = self.by_story && known;
        let unit = |i: usize| if by_story { story[i] } else { i as u64 };
        // The same, `None` for a unit of one match (counted without deduplication).
        let shared_unit = |i: usize| (by_story && story[i] < OWN).then(|| story[i]);
        let mut histogram = Vec::new();
        if let Some(interval) = self.histogram {
            // The earliest date of each unit.
            let mut dated: Vec<(u64, i64)> = fruits
                .iter()
                .flat_map(|f| f.records.iter())
                .enumerate()
                .filter_map(|(i, r)| Some((unit(i), r.date?)))
                .collect();
            dated.sort_unstable();
            dated.dedup_by_key(|d| d.0);
            let mut starts: Vec<i64> = dated
                .iter()
                .filter_map(|&(_, secs)| interval.start(secs))
                .collect();
            starts.sort_unstable();
            histogram = starts
                .chunk_by(|a, b| a == b)
                .map(|run| (run[0], run.len() as u64))
                .collect();
        }
        let mut fields = Vec::with_capacity(self.fields.len());
        for (f, &field) in self.fields.iter().enumerate() {
            fields.push((
                field,
                count_values(&fruits, f, self.fields.len(), &shared_unit)?,
            ));
        }
        Ok(MatchCounts {
            stories,
            histogram,
            fields,
        })
    }
}

/// The values of field `f` over all matches from the segments' tallies (light mode), as
/// [`count_values`] counts them from a record per match.
fn tallied_values(fruits: &[SegmentMatches], f: usize) -> tantivy::Result<Vec<FieldValue>> {
    let mut values: Vec<FieldValue> = Vec::new();
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut text = String::new();
    for fruit in fruits {
        let (Some(column), Some(Some(tally))) = (&fruit.columns[f], fruit.tallies.get(f)) else {
            continue;
        };
        let mut id_of = vec![u32::MAX; tally.articles.len()];
        for (ord, &articles) in tally.articles.iter().enumerate() {
            text.clear();
            if articles == 0 || !column.ord_to_str(ord as u64, &mut text)? {
                continue;
            }
            let id = value_id(&mut values, &mut ids, &text);
            id_of[ord] = id;
            let value = &mut values[id as usize];
            value.articles += u64::from(articles);
            value.count += u64::from(tally.counts[ord]);
            value.example = value
                .example
                .min(DocAddress::new(fruit.segment, tally.first[ord]));
        }
        pairs.extend(
            tally
                .pairs
                .iter()
                .filter(|&&(_, ord)| id_of[ord as usize] != u32::MAX)
                .map(|&(story, ord)| (story, id_of[ord as usize])),
        );
    }
    Ok(finish_values(values, pairs))
}

/// The id of field value `text` among `values` (indexed by `ids`), added with no counts if new.
fn value_id(values: &mut Vec<FieldValue>, ids: &mut HashMap<String, u32>, text: &str) -> u32 {
    *ids.entry(text.to_string()).or_insert_with(|| {
        values.push(FieldValue {
            value: text.to_string(),
            count: 0,
            articles: 0,
            example: DocAddress::new(u32::MAX, u32::MAX),
        });
        values.len() as u32 - 1
    })
}

/// `values` with each distinct (story, value id) of `pairs` counted once, most frequent first.
fn finish_values<K: Ord>(mut values: Vec<FieldValue>, mut pairs: Vec<(K, u32)>) -> Vec<FieldValue> {
    pairs.sort_unstable();
    pairs.dedup();
    for (_, id) in pairs {
        values[id as usize].count += 1;
    }
    sort_values(&mut values);
    values
}

/// Most frequent first, ties by articles, then by value.
fn sort_values(values: &mut [FieldValue]) {
    values.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.articles.cmp(&a.articles))
            .then_with(|| a.value.cmp(&b.value))
    });
}

/// The values of field `f` (of `nfields`) over all matches, counted per unit of a match: the
/// match's story when `shared_unit` gives one, else the match alone. A match has at most one value,
/// so only the matches of shared stories need deduplicating (sorting a pair per match was most of
/// the count; DESIGN.md 2.14).
fn count_values(
    fruits: &[SegmentMatches],
    f: usize,
    nfields: usize,
    shared_unit: &dyn Fn(usize) -> Option<u64>,
) -> tantivy::Result<Vec<FieldValue>> {
    let mut values: Vec<FieldValue> = Vec::new();
    let mut ids: HashMap<String, u32> = HashMap::new();
    // (story, value id) per match of a shared story that has a value.
    let mut pairs: Vec<(u64, u32)> = Vec::new();
    let mut at = 0usize;
    for fruit in fruits {
        let Some(column) = &fruit.columns[f] else {
            at += fruit.records.len();
            continue;
        };
        let ords: Vec<u64> = fruit
            .ords
            .iter()
            .skip(f)
            .step_by(nfields)
            .copied()
            .collect();
        let mut distinct: Vec<u64> = ords.iter().copied().filter(|&o| o != u64::MAX).collect();
        distinct.sort_unstable();
        distinct.dedup();
        // Looked up once per match: FxHash, not SipHash (DESIGN.md 2.14).
        let mut id_of: FxHashMap<u64, u32> =
            FxHashMap::with_capacity_and_hasher(distinct.len(), Default::default());
        let mut text = String::new();
        for ord in distinct {
            text.clear();
            if !column.ord_to_str(ord, &mut text)? {
                continue;
            }
            let id = value_id(&mut values, &mut ids, &text);
            id_of.insert(ord, id);
        }
        for (record, ord) in fruit.records.iter().zip(ords) {
            if let Some(&id) = id_of.get(&ord) {
                let value = &mut values[id as usize];
                value.articles += 1;
                value.example = value
                    .example
                    .min(DocAddress::new(fruit.segment, record.doc));
                match shared_unit(at) {
                    Some(unit) => pairs.push((unit, id)),
                    None => value.count += 1,
                }
            }
            at += 1;
        }
    }
    Ok(finish_values(values, pairs))
}

/// Tallies the field values of `doc` (light mode), whose story is `story`.
fn count_fields(fruit: &mut SegmentMatches, doc: DocId, story: u32, by_story: bool) {
    for (column, tally) in fruit.columns.iter().zip(&mut fruit.tallies) {
        if let (Some(column), Some(tally)) = (column, tally) {
            if let Some(ord) = column.ords().first(doc) {
                tally.add(ord, doc, story, by_story);
            }
        }
    }
}

/// Matches whose field values [`count_fields_of`] reads together.
const FIELD_BATCH: usize = 128;

/// [`count_fields`] for each of `docs` (light mode), reading each column a batch of matches at a
/// time (`Column::first_vals`): one dynamically dispatched call per batch and column instead of
/// one per match and column.
fn count_fields_of(
    fruit: &mut SegmentMatches,
    docs: &[DocId],
    stories: Option<&Arc<[u32]>>,
    by_story: bool,
) {
    let mut ords = [None; FIELD_BATCH];
    for chunk in docs.chunks(FIELD_BATCH) {
        for (column, tally) in fruit.columns.iter().zip(&mut fruit.tallies) {
            let (Some(column), Some(tally)) = (column, tally) else {
                continue;
            };
            let ords = &mut ords[..chunk.len()];
            // A column of several values per document leaves the entries of documents without
            // a value as they were (`first_vals` writes every entry only for the other kinds).
            ords.fill(None);
            column.ords().first_vals(chunk, ords);
            for (&doc, ord) in chunk.iter().zip(ords.iter()) {
                if let Some(ord) = *ord {
                    tally.add(ord, doc, story_of(stories, doc), by_story);
                }
            }
        }
    }
}

/// The story of `doc` in a segment's story numbers ([`ALONE`] without them).
pub(crate) fn story_of(stories: Option<&Arc<[u32]>>, doc: DocId) -> u32 {
    stories
        .and_then(|s| s.get(doc as usize).copied())
        .unwrap_or(ALONE)
}

impl SegmentCollector for SegmentMatchCounter {
    type Fruit = SegmentMatches;

    fn collect(&mut self, doc: DocId, _: Score) {
        let story = story_of(self.stories.as_ref(), doc);
        let fruit = &mut self.fruit;
        if self.light {
            match story {
                ALONE => fruit.alone += 1,
                s => fruit.shared.push(s),
            }
            match &mut self.held {
                Some(held) => held.matches.push(doc),
                None => count_fields(fruit, doc, story, self.by_story),
            }
            return;
        }
        let date = self
            .dates
            .as_ref()
            .and_then(|d| d.first(doc))
            .map(|d| d.into_timestamp_secs());
        fruit.records.push(Record { doc, story, date });
        for column in &fruit.columns {
            let ord = column.as_ref().and_then(|c| c.ords().first(doc));
            fruit.ords.push(ord.unwrap_or(u64::MAX));
        }
        if let Some(signatures) = &self.signatures {
            fruit.signatures.push(signatures.get(doc));
        }
    }

    fn harvest(mut self) -> SegmentMatches {
        let Some(held) = self.held.take() else {
            return self.fruit;
        };
        let fruit = &mut self.fruit;
        if !most_of(held.matches.len(), &held.docs) {
            count_fields_of(fruit, &held.matches, self.stories.as_ref(), self.by_story);
            return self.fruit;
        }
        for ((column, tally), &name) in fruit
            .columns
            .iter()
            .zip(&mut fruit.tallies)
            .zip(&held.names)
        {
            let (Some(column), Some(tally)) = (column, tally) else {
                continue;
            };
            let terms = tally.articles.len();
            let totals = held.totals.get(held.segment, name, held.docs.clone(), || {
                let rows = column.ords().index.docid_range_to_rowids(held.docs.clone());
                ordinal_totals(&*column.ords().values, rows, terms)
            });
            if totals.len() != terms {
                // Never for one segment's column; counted match by match all the same.
                for &doc in &held.matches {
                    if let Some(ord) = column.ords().first(doc) {
                        let story = story_of(self.stories.as_ref(), doc);
                        tally.add(ord, doc, story, self.by_story);
                    }
                }
                continue;
            }
            tally.count_from_totals(
                column,
                &totals,
                (&held.matches, held.docs.clone()),
                self.stories.as_ref(),
                self.by_story,
            );
        }
        self.fruit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(date: Date) -> i64 {
        date.midnight().assume_utc().unix_timestamp()
    }

    #[test]
    fn buckets_start_on_the_day_monday_first_of_month_and_of_year() {
        use time::macros::{date, datetime};
        let t = datetime!(2017-01-29 14:05 UTC).unix_timestamp();
        assert_eq!(Interval::Day.start(t), Some(secs(date!(2017 - 01 - 29))));
        // 2017-01-29 was a Sunday: its week began on Monday the 23rd.
        assert_eq!(Interval::Week.start(t), Some(secs(date!(2017 - 01 - 23))));
        assert_eq!(Interval::Month.start(t), Some(secs(date!(2017 - 01 - 01))));
        assert_eq!(Interval::Year.start(t), Some(secs(date!(2017 - 01 - 01))));
        let monday = secs(date!(2017 - 01 - 30));
        assert_eq!(Interval::Week.start(monday), Some(monday));
        // Before 1970 too.
        let old = datetime!(1969-12-31 23:00 UTC).unix_timestamp();
        assert_eq!(Interval::Week.start(old), Some(secs(date!(1969 - 12 - 29))));
        let dec = secs(date!(2016 - 12 - 01));
        assert_eq!(Interval::Month.next(dec), Some(secs(date!(2017 - 01 - 01))));
        assert_eq!(Interval::Year.next(dec), Some(secs(date!(2017 - 01 - 01))));
    }

    #[test]
    fn empty_buckets_fill_the_range() {
        use time::macros::date;
        let (jan, mar) = (secs(date!(2017 - 01 - 01)), secs(date!(2017 - 03 - 01)));
        let buckets = fill(Interval::Month, &[(jan, 2), (mar, 1)], None, None).unwrap();
        let counts: Vec<u64> = buckets.iter().map(|b| b.count).collect();
        assert_eq!(counts, [2, 0, 1]);
        assert_eq!(buckets[1].start, "2017-02-01T00:00:00Z");
        let dec = secs(date!(2016 - 12 - 01));
        let wider = fill(Interval::Month, &[(jan, 2)], Some(dec), Some(mar)).unwrap();
        assert_eq!(
            wider.iter().map(|b| b.count).collect::<Vec<_>>(),
            [0, 2, 0, 0]
        );
        assert!(fill(Interval::Day, &[], None, None).unwrap().is_empty());
        let far = secs(date!(1700 - 01 - 01));
        assert!(fill(Interval::Day, &[], Some(far), Some(mar)).is_err());
    }
}
