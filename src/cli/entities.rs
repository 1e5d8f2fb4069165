//! `newsidx entities`: the most frequent entities in the index.

use std::io::Write;
use std::process::ExitCode;

use newsidx::entities::EntityKind;

use super::output::{print_json, printable, Style};
use super::IndexDir;

/// List the most frequent entities in the whole index, with the number of articles that mention each.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    index: IndexDir,
    /// Only this type: person, org or place.
    #[arg(long = "type", short = 't', value_name = "TYPE")]
    kind: Option<EntityKind>,
    /// Entities to list.
    #[arg(long, short = 'n', default_value_t = 20, value_name = "N")]
    limit: usize,
    /// Print JSON: {"entities": [{"type", "name", "count"}]}, most frequent first.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let index = super::open(&args.index.dir)?;
    let listing = index.top_entities(args.kind, args.limit)?;
    let rows = &listing.entities;
    let found = !rows.is_empty();
    if args.json {
        print_json(&listing)?;
    } else {
        let style = Style::stdout();
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{}",
            style.bold(&format!("{:>8}  {:<7} {}", "articles", "type", "entity"))
        )?;
        for row in rows {
            writeln!(
                out,
                "{:>8}  {:<7} {}",
                row.count,
                row.kind,
                printable(&row.name)
            )?;
        }
    }
    Ok(if found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
