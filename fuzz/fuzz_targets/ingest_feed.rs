//! RSS and Atom feeds: any bytes read as a feed. Never panics; at least one item (an article per
//! entry, or why the feed cannot be read), each naming the file.
#![no_main]

#[path = "read_as.rs"]
mod read_as;

use libfuzzer_sys::fuzz_target;
use newsidx::ingest::Format;

fuzz_target!(|data: &[u8]| {
    read_as::read_as(data, "fuzz.rss", Format::Feed, |items| assert!(!items.is_empty()));
});
