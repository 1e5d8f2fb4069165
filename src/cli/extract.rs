//! `newsidx extract`: the entities of one plain-text article.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::output::{print_json, Style};

/// Print the named entities (people, organisations, places) of one plain-text article, read from FILE
/// or stdin.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The article; `-` or nothing reads stdin.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// A gazetteer of your own, merged over the built-in one.
    #[arg(long, value_name = "FILE")]
    gazetteer: Option<PathBuf>,
    /// An entity tagger model of your own (from `newsidx train-tagger`) instead of the built-in one.
    #[arg(long, value_name = "MODEL")]
    tagger: Option<std::path::PathBuf>,
    /// Print JSON: {"entities": [{"type", "name", "text", "start", "end", "confidence"}]}, one per
    /// mention, in text
    /// order; offsets are UTF-8 byte offsets into the input, end exclusive.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Listing<'a> {
    entities: Vec<MentionOut<'a>>,
}

#[derive(serde::Serialize)]
struct MentionOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'a str,
    text: &'a str,
    start: usize,
    end: usize,
    confidence: f32,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Said before reading, so that it also explains a compressed dump's read error.
    if let Some(warning) = args.file.as_deref().and_then(structured_input) {
        eprintln!("newsidx: {warning}");
    }
    let mut bytes = Vec::new();
    let origin = match args.file.as_deref() {
        Some(path) if path.as_os_str() != "-" => {
            bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            path.display().to_string()
        }
        _ => {
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read stdin")?;
            "stdin".to_string()
        }
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{origin}: invalid UTF-8 at byte {} (newsidx reads UTF-8 only)",
            e.utf8_error().valid_up_to()
        )
    })?;
    let enricher = super::enricher(args.gazetteer.as_deref(), args.tagger.as_deref())?;
    let mentions = enricher.extractor().extract(&text);
    if args.json {
        let out: Vec<MentionOut<'_>> = mentions
            .iter()
            .map(|m| MentionOut {
                kind: m.kind.as_str(),
                name: &m.name,
                text: &m.text,
                start: m.start,
                end: m.end,
                confidence: (m.confidence * 1000.0).round() / 1000.0,
            })
            .collect();
        print_json(&Listing { entities: out })?;
    } else {
        let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for m in &mentions {
            *counts.entry((m.kind.as_str(), &m.name)).or_default() += 1;
        }
        let mut rows: Vec<_> = counts.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let style = Style::stdout();
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{}",
            style.bold(&format!("{:>8}  {:<7} {}", "mentions", "type", "entity"))
        )?;
        for ((kind, name), count) in rows {
            writeln!(out, "{count:>8}  {kind:<7} {name}")?;
        }
    }
    Ok(if mentions.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A warning for a file whose name says it holds articles in another format than plain text: read
/// as one text, its markup and all of its articles are one article, and names resolve across them.
fn structured_input(path: &std::path::Path) -> Option<String> {
    use newsidx::ingest::Format;
    let what = match Format::from_path(path)? {
        Format::Text => return None,
        Format::Json => "JSON",
        Format::JsonLines => "JSON Lines",
        Format::Csv => "CSV",
        Format::Html => "a saved web page",
        Format::Feed => "a feed",
        Format::Warc => "a web archive",
    };
    Some(format!(
        "{} looks like {what}; extract reads one plain-text article, so the whole file is read as \
         one text, markup included (for each article's entities: `newsidx index` the file, then \
         `newsidx show ID` or `newsidx entities`)",
        path.display()
    ))
}
