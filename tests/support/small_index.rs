//! A small index built once per process through the public API: two captures of one story (a1, a2),
//! an unrelated article (a3) and one in several scripts with an emoji (a4). `tests/properties.rs` and
//! the `query` fuzz target (a crate of its own) both include this file with `#[path]`.

use std::sync::OnceLock;

use newsidx::{ingest, Enricher, NewsIndex, WriterOptions};

/// The articles, as JSON Lines.
pub const FEED: &str = concat!(
    r#"{"id":"a1","title":"Putin and Trump speak","body":"The two leaders held a call. Kremlin spokesman Dmitry Peskov said so.","published":"2017-02-03"}"#,
    "\n",
    r#"{"id":"a2","title":"Putin, Trump talk","body":"The two leaders held a call, Kremlin spokesman Dmitry Peskov said.","published":"2017-02-04T10:00:00Z"}"#,
    "\n",
    r#"{"id":"a3","title":"Storm in the Gulf of Mexico","body":"Oil rigs were shut as the storm moved west, Acme Corp said.","source":"Wire"}"#,
    "\n",
    r#"{"id":"a4","body":"Grain prices rose 1,750 points \u00e9t\u00e9 \u05e9\u05dc\u05d5\u05dd \ud83d\ude00 on Monday."}"#,
    "\n",
);

/// The index of [`FEED`], in a temp dir that lives as long as the process.
pub fn small_index() -> &'static NewsIndex {
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
                ..WriterOptions::default()
            };
            let mut writer = index.writer(&options).expect("writer");
            let report = writer
                .index_all(
                    ingest::read_json_lines(FEED.as_bytes(), "feed"),
                    &enricher,
                    true,
                    |_| {},
                )
                .expect("index the feed");
            assert_eq!(report.added, 4, "every article of the feed is indexed");
            writer.finish().expect("commit");
            (dir, index)
        })
        .1
}
