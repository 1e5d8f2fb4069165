//! CSV input: a header row names the columns (matched to fields by name, aliases included), then one
//! article per row. A row with the wrong number of columns or bad UTF-8 is an error for that row only.

use std::io::Read;

use super::{check_size, Article, RecordFields};
use crate::{Error, Result};

pub(super) fn read<R: Read + Send + 'static>(
    reader: R,
    origin: String,
) -> Box<dyn Iterator<Item = Result<Article>> + Send> {
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
    if !names.iter().any(|n| super::RecordFields::is_body(n)) {
        return Box::new(std::iter::once(Err(Error::Input {
            origin: format!("{origin}:1"),
            message: format!(
                "CSV header has no body column (expected a column named {}; found {})",
                super::fields::BODY_NAMES,
                names.join(", ")
            ),
        })));
    }
    let rows = csv.into_byte_records().map(move |row| {
        let row = row.map_err(|err| {
            let line = err.position().map_or(0, |p| p.line());
            Error::Input {
                origin: format!("{origin}:{line}"),
                message: format!("bad CSV row: {}", err.kind_message()),
            }
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let row_origin = format!("{origin}:{line}");
        check_size(row.as_slice().len(), &row_origin)?;
        let mut fields = RecordFields::default();
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
        fields.into_article(row.as_slice(), row_origin)
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
        read(input, "f.csv".to_string()).collect()
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
