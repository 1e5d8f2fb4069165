//! Builds the committed compatibility index `index-fixtures/compat-index/` from the bundled articles.
//! Run it only when the on-disk format changes on purpose (and bump `FORMAT_VERSION` or the signature
//! version so that older indexes are refused; keep the old fixture as `compat-index-vN` to show the
//! refusal):
//!
//! `cargo run --example compat_fixture`

use std::path::PathBuf;

use newsidx::ingest;
use newsidx::{Enricher, NewsIndex, WriterOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from("index-fixtures/compat-index");
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    let index = NewsIndex::open_or_create(&out)?;
    let options = WriterOptions {
        threads: 1,
        ..WriterOptions::default()
    };
    let mut writer = index.writer(&options)?;
    let enricher = Enricher::new(None)?;
    let found = ingest::discover(&[PathBuf::from("index-fixtures")], None);
    let inputs = found
        .inputs
        .into_iter()
        .filter(|i| !i.path.starts_with(&out));
    for input in inputs {
        writer.index_all(ingest::read_input(&input), &enricher, false, |_| {})?;
    }
    writer.finish()?;
    // Without tantivy's lock files, which belong to a running process.
    for name in [".tantivy-meta.lock", ".tantivy-writer.lock"] {
        let _ = std::fs::remove_file(out.join(name));
    }
    println!("{}: {:?}", out.display(), index.stats()?);
    Ok(())
}
