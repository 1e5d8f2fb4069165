//! JSON Lines: any bytes, read as a stream. Never panics; every item names the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsidx::ingest;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    let items: Vec<_> =
        ingest::read_json_lines(std::io::Cursor::new(data.to_vec()), "fuzz").collect();
    assert!(
        !items.is_empty() && items.len() <= lines,
        "{} items from {lines} lines",
        items.len()
    );
    for item in &items {
        match item {
            Ok(article) => {
                assert!(article.origin.starts_with("fuzz:"), "{article:?}");
                assert!(!article.body.trim().is_empty(), "{article:?}");
            }
            Err(err) => assert!(err.to_string().starts_with("fuzz"), "{err}"),
        }
    }
});
