//! CSV input: a header row names the columns (matched to fields by name, aliases included), then one
//! article per row. A row with the wrong number of columns, bad UTF-8, a field over the limit or a
//! quote that never closes is an error for that row only.
//!
//! The rows are read here rather than by the csv crate, so that a broken quote costs its own row and
//! not the rest of the file: a quoted field that runs over a line break is taken as a broken quote
//! when the file ends inside it, when a quote inside it is followed by something that cannot follow
//! a closing quote, when the row it closes has the wrong number of columns, or when it grows past
//! the limits. The row's first line is then rejected and reading resumes on the line after it.

use std::collections::VecDeque;
use std::io::BufRead;

use super::{check_size, Article, Reading, RecordFields, MAX_LINE_BYTES, MAX_RECORD_BYTES};
use crate::{Error, Result};

/// Most columns a CSV header may have (a row has as many as its header). A header with more
/// rejects the file, naming its line.
pub const MAX_CSV_FIELDS: usize = 1024;

/// Largest accepted CSV field: 8 MiB. A row with a larger field is rejected; a quoted field that
/// runs over line breaks past it is taken as a quote that does not close.
pub const MAX_CSV_FIELD_BYTES: usize = 8 * 1024 * 1024;

pub(super) fn read<R: BufRead + Send + 'static>(
    reader: R,
    origin: String,
    reading: Reading,
) -> Box<dyn Iterator<Item = Result<Article>> + Send> {
    let mut rows = Rows::new(reader);
    let header = match rows.next_row() {
        Some(Ok(row)) => row,
        Some(Err(err)) => {
            let message = match &err {
                Bad::Read { io, .. } => format!("unreadable CSV header: read error: {io}"),
                other => format!("unreadable CSV header: {}", other.message()),
            };
            return Box::new(std::iter::once(Err(Error::Input {
                origin: format!("{origin}:{}", err.line()),
                message,
            })));
        }
        None => {
            return Box::new(std::iter::once(Err(Error::Input {
                origin: format!("{origin}:1"),
                message: "empty file: no CSV header".into(),
            })))
        }
    };
    let header_origin = format!("{origin}:{}", header.line);
    if header.count > MAX_CSV_FIELDS {
        return Box::new(std::iter::once(Err(Error::Input {
            origin: header_origin,
            message: format!(
                "CSV header of {} columns exceeds the limit of {MAX_CSV_FIELDS}",
                header.count
            ),
        })));
    }
    let names: Vec<String> = header
        .fields
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    if names.iter().all(|n| n.trim().is_empty()) {
        return Box::new(std::iter::once(Err(Error::Input {
            origin: header_origin,
            message: "empty file: no CSV header".into(),
        })));
    }
    if !names.iter().any(|n| reading.is_body(n)) {
        return Box::new(std::iter::once(Err(Error::Input {
            origin: header_origin,
            message: format!(
                "CSV header has no body column (expected a column named {}; found {})",
                super::fields::BODY_NAMES,
                names.join(", ")
            ),
        })));
    }
    Box::new(std::iter::from_fn(move || {
        let row = rows.next_row()?;
        Some(article(row, &names, &origin, &reading))
    }))
}

/// The article of one row read by [`Rows`].
fn article(
    row: std::result::Result<Row, Bad>,
    names: &[String],
    origin: &str,
    reading: &Reading,
) -> Result<Article> {
    let row = match row {
        Ok(row) => row,
        Err(bad) => {
            let line = bad.line();
            return Err(Error::Input {
                origin: format!("{origin}:{line}"),
                message: bad.message(),
            });
        }
    };
    let row_origin = format!("{origin}:{}", row.line);
    check_size(row.bytes, &row_origin)?;
    if row.count != names.len() {
        // A quote that closes too late shows as a row over several lines with too many or too
        // few columns: say so.
        let span = if row.last > row.line {
            format!(
                " (a quoted field runs over lines {}-{}: a quote that does not close?)",
                row.line, row.last
            )
        } else {
            String::new()
        };
        return Err(Error::Input {
            origin: row_origin,
            message: format!(
                "bad CSV row: {} columns where the header has {}{span}",
                row.count,
                names.len()
            ),
        });
    }
    if let Some((at, len)) = row.oversized {
        return Err(Error::Input {
            origin: row_origin,
            message: format!(
                "field {:?} of {len} bytes exceeds the CSV field limit of {} MiB",
                names[at],
                MAX_CSV_FIELD_BYTES / (1024 * 1024)
            ),
        });
    }
    let mut fields = RecordFields::new(reading);
    for (name, value) in names.iter().zip(&row.fields) {
        let value = std::str::from_utf8(value).map_err(|e| Error::Input {
            origin: row_origin.clone(),
            message: format!(
                "invalid UTF-8 in column {name:?} at byte {} of the value",
                e.valid_up_to()
            ),
        })?;
        fields.set(name, value.to_string());
    }
    // The content id hashes the fields with their lengths: `ab,c` and `a,bc` differ.
    let mut raw = Vec::with_capacity(row.bytes + 8 * row.fields.len());
    for field in &row.fields {
        raw.extend_from_slice(&(field.len() as u64).to_le_bytes());
        raw.extend_from_slice(field);
    }
    fields.into_article(&raw, row_origin)
}

/// One physical line of the input, its terminator (`\n` or `\r\n`) included.
#[derive(Debug)]
struct Line {
    /// 1-based.
    number: u64,
    /// At most [`MAX_LINE_BYTES`] (plus the terminator) of it.
    bytes: Vec<u8>,
    /// Its whole length, more than `bytes` holds when it was too long to keep.
    length: usize,
}

impl Line {
    fn too_long(&self) -> bool {
        self.length > self.bytes.len()
    }

    /// The line without its terminator, and the terminator.
    fn split(&self) -> (&[u8], &[u8]) {
        let b = &self.bytes[..];
        let cut = if b.ends_with(b"\r\n") {
            2
        } else {
            usize::from(b.ends_with(b"\n") || b.ends_with(b"\r"))
        };
        b.split_at(b.len() - cut)
    }
}

/// One row's fields.
#[derive(Debug)]
struct Row {
    /// The line it starts on.
    line: u64,
    /// The line it ends on.
    last: u64,
    /// Its fields, unquoted (at most [`MAX_CSV_FIELDS`] of them kept).
    fields: Vec<Vec<u8>>,
    /// How many fields it has.
    count: usize,
    /// Its size in the input.
    bytes: usize,
    /// The first field over [`MAX_CSV_FIELD_BYTES`] (its index and length); its value is cut.
    oversized: Option<(usize, usize)>,
}

/// Why a row could not be read.
#[derive(Debug)]
enum Bad {
    /// A line longer than [`MAX_LINE_BYTES`].
    LineTooLong { line: u64, length: usize },
    /// A quoted field from `line` that runs over line breaks and is taken as a broken quote.
    Unclosed { line: u64, why: Unclosed },
    /// A read error (a truncated compressed file), placed on the line after the last one read.
    Read { line: u64, io: std::io::Error },
}

#[derive(Debug)]
enum Unclosed {
    /// The input ends inside the quotes.
    AtEnd,
    /// A quote inside the field is followed by something that cannot follow a closing quote.
    Stray { at: u64 },
    /// The field (or the row) grew past the limits.
    TooLong { bytes: usize },
}

impl Bad {
    fn line(&self) -> u64 {
        match self {
            Bad::LineTooLong { line, .. } | Bad::Unclosed { line, .. } | Bad::Read { line, .. } => {
                *line
            }
        }
    }

    fn message(&self) -> String {
        let resume = "row skipped; reading resumes on the next line";
        match self {
            Bad::LineTooLong { length, .. } => format!(
                "line of {length} bytes exceeds the {} MiB record limit",
                MAX_LINE_BYTES / (1024 * 1024)
            ),
            Bad::Unclosed { why, .. } => {
                let detail = match why {
                    Unclosed::AtEnd => "the input ends inside it".to_string(),
                    Unclosed::Stray { at } => {
                        format!("a quote on line {at} inside it is followed by other text")
                    }
                    Unclosed::TooLong { bytes } => format!(
                        "it runs past {bytes} bytes (limits: {} MiB a field, {} MiB a row)",
                        MAX_CSV_FIELD_BYTES / (1024 * 1024),
                        MAX_RECORD_BYTES / (1024 * 1024)
                    ),
                };
                format!("bad CSV row: unclosed quote: a quoted field opens on this line and {detail}; {resume}")
            }
            Bad::Read { io, .. } => format!("read error: {io}"),
        }
    }
}

/// Where the scan of a row is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the closing one, or the first of a doubled one.
    QuoteInQuoted,
}

/// The rows of a CSV input (`,` between fields, `"` around a field, a doubled `"` inside one), read
/// line by line. The lines of a row that turns out to be a broken quote are read again, from the
/// one after its first.
struct Rows<R> {
    reader: R,
    /// Lines to read again before the reader's.
    again: VecDeque<Line>,
    /// Lines read from the reader.
    read: u64,
    done: bool,
}

impl<R: BufRead> Rows<R> {
    fn new(reader: R) -> Self {
        Rows {
            reader,
            again: VecDeque::new(),
            read: 0,
            done: false,
        }
    }

    /// The next line, again or from the reader; `None` at the end.
    fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        if let Some(line) = self.again.pop_front() {
            return Ok(Some(line));
        }
        if self.done {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        let mut length = 0usize;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            };
            if chunk.is_empty() {
                self.done = true;
                break;
            }
            // A line ends with LF, CRLF or a lone CR (as the csv crate reads them; old Mac exports).
            let end = chunk.iter().position(|&b| b == b'\n' || b == b'\r');
            let (part, newline, cr_last) = match end {
                Some(i) if chunk[i] == b'\r' && i + 1 < chunk.len() => {
                    let i = i + usize::from(chunk[i + 1] == b'\n');
                    (&chunk[..=i], true, false)
                }
                Some(i) => (&chunk[..=i], true, chunk[i] == b'\r'),
                None => (chunk, false, false),
            };
            // Past the limit only the terminator is kept, so that the line still ends.
            let room = (MAX_LINE_BYTES + 2).saturating_sub(bytes.len());
            if part.len() <= room {
                bytes.extend_from_slice(part);
            } else if newline {
                bytes.extend_from_slice(&part[part.len() - 1..]);
            }
            length += part.len();
            let used = part.len();
            self.reader.consume(used);
            if cr_last {
                // A CR at the end of the buffer: the LF of a CRLF may come with the next one.
                if let Ok([b'\n', ..]) = self.reader.fill_buf() {
                    bytes.push(b'\n');
                    length += 1;
                    self.reader.consume(1);
                }
            }
            if newline {
                break;
            }
        }
        if length == 0 {
            return Ok(None);
        }
        self.read += 1;
        if self.read == 1 && bytes.starts_with(b"\xef\xbb\xbf") {
            bytes.drain(..3);
            length -= 3;
        }
        Ok(Some(Line {
            number: self.read,
            bytes,
            length,
        }))
    }

    /// A read error ends the input.
    fn read_error(&mut self, io: std::io::Error) -> Bad {
        self.again.clear();
        Bad::Read {
            line: self.read + 1,
            io,
        }
    }

    /// The next row (blank lines between rows are skipped), or why the row could not be read;
    /// `None` at the end.
    fn next_row(&mut self) -> Option<std::result::Result<Row, Bad>> {
        let first = loop {
            match self.next_line() {
                Ok(Some(line)) if line.split().0.is_empty() && !line.too_long() => continue,
                Ok(Some(line)) => break line,
                Ok(None) => return None,
                Err(io) => return Some(Err(self.read_error(io))),
            }
        };
        if first.too_long() {
            return Some(Err(Bad::LineTooLong {
                line: first.number,
                length: first.length,
            }));
        }
        let mut scan = Scan::new(first.number);
        scan.line(&first);
        if scan.state != State::Quoted {
            return Some(Ok(scan.finish()));
        }
        // A quoted field runs over the line break: the lines it takes are kept, to be read again if
        // it turns out to be a broken quote.
        let mut held = vec![first];
        let why = loop {
            if scan.bytes > MAX_RECORD_BYTES || scan.field_bytes > MAX_CSV_FIELD_BYTES {
                break Unclosed::TooLong { bytes: scan.bytes };
            }
            let line = match self.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => break Unclosed::AtEnd,
                Err(io) => return Some(Err(self.read_error(io))),
            };
            if line.too_long() {
                held.push(line);
                break Unclosed::TooLong {
                    bytes: scan.bytes + held.last().map_or(0, |l| l.length),
                };
            }
            scan.line(&line);
            let number = line.number;
            held.push(line);
            if let Some(at) = scan.stray {
                break Unclosed::Stray { at };
            }
            if scan.state != State::Quoted {
                let mut row = scan.finish();
                row.last = number;
                return Some(Ok(row));
            }
        };
        let line = held[0].number;
        for line in held.drain(1..).rev() {
            self.again.push_front(line);
        }
        Some(Err(Bad::Unclosed { line, why }))
    }
}

/// The scan of one row, line by line.
struct Scan {
    line: u64,
    fields: Vec<Vec<u8>>,
    field: Vec<u8>,
    count: usize,
    field_bytes: usize,
    bytes: usize,
    state: State,
    /// The row's quoted field has run over a line break.
    spanned: bool,
    /// The line of a quote followed by other text after a line break inside quotes.
    stray: Option<u64>,
    oversized: Option<(usize, usize)>,
}

impl Scan {
    fn new(line: u64) -> Scan {
        Scan {
            line,
            fields: Vec::new(),
            field: Vec::new(),
            count: 0,
            field_bytes: 0,
            bytes: 0,
            state: State::FieldStart,
            spanned: false,
            stray: None,
            oversized: None,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.field_bytes += bytes.len();
        if self.field_bytes <= MAX_CSV_FIELD_BYTES {
            self.field.extend_from_slice(bytes);
        }
    }

    fn end_field(&mut self) {
        if self.field_bytes > MAX_CSV_FIELD_BYTES && self.oversized.is_none() {
            self.oversized = Some((self.count, self.field_bytes));
        }
        let field = std::mem::take(&mut self.field);
        if self.fields.len() < MAX_CSV_FIELDS {
            self.fields.push(field);
        }
        self.count += 1;
        self.field_bytes = 0;
    }

    /// Reads one line into the row.
    fn line(&mut self, line: &Line) {
        let (text, end) = line.split();
        self.bytes += line.bytes.len();
        // The start of the current run of field bytes (a quoted field continued from the line
        // before runs from 0).
        let mut run = 0;
        for (i, &b) in text.iter().enumerate() {
            match self.state {
                State::FieldStart => match b {
                    b'"' => {
                        self.state = State::Quoted;
                        run = i + 1;
                    }
                    b',' => self.end_field(),
                    _ => {
                        self.state = State::Unquoted;
                        run = i;
                    }
                },
                State::Unquoted => {
                    if b == b',' {
                        self.push(&text[run..i]);
                        self.end_field();
                        self.state = State::FieldStart;
                    }
                }
                State::Quoted => {
                    if b == b'"' {
                        self.push(&text[run..i]);
                        self.state = State::QuoteInQuoted;
                    }
                }
                State::QuoteInQuoted => match b {
                    b'"' => {
                        self.state = State::Quoted;
                        run = i;
                    }
                    b',' => {
                        self.end_field();
                        self.state = State::FieldStart;
                    }
                    // `"a"b` is read as `ab`, as the csv crate reads it; after a line break inside
                    // the quotes it is the mark of a quote that did not close where it should.
                    _ => {
                        if self.spanned && self.stray.is_none() {
                            self.stray = Some(line.number);
                        }
                        self.state = State::Unquoted;
                        run = i;
                    }
                },
            }
        }
        match self.state {
            State::Quoted => {
                self.push(&text[run..]);
                self.push(end);
                self.spanned = true;
            }
            State::Unquoted => {
                self.push(&text[run..]);
                self.end_field();
            }
            State::FieldStart | State::QuoteInQuoted => self.end_field(),
        }
    }

    fn finish(self) -> Row {
        Row {
            line: self.line,
            last: self.line,
            fields: self.fields,
            count: self.count,
            bytes: self.bytes,
            oversized: self.oversized,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(input: &'static [u8]) -> Vec<Result<Article>> {
        read(input, "f.csv".to_string(), Reading::default()).collect()
    }

    #[test]
    fn aliases_quotes_and_bad_rows() {
        let out = rows(
            b"id,title,text,publication,date\n\
              1,Hello,\"Body, with comma\nand newline\",Herald,Feb 3, 2017\n\
              2,Short row\n\
              3,Ok,\"said \"\"hi\"\"\",Wire,2017-02-04\n\
              4,Bad,caf\xe9,Wire,2017-02-04\n",
        );
        assert_eq!(out.len(), 4, "{out:?}");
        // "Feb 3, 2017" unquoted makes 6 columns: the row is rejected, naming its line.
        let first = out[0].as_ref().unwrap_err().to_string();
        assert!(
            first.starts_with("f.csv:2: bad CSV row: 6 columns where the header has 5"),
            "{first}"
        );
        assert!(out[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .starts_with("f.csv:4:"));
        let ok = out[2].as_ref().unwrap();
        assert_eq!(ok.body, "said \"hi\"");
        assert_eq!(ok.source.as_deref(), Some("Wire"));
        assert_eq!(ok.origin, "f.csv:5");
        let bad = out[3].as_ref().unwrap_err().to_string();
        assert!(
            bad.starts_with("f.csv:6: invalid UTF-8 in column \"text\""),
            "{bad}"
        );
    }

    #[test]
    fn crlf_rows_are_named_by_their_own_line() {
        let out = rows(b"id,body\r\n1,one\r\n2\r\n3,\"multi\r\nline\"\r\n4,four\r\n");
        assert_eq!(out[0].as_ref().unwrap().origin, "f.csv:2");
        assert!(out[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .starts_with("f.csv:3:"));
        assert_eq!(out[2].as_ref().unwrap().origin, "f.csv:4");
        assert_eq!(out[3].as_ref().unwrap().origin, "f.csv:6");
    }

    /// The origins of `out`, with `ok` or the error message.
    fn outcome(out: &[Result<Article>]) -> Vec<String> {
        out.iter()
            .map(|r| match r {
                Ok(a) => format!("{} ok {}", a.origin, a.body),
                Err(e) => e.to_string(),
            })
            .collect()
    }

    #[test]
    fn an_unclosed_quote_costs_its_own_row_only() {
        // Issue 16: the quote on line 3 never closes; the csv crate read the rest of the file as
        // its body and reported one article. Here line 3 is rejected and every row after it is read.
        let out = rows(
            b"id,title,body\n\
              1,One,first\n\
              2,Two,\"broken body, never closed\n\
              3,Three,third\n\
              4,Four,\"quoted, fine\"\n\
              5,Five,\"two\nlines\"\n\
              6,Six,sixth\n",
        );
        let got = outcome(&out);
        assert_eq!(got.len(), 6, "{got:#?}");
        assert_eq!(got[0], "f.csv:2 ok first");
        assert!(
            got[1].starts_with("f.csv:3: bad CSV row: unclosed quote"),
            "{got:#?}"
        );
        assert_eq!(got[2], "f.csv:4 ok third");
        assert_eq!(got[3], "f.csv:5 ok quoted, fine");
        assert_eq!(got[4], "f.csv:6 ok two\nlines");
        assert_eq!(got[5], "f.csv:8 ok sixth");
    }

    #[test]
    fn an_unclosed_quote_at_the_end_of_the_input_is_rejected() {
        let out = outcome(&rows(b"id,body\n1,\"never closed\n2,two\n3,three"));
        assert!(
            out[0].starts_with("f.csv:2: bad CSV row: unclosed quote"),
            "{out:#?}"
        );
        assert!(out[0].contains("ends inside it"), "{out:#?}");
        assert_eq!(out[1..], ["f.csv:3 ok two", "f.csv:4 ok three"]);
    }

    #[test]
    fn multi_line_fields_and_doubled_quotes_are_read_as_before() {
        let out = outcome(&rows(
            b"id,body,title\n\
              1,\"Para one, \"\"quoted\"\".\n\nPara two.\",T\n\
              2,\"b\",\"\"\n\
              3,\"a\"\"\nb\",T\n",
        ));
        assert_eq!(
            out,
            [
                "f.csv:2 ok Para one, \"quoted\".\n\nPara two.",
                "f.csv:5 ok b",
                "f.csv:6 ok a\"\nb"
            ]
        );
    }

    /// Every field the csv crate writes (quotes, commas, line breaks of both kinds, empty fields)
    /// is read back as written, on the line it starts on.
    #[test]
    fn what_the_csv_crate_writes_is_read_back() {
        let mut seed = 16u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pieces = ["a", "b c", ",", "\"", "\n", "\r\n", "", " ", "é", "x\"y"];
        let mut rows_written = Vec::new();
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(["id", "body", "title"]).unwrap();
        for id in 0..500 {
            let mut field = || {
                let n = 1 + next() % 6;
                (0..n)
                    .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                    .collect::<String>()
            };
            let row = [id.to_string(), format!("b{}", field()), field()];
            out.write_record(&row).unwrap();
            rows_written.push(row);
        }
        let bytes: &'static [u8] = out.into_inner().unwrap().leak();
        let mut line = 2;
        for (row, got) in rows_written.iter().zip(rows(bytes)) {
            let got = got.unwrap_or_else(|e| panic!("{row:?}: {e}"));
            assert_eq!(got.id, row[0]);
            assert_eq!(got.body, row[1].trim(), "{row:?}");
            assert_eq!(got.origin, format!("f.csv:{line}"));
            line += 1 + row.iter().map(|f| f.matches('\n').count()).sum::<usize>();
        }
    }

    #[test]
    fn lines_may_end_with_a_lone_cr() {
        let out = outcome(&rows(b"id,body\r1,one\r2,\"two\rlines\"\r\r3,three"));
        assert_eq!(
            out,
            [
                "f.csv:2 ok one",
                "f.csv:3 ok two\rlines",
                "f.csv:6 ok three"
            ]
        );
        // A CR that ends one read buffer and the LF that begins the next are one line end.
        // (Byte 12 is the CR after `x`.)
        let input = b"id,body\r\n1,x\r\n2,two\r\n";
        let reader = std::io::BufReader::with_capacity(13, &input[..]);
        let out: Vec<Result<Article>> =
            read(reader, "f.csv".to_string(), Reading::default()).collect();
        assert_eq!(outcome(&out), ["f.csv:2 ok x", "f.csv:3 ok two"]);
    }

    #[test]
    fn rows_without_an_id_differ_when_their_fields_do() {
        let out = rows(b"title,body\nab,c\na,bc\n");
        assert_ne!(out[0].as_ref().unwrap().id, out[1].as_ref().unwrap().id);
    }

    #[test]
    fn header_without_body_is_one_clear_error() {
        let out = rows(b"id,title\n1,x\n");
        assert_eq!(out.len(), 1);
        assert!(out[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("no body column"));
    }

    #[test]
    fn empty_file() {
        let out = rows(b"");
        assert_eq!(out.len(), 1);
        assert!(out[0].is_err());
    }
}
