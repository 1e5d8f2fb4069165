//! `newsidx show`: one article whole, with its entities where they occur and its other copies.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use newsidx::search::article::{ArticleView, TextField};

use super::output::{count, print_json, printable, Style};
use super::IndexDir;

/// Show one article: its headline, source, author, date, address, origin and text, its entities
/// highlighted where they occur, and its story (the other articles within --max-distance of it).
/// Exit code 1 when the index holds no article with that id.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    index: IndexDir,
    /// The article's id, as `search` prints it.
    id: String,
    /// How near another article must be to be listed in the story: the estimated percent of text
    /// that may differ (0-100), as for `search`.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100), value_name = "K",
          default_value_t = newsidx::fingerprint::DEFAULT_MAX_DISTANCE)]
    max_distance: u32,
    /// A gazetteer of your own (as given to `index`), for finding the mentions.
    #[arg(long, value_name = "FILE")]
    gazetteer: Option<PathBuf>,
    /// An entity tagger model of your own (as given to `index`).
    #[arg(long, value_name = "MODEL")]
    tagger: Option<PathBuf>,
    /// Print one JSON object: {"id", "title", "body", "source", "author", "url", "published",
    /// "origin", "entities": [{"type", "name"}], "mentions": [{"type", "name", "field", "text",
    /// "start", "end"}], "max_distance", "story": [{"id", "title", "source", "published",
    /// "distance"}]}.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = super::open(&args.index.dir)?;
    let enricher = super::enricher(args.gazetteer.as_deref(), args.tagger.as_deref())?;
    let Some(article) = index.article(&args.id, enricher.extractor(), args.max_distance)? else {
        eprintln!(
            "newsidx: no article with id {:?} in {} (`newsidx search` prints the ids)",
            args.id,
            index.path().display()
        );
        return Ok(ExitCode::from(1));
    };
    if args.json {
        print_json(&article)?;
    } else {
        let mut out = std::io::stdout().lock();
        print_article(&mut out, &Style::stdout(), &article)?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_article(out: &mut impl Write, style: &Style, a: &ArticleView) -> std::io::Result<()> {
    if let Some(title) = &a.title {
        let spans = spans_in(a, TextField::Title);
        let bold = |text: &str| style.bold(text);
        writeln!(out, "{}", style.highlight_ranges(title, &spans, bold))?;
    }
    let meta: Vec<&str> = [&a.source, &a.author, &a.published, &a.url]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if !meta.is_empty() {
        writeln!(out, "{}", style.dim(&meta.join(" · ")))?;
    }
    let mut from = format!("id {}", a.id);
    if let Some(origin) = &a.origin {
        from.push_str(&format!(" · from {origin}"));
    }
    writeln!(out, "{}\n", style.dim(&from))?;
    let spans = spans_in(a, TextField::Body);
    let plain = |text: &str| text.to_string();
    writeln!(out, "{}\n", style.highlight_ranges(&a.body, &spans, plain))?;

    let mut mentions: BTreeMap<(&str, &str), u64> = a
        .entities
        .iter()
        .map(|e| ((e.kind.as_str(), e.name.as_str()), 0))
        .collect();
    for m in &a.mentions {
        *mentions.entry((&m.kind, &m.name)).or_default() += 1;
    }
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{} (mentions)",
            count(a.entities.len() as u64, "entity", "entities")
        ))
    )?;
    for ((kind, name), n) in &mentions {
        writeln!(out, "  {kind:<7} {} ({n})", printable(name))?;
    }
    let others = count(a.story.len() as u64, "other copy", "other copies");
    writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "story: {others} within distance {}",
            a.max_distance
        ))
    )?;
    for copy in &a.story {
        let label = copy.title.as_deref().unwrap_or("(no headline)");
        let mut meta = vec![format!("distance {}", copy.distance)];
        meta.extend(copy.source.clone());
        meta.extend(
            copy.published
                .as_deref()
                .map(|p| p.get(..10).unwrap_or(p).to_string()),
        );
        writeln!(
            out,
            "  {}  {}  {}",
            printable(&copy.id),
            printable(label),
            style.dim(&meta.join(" · "))
        )?;
    }
    Ok(())
}

/// The byte ranges of the mentions in `field`.
fn spans_in(a: &ArticleView, field: TextField) -> Vec<[usize; 2]> {
    a.mentions
        .iter()
        .filter(|m| m.field == field)
        .map(|m| [m.start, m.end])
        .collect()
}
