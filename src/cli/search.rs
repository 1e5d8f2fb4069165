//! `newsidx search`: run a query and print the hits.

use std::io::Write;

use anyhow::Context;
use std::process::ExitCode;

use newsidx::entities::EntityKind;
use newsidx::ingest::parse_date;
use newsidx::search::{Collapse, CountMode, EntityFilter, Evidence, Hit};
use newsidx::SearchRequest;
use time::OffsetDateTime;

use super::output::{print_json, Style};
use super::IndexDir;

/// Search the index with tantivy's query syntax over title and body (a title match counts double).
///
/// All words must match unless you write OR: `putin call`, `putin OR medvedev`, `"phone call"`,
/// `putin -syria`, `title:sanctions`, `source:reuters`, `author:"jane doe"`. Exit code 1 when nothing
/// matches.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    index: IndexDir,
    /// The query. One that begins with `-` (`-syria putin`) is read as the query unless it starts
    /// like a flag (`-n`, `-e`, ...); `search -- -syria` always works.
    query: String,
    /// Hits to show.
    #[arg(long, short = 'n', default_value_t = 10, value_name = "N")]
    limit: usize,
    /// Hits to skip (for paging).
    #[arg(long, default_value_t = 0, value_name = "N")]
    offset: usize,
    /// Only articles published on or after DATE (2017-01-28, 2017-01-28T12:00:00Z, "Jan 28, 2017").
    #[arg(long, value_parser = date_arg, value_name = "DATE")]
    since: Option<OffsetDateTime>,
    /// Only articles published on or before DATE (a bare date includes that whole day).
    #[arg(long, value_parser = date_arg, value_name = "DATE")]
    until: Option<OffsetDateTime>,
    /// Only articles that mention this entity: TYPE:NAME (person:putin, org:texaco, place:moscow) or a
    /// bare NAME. A name fits an entity by its name or an alias (ignoring case), without a corporate
    /// suffix (texaco: Texaco Inc), by a person's last name, or else by the first words of its name;
    /// of those that fit, the one in most articles is used, and the output says which (and the
    /// others). Repeatable: all must hold.
    #[arg(long = "entity", short = 'e', value_name = "TYPE:NAME")]
    entities: Vec<String>,
    /// Count the entities of all matching articles, for the given types (default: person,org,place).
    #[arg(long, num_args = 0..=1, value_delimiter = ',', default_missing_value = "person,org,place", value_name = "TYPES")]
    facets: Option<Vec<EntityKind>>,
    /// Entities listed per type with --facets.
    #[arg(long, default_value_t = 10, value_name = "N")]
    facet_limit: usize,
    /// List every article instead of grouping near-duplicates under the best-scoring one.
    #[arg(long)]
    no_collapse: bool,
    /// How near a near-duplicate is: the estimated percent of text that may differ (0-100). 0 groups
    /// only copies with the same words; 40 also groups copies with a new headline, other quotes and a
    /// trimmed ending.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100), value_name = "K",
          default_value_t = newsidx::fingerprint::DEFAULT_MAX_DISTANCE)]
    max_distance: u32,
    /// What --facets counts: stories (a group of near-duplicates counts once) or articles.
    #[arg(long, value_enum, default_value_t = Count::Stories, value_name = "WHAT")]
    count: Count,
    /// A gazetteer of your own, for resolving --entity names (as given to `index`).
    #[arg(long, value_name = "FILE")]
    gazetteer: Option<std::path::PathBuf>,
    /// An entity tagger model of your own (as given to `index`).
    #[arg(long, value_name = "MODEL")]
    tagger: Option<std::path::PathBuf>,
    /// Print one JSON object: {"query", "total_hits", "hits": [...], "facets": {...},
    /// "entity_filters": [...]}.
    #[arg(long)]
    json: bool,
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
fn end_of_day(value: OffsetDateTime) -> OffsetDateTime {
    if value.time() == time::Time::MIDNIGHT {
        value + time::Duration::days(1) - time::Duration::seconds(1)
    } else {
        value
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = super::open(&args.index.dir)?;
    let mut entities = Vec::with_capacity(args.entities.len());
    if !args.entities.is_empty() {
        let enricher = super::enricher(args.gazetteer.as_deref(), args.tagger.as_deref())?;
        for spec in &args.entities {
            let entity = index.resolve_entity(spec, enricher.extractor());
            entities.push(entity.with_context(|| {
                "--entity: `newsidx entities` lists the indexed entities".to_string()
            })?);
        }
    }
    let request = SearchRequest {
        entities,
        facets: args.facets.clone().unwrap_or_default(),
        facet_limit: args.facet_limit,
        collapse: (!args.no_collapse).then_some(Collapse {
            max_distance: args.max_distance,
            count: match args.count {
                Count::Stories => CountMode::Stories,
                Count::Articles => CountMode::Articles,
            },
        }),
        limit: args.limit,
        offset: args.offset,
        since: args.since,
        until: args.until.map(end_of_day),
        ..SearchRequest::new(args.query)
    };
    let results = index.search(&request)?;
    if args.json {
        print_json(&results)?;
    } else {
        let style = Style::stdout();
        let mut out = std::io::stdout().lock();
        for filter in &results.entity_filters {
            writeln!(out, "{}", style.dim(&filter_line(filter)))?;
        }
        if results.total_hits == 0 {
            writeln!(out, "no articles match {:?}", results.query)?;
        } else if results.hits.is_empty() {
            writeln!(
                out,
                "no hits past offset {}: {} articles match {:?}",
                args.offset, results.total_hits, results.query
            )?;
        } else {
            let last = args.offset + results.hits.len();
            let grouped = if args.no_collapse {
                ""
            } else {
                " (near-duplicates grouped)"
            };
            writeln!(
                out,
                "{} articles match; showing {}-{}{grouped}\n",
                results.total_hits,
                args.offset + 1,
                last
            )?;
        }
        for (i, hit) in results.hits.iter().enumerate() {
            print_hit(&mut out, &style, args.offset + i + 1, hit)?;
        }
        print_facets(&mut out, &style, &results.facets)?;
        out.flush()?;
    }
    Ok(if results.hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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

fn print_hit(out: &mut impl Write, style: &Style, rank: usize, hit: &Hit) -> std::io::Result<()> {
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
        let mut sources: Vec<&str> = hit
            .duplicates
            .iter()
            .map(|d| d.source.as_deref().unwrap_or(d.id.as_str()))
            .collect();
        sources.dedup();
        let n = hit.duplicates.len();
        let plural = if n == 1 { "" } else { "s" };
        let line = format!("+{n} near-duplicate{plural}: {}", sources.join(", "));
        writeln!(out, "     {}", style.dim(&line))?;
    }
    writeln!(out)
}

fn print_facets(
    out: &mut impl Write,
    style: &Style,
    facets: &std::collections::BTreeMap<String, Vec<newsidx::search::FacetCount>>,
) -> std::io::Result<()> {
    for (kind, counts) in facets {
        let list: Vec<String> = counts
            .iter()
            .map(|c| format!("{} ({})", c.name, c.count))
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
        out.push_str(&text[at..start]);
        out.push_str(&style.highlight(&text[start..end]));
        at = end;
    }
    out.push_str(&text[at..]);
    out
}
