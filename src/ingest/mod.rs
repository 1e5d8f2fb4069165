//! Reading articles from files, folders and stdin. Each format has its own file and turns its records
//! into [`Article`]s; this module owns what they share: the record-to-article mapping (field aliases, ids,
//! dates), input discovery and the per-record size cap. A bad record is an `Err` item naming its file and
//! line; it never stops the reading of the records after it.

mod compression;
mod csv;
mod date;
mod feed;
mod fields;
mod html;
mod json;
mod text;
mod warc;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use time::OffsetDateTime;

pub use compression::Compression;
pub use csv::{MAX_CSV_FIELDS, MAX_CSV_FIELD_BYTES};
pub use date::{parse_date, parse_date_in, parse_until, DateOrder, ParsedDate};
pub use fields::FieldMap;
pub(crate) use fields::{Reading, RecordFields};
pub use json::MAX_JSON_DEPTH;

use crate::{Error, Result};

/// Largest accepted record (one text file, one JSON Lines line, one CSV row, one JSON file): 16 MiB.
/// Anything larger is rejected with an error rather than read into memory.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
/// Longest line kept in memory when reading JSON Lines or CSV: a record's size, since a line holds
/// at most one record. The rest of a longer line is read past without being kept, and the line is
/// rejected.
pub const MAX_LINE_BYTES: usize = MAX_RECORD_BYTES;
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
    /// What was read but not as given (a date that could not be read and was left out, a date whose
    /// day and month could be read either way): the article is indexed, and these are reported.
    pub warnings: Vec<String>,
}

/// How records are read, beyond their format: which keys hold which fields, and how dates are read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `--map FIELD=KEY`: keys (JSON keys, dotted paths into nested objects, CSV columns) that hold a
    /// field, taken before any name newsidx knows.
    pub map: Vec<FieldMap>,
    /// How numeric dates such as `03/04/2017` are read (`--date-order`).
    pub date_order: DateOrder,
    /// A date that cannot be read rejects its record (`--strict`); otherwise the article is indexed
    /// without a date and a warning says so.
    pub strict_dates: bool,
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
    /// A saved web page: its article (metadata and main text), not the page.
    Html,
    /// An RSS 2.0, RSS 1.0 (RDF) or Atom feed: one article per item.
    Feed,
    /// A web archive (WARC): one article per HTML response.
    Warc,
}

impl Format {
    /// The format a file name implies, from its extension; a compressed file's from the extension
    /// before the compression's (`news.jsonl.gz` holds JSON Lines).
    pub fn from_path(path: &Path) -> Option<Format> {
        let inner = compression::inner_path(path);
        let ext = inner.extension()?.to_str()?;
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
            "html" | "htm" | "xhtml" | "shtml" => Some(Format::Html),
            "rss" | "atom" | "rdf" | "feed" => Some(Format::Feed),
            "warc" => Some(Format::Warc),
            _ => None,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        Format::named(s).ok_or_else(|| {
            Error::Invalid(format!(
                "unknown format {s:?} (expected txt, json, jsonl, csv, html, feed or warc)"
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
            walk_dir(path, format, &mut found, MAX_WALK_FILES);
        } else {
            match format
                .or_else(|| Format::from_path(path))
                .or_else(|| sniff_file(path))
            {
                Some(format) => found.inputs.push(Input {
                    path: path.clone(),
                    format,
                }),
                None => found.errors.push(Error::Input {
                    origin: path.display().to_string(),
                    message: "unknown file type (expected .txt, .json, .jsonl, .ndjson, .csv, \
                              .html, .rss, .atom or .warc, each also compressed as .gz, .zst, \
                              .bz2 or .xz; or name the format to read it as with --format)"
                        .into(),
                }),
            }
        }
    }
    found
}

/// Files one run takes from its folders (what it reads and what it passes over): the list is held
/// in memory, about 150 bytes a file. Past it, the walk stops with an error naming the folder.
pub const MAX_WALK_FILES: usize = 2_000_000;

fn walk_dir(dir: &Path, format: Option<Format>, found: &mut Discovery, limit: usize) {
    // Symbolic links are followed (a loop is reported, not walked forever); a link to nothing is
    // reported with its path.
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !(is_hidden(e.file_name()) || is_index_dir(e)));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(dir).to_path_buf();
                let message = match err.loop_ancestor() {
                    Some(ancestor) => format!(
                        "a symbolic link that loops back to {}; not followed",
                        ancestor.display()
                    ),
                    None => match err.io_error() {
                        Some(io) if io.kind() == std::io::ErrorKind::NotFound => {
                            "a symbolic link to nothing (dangling); skipped".to_string()
                        }
                        _ => err.to_string(),
                    },
                };
                found.errors.push(Error::Input {
                    origin: path.display().to_string(),
                    message,
                });
                continue;
            }
        };
        if entry.file_type().is_dir() {
            continue;
        }
        if found.inputs.len() + found.skipped.len() >= limit {
            found.errors.push(Error::Input {
                origin: dir.display().to_string(),
                message: format!(
                    "more than {limit} files (MAX_WALK_FILES): the first were taken, the rest of \
                     the folder was not walked; index its subfolders in separate runs"
                ),
            });
            return;
        }
        if !entry.file_type().is_file() {
            // A FIFO, socket or device: never opened (reading a FIFO would wait forever); listed.
            found.skipped.push(entry.into_path());
            continue;
        }
        let path = entry.into_path();
        match Format::from_path(&path)
            .or(format)
            .or_else(|| sniff_file(&path))
        {
            Some(format) => found.inputs.push(Input { path, format }),
            None => found.skipped.push(path),
        }
    }
}

/// The format of a file whose name does not say, from its first bytes (decompressed): a web page,
/// a feed or a web archive.
fn sniff_file(path: &Path) -> Option<Format> {
    let file = File::open(path).ok()?;
    let (reader, _) = compression::decoded(file).ok()?;
    let mut head = Vec::with_capacity(2048);
    reader.take(2048).read_to_end(&mut head).ok()?;
    sniff(&head)
}

/// A web page, a feed or a web archive, from the first bytes of a file.
fn sniff(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with("warc/1.") {
        return Some(Format::Warc);
    }
    if !text.starts_with('<') {
        return None;
    }
    if text.contains("<rss") || text.contains("<feed") || text.contains("<rdf:rdf") {
        return Some(Format::Feed);
    }
    if text.contains("<html") || text.starts_with("<!doctype html") {
        return Some(Format::Html);
    }
    None
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
    read_input_counting(input, &ReadOptions::default(), Arc::default())
}

/// [`read_input`], adding to `read` the bytes read from the file as its records stream. A file that
/// starts with the magic bytes of gzip, zstd, bzip2 or xz is decompressed as it is read (`read`
/// counts the compressed bytes, so progress is against the file's size).
///
/// Nothing is opened or read until the first record is asked for, so a folder's inputs can be
/// listed up front and read one at a time: memory holds one file's records at most, and one file
/// is open at a time.
pub fn read_input_counting(input: &Input, options: &ReadOptions, read: Arc<AtomicU64>) -> Records {
    let (input, options) = (input.clone(), options.clone());
    Box::new(Deferred {
        open: Some(move || open_input(&input, &options, read)),
        records: None,
    })
}

/// An input opened on its first `next`.
struct Deferred<F> {
    open: Option<F>,
    records: Option<Records>,
}

impl<F: FnOnce() -> Records> Iterator for Deferred<F> {
    type Item = Result<Article>;

    fn next(&mut self) -> Option<Result<Article>> {
        if let Some(open) = self.open.take() {
            self.records = Some(open());
        }
        let next = self.records.as_mut()?.next();
        if next.is_none() {
            // Done: let go of the file and its buffers now, not when the list of inputs goes.
            self.records = None;
        }
        next
    }
}

fn open_input(input: &Input, options: &ReadOptions, read: Arc<AtomicU64>) -> Records {
    let reading = Reading::new(options);
    let path = input.path.clone();
    let origin = path.display().to_string();
    let stream = open(&path).and_then(|file| {
        compression::decoded(CountingReader::new(file, read)).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })
    });
    let stream = match stream {
        Ok((stream, _)) => stream,
        Err(err) => return Box::new(std::iter::once(Err(err))),
    };
    match input.format {
        Format::Text => {
            let article = read_whole(stream, MAX_RECORD_BYTES as u64, &origin)
                .and_then(|bytes| text::parse(bytes, &origin, &reading));
            Box::new(std::iter::once(article))
        }
        Format::Json => match read_whole(stream, MAX_JSON_FILE_BYTES, &origin) {
            Ok(bytes) => match json::parse_document(bytes, &origin, &reading) {
                Ok(articles) => Box::new(articles.into_iter()),
                Err(err) => Box::new(std::iter::once(Err(err))),
            },
            Err(err) => Box::new(std::iter::once(Err(err))),
        },
        Format::JsonLines => Box::new(json::Lines::new(stream, origin, reading)),
        Format::Csv => csv::read(stream, origin, reading),
        Format::Html => {
            let article = read_whole(stream, MAX_RECORD_BYTES as u64, &origin)
                .and_then(|bytes| html::parse(bytes, &origin, &reading));
            Box::new(std::iter::once(article))
        }
        Format::Feed => match read_whole(stream, MAX_JSON_FILE_BYTES, &origin) {
            Ok(bytes) => Box::new(feed::parse(&bytes, &origin, &reading).into_iter()),
            Err(err) => Box::new(std::iter::once(Err(err))),
        },
        Format::Warc => Box::new(warc::Warc::new(stream, origin, reading)),
    }
}

/// All of `reader` (a file read whole: a text article or a `.json` document), refusing more than
/// `limit` bytes.
fn read_whole(reader: impl Read, limit: u64, origin: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Input {
            origin: origin.to_string(),
            message: format!("read error: {e}"),
        })?;
    if bytes.len() as u64 > limit {
        let mib = limit / (1024 * 1024);
        let message = if limit == MAX_JSON_FILE_BYTES {
            format!("JSON file larger than the {mib} MiB limit for .json; use JSON Lines (.jsonl)")
        } else {
            format!("a record larger than {mib} MiB; split it")
        };
        return Err(Error::Input {
            origin: origin.to_string(),
            message,
        });
    }
    Ok(bytes)
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

/// Standard input read on a thread of its own, ending (as at end of input) once `stop` is set: a
/// read blocked on a pipe or terminal that sends nothing cannot hold up an interrupted run. The
/// thread may stay blocked in its read until the process exits.
pub fn stoppable_stdin(stop: Arc<std::sync::atomic::AtomicBool>) -> StoppableReader {
    let (send, receive) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(4);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        loop {
            let mut buf = vec![0u8; 64 * 1024];
            let read = stdin.read(&mut buf);
            let end = !matches!(read, Ok(n) if n > 0);
            if send
                .send(read.map(|n| {
                    buf.truncate(n);
                    buf
                }))
                .is_err()
                || end
            {
                return;
            }
        }
    });
    StoppableReader {
        receive,
        stop,
        chunk: Vec::new(),
        at: 0,
    }
}

/// See [`stoppable_stdin`].
#[derive(Debug)]
pub struct StoppableReader {
    receive: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for StoppableReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(0);
            }
            match self
                .receive
                .recv_timeout(std::time::Duration::from_millis(50))
            {
                Ok(chunk) => {
                    self.chunk = chunk?;
                    self.at = 0;
                    if self.chunk.is_empty() {
                        return Ok(0);
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
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
        return match json::parse_document(bytes, name, &Reading::default()) {
            Ok(articles) => Box::new(articles.into_iter()),
            Err(err) => Box::new(std::iter::once(Err(err))),
        };
    }
    read_json_lines(std::io::Cursor::new(bytes), name)
}

/// The articles of a JSON Lines stream, with origins `NAME:LINE`.
pub fn read_json_lines<R: Read + Send + 'static>(reader: R, name: &str) -> Records {
    read_json_lines_with(reader, name, &ReadOptions::default())
}

/// [`read_json_lines`] with `options`.
pub fn read_json_lines_with<R: Read + Send + 'static>(
    reader: R,
    name: &str,
    options: &ReadOptions,
) -> Records {
    Box::new(json::Lines::new(
        BufReader::new(reader),
        name.to_string(),
        Reading::new(options),
    ))
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
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

    #[cfg(unix)]
    #[test]
    fn links_are_followed_and_what_is_not_read_is_named() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("real.jsonl"), "{\"body\": \"x\"}\n").unwrap();
        symlink(elsewhere.join("real.jsonl"), root.join("link.jsonl")).unwrap();
        symlink(&elsewhere, root.join("linked-folder")).unwrap();
        symlink(
            dir.path().join("nothing.jsonl"),
            root.join("dangling.jsonl"),
        )
        .unwrap();
        symlink(&root, root.join("loop")).unwrap();
        let fifo = root.join("pipe.jsonl");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let found = discover(std::slice::from_ref(&root), None);
        let inputs: Vec<String> = found
            .inputs
            .iter()
            .map(|i| i.path.strip_prefix(&root).unwrap().display().to_string())
            .collect();
        assert_eq!(inputs, ["link.jsonl", "linked-folder/real.jsonl"]);
        let errors: Vec<String> = found.errors.iter().map(|e| e.to_string()).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("dangling.jsonl") && e.contains("dangling")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.contains("loops back")),
            "{errors:?}"
        );
        if made.is_ok_and(|s| s.success()) {
            assert_eq!(found.skipped, [fifo]);
        }
    }

    #[test]
    fn an_input_is_opened_only_when_its_first_record_is_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("later.json");
        let input = Input {
            path: path.clone(),
            format: Format::Json,
        };
        let mut records = read_input(&input);
        // Written after the reader was made: a reader that opened at once would fail.
        std::fs::write(&path, r#"{"id": "x", "body": "text"}"#).unwrap();
        assert_eq!(records.next().unwrap().unwrap().id, "x");
        assert!(records.next().is_none());
    }

    #[test]
    fn pages_feeds_and_archives_are_recognised_by_their_first_bytes() {
        assert_eq!(sniff(b"  <!DOCTYPE html><html>"), Some(Format::Html));
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\">"),
            Some(Format::Feed)
        );
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">"),
            Some(Format::Feed)
        );
        assert_eq!(
            sniff(b"WARC/1.0\r\nWARC-Type: warcinfo"),
            Some(Format::Warc)
        );
        assert_eq!(sniff(b"{\"id\": 1}"), None);
        assert_eq!(sniff(b"<note>xml</note>"), None);
    }

    #[test]
    fn format_from_extension() {
        for (name, format) in [
            ("a.txt", Some(Format::Text)),
            ("a.JSON", Some(Format::Json)),
            ("a.jsonl", Some(Format::JsonLines)),
            ("a.ndjson", Some(Format::JsonLines)),
            ("a.csv", Some(Format::Csv)),
            ("a.html", Some(Format::Html)),
            ("a.rss", Some(Format::Feed)),
            ("cc.warc.gz", Some(Format::Warc)),
            ("a.jsonl.gz", Some(Format::JsonLines)),
            ("a.xml", None),
            ("README", None),
        ] {
            assert_eq!(Format::from_path(Path::new(name)), format, "{name}");
        }
    }

    #[test]
    fn a_walk_stops_at_its_file_limit_and_says_where() {
        let dir = tempfile::tempdir().expect("tempdir");
        for i in 0..5 {
            std::fs::write(dir.path().join(format!("a{i}.txt")), "Body text.").expect("write");
        }
        let mut found = Discovery::default();
        walk_dir(dir.path(), None, &mut found, 3);
        assert_eq!(found.inputs.len(), 3);
        assert_eq!(found.errors.len(), 1);
        let message = found.errors[0].to_string();
        assert!(message.contains("MAX_WALK_FILES"), "{message}");
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
        let mut all = Discovery::default();
        walk_dir(dir.path(), None, &mut all, MAX_WALK_FILES);
        assert_eq!((all.inputs.len(), all.errors.len()), (5, 0));
    }
}
