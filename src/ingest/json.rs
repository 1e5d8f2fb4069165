//! JSON input: a `.json` file holds one article object, an array of them, or an API response that
//! holds the array (`{"status": "ok", "articles": [...]}`, Elasticsearch's `hits.hits[]._source`); a
//! JSON Lines stream holds one object per line. Nested objects are read one level down
//! (`source.name`). A malformed line is an error for that line only.

use std::io::BufRead;

use serde_json::{Map, Value};

use super::MAX_LINE_BYTES;
use super::{check_size, decode_utf8, looks_binary, Article, Reading, RecordFields};
use crate::{Error, Result};

/// Maps one JSON object to an article: its scalar values by key, an object's values one level
/// down as `key.inner` (`source.name`), and an array of objects as `key.inner` with their values
/// joined (`authors: [{"name": ...}]` is `authors.name`). An Elasticsearch hit reads its
/// `_source` with `_id`.
fn article_from_object(
    object: &Map<String, Value>,
    raw: &[u8],
    origin: String,
    reading: &Reading,
) -> Result<Article> {
    let mut fields = RecordFields::new(reading);
    let source = match object.get("_source") {
        Some(Value::Object(source)) => Some(source),
        _ => None,
    };
    for (key, value) in source.into_iter().flatten().chain(object) {
        set_value(&mut fields, key, value, 0);
    }
    fields.into_article(raw, origin)
}

/// How deep nested objects are read (`a.b.c.d`).
const MAX_DEPTH: usize = 4;

/// Deepest nesting of arrays and objects in a JSON record (or a `.json` document): 64 levels. A
/// deeper one is rejected, naming its line, before it is parsed (serde_json would stop at 128 with
/// a message that does not say why, and recursion over it would need stack in proportion).
pub const MAX_JSON_DEPTH: usize = 64;

/// The 1-based line and column (in bytes) where `bytes` opens its array or object number
/// [`MAX_JSON_DEPTH`] + 1 counted from the outside, or `None` when it nests no deeper than that.
/// Brackets inside strings do not count.
fn too_deep(bytes: &[u8]) -> Option<(usize, usize)> {
    let (mut depth, mut line, mut line_start) = (0usize, 1usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Some((line, i - line_start + 1));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
    }
    None
}

/// The error for a record nested deeper than [`MAX_JSON_DEPTH`] at `column`.
fn too_deep_error(origin: String, column: usize) -> Error {
    Error::Input {
        origin,
        message: format!(
            "JSON nested deeper than the limit of {MAX_JSON_DEPTH} levels of arrays and objects \
             (at column {column})"
        ),
    }
}

/// Sets `value` under `key`: a scalar as it is, an object's values under `key.inner` (down to
/// [`MAX_DEPTH`]), an array of objects as `key.inner` with their values joined by ", ".
fn set_value(fields: &mut RecordFields<'_>, key: &str, value: &Value, depth: usize) {
    match value {
        Value::Object(inner) if depth < MAX_DEPTH => {
            for (name, value) in inner {
                set_value(fields, &format!("{key}.{name}"), value, depth + 1);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            let mut names: Vec<&String> = Vec::new();
            for item in items.iter().filter_map(Value::as_object) {
                for name in item.keys() {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
            for name in names {
                let parts: Vec<String> = items
                    .iter()
                    .filter_map(|item| item.get(name).and_then(scalar_text))
                    .collect();
                if !parts.is_empty() {
                    fields.set(&format!("{key}.{name}"), parts.join(", "));
                }
            }
        }
        _ => {
            if let Some(text) = scalar_text(value) {
                fields.set(key, text);
            }
        }
    }
}

/// Keys under which API responses and dumps hold their records, most common first.
const RECORD_KEYS: [&str; 13] = [
    "articles",
    "data",
    "items",
    "results",
    "hits",
    "records",
    "documents",
    "docs",
    "entries",
    "posts",
    "stories",
    "news",
    "response",
];

/// The array of records inside an object that is not itself an article: under one of
/// [`RECORD_KEYS`] (one level deeper too: `hits.hits`, `response.results`), else the one key whose
/// value is an array of objects. `None` when there is no such array.
fn records_of<'v>(
    object: &'v Map<String, Value>,
    reading: &Reading,
) -> Option<(String, &'v Vec<Value>)> {
    let objects = |items: &Vec<Value>| !items.is_empty() && items.iter().all(Value::is_object);
    for key in RECORD_KEYS {
        match object.get(key) {
            Some(Value::Array(items)) if objects(items) => return Some((key.to_string(), items)),
            Some(Value::Object(inner)) => {
                for inner_key in RECORD_KEYS {
                    if let Some(Value::Array(items)) = inner.get(inner_key) {
                        if objects(items) {
                            return Some((format!("{key}.{inner_key}"), items));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // Under another key, only an array of records that name a body: an article whose body key is
    // unknown and that holds a list of tags is one article without a body, not a list of tags.
    let records = |items: &Vec<Value>| {
        objects(items)
            && items
                .iter()
                .filter_map(Value::as_object)
                .any(|item| has_body(item, reading))
    };
    let mut arrays = object.iter().filter_map(|(key, value)| match value {
        Value::Array(items) if records(items) => Some((key.clone(), items)),
        _ => None,
    });
    match (arrays.next(), arrays.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// Whether `object` names a body itself (an article rather than a wrapper of articles).
fn has_body(object: &Map<String, Value>, reading: &Reading) -> bool {
    object.keys().any(|k| reading.is_body(k))
        || matches!(object.get("_source"), Some(Value::Object(s)) if s.keys().any(|k| reading.is_body(k)))
}

/// The text of a scalar (or an array of scalars, joined with ", ", as bylines with several authors are).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(scalar_text).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Value::Null | Value::Object(_) => None,
    }
}

fn not_an_object(origin: String, value: &Value) -> Error {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    Error::Input {
        origin,
        message: format!("expected a JSON object for an article, found {kind}"),
    }
}

pub(super) fn parse_document(
    bytes: Vec<u8>,
    origin: &str,
    reading: &Reading,
) -> Result<Vec<Result<Article>>> {
    if looks_binary(&bytes) {
        return Err(Error::Input {
            origin: origin.to_string(),
            message: "binary file (NUL bytes), not JSON; skipped".into(),
        });
    }
    let text = decode_utf8(bytes, origin)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim().is_empty() {
        return Err(Error::Input {
            origin: origin.to_string(),
            message: "empty file".into(),
        });
    }
    let parsed = serde_json::from_str::<Value>(text);
    // `{...}\n{...}`: JSON Lines in a file named .json (HuffPost's dataset, for one) is read as
    // JSON Lines, line by line (each line's depth checked on its own).
    if parsed.as_ref().is_err_and(|e| {
        e.to_string().starts_with("trailing characters")
            && text
                .lines()
                .next()
                .is_some_and(|first| serde_json::from_str::<Map<String, Value>>(first).is_ok())
    }) {
        let lines = Lines::new(text.as_bytes(), origin.to_string(), reading.clone());
        return Ok(lines.collect());
    }
    if let Some((line, column)) = too_deep(text.as_bytes()) {
        return Err(too_deep_error(format!("{origin}:{line}"), column));
    }
    let value: Value = match parsed {
        Ok(value) => value,
        Err(e) => {
            return Err(Error::Input {
                origin: format!("{origin}:{}", e.line()),
                message: format!("malformed JSON: {e}"),
            })
        }
    };
    let array = |items: &Vec<Value>, prefix: &str| -> Vec<Result<Article>> {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let item_origin = format!("{origin}{prefix}[{i}]");
                match item {
                    Value::Object(object) => {
                        let raw = serde_json::to_vec(item).unwrap_or_default();
                        check_size(raw.len(), &item_origin)?;
                        article_from_object(object, &raw, item_origin, reading)
                    }
                    other => Err(not_an_object(item_origin, other)),
                }
            })
            .collect()
    };
    Ok(match value {
        Value::Array(ref items) => array(items, ""),
        Value::Object(ref object) => {
            match records_of(object, reading).filter(|_| !has_body(object, reading)) {
                Some((key, items)) => array(items, &format!(":{key}")),
                None => {
                    let raw = text.as_bytes();
                    vec![article_from_object(
                        object,
                        raw,
                        origin.to_string(),
                        reading,
                    )]
                }
            }
        }
        other => vec![Err(not_an_object(origin.to_string(), &other))],
    })
}

/// JSON Lines reader: one article per non-blank line, origins `NAME:LINE`. Lines longer than the record
/// cap are skipped without being held in memory.
pub(super) struct Lines<R> {
    reader: R,
    name: String,
    line_no: usize,
    buf: Vec<u8>,
    done: bool,
    /// Whether any non-blank line was seen; an input without one is reported as empty.
    seen: bool,
    reading: Reading,
}

impl<R: BufRead> Lines<R> {
    pub(super) fn new(reader: R, name: String, reading: Reading) -> Self {
        Lines {
            reading,
            reader,
            name,
            line_no: 0,
            buf: Vec::new(),
            done: false,
            seen: false,
        }
    }

    /// Reads the next line into `buf`; returns its full length (which may exceed what was kept), or
    /// `None` at the end of the stream.
    fn next_line(&mut self) -> std::io::Result<Option<usize>> {
        self.buf.clear();
        let mut total = 0usize;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok((total > 0).then_some(total));
            }
            let (part, found_newline) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (&chunk[..i], true),
                None => (chunk, false),
            };
            total += part.len();
            if self.buf.len() + part.len() <= MAX_LINE_BYTES {
                self.buf.extend_from_slice(part);
            }
            let used = part.len() + usize::from(found_newline);
            self.reader.consume(used);
            if found_newline {
                return Ok(Some(total));
            }
        }
    }
}

impl<R: BufRead> Iterator for Lines<R> {
    type Item = Result<Article>;

    fn next(&mut self) -> Option<Result<Article>> {
        while !self.done {
            let len = match self.next_line() {
                Ok(Some(len)) => len,
                Ok(None) => {
                    self.done = true;
                    if !self.seen {
                        return Some(Err(Error::Input {
                            origin: self.name.clone(),
                            message: "empty input: no JSON Lines records".into(),
                        }));
                    }
                    return None;
                }
                Err(source) => {
                    self.done = true;
                    return Some(Err(Error::Input {
                        origin: format!("{}:{}", self.name, self.line_no + 1),
                        message: format!("read error: {source}"),
                    }));
                }
            };
            self.line_no += 1;
            let origin = format!("{}:{}", self.name, self.line_no);
            if len > MAX_LINE_BYTES {
                return Some(Err(Error::Input {
                    origin,
                    message: format!(
                        "line of {len} bytes exceeds the {} MiB line limit (one record a line)",
                        MAX_LINE_BYTES / (1024 * 1024)
                    ),
                }));
            }
            let mut line: &[u8] = &self.buf;
            // A CRLF file's line is the same record (and content id) as its LF twin.
            line = line.strip_suffix(b"\r").unwrap_or(line);
            if self.line_no == 1 {
                line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.seen = true;
            return Some(parse_line(line, origin, &self.reading));
        }
        None
    }
}

fn parse_line(line: &[u8], origin: String, reading: &Reading) -> Result<Article> {
    if let Some((_, column)) = too_deep(line) {
        return Err(too_deep_error(origin, column));
    }
    let text = decode_utf8(line.to_vec(), &origin)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| Error::Input {
        origin: origin.clone(),
        message: format!("malformed JSON at column {}: {e}", e.column()),
    })?;
    match value {
        Value::Object(ref object) => article_from_object(object, line, origin, reading),
        other => Err(not_an_object(origin, &other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<Result<Article>> {
        Lines::new(input, "feed.jsonl".to_string(), Reading::default()).collect()
    }

    fn document(input: &str) -> Vec<Result<Article>> {
        parse_document(input.as_bytes().to_vec(), "d.json", &Reading::default()).unwrap()
    }

    #[test]
    fn an_api_response_is_read_as_its_array_of_records() {
        let out = document(
            r#"{"status": "ok", "totalResults": 2, "articles": [
                {"source": {"id": "reuters", "name": "Reuters"}, "author": "Jane Doe",
                 "title": "A", "description": "Short.", "url": "https://e.com/a",
                 "publishedAt": "2017-01-28T18:00:00Z", "content": "The text."},
                {"source": {"id": null, "name": "BBC News"}, "title": "B",
                 "description": "Only a description.", "url": "https://e.com/b", "content": null}]}"#,
        );
        assert_eq!(out.len(), 2);
        let a = out[0].as_ref().unwrap();
        assert_eq!(
            (a.source.as_deref(), a.author.as_deref(), a.body.as_str()),
            (Some("Reuters"), Some("Jane Doe"), "The text.")
        );
        assert!(a.published.is_some());
        assert_eq!(a.origin, "d.json:articles[0]");
        let b = out[1].as_ref().unwrap();
        assert_eq!(b.body, "Only a description.");
    }

    #[test]
    fn elasticsearch_hits_and_nested_author_lists_are_read() {
        let out = document(
            r#"{"took": 3, "hits": {"total": 1, "hits": [{"_id": "es1", "_source": {
                "title": "T", "text": "Body.", "authors": [{"name": "A. One"}, {"name": "B. Two"}]}}]}}"#,
        );
        assert_eq!(out.len(), 1);
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.id, "es1");
        assert_eq!(a.author.as_deref(), Some("A. One, B. Two"));
        assert_eq!(a.origin, "d.json:hits.hits[0]");
    }

    #[test]
    fn an_object_with_an_unknown_body_key_and_a_list_is_one_article_without_body() {
        let out = document(
            r#"{"title": "T", "story_text": "x", "tags": [{"name": "a"}, {"name": "b"}]}"#,
        );
        assert_eq!(out.len(), 1);
        let err = out[0].as_ref().unwrap_err().to_string();
        assert!(
            err.contains("no body") && err.contains("story_text"),
            "{err}"
        );
        let wrapped = document(r#"{"took": 1, "payload": [{"text": "one"}, {"text": "two"}]}"#);
        assert_eq!(wrapped.len(), 2);
    }

    #[test]
    fn an_article_object_with_a_list_inside_stays_one_article() {
        let out = document(r#"{"id": "x", "body": "Text.", "items": [{"a": 1}]}"#);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].as_ref().unwrap().id, "x");
    }

    #[test]
    fn json_lines_in_a_json_file_are_read_as_lines() {
        let lines = b"{\"body\": \"a\"}\n{broken\n{\"body\": \"b\"}\n".to_vec();
        let out = parse_document(lines, "n.json", &Reading::default()).unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].as_ref().unwrap().origin, "n.json:1");
        assert!(out[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .starts_with("n.json:2:"));
        assert_eq!(out[2].as_ref().unwrap().body, "b");
    }

    #[test]
    fn nested_objects_are_read_down_to_a_dotted_path() {
        let options = crate::ingest::ReadOptions {
            map: vec!["source=meta.site.name".parse().unwrap()],
            ..Default::default()
        };
        let out = parse_document(
            br#"{"body": "b", "meta": {"site": {"name": "Deep Site"}}}"#.to_vec(),
            "d.json",
            &Reading::new(&options),
        )
        .unwrap();
        assert_eq!(
            out[0].as_ref().unwrap().source.as_deref(),
            Some("Deep Site")
        );
    }

    #[test]
    fn crlf_lines_are_the_records_of_lf_lines() {
        let lf = lines(b"{\"body\":\"one\"}\n{\"body\":\"two\"}\n");
        let crlf = lines(b"{\"body\":\"one\"}\r\n{\"body\":\"two\"}\r\n");
        let ids = |items: &[Result<Article>]| -> Vec<String> {
            items
                .iter()
                .map(|a| a.as_ref().unwrap().id.clone())
                .collect()
        };
        assert_eq!(ids(&lf), ids(&crlf));
    }

    #[test]
    fn good_lines_survive_bad_ones() {
        let input = b"{\"id\":\"a\",\"body\":\"one\"}\n\n{broken\n{\"id\":7,\"text\":\"two\"}\n[1]\n\xff\xfe\n";
        let out = lines(input);
        assert_eq!(out.len(), 5);
        assert_eq!(out[0].as_ref().unwrap().id, "a");
        assert_eq!(out[0].as_ref().unwrap().origin, "feed.jsonl:1");
        let broken = out[1].as_ref().unwrap_err().to_string();
        assert!(
            broken.starts_with("feed.jsonl:3: malformed JSON"),
            "{broken}"
        );
        let two = out[2].as_ref().unwrap();
        assert_eq!((two.id.as_str(), two.body.as_str()), ("7", "two"));
        assert!(out[3]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("found an array"));
        let utf = out[4].as_ref().unwrap_err().to_string();
        assert!(
            utf.starts_with("feed.jsonl:6: invalid UTF-8 at byte 0"),
            "{utf}"
        );
    }

    #[test]
    fn empty_or_blank_input_is_reported() {
        for input in [&b""[..], b"\n\n  \n"] {
            let out = lines(input);
            assert_eq!(out.len(), 1);
            let err = out[0].as_ref().unwrap_err().to_string();
            assert!(err.starts_with("feed.jsonl: empty input"), "{err}");
        }
    }

    #[test]
    fn last_line_without_newline_and_crlf() {
        let out = lines(b"{\"body\":\"x\"}\r\n{\"body\":\"y\"}");
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(Result::is_ok));
    }

    #[test]
    fn oversized_line_is_rejected_and_reading_goes_on() {
        let mut input = b"{\"body\":\"".to_vec();
        input.extend(std::iter::repeat_n(b'a', MAX_LINE_BYTES + 10));
        input.extend_from_slice(b"\"}\n{\"body\":\"small\"}\n");
        let out = lines(&input);
        assert_eq!(out.len(), 2);
        assert!(out[0].as_ref().unwrap_err().to_string().contains("exceeds"));
        assert_eq!(out[1].as_ref().unwrap().body, "small");
    }

    #[test]
    fn document_object_or_array() {
        let one = parse_document(
            br#"{"title":"t","content":"c","site":"S"}"#.to_vec(),
            "a.json",
            &Reading::default(),
        )
        .unwrap();
        let article = one[0].as_ref().unwrap();
        assert_eq!(
            (article.body.as_str(), article.source.as_deref()),
            ("c", Some("S"))
        );
        let many = parse_document(
            br#"[{"body":"x"}, 3, {"title":"no body"}]"#.to_vec(),
            "b.json",
            &Reading::default(),
        )
        .unwrap();
        assert_eq!(many.len(), 3);
        assert_eq!(many[0].as_ref().unwrap().origin, "b.json[0]");
        assert!(many[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .starts_with("b.json[1]:"));
        assert!(many[2]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("no body"));
        let bad =
            parse_document(b"{\n\"body\": }".to_vec(), "c.json", &Reading::default()).unwrap_err();
        assert!(
            bad.to_string().starts_with("c.json:2: malformed JSON"),
            "{bad}"
        );
        assert!(parse_document(b"  ".to_vec(), "d.json", &Reading::default()).is_err());
    }
}
