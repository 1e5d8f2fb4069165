//! Queries on a small index built once: the first three bytes pick limit, offset and collapse, the rest
//! (as UTF-8) is the query. Never panics; a failure is a query or option error; no page is longer
//! than its limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsidx::{Error, SearchRequest};

#[path = "../../tests/support/small_index.rs"]
mod small_index;
use small_index::small_index;

fuzz_target!(|data: &[u8]| {
    let [l, o, c, rest @ ..] = data else {
        return;
    };
    let Ok(query) = std::str::from_utf8(rest) else {
        return;
    };
    let mut request = SearchRequest::new(query);
    request.limit = match l {
        255 => usize::MAX,
        254 => 1 << 40,
        n => usize::from(*n % 32),
    };
    request.offset = match o {
        255 => usize::MAX,
        254 => usize::MAX / 2,
        253 => 1 << 40,
        n => usize::from(*n % 16),
    };
    request.collapse = (*c < 200).then_some(newsidx::Collapse {
        max_distance: u32::from(*c) / 2,
        ..newsidx::Collapse::default()
    });
    match small_index().search(&request) {
        Ok(results) => assert!(results.hits.len() <= request.limit),
        Err(Error::Query { .. }) => {}
        Err(other) => panic!("query {query:?}: unexpected error {other:?}"),
    }
});
