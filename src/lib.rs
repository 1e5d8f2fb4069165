//! # newsidx
//!
//! A search index for news archives, on [tantivy]. It reads articles from plain text, JSON, JSON Lines
//! and CSV, upserts them by id, and searches them with BM25 and snippets.
//!
//! The data flows one way, and each layer uses only those before it (DESIGN.md draws them):
//!
//! ```text
//! text -> entities, fingerprint -> ingest -> enrich -> store -> writer, search -> index -> (cli)
//! files -> ingest (Article) -> enrich (one token stream: entities, fingerprint, terms)
//!       -> writer (tantivy document) -> store <- search (query, collapse, facets, snippets) -> hits
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

pub mod enrich;
pub mod entities;
mod error;
pub mod fingerprint;
pub mod index;
pub mod ingest;
pub mod search;
#[cfg(feature = "serve")]
pub mod serve;
pub mod store;
pub mod text;
pub mod writer;

pub use enrich::{Enricher, Enrichment};
pub use error::{Error, Result};
pub use index::NewsIndex;
pub use ingest::Article;
pub use search::stats::Stats;
pub use search::{Collapse, CountMode, Hit, SearchRequest, SearchResults};
pub use writer::{Report, Sources, Upsert, Writer, WriterOptions};
