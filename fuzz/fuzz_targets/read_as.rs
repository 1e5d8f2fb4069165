//! Shared by the file-format targets: the bytes written to a file, read through the public API as
//! one format. Never panics; every item names the file; `check` sees the items.

use newsidx::ingest::{self, Format, Input};

pub fn read_as(data: &[u8], file: &str, format: Format, check: impl Fn(&[newsidx::Result<newsidx::Article>])) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(file);
    std::fs::write(&path, data).expect("write");
    let name = path.display().to_string();
    let items: Vec<_> = ingest::read_input(&Input { path, format }).collect();
    for item in &items {
        match item {
            Ok(article) => {
                assert!(article.origin.starts_with(&name), "{article:?}");
                assert!(!article.body.trim().is_empty(), "{article:?}");
            }
            Err(err) => assert!(err.to_string().starts_with(&name), "{err}"),
        }
    }
    check(&items);
}
