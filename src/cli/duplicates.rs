//! `newsidx duplicates`: every group of near-duplicates in the index.

use std::io::Write;
use std::process::ExitCode;

use newsidx::search::stories::StorySummary;
use newsidx::search::Duplicate;

use super::output::{print_json, printable, Style};
use super::{IndexDir, StoryArgs};

/// List every story with near-duplicates in the index, largest first: its leader, then each copy
/// with its distance to the leader (every copy is within --max-distance of the leader, and
/// published within --within days of it). Each article is in at most one story.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    index: IndexDir,
    #[command(flatten)]
    story: StoryArgs,
    /// Stories to list (largest first); all when not given.
    #[arg(long, short = 'n', value_name = "N")]
    limit: Option<usize>,
    /// Stories to skip, for paging.
    #[arg(long, default_value_t = 0, value_name = "N")]
    offset: usize,
    /// Print JSON: {"total": N, "offset": N, "clusters": [{"ids": [...], "size": N, "titles":
    /// [...], "members": [{"id", "title", "label", "source", "published", "distance"}]}]}, the
    /// leader first (at distance 0); "total" counts every story, "clusters" holds the page.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = super::open(&args.index.dir)?;
    let page = index.stories_page(args.story.rule(), args.offset, args.limit)?;
    let found = !page.clusters.is_empty();
    if args.json {
        print_json(&page)?;
    } else {
        let style = Style::stdout();
        let mut out = std::io::stdout().lock();
        let clusters = &page.clusters;
        let articles: usize = clusters.iter().map(|c| c.size).sum();
        let within = match args.story.within.0 {
            Some(days) => format!(", published within {days} days of it"),
            None => String::new(),
        };
        let shown = if clusters.len() < page.total {
            format!(
                "; showing {}-{} ({articles} articles)",
                page.offset + 1,
                page.offset + clusters.len()
            )
        } else {
            format!(" ({articles} articles)")
        };
        writeln!(
            out,
            "{} stories with near-duplicates{shown}: each copy within distance {} of its story's \
             leader{within}\n",
            page.total, args.story.max_distance
        )?;
        for (i, cluster) in clusters.iter().enumerate() {
            print_story(&mut out, &style, page.offset + i + 1, cluster)?;
        }
        out.flush()?;
    }
    Ok(if found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One story: a heading with its leader's headline, then one line per article (distance to the
/// leader, date, source, id, headline or opening words), in columns.
fn print_story(
    out: &mut impl Write,
    style: &Style,
    rank: usize,
    story: &StorySummary,
) -> std::io::Result<()> {
    let leader = story
        .members
        .first()
        .map(|m| m.label.as_str())
        .unwrap_or("");
    writeln!(
        out,
        "{rank:>4}. {} {}",
        style.bold(&format!("{} articles:", story.size)),
        style.bold(leader)
    )?;
    let source = |m: &Duplicate| m.source.clone().unwrap_or_else(|| "-".into());
    let source_width = story
        .members
        .iter()
        .map(|m| source(m).chars().count())
        .max();
    let id_width = story.members.iter().map(|m| m.id.chars().count()).max();
    for (at, m) in story.members.iter().enumerate() {
        let distance = if at == 0 {
            "lead".to_string()
        } else {
            m.distance.to_string()
        };
        let date = m
            .published
            .as_deref()
            .map_or("undated", |d| d.get(..10).unwrap_or(d));
        let meta = format!(
            "{distance:>5}  {date:<10}  {:<sw$}  {:<iw$}",
            source(m),
            m.id,
            sw = source_width.unwrap_or(0),
            iw = id_width.unwrap_or(0),
        );
        writeln!(out, "      {}  {}", style.dim(&meta), printable(&m.label))?;
    }
    writeln!(out)
}
