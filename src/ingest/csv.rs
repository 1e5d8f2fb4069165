//! CSV input: a header row names the columns (matched to fields by name, aliases included), then one
//! article per row. A row with the wrong number of columns or bad UTF-8 is an error for that row only.

use std::io::BufRead;

use super::{check_size, Article, Reading, RecordFields};
use crate::{Error, Result};

pub(super) fn read<R: BufRead + Send + 'static>(
    mut reader: R,
    origin: String,
    reading: Reading,
) -> Box<dyn Iterator<Item = Result<Article>> + Send> {
    // The csv crate places a record that follows a CRLF on the line before it (the LF is counted
    // after the record starts): a file whose first line ends in CRLF has its lines counted one on.
    let crlf = reader.fill_buf().is_ok_and(|head| {
        head.iter()
            .position(|&b| b == b'\n')
            .is_some_and(|at| at > 0 && head[at - 1] == b'\r')
    });
    let line_of = move |line: u64| if crlf { line + 1 } else { line };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(reader);
    let headers = match csv.byte_headers() {
        Ok(headers) => headers.clone(),
        Err(err) => {
            return Box::new(std::iter::once(Err(Error::Input {
                origin: format!("{origin}:1"),
                message: format!("unreadable CSV header: {err}"),
            })))
        }
    };
    let names: Vec<String> = headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    if names.iter().all(|n| n.trim().is_empty()) {
        return Box::new(std::iter::once(Err(Error::Input {
            origin: format!("{origin}:1"),
            message: "empty file: no CSV header".into(),
        })));
    }
    if !names.iter().any(|n| reading.is_body(n)) {
        return Box::new(std::iter::once(Err(Error::Input {
            origin: format!("{origin}:1"),
            message: format!(
                "CSV header has no body column (expected a column named {}; found {})",
                super::fields::BODY_NAMES,
                names.join(", ")
            ),
        })));
    }
    // The line of the last row read: a read error (a truncated compressed file) has no position of
    // its own and is placed on the line after it.
    let mut last_line = 1;
    let rows = csv.into_byte_records().map(move |row| {
        let row = row.map_err(|err| {
            let line = err.position().map_or(last_line + 1, |p| line_of(p.line()));
            let message = match err.kind() {
                csv::ErrorKind::Io(io) => format!("read error: {io}"),
                _ => format!("bad CSV row: {}", err.kind_message()),
            };
            Error::Input {
                origin: format!("{origin}:{line}"),
                message,
            }
        })?;
        let line = line_of(row.position().map_or(0, |p| p.line()));
        last_line = line;
        let row_origin = format!("{origin}:{line}");
        check_size(row.as_slice().len(), &row_origin)?;
        let mut fields = RecordFields::new(&reading);
        for (name, value) in names.iter().zip(row.iter()) {
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
        let mut raw = Vec::with_capacity(row.as_slice().len() + 8 * row.len());
        for field in row.iter() {
            raw.extend_from_slice(&(field.len() as u64).to_le_bytes());
            raw.extend_from_slice(field);
        }
        fields.into_article(&raw, row_origin)
    });
    Box::new(rows)
}

trait KindMessage {
    fn kind_message(&self) -> String;
}

impl KindMessage for csv::Error {
    fn kind_message(&self) -> String {
        match self.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("{len} columns where the header has {expected_len}"),
            _ => self.to_string(),
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
