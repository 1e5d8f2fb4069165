//! Reading CoNLL-format NER data (`token ... TAG` per line, a blank line between sentences,
//! `-DOCSTART-` between documents), as training data for the tagger and as gold data for evaluation.
//!
//! Each document is rebuilt as text the way news really arrives: one sentence per line, tokens joined by
//! single spaces. Gold spans keep byte offsets into that text. Tags may be IOB1 (CoNLL-2003: `I-X`
//! starts a span unless the previous token is also `X`; `B-X` only between two adjacent spans) or IOB2
//! (`B-X` starts every span); one reader takes both.

use std::ops::Range;

use super::EntityKind;
use crate::{Error, Result};

/// The entity classes of CoNLL data. `Misc` (nationalities, events, products...) is learnt by the
/// tagger so that it is not confused with the other classes, but never reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// A person (PER).
    Person,
    /// An organisation (ORG).
    Org,
    /// A place (LOC).
    Place,
    /// Anything else named (MISC).
    Misc,
}

impl Class {
    /// Every class, in label order.
    pub const ALL: [Class; 4] = [Class::Person, Class::Org, Class::Place, Class::Misc];

    /// The entity kind reported for this class; `None` for `Misc`.
    pub fn kind(self) -> Option<EntityKind> {
        match self {
            Class::Person => Some(EntityKind::Person),
            Class::Org => Some(EntityKind::Org),
            Class::Place => Some(EntityKind::Place),
            Class::Misc => None,
        }
    }

    fn parse(tag: &str) -> Option<Class> {
        match tag.to_ascii_uppercase().as_str() {
            "PER" | "PERSON" => Some(Class::Person),
            "ORG" | "ORGANIZATION" | "ORGANISATION" => Some(Class::Org),
            "LOC" | "LOCATION" | "GPE" => Some(Class::Place),
            "MISC" => Some(Class::Misc),
            _ => None,
        }
    }
}

/// A gold span: bytes `start..end` of the document text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GoldSpan {
    /// Byte offset of the span's first byte.
    pub start: usize,
    /// Byte offset just past the span.
    pub end: usize,
    /// The span's class.
    pub class: Class,
}

/// One document: its text (one sentence per line), the byte range of each sentence, and gold spans.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// The rebuilt text.
    pub text: String,
    /// Each sentence's bytes in `text` (no newline).
    pub sentences: Vec<Range<usize>>,
    /// The gold spans, in text order.
    pub gold: Vec<GoldSpan>,
}

/// Parses CoNLL data; `origin` names the input in errors ("FILE:LINE: ..."). A line's first field is the
/// token and its last field the tag (fields split by spaces or tabs); a line with one field is an error.
pub fn parse(data: &str, origin: &str) -> Result<Vec<Document>> {
    let mut docs = Vec::new();
    let mut doc = Document::default();
    let mut sentence_start: Option<usize> = None;
    // The open span: its start, end and class.
    let mut open: Option<(usize, usize, Class)> = None;
    let mut prev_class: Option<Class> = None;
    fn close(open: &mut Option<(usize, usize, Class)>, doc: &mut Document) {
        if let Some((start, end, class)) = open.take() {
            doc.gold.push(GoldSpan { start, end, class });
        }
    }
    fn end_sentence(sentence_start: &mut Option<usize>, doc: &mut Document) {
        if let Some(s) = sentence_start.take() {
            doc.sentences.push(s..doc.text.len());
        }
    }
    for (n, raw) in data.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with("-DOCSTART-") {
            close(&mut open, &mut doc);
            end_sentence(&mut sentence_start, &mut doc);
            prev_class = None;
            if !doc.text.is_empty() {
                docs.push(std::mem::take(&mut doc));
            }
            continue;
        }
        let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
        let Some(token) = fields.next() else {
            close(&mut open, &mut doc);
            end_sentence(&mut sentence_start, &mut doc);
            prev_class = None;
            continue;
        };
        let Some(tag) = fields.next_back() else {
            if raw.contains('\t') && (token == "O" || token.contains('-')) {
                // A whitespace token ("\u{a0}\tO"): nothing to read.
                continue;
            }
            return Err(Error::Invalid(format!(
                "{origin}:{}: expected `TOKEN ... TAG`, found one field {token:?}",
                n + 1
            )));
        };
        if sentence_start.is_none() {
            if !doc.text.is_empty() {
                doc.text.push('\n');
            }
            sentence_start = Some(doc.text.len());
        } else {
            doc.text.push(' ');
        }
        let start = doc.text.len();
        doc.text.push_str(token);
        let end = doc.text.len();
        let (prefix, class) = match tag.split_once('-') {
            Some((p, c)) => match Class::parse(c) {
                Some(class) => (p.to_ascii_uppercase(), Some(class)),
                None => (String::new(), None),
            },
            None if tag == "O" => (String::new(), None),
            None => {
                return Err(Error::Invalid(format!(
                    "{origin}:{}: unknown tag {tag:?} (expected O, B-TYPE or I-TYPE)",
                    n + 1
                )))
            }
        };
        match class {
            Some(class) if prefix == "I" && prev_class == Some(class) && open.is_some() => {
                if let Some(o) = open.as_mut() {
                    o.1 = end;
                }
            }
            Some(class) => {
                close(&mut open, &mut doc);
                open = Some((start, end, class));
            }
            None => close(&mut open, &mut doc),
        }
        prev_class = class;
    }
    close(&mut open, &mut doc);
    end_sentence(&mut sentence_start, &mut doc);
    if !doc.text.is_empty() {
        docs.push(doc);
    }
    Ok(docs)
}

/// Precision, recall and F1 from true positives, predictions and gold spans (0 where undefined).
pub fn prf(tp: usize, pred: usize, gold: usize) -> (f64, f64, f64) {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (p, r) = (ratio(tp, pred), ratio(tp, gold));
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iob1_and_iob2_give_the_same_spans() {
        let iob1 =
            "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\nGerman JJ I-NP I-MISC\n\
                    call NN I-NP O\n\nPeter I-PER\nBlackburn I-PER\nB-PER x B-PER\n";
        let iob2 = "EU B-ORG\nrejects O\nGerman B-MISC\ncall O\n\nPeter B-PER\nBlackburn I-PER\nB-PER B-PER\n";
        let a = parse(iob1, "a").unwrap();
        let b = parse(iob2, "b").unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].text, "EU rejects German call\nPeter Blackburn B-PER");
        assert_eq!(a[0].text, b[0].text);
        assert_eq!(a[0].gold, b[0].gold);
        let spans: Vec<&str> = a[0]
            .gold
            .iter()
            .map(|g| &a[0].text[g.start..g.end])
            .collect();
        assert_eq!(spans, ["EU", "German", "Peter Blackburn", "B-PER"]);
        assert_eq!(a[0].sentences.len(), 2);
    }

    #[test]
    fn a_line_without_a_tag_names_its_line() {
        let err = parse("EU B-ORG\nrejects\n", "f.conll")
            .unwrap_err()
            .to_string();
        assert!(err.contains("f.conll:2"), "{err}");
    }
}
