//! Web archives: any bytes read as `.warc` (and, when they start with a compression's magic bytes,
//! decompressed first). Never panics; every item names the file.
#![no_main]

#[path = "read_as.rs"]
mod read_as;

use libfuzzer_sys::fuzz_target;
use newsidx::ingest::Format;

fuzz_target!(|data: &[u8]| {
    read_as::read_as(data, "fuzz.warc", Format::Warc, |_| {});
});
