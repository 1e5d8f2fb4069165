//! # newsidx
//!
//! A search index for news archives, on [tantivy]. It reads articles from plain text, JSON, JSON Lines
//! and CSV, upserts them by id, and searches them with BM25 and snippets.
//!
//! The data flows one way:
//!
//! ```text
//! files -> ingest (Article) -> index::Writer (tantivy document) -> NewsIndex::search -> SearchResults
//! ```
//!
//! ```
//! use newsidx::{ingest, Enricher, NewsIndex, SearchRequest, WriterOptions};
//!
//! # fn main() -> newsidx::Result<()> {
//! let dir = tempfile::tempdir().unwrap();
//! let index = NewsIndex::open_or_create(dir.path())?;
//! let feed = br#"{"id": "a1", "title": "Putin and Trump speak", "body": "The two leaders held a call."}"#;
//! let enricher = Enricher::new(None)?;
//! let mut writer = index.writer(&WriterOptions::default())?;
//! writer.index_all(ingest::read_json_lines(&feed[..], "feed"), &enricher, false, |_| {})?;
//! writer.finish()?;
//!
//! let results = index.search(&SearchRequest::new("putin call"))?;
//! assert_eq!(results.hits[0].id, "a1");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod duplicates;
pub mod enrich;
pub mod entities;
mod error;
pub mod fingerprint;
pub mod index;
pub mod ingest;
pub mod normalize;
pub mod schema;
pub mod search;
pub mod stats;
pub mod stories;
pub mod timing;

pub use enrich::Enricher;
pub use error::{Error, Result};
pub use index::{Counts, Enrichment, NewsIndex, Upsert, Writer, WriterOptions};
pub use ingest::Article;
pub use search::{Hit, SearchRequest, SearchResults};
pub use stats::Stats;
