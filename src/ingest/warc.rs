//! Web archives (WARC 1.0 and 1.1, as Common Crawl's CC-NEWS ships them): every `response` record
//! whose content is an HTML page becomes an article through the HTML path, its id and url the
//! record's target URI, its date the page's own or else the WARC-Date. Records are read one at a
//! time (constant memory; `.warc.gz` is decompressed as a stream around this reader). A broken
//! record is an error that names it, and reading resumes at the next record.

use std::io::{BufRead, Read};

use super::{html, Article, Reading, MAX_RECORD_BYTES};
use crate::{Error, Result};

/// The largest record block read; larger ones are skipped with an error.
const MAX_BLOCK: u64 = 4 * MAX_RECORD_BYTES as u64;

/// The articles of a WARC stream.
pub(super) struct Warc<R> {
    reader: R,
    name: String,
    reading: Reading,
    /// Records started so far.
    records: u64,
    done: bool,
    /// What the record after a damaged stretch made, returned after the damage's error.
    pending: Option<Result<Article>>,
}

impl<R: BufRead> Warc<R> {
    pub(super) fn new(reader: R, name: String, reading: Reading) -> Warc<R> {
        Warc {
            reader,
            name,
            reading,
            records: 0,
            done: false,
            pending: None,
        }
    }

    fn error(&self, message: String) -> Error {
        Error::Input {
            origin: format!("{}:record {}", self.name, self.records),
            message,
        }
    }

    /// The next line (without its line ending), or `None` at the end.
    fn line(&mut self) -> std::io::Result<Option<String>> {
        let mut line = Vec::new();
        let n = (&mut self.reader)
            .take(64 * 1024)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        Ok(Some(String::from_utf8_lossy(&line).into_owned()))
    }

    /// Reads lines up to the next `WARC/` version line, which it returns.
    fn skip_to_record(&mut self) -> std::io::Result<Option<String>> {
        while let Some(line) = self.line()? {
            if line.starts_with("WARC/") {
                return Ok(Some(line));
            }
        }
        Ok(None)
    }

    /// The next record that makes an article, an error, or `None` at the end.
    fn next_article(&mut self) -> Option<Result<Article>> {
        loop {
            // Blank lines between records.
            let first = loop {
                match self.line() {
                    Ok(Some(line)) if line.trim().is_empty() => continue,
                    Ok(Some(line)) => break line,
                    Ok(None) => return None,
                    Err(e) => {
                        // A stream that fails to read (corrupt compression) fails again: stop.
                        self.done = true;
                        return Some(Err(self.error(format!("read error: {e}"))));
                    }
                }
            };
            self.records += 1;
            if !first.starts_with("WARC/") {
                // Damage: skip to the next record.
                let err = self.error(format!(
                    "not a WARC record header ({:?}); skipped to the next record",
                    first.chars().take(40).collect::<String>()
                ));
                match self.skip_to_record() {
                    Ok(Some(_)) => {
                        self.records += 1;
                        self.pending = self.record_after_version();
                        return Some(Err(err));
                    }
                    _ => {
                        self.done = true;
                        return Some(Err(err));
                    }
                }
            }
            match self.record_after_version() {
                Some(found) => return Some(found),
                None if self.done => return None,
                None => continue,
            }
        }
    }

    /// Reads a record whose version line was just read: `None` when it makes no article (another
    /// type, not HTML) and reading goes on.
    fn record_after_version(&mut self) -> Option<Result<Article>> {
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            match self.line() {
                Ok(Some(line)) if line.is_empty() => break,
                Ok(Some(line)) => {
                    if let Some((k, v)) = line.split_once(':') {
                        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                    }
                }
                Ok(None) => {
                    self.done = true;
                    return Some(Err(
                        self.error("the file ends inside a record's headers".into())
                    ));
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(self.error(format!("read error: {e}"))));
                }
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let id = header("warc-record-id").unwrap_or("").to_string();
        let origin = if id.is_empty() {
            format!("{}:record {}", self.name, self.records)
        } else {
            format!("{}:record {} {id}", self.name, self.records)
        };
        let Some(length) = header("content-length").and_then(|l| l.parse::<u64>().ok()) else {
            let err = self.error("a record without a Content-Length; skipped".into());
            return Some(Err(err));
        };
        let wanted = header("warc-type") == Some("response")
            && header("content-type").is_some_and(|t| t.contains("application/http"));
        if !wanted || length > MAX_BLOCK {
            let skipped = std::io::copy(&mut (&mut self.reader).take(length), &mut std::io::sink());
            if skipped.map_or(true, |n| n < length) {
                self.done = true;
                return Some(Err(Error::Input {
                    origin,
                    message: "the file ends inside a record (truncated)".into(),
                }));
            }
            if wanted {
                return Some(Err(Error::Input {
                    origin,
                    message: format!("a response of {length} bytes is over the limit; skipped"),
                }));
            }
            return None;
        }
        let mut block = Vec::with_capacity(length as usize);
        let read = (&mut self.reader).take(length).read_to_end(&mut block);
        if read.is_err() || (block.len() as u64) < length {
            self.done = true;
            return Some(Err(Error::Input {
                origin,
                message: match read {
                    Err(e) => format!("read error: {e}"),
                    Ok(_) => "the file ends inside a record (truncated)".into(),
                },
            }));
        }
        let target = header("warc-target-uri").map(|u| u.trim_matches(['<', '>']).to_string());
        let date = header("warc-date").map(str::to_string);
        let page = match http_html(&block) {
            Ok(Some(page)) => page,
            Ok(None) => return None,
            Err(message) => return Some(Err(Error::Input { origin, message })),
        };
        Some(html::crawled_article(
            &page,
            &origin,
            &self.reading,
            target.as_deref(),
            date.as_deref(),
        ))
    }
}

impl<R: BufRead> Iterator for Warc<R> {
    type Item = Result<Article>;

    fn next(&mut self) -> Option<Result<Article>> {
        if let Some(pending) = self.pending.take() {
            return Some(pending);
        }
        if self.done {
            return None;
        }
        let next = self.next_article();
        if next.is_none() {
            self.done = true;
        }
        next
    }
}

/// The HTML page of an HTTP response, `None` when the response is not an HTML page (another type,
/// an error status), or why it cannot be read.
fn http_html(block: &[u8]) -> std::result::Result<Option<String>, String> {
    let split = find(block, b"\r\n\r\n")
        .map(|at| (at, 4))
        .or_else(|| find(block, b"\n\n").map(|at| (at, 2)));
    let Some((at, sep)) = split else {
        return Err("an HTTP response without the end of its headers".into());
    };
    let head = String::from_utf8_lossy(&block[..at]);
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("an HTTP response without a status line")?;
    if !(200..300).contains(&status) {
        return Ok(None);
    }
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut body = block[at + sep..].to_vec();
    if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        body = dechunk(&body).ok_or("a chunked HTTP body that does not parse")?;
    }
    match header("content-encoding") {
        Some("gzip") | Some("x-gzip") => {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&body[..])
                .take(MAX_BLOCK)
                .read_to_end(&mut out)
                .map_err(|e| format!("a gzip HTTP body that does not decode: {e}"))?;
            body = out;
        }
        Some("deflate") => {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(&body[..])
                .take(MAX_BLOCK)
                .read_to_end(&mut out)
                .map_err(|e| format!("a deflate HTTP body that does not decode: {e}"))?;
            body = out;
        }
        _ => {}
    }
    let html_type = header("content-type").is_some_and(|t| t.contains("html"));
    let looks_html = || {
        let start = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
        start.contains("<html") || start.contains("<!doctype html")
    };
    if !(html_type || header("content-type").is_none() && looks_html()) {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&body).into_owned()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The body of a chunked HTTP transfer.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = find(data, b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..).unwrap_or(&[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, uri: &str, http: &str) -> String {
        format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{uri}>\r\nWARC-Date: \
             2017-02-03T10:00:00Z\r\nWARC-Target-URI: https://news.example/{uri}\r\nContent-Type: \
             application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n{http}\r\n\r\n",
            http.len()
        )
    }

    fn page(text: &str) -> String {
        let html = format!("<html><body><article><p>{text}</p></article></body></html>");
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}")
    }

    fn read(data: &str) -> Vec<Result<Article>> {
        Warc::new(data.as_bytes(), "cc.warc".into(), Reading::default()).collect()
    }

    #[test]
    fn html_responses_become_articles() {
        let data = [
            "WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n".to_string(),
            record("request", "r0", "GET / HTTP/1.1\r\n\r\n"),
            record(
                "response",
                "a1",
                &page("The first page's article text is long enough."),
            ),
            record(
                "response",
                "img",
                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\u{1}PNG",
            ),
            record(
                "response",
                "a2",
                &page("The second page's article text, also long enough."),
            ),
        ]
        .concat();
        let out = read(&data);
        assert_eq!(out.len(), 2, "{out:?}");
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.id, "https://news.example/a1");
        assert_eq!(a.url.as_deref(), Some("https://news.example/a1"));
        assert_eq!(a.body, "The first page's article text is long enough.");
        assert!(
            a.published.is_some(),
            "the WARC-Date when the page has none"
        );
        assert!(a.origin.contains("<urn:uuid:a1>"), "{}", a.origin);
    }

    #[test]
    fn a_broken_record_is_named_and_the_next_one_read() {
        let good = record(
            "response",
            "ok",
            &page("An article after the damage, still read."),
        );
        let data = format!(
            "{}garbage that is not a header\r\nmore garbage\r\n{good}",
            record(
                "response",
                "first",
                &page("An article before the damage, read first.")
            )
        );
        let out = read(&data);
        assert_eq!(out.len(), 3, "{out:?}");
        assert!(out[0].is_ok());
        let err = out[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("not a WARC record header"), "{err}");
        assert_eq!(out[2].as_ref().unwrap().id, "https://news.example/ok");
    }

    #[test]
    fn a_truncated_record_keeps_what_came_before() {
        let first = record(
            "response",
            "one",
            &page("The only whole article in this file."),
        );
        let second = record(
            "response",
            "two",
            &page("This one is cut off in the middle."),
        );
        let data = format!("{first}{}", &second[..second.len() - 40]);
        let out = read(&data);
        assert_eq!(out.len(), 2);
        assert!(out[0].is_ok());
        assert!(out[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("truncated"));
    }

    /// A reader that fails every time, as a corrupt compressed stream does.
    struct Failing;

    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("corrupt"))
        }
    }

    #[test]
    fn a_stream_that_fails_to_read_ends_with_one_error() {
        let reader = std::io::BufReader::new(Failing);
        let out: Vec<_> = Warc::new(reader, "bad.warc.xz".into(), Reading::default())
            .take(5)
            .collect();
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(out[0].as_ref().unwrap_err().to_string().contains("corrupt"));
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n").unwrap(),
            b"Wikipedia"
        );
    }
}
