//! Export: every match of a search, not a page, as JSON Lines or CSV, one line per article (or per
//! story: its leader with the ids of its other copies). Only each match's score, address, date key
//! and story are held (about 40 bytes a match, to put them in order); the documents are read from
//! the store a window of lines at a time, in index order, and the window's lines written.

use std::borrow::Cow;
use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::index::SegmentReader;
use tantivy::schema::TantivyDocument;
use tantivy::{DateTime, DocAddress, DocId, Score, SegmentOrdinal};

use super::counts::story_of;
use super::sort::{date_key, DateKey, Sort};
use super::{date, text, Reader, SearchRequest};
use crate::fingerprint::Signature;
use crate::store::columns::SegmentSignatures;
use crate::store::stories::{Stories, ALONE};
use crate::store::Fields;
use crate::{Error, Result};

/// A stored field of an article, as `--fields` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoredField {
    /// Article id.
    Id,
    /// Headline.
    Title,
    /// Article text.
    Body,
    /// Publication.
    Source,
    /// Byline.
    Author,
    /// Address.
    Url,
    /// Publication time, RFC 3339.
    Published,
    /// Where the article was read from.
    Origin,
}

impl StoredField {
    /// Every stored field, in the order of the schema.
    pub const ALL: [StoredField; 8] = [
        StoredField::Id,
        StoredField::Title,
        StoredField::Body,
        StoredField::Author,
        StoredField::Source,
        StoredField::Url,
        StoredField::Published,
        StoredField::Origin,
    ];

    /// The field's name (its key in JSON, its column in CSV).
    pub fn as_str(self) -> &'static str {
        use crate::store::schema::names;
        match self {
            StoredField::Id => names::ID,
            StoredField::Title => names::TITLE,
            StoredField::Body => names::BODY,
            StoredField::Source => names::SOURCE,
            StoredField::Author => names::AUTHOR,
            StoredField::Url => names::URL,
            StoredField::Published => names::PUBLISHED,
            StoredField::Origin => names::ORIGIN,
        }
    }

    /// The stored value of this field in `doc`.
    fn of(self, f: &Fields, doc: &TantivyDocument) -> Option<String> {
        match self {
            StoredField::Id => text(doc, f.id),
            StoredField::Title => text(doc, f.title),
            StoredField::Body => text(doc, f.body),
            StoredField::Source => text(doc, f.source),
            StoredField::Author => text(doc, f.author),
            StoredField::Url => text(doc, f.url),
            StoredField::Published => date(doc, f.published),
            StoredField::Origin => text(doc, f.origin),
        }
    }
}

impl FromStr for StoredField {
    type Err = Error;

    fn from_str(s: &str) -> Result<StoredField> {
        let name = s.trim().to_ascii_lowercase();
        StoredField::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| {
                let all: Vec<&str> = StoredField::ALL.iter().map(|f| f.as_str()).collect();
                Error::Invalid(format!(
                    "unknown field {s:?} (stored fields: {})",
                    all.join(", ")
                ))
            })
    }
}

/// How exported matches are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object a line.
    JsonLines,
    /// Comma-separated values with a header line.
    Csv,
}

/// Fields every export line has, before those asked for: id, then the score, then these.
const ALWAYS: [StoredField; 3] = [
    StoredField::Published,
    StoredField::Source,
    StoredField::Title,
];

/// A column of an export line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExportColumn {
    Field(StoredField),
    Score,
    /// The ids of the story's other copies (collapse only).
    Duplicates,
}

impl ExportColumn {
    fn name(self) -> &'static str {
        match self {
            ExportColumn::Field(f) => f.as_str(),
            ExportColumn::Score => "score",
            ExportColumn::Duplicates => "duplicates",
        }
    }
}

/// The columns of an export: `id`, `score`, `published`, `source`, `title`, then `extra` (those not
/// listed yet), then `duplicates` when collapsing.
fn columns(extra: &[StoredField], collapse: bool) -> Vec<ExportColumn> {
    let mut columns = vec![ExportColumn::Field(StoredField::Id), ExportColumn::Score];
    for field in ALWAYS.iter().chain(extra) {
        if !columns.contains(&ExportColumn::Field(*field)) {
            columns.push(ExportColumn::Field(*field));
        }
    }
    if collapse {
        columns.push(ExportColumn::Duplicates);
    }
    columns
}

/// One match, as held until it is written.
#[derive(Debug, Clone, Copy)]
struct Match {
    score: Score,
    address: DocAddress,
    key: DateKey,
    /// Its story by the story column ([`ALONE`] when in none, or by another rule).
    story: u32,
}

/// Collects every match (and, to group them by another rule than the story column's, their fingerprints).
struct AllMatches {
    newest: bool,
    stories: Option<Arc<Stories>>,
    fingerprints: bool,
}

struct SegmentAllMatches {
    segment: SegmentOrdinal,
    newest: bool,
    dates: Column<DateTime>,
    stories: Option<Arc<[u32]>>,
    signatures: Option<SegmentSignatures>,
    matches: Vec<Match>,
    fingerprints: Vec<Signature>,
}

impl Collector for AllMatches {
    type Fruit = (Vec<Match>, Vec<Signature>);
    type Child = SegmentAllMatches;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentAllMatches> {
        Ok(SegmentAllMatches {
            segment,
            newest: self.newest,
            dates: super::sort::published(reader)?,
            stories: self
                .stories
                .as_ref()
                .and_then(|s| s.segment(reader.segment_id())),
            signatures: if self.fingerprints {
                Some(SegmentSignatures::open(reader)?)
            } else {
                None
            },
            matches: Vec::new(),
            fingerprints: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(
        &self,
        fruits: Vec<(Vec<Match>, Vec<Signature>)>,
    ) -> tantivy::Result<Self::Fruit> {
        let mut matches = Vec::new();
        let mut fingerprints = Vec::new();
        for (m, f) in fruits {
            matches.extend(m);
            fingerprints.extend(f);
        }
        Ok((matches, fingerprints))
    }
}

impl SegmentCollector for SegmentAllMatches {
    type Fruit = (Vec<Match>, Vec<Signature>);

    fn collect(&mut self, doc: DocId, score: Score) {
        let secs = self.dates.first(doc).map(|d| d.into_timestamp_secs());
        let story = story_of(self.stories.as_ref(), doc);
        self.matches.push(Match {
            score,
            address: DocAddress::new(self.segment, doc),
            key: date_key(secs, self.newest),
            story,
        });
        if let Some(signatures) = &self.signatures {
            self.fingerprints.push(signatures.get(doc));
        }
    }

    fn harvest(self) -> Self::Fruit {
        (self.matches, self.fingerprints)
    }
}

/// Where `out`'s errors are said to come from.
fn output_error(source: std::io::Error) -> Error {
    Error::Io {
        path: "export output".into(),
        source,
    }
}

impl Reader {
    /// Writes every article matching `request` (its query and filters; paging, facets and the
    /// histogram are ignored) to `out` in `format`, in the request's order, with the fields `extra`
    /// beyond `id`, `score`, `published`, `source` and `title`. When collapsing, one line per story:
    /// its best-scoring match, with the ids of the other matches of the story (`duplicates`), the
    /// stories ordered by their leaders. Stories come from the story column when the request groups by its rule (the
    /// default), else from grouping all matches (which holds their
    /// fingerprints, 256 bytes a match). Returns the lines written, header not counted.
    pub fn export(
        &self,
        request: &SearchRequest,
        format: ExportFormat,
        extra: &[StoredField],
        out: &mut dyn Write,
    ) -> Result<u64> {
        self.export_in_windows(request, format, extra, out, WINDOW_BYTES / LINE)
    }

    /// [`Reader::export`], holding at most `window` lines without bodies at once.
    pub(crate) fn export_in_windows(
        &self,
        request: &SearchRequest,
        format: ExportFormat,
        extra: &[StoredField],
        out: &mut dyn Write,
        window: usize,
    ) -> Result<u64> {
        let searcher = self.searcher()?;
        let query = super::build_query(&self.store, request)?;
        let sort = Sort::resolve(request.sort, &request.query);
        let stories = request
            .collapse
            .and_then(|c| self.stories(&searcher, c.rule()));
        let collector = AllMatches {
            newest: sort != Sort::Oldest,
            fingerprints: request.collapse.is_some() && stories.is_none(),
            stories,
        };
        let (mut matches, fingerprints) = searcher
            .search(&*query, &collector)
            .map_err(|e| super::query::run_error(&self.store, &request.query, e.into()))?;
        let order = |a: &Match, b: &Match| match sort {
            Sort::Relevance => b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)),
            Sort::Newest | Sort::Oldest => (a.key, a.address).cmp(&(b.key, b.address)),
        };
        // Each story as a run of `matches`, best score first; the runs in the order of their leaders.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        match request.collapse {
            None => {
                matches.sort_unstable_by(order);
                runs.extend((0..matches.len()).map(|i| (i, i + 1)));
            }
            Some(collapse) => {
                if !fingerprints.is_empty() {
                    let groups = crate::fingerprint::stories(&fingerprints, collapse.rule());
                    for (story, members) in groups.into_iter().enumerate() {
                        for m in members {
                            matches[m].story = story as u32;
                        }
                    }
                }
                let story = |i: usize, m: &Match| match m.story {
                    ALONE => 1u64 << 32 | i as u64,
                    s => u64::from(s),
                };
                let mut keyed: Vec<(u64, Match)> = matches
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (story(i, m), *m))
                    .collect();
                keyed.sort_unstable_by(|a, b| {
                    a.0.cmp(&b.0)
                        .then(b.1.score.total_cmp(&a.1.score))
                        .then(a.1.address.cmp(&b.1.address))
                });
                matches = keyed.into_iter().map(|(_, m)| m).collect();
                let mut start = 0;
                for run in matches.chunk_by(|a, b| a.story == b.story && a.story != ALONE) {
                    runs.push((start, start + run.len()));
                    start += run.len();
                }
                self.order_leaders(&searcher, &mut matches, &runs)?;
                runs.sort_unstable_by(|a, b| order(&matches[a.0], &matches[b.0]));
            }
        }
        let columns = columns(extra, request.collapse.is_some());
        let fields: Vec<StoredField> = columns
            .iter()
            .filter_map(|c| match c {
                ExportColumn::Field(field) => Some(*field),
                _ => None,
            })
            .collect();
        let mut writer = Lines::new(format, out, &columns)?;
        // With bodies a window would hold too few lines for their documents to share blocks of the
        // store (32,768 lines of the 1M corpus took 7 % longer than one at a time, and 33 MiB
        // more), so such an export reads one line's documents at a time. Without them a window
        // holds 524,288 lines (a query matching the whole 1M index: 8.5-9.4 s -> 5.2-5.7 s,
        // anonymous memory 164 -> 222 MiB; BENCHMARKS.md, "Issue 17, 2026-12-05").
        let window = if fields.contains(&StoredField::Body) {
            1
        } else {
            window.max(1)
        };
        for runs in runs.chunks(window) {
            let (rows, ids) = self.window_rows(&searcher, &matches, runs, &fields)?;
            let mut next = 0;
            for (&(start, end), row) in runs.iter().zip(&rows) {
                let copies = &ids[next..next + (end - start - 1)];
                next += end - start - 1;
                writer.line(row, matches[start].score, copies)?;
            }
        }
        writer.finish()?;
        Ok(runs.len() as u64)
    }

    /// The values of `fields` of each run's leader, and the ids of the runs' other matches in run
    /// order. The documents are read in index order, whatever the order of the lines: a block of
    /// the document store holds several articles, and read in score order nearly every match
    /// decompressed a block of its own (59 % of exporting a query that matches the whole of a
    /// 1,000,000-article index).
    fn window_rows(
        &self,
        searcher: &tantivy::Searcher,
        matches: &[Match],
        runs: &[(usize, usize)],
        fields: &[StoredField],
    ) -> Result<(Vec<Row>, Vec<String>)> {
        // Each document to read, with where its values go: a row (a leader) or an id (a copy).
        let mut wanted: Vec<(DocAddress, Slot)> = Vec::new();
        let mut copies = 0;
        for (row, &(start, end)) in runs.iter().enumerate() {
            wanted.push((matches[start].address, Slot::Row(row)));
            for m in &matches[start + 1..end] {
                wanted.push((m.address, Slot::Id(copies)));
                copies += 1;
            }
        }
        wanted.sort_unstable_by_key(|&(address, _)| address);
        let f = self.fields();
        let mut rows = vec![Vec::new(); runs.len()];
        let mut ids = vec![String::new(); copies];
        for (address, slot) in wanted {
            let doc = searcher.doc::<TantivyDocument>(address)?;
            match slot {
                Slot::Row(row) => {
                    rows[row] = fields.iter().map(|field| field.of(f, &doc)).collect()
                }
                Slot::Id(at) => ids[at] = text(&doc, f.id).unwrap_or_default(),
            }
        }
        Ok((rows, ids))
    }
}

/// The values of a line's field columns, in column order.
type Row = Vec<Option<String>>;

/// Where a document read for a window of lines goes.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// The values of the window's line of this number.
    Row(usize),
    /// The id of the window's copy of this number (copies counted in line order).
    Id(usize),
}

/// About the most bytes of values held for one window of lines, whose documents are read in index
/// order.
const WINDOW_BYTES: usize = 128 << 20;
/// What a line's values take, roughly, without the body (id, title, source, dates, small fields).
const LINE: usize = 256;

/// One JSON line: the columns' values under their names, in column order.
struct JsonLine<'a> {
    columns: &'a [ExportColumn],
    /// The values of the field columns, in column order.
    values: &'a [Option<String>],
    score: Score,
    duplicates: &'a [String],
}

impl Serialize for JsonLine<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        let mut values = self.values.iter();
        for &column in self.columns {
            match column {
                ExportColumn::Field(_) => {
                    map.serialize_entry(column.name(), &values.next().and_then(|v| v.as_deref()))?
                }
                ExportColumn::Score => map.serialize_entry(column.name(), &self.score)?,
                ExportColumn::Duplicates => map.serialize_entry(column.name(), self.duplicates)?,
            }
        }
        map.end()
    }
}

impl Reader {
    /// Orders the copies of a story that tie on the best score as a search orders its candidates
    /// ([`super::collapse::order_ties`]: by fingerprint, then id), so that a story has the leader
    /// it has on the result page, whatever the documents' addresses.
    fn order_leaders(
        &self,
        searcher: &tantivy::Searcher,
        matches: &mut [Match],
        runs: &[(usize, usize)],
    ) -> Result<()> {
        let tied = |&&(start, end): &&(usize, usize)| {
            end - start > 1 && matches[start].score.to_bits() == matches[start + 1].score.to_bits()
        };
        if !runs.iter().any(|r| tied(&r)) {
            return Ok(());
        }
        let columns = searcher
            .segment_readers()
            .iter()
            .map(SegmentSignatures::open)
            .collect::<tantivy::Result<Vec<_>>>()?;
        let tied: Vec<(usize, usize)> = runs.iter().filter(tied).copied().collect();
        for (start, end) in tied {
            let run = &mut matches[start..end];
            let mut candidates: Vec<super::collapse::Candidate> = run
                .iter()
                .map(|m| super::collapse::Candidate {
                    score: m.score,
                    address: m.address,
                    signature: columns
                        .get(m.address.segment_ord as usize)
                        .map_or_else(crate::store::columns::missing, |c| c.get(m.address.doc_id)),
                })
                .collect();
            super::collapse::order_ties(searcher, self.fields().id, &mut candidates, usize::MAX)?;
            let by_address: std::collections::HashMap<DocAddress, Match> =
                run.iter().map(|m| (m.address, *m)).collect();
            for (slot, c) in run.iter_mut().zip(&candidates) {
                if let Some(m) = by_address.get(&c.address) {
                    *slot = *m;
                }
            }
        }
        Ok(())
    }
}

/// Writes export lines.
enum Lines<'a> {
    Json {
        out: std::io::BufWriter<&'a mut dyn Write>,
        columns: &'a [ExportColumn],
    },
    Csv {
        out: Box<csv::Writer<&'a mut dyn Write>>,
        columns: &'a [ExportColumn],
    },
}

impl<'a> Lines<'a> {
    fn new(
        format: ExportFormat,
        out: &'a mut dyn Write,
        columns: &'a [ExportColumn],
    ) -> Result<Self> {
        Ok(match format {
            ExportFormat::JsonLines => Lines::Json {
                out: std::io::BufWriter::with_capacity(1 << 16, out),
                columns,
            },
            ExportFormat::Csv => {
                let mut out = csv::Writer::from_writer(out);
                out.write_record(columns.iter().map(|c| c.name()))
                    .map_err(|e| output_error(e.into()))?;
                Lines::Csv {
                    out: Box::new(out),
                    columns,
                }
            }
        })
    }

    /// Writes one line: `values` are those of the field columns, in column order.
    fn line(
        &mut self,
        values: &[Option<String>],
        score: Score,
        duplicates: &[String],
    ) -> Result<()> {
        match self {
            Lines::Json { out, columns } => {
                let line = JsonLine {
                    columns,
                    values,
                    score,
                    duplicates,
                };
                serde_json::to_writer(&mut *out, &line).map_err(|e| output_error(e.into()))?;
                out.write_all(b"\n").map_err(output_error)
            }
            Lines::Csv { out, columns } => {
                let mut values = values.iter();
                // Field values are written from where they are held, not copied.
                let record = columns.iter().map(|&column| -> Cow<'_, [u8]> {
                    match column {
                        ExportColumn::Field(_) => Cow::Borrowed(
                            values
                                .next()
                                .and_then(|v| v.as_deref())
                                .unwrap_or("")
                                .as_bytes(),
                        ),
                        ExportColumn::Score => Cow::Owned(score.to_string().into_bytes()),
                        ExportColumn::Duplicates => Cow::Owned(duplicates.join(" ").into_bytes()),
                    }
                });
                out.write_record(record).map_err(|e| output_error(e.into()))
            }
        }
    }

    fn finish(self) -> Result<()> {
        match self {
            Lines::Json { mut out, .. } => out.flush().map_err(output_error),
            Lines::Csv { mut out, .. } => out.flush().map_err(output_error),
        }
    }
}
