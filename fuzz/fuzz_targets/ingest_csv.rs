//! CSV: any bytes, written to a `.csv` file and read through the public API. Never panics; every item
//! names the file; no more records than line terminators.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsidx::ingest::{self, Format, Input};

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fuzz.csv");
    std::fs::write(&path, data).expect("write");
    let name = path.display().to_string();
    let input = Input {
        path,
        format: Format::Csv,
    };
    let terminators = data.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
    let items: Vec<_> = ingest::read_input(&input).collect();
    assert!(
        items.len() <= terminators,
        "{} items from {terminators} lines",
        items.len()
    );
    for item in &items {
        match item {
            Ok(article) => assert!(article.origin.starts_with(&name), "{article:?}"),
            Err(err) => assert!(err.to_string().starts_with(&name), "{err}"),
        }
    }
});
