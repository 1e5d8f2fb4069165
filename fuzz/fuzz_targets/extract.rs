//! Entity extraction on any UTF-8 text: never panics; mentions are sorted, disjoint slices of the input
//! on character boundaries. The first line doubles as a title for `extract_article`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use newsidx::entities::{Extractor, ExtractorBuilder};

fn extractor() -> &'static Extractor {
    static EXTRACTOR: OnceLock<Extractor> = OnceLock::new();
    EXTRACTOR.get_or_init(|| ExtractorBuilder::new().build().expect("built-in extractor"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut last_end = 0;
    for m in extractor().extract(text) {
        assert!(m.start < m.end && m.end <= text.len(), "{m:?}");
        assert!(
            text.is_char_boundary(m.start) && text.is_char_boundary(m.end),
            "{m:?}"
        );
        assert_eq!(m.text, &text[m.start..m.end]);
        assert!(m.start >= last_end, "overlapping or unsorted at {m:?}");
        last_end = m.end;
    }
    let (title, body) = match text.split_once('\n') {
        Some((title, body)) => (Some(title), body),
        None => (None, text),
    };
    let entities = extractor().extract_article(title, body);
    assert!(entities.windows(2).all(|w| w[0] < w[1]));
});
