//! `newsidx search`: run a query and print the hits.

use std::io::Write;

use anyhow::Context;
use std::process::ExitCode;

use newsidx::entities::EntityKind;
use newsidx::ingest::{parse_date, parse_until};
use newsidx::search::{
    Bucket, Collapse, CountMode, Duplicate, EntityFilter, Evidence, ExportFormat, FieldFacet, Hit,
    Interval, Sort, StoredField,
};
use newsidx::{SearchRequest, SearchResults};
use time::OffsetDateTime;

use super::output::{print_json, printable, Style};
use super::IndexDir;

/// Search the index with tantivy's query syntax over title and body (a title match counts double).
///
/// All words must match unless you write OR: `putin call`, `putin OR medvedev`, `"phone call"`,
/// `putin -syria`, `title:sanctions`, `source:reuters`, `author:"jane doe"`. `volker~1` also matches
/// words within one edit (a letter added, dropped, changed or two swapped) of `volker` in title and
/// body, `~2` within two. Exit code 1 when nothing matches.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    index: IndexDir,
    /// The query. One that begins with `-` (`-syria putin`) is read as the query unless it starts
    /// like a flag (`-n`, `-e`, ...); `search -- -syria` always works.
    query: String,
    /// Hits to show (stories when near-duplicates are grouped); 0 shows only the counts, facets and
    /// histogram.
    #[arg(long, short = 'n', default_value_t = 10, value_name = "N")]
    limit: usize,
    /// Hits to skip, for paging: stories when near-duplicates are grouped, articles with
    /// --no-collapse.
    #[arg(long, default_value_t = 0, value_name = "N")]
    offset: usize,
    /// Order of the hits: relevance, newest or oldest (undated articles last). Default: newest for
    /// `*`, relevance otherwise. Grouped near-duplicates are led by the best-scoring copy and sorted
    /// by its date.
    #[arg(long, value_enum, value_name = "ORDER")]
    sort: Option<SortArg>,
    /// Only articles from this source (any case; as `source:NAME`). Repeatable: any of them.
    #[arg(long = "source", value_name = "NAME")]
    sources: Vec<String>,
    /// Count the matching stories (articles with --count articles or --no-collapse) per day, week
    /// (from Monday), month or year, dated by a story's earliest matching article; shown as a bar
    /// chart, or as "histogram" in --json.
    #[arg(long, value_enum, value_name = "INTERVAL")]
    histogram: Option<IntervalArg>,
    /// Stored fields to add to each hit or export line: body, url, author, origin, source, title,
    /// published, id.
    #[arg(long, value_delimiter = ',', value_parser = field_arg, value_name = "FIELDS")]
    fields: Vec<StoredField>,
    /// Write every match (not a page; --limit and --offset ignored) as JSON Lines or CSV, one line
    /// per article, or per story with its duplicates' ids when grouped. Columns: id, score,
    /// published, source, title, then --fields, then duplicates.
    #[arg(long, value_enum, value_name = "FORMAT", conflicts_with = "json")]
    format: Option<FormatArg>,
    /// Only articles published on or after DATE (2017-01-28, 2017-01-28T12:00:00Z, "Jan 28, 2017").
    #[arg(long, value_parser = date_arg, value_name = "DATE")]
    since: Option<OffsetDateTime>,
    /// Only articles published on or before DATE (a bare date includes that whole day).
    #[arg(long, value_parser = until_arg, value_name = "DATE")]
    until: Option<OffsetDateTime>,
    /// Only articles that mention this entity: TYPE:NAME (person:putin, org:texaco, place:moscow) or a
    /// bare NAME. A name fits an entity by its name or an alias (ignoring case), without a corporate
    /// suffix (texaco: Texaco Inc), by a person's last name, or else by the first words of its name;
    /// of those that fit, the one in most articles is used, and the output says which (and the
    /// others). Repeatable: all must hold.
    #[arg(long = "entity", short = 'e', value_name = "TYPE:NAME")]
    entities: Vec<String>,
    /// Count the entities of all matching articles, for the given types (default: person,org,place),
    /// and the sources and authors (source, author; named as stored in their first matching article).
    #[arg(long, num_args = 0..=1, value_delimiter = ',', default_missing_value = "person,org,place",
          value_parser = facet_arg, value_name = "TYPES")]
    facets: Option<Vec<FacetArg>>,
    /// Entities (sources, authors) listed per type with --facets.
    #[arg(long, default_value_t = 10, value_name = "N")]
    facet_limit: usize,
    /// List every article instead of grouping near-duplicates under the best-scoring one.
    #[arg(long)]
    no_collapse: bool,
    #[command(flatten)]
    story: super::StoryArgs,
    /// What --facets counts: stories (a group of near-duplicates counts once) or articles.
    #[arg(long, value_enum, default_value_t = Count::Stories, value_name = "WHAT")]
    count: Count,
    /// A gazetteer of your own, for resolving --entity names (as given to `index`).
    #[arg(long, value_name = "FILE")]
    gazetteer: Option<std::path::PathBuf>,
    /// An entity tagger model of your own (as given to `index`); read only to check it, since
    /// --entity names resolve with the gazetteer.
    #[arg(long, value_name = "MODEL")]
    tagger: Option<std::path::PathBuf>,
    /// Print one JSON object: {"query", "total_hits", "total_stories", "sort", "hits": [...],
    /// "facets": {...}, "entity_filters": [...], "histogram"}.
    #[arg(long)]
    json: bool,
}

/// A kind of facet: an entity type or a field.
#[derive(Debug, Clone, Copy)]
enum FacetArg {
    Entity(EntityKind),
    Field(FieldFacet),
}

fn facet_arg(value: &str) -> Result<FacetArg, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "source" | "sources" => Ok(FacetArg::Field(FieldFacet::Source)),
        "author" | "authors" => Ok(FacetArg::Field(FieldFacet::Author)),
        _ => value.parse().map(FacetArg::Entity).map_err(|_| {
            format!("unknown facet {value:?} (expected person, org, place, source or author)")
        }),
    }
}

fn field_arg(value: &str) -> Result<StoredField, String> {
    value.parse().map_err(|e: newsidx::Error| e.to_string())
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SortArg {
    Relevance,
    Newest,
    Oldest,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum IntervalArg {
    Day,
    Week,
    Month,
    Year,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    /// JSON Lines: one object a line.
    Jsonl,
    /// CSV with a header line.
    Csv,
}

/// What facet counts count.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Count {
    /// A group of near-duplicates counts once.
    Stories,
    /// Every matching article counts.
    Articles,
}

fn date_arg(value: &str) -> Result<OffsetDateTime, String> {
    parse_date(value).ok_or_else(|| {
        format!("unrecognised date {value:?} (try 2017-01-28 or 2017-01-28T12:00:00Z)")
    })
}

/// A bare date as an upper bound means the end of that day.
fn until_arg(value: &str) -> Result<OffsetDateTime, String> {
    parse_until(value).ok_or_else(|| {
        format!("unrecognised date {value:?} (try 2017-01-28 or 2017-01-28T12:00:00Z)")
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = super::open(&args.index.dir)?;
    let mut entities = Vec::with_capacity(args.entities.len());
    if !args.entities.is_empty() {
        // Names resolve with the gazetteer alone: no automaton to compile, no tagger to read.
        // A --tagger model is still read, so that a bad one fails here as it does in `index`.
        if let Some(path) = &args.tagger {
            newsidx::entities::Tagger::from_file(path)?;
        }
        let gazetteer = newsidx::entities::Gazetteer::builtin_with(super::user_gazetteer(
            args.gazetteer.as_deref(),
        )?)?;
        for spec in &args.entities {
            let entity = index.resolve_entity(spec, &gazetteer);
            entities.push(entity.with_context(|| {
                "--entity: `newsidx entities` lists the indexed entities".to_string()
            })?);
        }
    }
    let facets = args.facets.clone().unwrap_or_default();
    let request = SearchRequest {
        entities,
        facets: facets
            .iter()
            .filter_map(|f| match f {
                FacetArg::Entity(kind) => Some(*kind),
                FacetArg::Field(_) => None,
            })
            .collect(),
        field_facets: facets
            .iter()
            .filter_map(|f| match f {
                FacetArg::Field(field) => Some(*field),
                FacetArg::Entity(_) => None,
            })
            .collect(),
        facet_limit: args.facet_limit,
        sort: args.sort.map(|s| match s {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Newest => Sort::Newest,
            SortArg::Oldest => Sort::Oldest,
        }),
        sources: args.sources.clone(),
        histogram: args.histogram.map(|i| match i {
            IntervalArg::Day => Interval::Day,
            IntervalArg::Week => Interval::Week,
            IntervalArg::Month => Interval::Month,
            IntervalArg::Year => Interval::Year,
        }),
        fields: args.fields.clone(),
        collapse: (!args.no_collapse).then_some(Collapse {
            max_distance: args.story.max_distance,
            within_days: args.story.within.0,
            count: match args.count {
                Count::Stories => CountMode::Stories,
                Count::Articles => CountMode::Articles,
            },
        }),
        limit: args.limit,
        offset: args.offset,
        since: args.since,
        until: args.until,
        ..SearchRequest::new(args.query.clone())
    };
    if let Some(format) = args.format {
        let format = match format {
            FormatArg::Jsonl => ExportFormat::JsonLines,
            FormatArg::Csv => ExportFormat::Csv,
        };
        let mut out = std::io::stdout().lock();
        let lines = index.export(&request, format, &args.fields, &mut out)?;
        return Ok(if lines == 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let results = index.search(&request)?;
    if args.json {
        print_json(&results)?;
    } else {
        let style = Style::stdout();
        let mut out = std::io::stdout().lock();
        for filter in &results.entity_filters {
            writeln!(out, "{}", style.dim(&filter_line(filter)))?;
        }
        writeln!(out, "{}\n", summary_line(&results, &args))?;
        for (i, hit) in results.hits.iter().enumerate() {
            print_hit(&mut out, &style, args.offset + i + 1, hit, &args.fields)?;
        }
        print_facets(&mut out, &style, &results.facets)?;
        if let (Some(buckets), Some(interval)) = (&results.histogram, args.histogram) {
            print_histogram(&mut out, &style, buckets, interval)?;
        }
        out.flush()?;
    }
    // With --limit 0 only the counts are asked for: finding any match is success.
    let found = if args.limit == 0 {
        results.total_hits > 0
    } else {
        !results.hits.is_empty()
    };
    Ok(if found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `21 articles in 19 stories; showing stories 1-10 (near-duplicates grouped; --offset counts
/// stories)`, or why nothing is shown.
fn summary_line(results: &SearchResults, args: &Args) -> String {
    let total = results.total_hits;
    if total == 0 {
        return format!("no articles match {:?}", results.query);
    }
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut line = count(total, "article", "articles");
    if let Some(stories) = results.total_stories {
        line.push_str(&format!(" in {}", count(stories, "story", "stories")));
    }
    let grouped = !args.no_collapse;
    let unit = if grouped { "stories" } else { "articles" };
    if args.limit == 0 {
        // Counts only.
    } else if results.hits.is_empty() {
        line.push_str(&format!("; no {unit} past offset {}", args.offset));
    } else {
        let (first, last) = (args.offset + 1, args.offset + results.hits.len());
        line.push_str(&format!("; showing {unit} {first}-{last}"));
    }
    if results.sort != Sort::Relevance {
        line.push_str(&format!(", {} first", sort_name(results.sort)));
    }
    if grouped && args.limit > 0 {
        line.push_str(" (near-duplicates grouped; --offset counts stories)");
    }
    line
}

fn sort_name(sort: Sort) -> &'static str {
    match sort {
        Sort::Relevance => "best",
        Sort::Newest => "newest",
        Sort::Oldest => "oldest",
    }
}

/// `entity filter "baker" -> person:James Baker (214 articles, by last name); also: place:Baker (4)`.
fn filter_line(filter: &EntityFilter) -> String {
    let e = &filter.entity;
    let plural = if e.articles == 1 { "" } else { "s" };
    let how = match e.evidence {
        Evidence::Name => String::new(),
        other => format!(", by {}", other.describe()),
    };
    let mut line = format!(
        "entity filter {:?} -> {}:{} ({} article{plural}{how})",
        filter.query, e.kind, e.name, e.articles
    );
    if !filter.others.is_empty() {
        let mut others: Vec<String> = filter
            .others
            .iter()
            .take(OTHERS_SHOWN)
            .map(|o| format!("{}:{} ({})", o.kind, o.name, o.articles))
            .collect();
        if filter.others.len() > OTHERS_SHOWN {
            others.push(format!("{} more", filter.others.len() - OTHERS_SHOWN));
        }
        line.push_str("; also: ");
        line.push_str(&others.join(", "));
    }
    line
}

/// Other fitting entities named in the human output (`--json` lists up to
/// [`newsidx::search::entity_filter::MAX_OTHERS`]).
const OTHERS_SHOWN: usize = 4;

fn print_hit(
    out: &mut impl Write,
    style: &Style,
    rank: usize,
    hit: &Hit,
    fields: &[StoredField],
) -> std::io::Result<()> {
    writeln!(out, "{rank:>3}. {}", style.bold(&hit.label))?;
    let mut meta = Vec::new();
    if let Some(source) = &hit.source {
        meta.push(source.clone());
    }
    if let Some(published) = &hit.published {
        meta.push(published.get(..10).unwrap_or(published).to_string());
    }
    meta.push(format!("id {}", hit.id));
    meta.push(format!("score {:.2}", hit.score));
    writeln!(out, "     {}", style.dim(&meta.join(" · ")))?;
    writeln!(
        out,
        "     {}",
        highlighted(style, &hit.snippet, &hit.highlights)
    )?;
    if !hit.duplicates.is_empty() {
        let n = hit.duplicates.len();
        let plural = if n == 1 { "" } else { "s" };
        writeln!(
            out,
            "     {}",
            style.dim(&format!("+{n} near-duplicate{plural}:"))
        )?;
        for dup in hit.duplicates.iter().take(COPIES_SHOWN) {
            writeln!(out, "       {}", style.dim(&copy_line(dup)))?;
        }
        if n > COPIES_SHOWN {
            let more = format!("… and {} more (--json lists them all)", n - COPIES_SHOWN);
            writeln!(out, "       {}", style.dim(&more))?;
        }
    }
    for &field in fields {
        let value = match field {
            StoredField::Id => Some(&hit.id),
            StoredField::Title => hit.title.as_ref(),
            StoredField::Body => hit.body.as_ref(),
            StoredField::Source => hit.source.as_ref(),
            StoredField::Author => hit.author.as_ref(),
            StoredField::Url => hit.url.as_ref(),
            StoredField::Published => hit.published.as_ref(),
            StoredField::Origin => hit.origin.as_ref(),
        };
        let value = printable(value.map_or("-", |v| v.as_str()));
        writeln!(
            out,
            "     {} {value}",
            style.bold(&format!("{}:", field.as_str()))
        )?;
    }
    writeln!(out)
}

/// Hidden copies listed under a hit in the human output.
const COPIES_SHOWN: usize = 5;

/// `12  1987-04-01  Reuters  id 4521  HEADLINE`: a hidden copy with its distance to the hit.
fn copy_line(dup: &Duplicate) -> String {
    let date = dup
        .published
        .as_deref()
        .map_or("undated", |d| d.get(..10).unwrap_or(d));
    let mut parts = vec![format!("{:>3}", dup.distance), date.to_string()];
    if let Some(source) = &dup.source {
        parts.push(source.clone());
    }
    parts.push(format!("id {}", dup.id));
    parts.push(dup.label.clone());
    parts.join("  ")
}

/// Widest bar of the histogram, in character cells.
const BAR_WIDTH: usize = 40;
/// More buckets than this are shortened: runs of empty ones become one line, then the middle goes.
const CHART_LINES: usize = 40;

/// One line per bucket: its start, a bar of unicode blocks (eighths of a cell) and the count.
fn print_histogram(
    out: &mut impl Write,
    style: &Style,
    buckets: &[Bucket],
    interval: IntervalArg,
) -> std::io::Result<()> {
    let (label_len, unit) = match interval {
        IntervalArg::Day => (10, "day"),
        IntervalArg::Week => (10, "week"),
        IntervalArg::Month => (7, "month"),
        IntervalArg::Year => (4, "year"),
    };
    writeln!(out, "{}", style.bold(&format!("per {unit}")))?;
    if buckets.is_empty() {
        return writeln!(out, "  (no dated matches)");
    }
    let max = buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut empty_run: Vec<String> = Vec::new();
    let shorten = buckets.len() > CHART_LINES;
    let flush = |lines: &mut Vec<String>, run: &mut Vec<String>| {
        if run.len() >= 3 {
            lines.push(style.dim(&format!("  … {} empty {unit}s", run.len())));
        } else {
            lines.append(run);
        }
        run.clear();
    };
    for bucket in buckets {
        let label = bucket.start.get(..label_len).unwrap_or(&bucket.start);
        let line = format!(
            "  {label} {:<BAR_WIDTH$} {}",
            bar(bucket.count, max),
            bucket.count
        );
        if shorten && bucket.count == 0 {
            empty_run.push(line);
        } else {
            flush(&mut lines, &mut empty_run);
            lines.push(line);
        }
    }
    flush(&mut lines, &mut empty_run);
    if lines.len() > CHART_LINES {
        let half = CHART_LINES / 2;
        let hidden = lines.len() - 2 * half;
        let note = format!("  … {hidden} more lines (a coarser --histogram shows them all)");
        lines.splice(half..lines.len() - half, [style.dim(&note)]);
    }
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// `count` of `max` as a bar of at most [`BAR_WIDTH`] cells, in eighths; a non-zero count shows at
/// least an eighth.
fn bar(count: u64, max: u64) -> String {
    const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = (count as u128 * (BAR_WIDTH as u128 * 8) / max as u128) as usize;
    let eighths = if count > 0 { eighths.max(1) } else { 0 };
    let mut bar = "█".repeat(eighths / 8);
    if eighths % 8 > 0 {
        bar.push(EIGHTHS[eighths % 8]);
    }
    bar
}

fn print_facets(
    out: &mut impl Write,
    style: &Style,
    facets: &std::collections::BTreeMap<String, Vec<newsidx::search::FacetCount>>,
) -> std::io::Result<()> {
    for (kind, counts) in facets {
        let list: Vec<String> = counts
            .iter()
            .map(|c| format!("{} ({})", printable(&c.name), c.count))
            .collect();
        let list = if list.is_empty() {
            "-".to_string()
        } else {
            list.join(" · ")
        };
        writeln!(out, "{:<7} {}", style.bold(kind), list)?;
    }
    Ok(())
}

fn highlighted(style: &Style, text: &str, ranges: &[[usize; 2]]) -> String {
    let mut out = String::with_capacity(text.len() + 16 * ranges.len());
    let mut at = 0;
    for &[start, end] in ranges {
        if start < at
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        out.push_str(&printable(&text[at..start]));
        out.push_str(&style.highlight(&text[start..end]));
        at = end;
    }
    out.push_str(&printable(&text[at..]));
    out
}
