//! `.json` documents (and the same bytes as a plain-text `.txt` article): any bytes, written to a file
//! and read through the public API. Never panics; every item names the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsidx::ingest::{self, Format, Input};

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    for (file, format) in [("fuzz.json", Format::Json), ("fuzz.txt", Format::Text)] {
        let path = dir.path().join(file);
        std::fs::write(&path, data).expect("write");
        let name = path.display().to_string();
        let input = Input { path, format };
        let items: Vec<_> = ingest::read_input(&input).collect();
        // An empty array (`[]`) is no articles and no error.
        if format == Format::Text {
            assert_eq!(items.len(), 1);
        }
        for item in &items {
            match item {
                Ok(article) => assert!(article.origin.starts_with(&name), "{article:?}"),
                Err(err) => assert!(err.to_string().starts_with(&name), "{err}"),
            }
        }
    }
});
