//! Plain-text articles: one per file. The first line is the headline when more paragraphs follow and it
//! is short; otherwise the whole file is the body.

use super::{decode_utf8, looks_binary, Article, RecordFields};
use crate::{Error, Result};

/// A first line longer than this (in characters) is a paragraph, not a headline.
const MAX_TITLE_CHARS: usize = 150;

pub(super) fn parse(bytes: Vec<u8>, origin: &str) -> Result<Article> {
    if looks_binary(&bytes) {
        return Err(Error::Input {
            origin: origin.to_string(),
            message: "binary file (NUL bytes), not text; skipped".into(),
        });
    }
    let raw = bytes.clone();
    let text = decode_utf8(bytes, origin)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (title, body) = split_title(text);
    let mut fields = RecordFields::default();
    if let Some(title) = title {
        fields.set("title", title.to_string());
    }
    fields.set("body", body.to_string());
    fields.into_article(&raw, format!("{origin}:1"))
}

/// Splits a headline off the text when the first line is short and other non-empty lines follow.
fn split_title(text: &str) -> (Option<&str>, &str) {
    let text = text.trim();
    if let Some((first, rest)) = text.split_once('\n') {
        let first = first.trim();
        let rest = rest.trim();
        let short = first.chars().count() <= MAX_TITLE_CHARS;
        if short && !first.is_empty() && !rest.is_empty() {
            return (Some(first), rest);
        }
    }
    (None, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_then_paragraphs() {
        let a = parse(
            b"Storm hits rail lines\n\nTrains stopped.\n\nMore later.".to_vec(),
            "a.txt",
        )
        .unwrap();
        assert_eq!(a.title.as_deref(), Some("Storm hits rail lines"));
        assert_eq!(a.body, "Trains stopped.\n\nMore later.");
        assert_eq!(a.origin, "a.txt:1");
    }

    #[test]
    fn single_paragraph_has_no_title() {
        let a = parse(b"Just one paragraph of news.\n".to_vec(), "a.txt").unwrap();
        assert_eq!(a.title, None);
        assert_eq!(a.body, "Just one paragraph of news.");
    }

    #[test]
    fn long_first_line_is_body() {
        let long = "word ".repeat(60);
        let a = parse(format!("{long}\nsecond paragraph").into_bytes(), "a.txt").unwrap();
        assert_eq!(a.title, None);
    }

    #[test]
    fn empty_binary_and_bad_utf8_are_rejected() {
        let empty = parse(Vec::new(), "e.txt").unwrap_err().to_string();
        assert!(empty.contains("e.txt:1: record has no body"), "{empty}");
        let binary = parse(b"\x7fELF\x00\x00".to_vec(), "b.txt")
            .unwrap_err()
            .to_string();
        assert!(binary.contains("binary"), "{binary}");
        let bad = parse(b"caf\xe9 au lait".to_vec(), "l.txt")
            .unwrap_err()
            .to_string();
        assert!(bad.contains("invalid UTF-8 at byte 3"), "{bad}");
    }
}
