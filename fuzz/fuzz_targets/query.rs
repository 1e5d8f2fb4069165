//! Queries on a small index built once: the first three bytes pick limit, offset and collapse, the rest
//! (as UTF-8) is the query. Never panics; a failure is a query or option error; no page is longer
//! than its limit.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use newsidx::{ingest, Enricher, Error, NewsIndex, SearchRequest, WriterOptions};

const FEED: &str = r#"{"id":"a1","title":"Putin and Trump speak","body":"The two leaders held a call. Kremlin spokesman Dmitry Peskov said so.","published":"2017-02-03"}
{"id":"a2","title":"Putin, Trump talk","body":"The two leaders held a call, Kremlin spokesman Dmitry Peskov said.","published":"2017-02-04T10:00:00Z"}
{"id":"a3","title":"Storm in the Gulf of Mexico","body":"Oil rigs were shut as the storm moved west, Acme Corp said.","source":"Wire"}
{"id":"a4","body":"Grain prices rose 1,750 points on Monday in Chicago."}
"#;

fn index() -> &'static NewsIndex {
    static INDEX: OnceLock<(tempfile::TempDir, NewsIndex)> = OnceLock::new();
    &INDEX
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let index = NewsIndex::open_or_create(&dir.path().join("index")).expect("index");
            let enricher = Enricher::new(None).expect("enricher");
            let options = WriterOptions {
                heap_bytes: 50 * 1024 * 1024,
                threads: 1,
                commit_every: 100,
            };
            let mut writer = index.writer(&options).expect("writer");
            writer
                .index_all(
                    ingest::read_json_lines(FEED.as_bytes(), "feed"),
                    &enricher,
                    true,
                    |_| {},
                )
                .expect("index the feed");
            writer.finish().expect("commit");
            (dir, index)
        })
        .1
}

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
    request.collapse = (*c < 200).then_some(u32::from(*c) / 2);
    match index().search(&request) {
        Ok(results) => assert!(results.hits.len() <= request.limit),
        Err(Error::Query { .. } | Error::Invalid(_)) => {}
        Err(other) => panic!("query {query:?}: unexpected error {other:?}"),
    }
});
