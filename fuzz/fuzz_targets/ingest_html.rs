//! Saved web pages: any bytes read as `.html`. Never panics; one item (the article or why there is
//! none) that names the file.
#![no_main]

#[path = "read_as.rs"]
mod read_as;

use libfuzzer_sys::fuzz_target;
use newsidx::ingest::Format;

fuzz_target!(|data: &[u8]| {
    read_as::read_as(data, "fuzz.html", Format::Html, |items| assert_eq!(items.len(), 1));
});
