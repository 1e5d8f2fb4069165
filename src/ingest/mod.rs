//! Reading articles from files, folders and stdin. Each format has its own file and turns its records
//! into [`Article`]s; this module owns what they share: the record-to-article mapping (field aliases, ids,
//! dates), input discovery and the per-record size cap. A bad record is an `Err` item naming its file and
//! line; it never stops the reading of the records after it.

mod csv;
mod date;
mod json;
mod text;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use time::OffsetDateTime;

pub use date::{parse_date, parse_until};

use crate::{Error, Result};

/// Largest accepted record (one text file, one JSON Lines line, one CSV row, one JSON file): 16 MiB.
/// Anything larger is rejected with an error rather than read into memory.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
/// Largest accepted `.json` file (it is parsed whole): 256 MiB. Use JSON Lines for more.
pub const MAX_JSON_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// One news article, ready to be indexed.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// Upsert key: the record's `id`, else its `url`, else a hash of its raw content.
    pub id: String,
    /// Headline, if any.
    pub title: Option<String>,
    /// Article text (never empty).
    pub body: String,
    /// Byline.
    pub author: Option<String>,
    /// Publication or site.
    pub source: Option<String>,
    /// Address of the article.
    pub url: Option<String>,
    /// Publication time (UTC when the input had no offset).
    pub published: Option<OffsetDateTime>,
    /// Where the record came from: `path:line`, `path:row N`, `path[N]`, `stdin:line`.
    pub origin: String,
}

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One article per file; the first line is the title when it is short and paragraphs follow.
    Text,
    /// One JSON object, or an array of them.
    Json,
    /// One JSON object per line.
    JsonLines,
    /// A header row, then one article per row.
    Csv,
}

impl Format {
    /// The format a file name implies, from its extension.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?;
        // `jsonlines` names the format, but no file is named so.
        Format::named(ext).filter(|_| !ext.eq_ignore_ascii_case("jsonlines"))
    }

    /// The format a name or extension stands for (`txt`, `json`, `jsonl`, `ndjson`, `csv`, ...).
    fn named(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "txt" | "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" | "jsonlines" => Some(Format::JsonLines),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        Format::named(s).ok_or_else(|| {
            Error::Invalid(format!(
                "unknown format {s:?} (expected txt, json, jsonl or csv)"
            ))
        })
    }
}

/// A file to read, with the format it will be read as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The file.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
}

/// What [`discover`] found under the given paths.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Files to read, in a stable order (sorted within each folder).
    pub inputs: Vec<Input>,
    /// Files passed over inside folders because their extension is not a known format.
    pub skipped: Vec<PathBuf>,
    /// Paths that could not be used (missing, unreadable, unknown format named explicitly).
    pub errors: Vec<Error>,
}

/// Expands `paths` into the files to read: folders are walked recursively (hidden entries and index
/// directories skipped, files with unknown extensions passed over), a file named explicitly must have a
/// known extension unless `format` forces one.
pub fn discover(paths: &[PathBuf], format: Option<Format>) -> Discovery {
    let mut found = Discovery::default();
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(source) => {
                found.errors.push(Error::Io {
                    path: path.clone(),
                    source,
                });
                continue;
            }
        };
        if meta.is_dir() {
            walk_dir(path, format, &mut found);
        } else {
            match format.or_else(|| Format::from_path(path)) {
                Some(format) => found.inputs.push(Input {
                    path: path.clone(),
                    format,
                }),
                None => found.errors.push(Error::Input {
                    origin: path.display().to_string(),
                    message: "unknown file type (expected .txt, .json, .jsonl, .ndjson or .csv; \
                              or name the format to read it as)"
                        .into(),
                }),
            }
        }
    }
    found
}

fn walk_dir(dir: &Path, format: Option<Format>, found: &mut Discovery) {
    let walker = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !(is_hidden(e.file_name()) || is_index_dir(e)));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(dir).to_path_buf();
                found.errors.push(Error::Io {
                    path,
                    source: err.into(),
                });
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.into_path();
        match Format::from_path(&path).or(format) {
            Some(format) => found.inputs.push(Input { path, format }),
            None => found.skipped.push(path),
        }
    }
}

/// A tantivy index directory (a newsidx index among the articles, say) holds no articles.
fn is_index_dir(entry: &walkdir::DirEntry) -> bool {
    // A newsidx index is a tantivy index too.
    entry.file_type().is_dir()
        && entry.path().join("meta.json").exists()
        && entry.path().join(".managed.json").exists()
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

/// A stream of records: an article or the error of a bad record, one item per record.
pub type Records = Box<dyn Iterator<Item = Result<Article>> + Send>;

/// The articles of one input file, one item per record.
pub fn read_input(input: &Input) -> Records {
    read_input_counting(input, Arc::default())
}

/// [`read_input`], adding to `read` the bytes read from the file as its records stream (JSON Lines
/// and CSV; a text or `.json` file is read whole before its first record, and not counted).
pub fn read_input_counting(input: &Input, read: Arc<AtomicU64>) -> Records {
    let path = input.path.clone();
    let origin = path.display().to_string();
    let open_counted =
        |path: &Path| open(path).map(|file| BufReader::new(CountingReader::new(file, read)));
    match input.format {
        Format::Text => Box::new(std::iter::once(text::read_file(&path, &origin))),
        Format::Json => json::read_file(&path, &origin),
        Format::JsonLines => match open_counted(&path) {
            Ok(file) => Box::new(json::Lines::new(file, origin)),
            Err(err) => Box::new(std::iter::once(Err(err))),
        },
        Format::Csv => match open_counted(&path) {
            Ok(file) => csv::read(file, origin),
            Err(err) => Box::new(std::iter::once(Err(err))),
        },
    }
}

/// A reader that adds the bytes read through it to a shared count (one atomic add per read call,
/// which a `BufReader` makes once per buffer).
#[derive(Debug)]
pub struct CountingReader<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> CountingReader<R> {
    /// `inner`, counting into `read`.
    pub fn new(inner: R, read: Arc<AtomicU64>) -> CountingReader<R> {
        CountingReader { inner, read }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The articles of a request body (the HTTP API's `POST /api/articles`): a JSON array of articles
/// (origins `NAME[N]`) or a single object (origin `NAME`) when the body parses as one JSON document
/// that begins with `[` or `{`, else JSON Lines (origins `NAME:LINE`).
pub fn read_body(bytes: Vec<u8>, name: &str) -> Records {
    let first = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|at| bytes[at]);
    let document = match first {
        Some(b'[') => true,
        // One object over several lines is a document; several objects are JSON Lines.
        Some(b'{') => serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok(),
        _ => false,
    };
    if document {
        return match json::parse_document(bytes, name) {
            Ok(articles) => Box::new(articles.into_iter()),
            Err(err) => Box::new(std::iter::once(Err(err))),
        };
    }
    read_json_lines(std::io::Cursor::new(bytes), name)
}

/// The articles of a JSON Lines stream, with origins `NAME:LINE`.
pub fn read_json_lines<R: Read + Send + 'static>(reader: R, name: &str) -> Records {
    Box::new(json::Lines::new(BufReader::new(reader), name.to_string()))
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The fields of one input record, before validation. Formats fill it by field name through
/// [`RecordFields::set`], which knows the aliases.
#[derive(Debug, Default)]
pub(crate) struct RecordFields {
    id: Option<String>,
    title: Option<String>,
    body: Option<String>,
    author: Option<String>,
    source: Option<String>,
    url: Option<String>,
    published: Option<String>,
}

impl RecordFields {
    /// Stores `value` under the canonical field that `name` (or one of its aliases) stands for. Unknown
    /// names are ignored; the canonical name wins over an alias whatever their order.
    pub(crate) fn set(&mut self, name: &str, value: String) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let Some((slot, canonical)) = self.slot(name) else {
            return;
        };
        if canonical || slot.is_none() {
            *slot = Some(value.to_string());
        }
    }

    /// Whether `name` (a JSON key or CSV column) is the body or one of its aliases.
    pub(crate) fn is_body(name: &str) -> bool {
        let mut fields = RecordFields::default();
        fields.set(name, "x".into());
        fields.body.is_some()
    }

    /// The field that `name` stands for, and whether `name` is its canonical name (not an alias).
    fn slot(&mut self, name: &str) -> Option<(&mut Option<String>, bool)> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "id" => (&mut self.id, true),
            "title" | "headline" => (&mut self.title, name.eq_ignore_ascii_case("title")),
            "body" => (&mut self.body, true),
            "text" | "content" => (&mut self.body, false),
            "author" | "byline" => (&mut self.author, name.eq_ignore_ascii_case("author")),
            "source" => (&mut self.source, true),
            "publication" | "site" => (&mut self.source, false),
            "url" | "link" => (&mut self.url, name.eq_ignore_ascii_case("url")),
            "published" => (&mut self.published, true),
            "date" => (&mut self.published, false),
            _ => return None,
        })
    }

    /// Validates the record and makes it an article; `raw` is the record's bytes, hashed for its id when it
    /// has neither `id` nor `url`.
    pub(crate) fn into_article(self, raw: &[u8], origin: String) -> Result<Article> {
        let fail = |message: String| Error::Input {
            origin: origin.clone(),
            message,
        };
        let body = self.body.ok_or_else(|| {
            fail("record has no body (expected a body, text or content field)".into())
        })?;
        let published = match self.published {
            Some(ref value) => Some(parse_date(value).ok_or_else(|| {
                fail(format!(
                    "unrecognised date {value:?} (expected RFC 3339, RFC 2822, YYYY-MM-DD, \
                     YYYY-MM-DD HH:MM[:SS] or forms like \"Feb 3, 2017\" and \"3 February 2017\")"
                ))
            })?),
            None => None,
        };
        let id = match (self.id, &self.url) {
            (Some(id), _) => id,
            (None, Some(url)) => url.clone(),
            (None, None) => content_id(raw),
        };
        Ok(Article {
            id,
            title: self.title,
            body,
            author: self.author,
            source: self.source,
            url: self.url,
            published,
            origin,
        })
    }
}

/// A stable id for a record without `id` or `url`: FNV-1a (64 bit) of its raw bytes, in hex. Stable
/// across builds and platforms, unlike `std`'s hasher, so re-indexing the same input hits the same id.
pub fn content_id(raw: &[u8]) -> String {
    format!("{:016x}", crate::text::fnv1a(raw))
}

/// Decodes a record's bytes as UTF-8, or says where the first bad byte is.
pub(crate) fn decode_utf8(bytes: Vec<u8>, origin: &str) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| Error::Input {
        origin: origin.to_string(),
        message: format!(
            "invalid UTF-8 at byte {} of the record (newsidx reads UTF-8 only; convert the file, \
             e.g. with iconv)",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Rejects a record larger than [`MAX_RECORD_BYTES`].
pub(crate) fn check_size(len: usize, origin: &str) -> Result<()> {
    if len > MAX_RECORD_BYTES {
        return Err(Error::Input {
            origin: origin.to_string(),
            message: format!(
                "record of {len} bytes exceeds the {} MiB limit",
                MAX_RECORD_BYTES / (1024 * 1024)
            ),
        });
    }
    Ok(())
}

/// True when the bytes look like a binary file rather than text (a NUL byte in the first 8 KiB).
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8192).any(|&b| b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_field_wins_over_alias_in_any_order() {
        let mut fields = RecordFields::default();
        fields.set("text", "alias body".into());
        fields.set("body", "real body".into());
        fields.set("content", "other alias".into());
        let article = fields.into_article(b"x", "t:1".into()).unwrap();
        assert_eq!(article.body, "real body");
    }

    #[test]
    fn id_falls_back_to_url_then_content_hash() {
        let mut with_url = RecordFields::default();
        with_url.set("body", "b".into());
        with_url.set("url", "https://example.com/a".into());
        assert_eq!(
            with_url.into_article(b"raw", "t:1".into()).unwrap().id,
            "https://example.com/a"
        );
        let mut bare = RecordFields::default();
        bare.set("body", "b".into());
        let a = bare.into_article(b"raw one", "t:1".into()).unwrap();
        assert_eq!(a.id, content_id(b"raw one"));
        assert_ne!(content_id(b"raw one"), content_id(b"raw two"));
        assert_eq!(content_id(b""), "cbf29ce484222325");
    }

    #[test]
    fn record_without_body_is_rejected_with_origin() {
        let mut fields = RecordFields::default();
        fields.set("title", "Only a headline".into());
        fields.set("body", "   ".into());
        let err = fields
            .into_article(b"x", "feed.jsonl:7".into())
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("feed.jsonl:7: record has no body"),
            "{err}"
        );
    }

    #[test]
    fn bad_date_is_rejected_with_value() {
        let mut fields = RecordFields::default();
        fields.set("body", "b".into());
        fields.set("date", "yesterday-ish".into());
        let err = fields.into_article(b"x", "a.csv:row 3".into()).unwrap_err();
        assert!(err.to_string().contains("\"yesterday-ish\""), "{err}");
    }

    #[test]
    fn format_from_extension() {
        for (name, format) in [
            ("a.txt", Some(Format::Text)),
            ("a.JSON", Some(Format::Json)),
            ("a.jsonl", Some(Format::JsonLines)),
            ("a.ndjson", Some(Format::JsonLines)),
            ("a.csv", Some(Format::Csv)),
            ("a.html", None),
            ("README", None),
        ] {
            assert_eq!(Format::from_path(Path::new(name)), format, "{name}");
        }
    }
}
