//! The document newsidx hands tantivy's writer, and how title and body reach the index as the terms
//! enrichment already made of them.
//!
//! tantivy 0.27 takes a `PreTokenizedString` only owned: it copies every token of it for the store
//! and twice for the inverted index (and `TantivyDocument` also encodes it as JSON), which made
//! indexing slower than letting tantivy analyse the text again (DESIGN.md). So a title or body is
//! handed over as plain text, and its terms wait in [`PENDING`] under the address of that text, which
//! the document owns. The `news` tokenizer registered on the index ([`NewsTokenizer`]) streams the
//! waiting terms of the text it is given; a text with none (a query, a document made another way) is
//! analysed by the `news` analyzer, which makes the same terms (a test keeps the two equal). The
//! entry leaves with its document.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf};
use tantivy::schema::{Document, Facet, Field, Value};
use tantivy::tokenizer::{BoxTokenStream, TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::DateTime;

use crate::text::analyzer::{news_analyzer, IndexTerms, TermStream};

/// Waiting terms by the address and length of their text.
type Pending = HashMap<(usize, usize), Arc<IndexTerms>>;

/// The terms of the texts of the documents alive, by the address and length of each text.
static PENDING: LazyLock<Mutex<Pending>> = LazyLock::new(Default::default);

fn key(text: &str) -> (usize, usize) {
    (text.as_ptr() as usize, text.len())
}

fn pending() -> std::sync::MutexGuard<'static, Pending> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A text whose terms are waiting for the tokenizer. Two live strings never share an address, and an
/// empty one (whose address is shared) is never registered.
#[derive(Debug)]
struct AnalysedText {
    text: String,
}

impl AnalysedText {
    fn new(text: String, terms: IndexTerms) -> AnalysedText {
        if !text.is_empty() {
            pending().insert(key(&text), Arc::new(terms));
        }
        AnalysedText { text }
    }
}

impl Drop for AnalysedText {
    fn drop(&mut self) {
        if !self.text.is_empty() {
            pending().remove(&key(&self.text));
        }
    }
}

/// One article as tantivy indexes and stores it: one pointer. tantivy's queue of documents on their
/// way to its indexing threads has 10,000 slots of up to four documents each, allocated and written
/// whole when a writer opens: with the parts in place (48 bytes) it took 2.48 MB of every writer's
/// memory, with one pointer 0.88 MB (DESIGN.md 2.9).
#[derive(Debug, Default)]
pub struct NewsDocument(Box<Parts>);

/// What a [`NewsDocument`] holds.
#[derive(Debug, Default)]
struct Parts {
    values: Vec<(Field, FieldValue)>,
    /// The article's signature ([`crate::fingerprint::Signature::to_packed`]), which no built-in part
    /// of tantivy reads: the signatures file's writer ([`super::signatures`]) takes it from here.
    signature: Option<Vec<u8>>,
}

/// One value of a field.
#[derive(Debug)]
enum FieldValue {
    Str(String),
    Analysed(AnalysedText),
    U64(u64),
    Date(DateTime),
    Facet(Facet),
}

impl NewsDocument {
    /// Adds a text value, analysed by the field's tokenizer.
    pub fn add_text(&mut self, field: Field, text: &str) {
        self.0
            .values
            .push((field, FieldValue::Str(text.to_string())));
    }

    /// Adds a text value of a `news` field with its terms, made by
    /// [`crate::text::analyzer::index_terms`].
    pub fn add_analysed(&mut self, field: Field, text: String, terms: IndexTerms) {
        self.0
            .values
            .push((field, FieldValue::Analysed(AnalysedText::new(text, terms))));
    }

    /// Adds a `u64` value.
    pub fn add_u64(&mut self, field: Field, value: u64) {
        self.0.values.push((field, FieldValue::U64(value)));
    }

    /// Adds a date.
    pub fn add_date(&mut self, field: Field, value: DateTime) {
        self.0.values.push((field, FieldValue::Date(value)));
    }

    /// Adds a facet.
    pub fn add_facet(&mut self, field: Field, facet: Facet) {
        self.0.values.push((field, FieldValue::Facet(facet)));
    }

    /// Sets the article's signature, as [`crate::fingerprint::Signature::to_packed`] writes it.
    pub fn set_signature(&mut self, bytes: Vec<u8>) {
        self.0.signature = Some(bytes);
    }

    /// The signature set by [`NewsDocument::set_signature`].
    pub fn signature(&self) -> Option<&[u8]> {
        self.0.signature.as_deref()
    }
}

/// A borrowed value, as tantivy reads it.
#[derive(Debug, Clone, Copy)]
pub struct ValueRef<'a>(&'a FieldValue);

impl<'a> Value<'a> for ValueRef<'a> {
    type ArrayIter = std::iter::Empty<ValueRef<'a>>;
    type ObjectIter = std::iter::Empty<(&'a str, ValueRef<'a>)>;

    fn as_value(&self) -> ReferenceValue<'a, Self> {
        ReferenceValue::Leaf(match self.0 {
            FieldValue::Str(text) => ReferenceValueLeaf::Str(text),
            FieldValue::Analysed(analysed) => ReferenceValueLeaf::Str(&analysed.text),
            FieldValue::U64(value) => ReferenceValueLeaf::U64(*value),
            FieldValue::Date(value) => ReferenceValueLeaf::Date(*value),
            FieldValue::Facet(facet) => ReferenceValueLeaf::Facet(facet.encoded_str()),
        })
    }
}

/// The fields and values of a [`NewsDocument`].
pub struct FieldValues<'a>(std::slice::Iter<'a, (Field, FieldValue)>);

impl<'a> Iterator for FieldValues<'a> {
    type Item = (Field, ValueRef<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0
            .next()
            .map(|(field, value)| (*field, ValueRef(value)))
    }
}

impl Document for NewsDocument {
    type Value<'a> = ValueRef<'a>;
    type FieldsValuesIter<'a> = FieldValues<'a>;

    fn iter_fields_and_values(&self) -> FieldValues<'_> {
        FieldValues(self.0.values.iter())
    }
}

/// The `news` tokenizer of the index: the waiting terms of a document's text, else the `news`
/// analyzer.
#[derive(Clone)]
pub struct NewsTokenizer {
    analyzer: TextAnalyzer,
    /// The terms being streamed, held while the stream borrows them.
    held: Option<Arc<IndexTerms>>,
}

impl Default for NewsTokenizer {
    fn default() -> Self {
        NewsTokenizer {
            analyzer: news_analyzer(),
            held: None,
        }
    }
}

/// The stream of [`NewsTokenizer`].
pub enum NewsStream<'a> {
    /// The terms enrichment made.
    Waiting(TermStream<'a>),
    /// The analyzer's.
    Analysed(BoxTokenStream<'a>),
}

impl Tokenizer for NewsTokenizer {
    type TokenStream<'a> = NewsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> NewsStream<'a> {
        self.held = if text.is_empty() {
            None
        } else {
            pending().get(&key(text)).cloned()
        };
        match &self.held {
            Some(terms) => NewsStream::Waiting(terms.stream()),
            None => NewsStream::Analysed(self.analyzer.token_stream(text)),
        }
    }
}

impl TokenStream for NewsStream<'_> {
    fn advance(&mut self) -> bool {
        match self {
            NewsStream::Waiting(s) => s.advance(),
            NewsStream::Analysed(s) => s.advance(),
        }
    }

    fn token(&self) -> &Token {
        match self {
            NewsStream::Waiting(s) => s.token(),
            NewsStream::Analysed(s) => s.token(),
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match self {
            NewsStream::Waiting(s) => s.token_mut(),
            NewsStream::Analysed(s) => s.token_mut(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{analyzer::index_terms, Tokens};

    fn streamed(tokenizer: &mut NewsTokenizer, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        tokenizer
            .token_stream(text)
            .process(&mut |t| out.push(t.clone()));
        out
    }

    /// A document is one pointer, so that tantivy's queue of 10,000 slots of four documents stays
    /// small (see [`NewsDocument`]).
    #[test]
    fn a_document_is_one_pointer() {
        assert_eq!(
            std::mem::size_of::<NewsDocument>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn a_document_text_streams_its_terms_and_any_other_text_is_analysed() {
        let mut tokenizer = NewsTokenizer::default();
        let body = "Putin's calls: the Kremlin said, on 1,750 occasions, nothing.".to_string();
        let copy = body.clone();
        let terms = index_terms(&body, &Tokens::new(&body));
        // Marked so that the stream shows where its terms came from.
        let marked = IndexTerms::from_tokens_for_test(&terms, "x");
        let mut doc = NewsDocument::default();
        doc.add_analysed(Field::from_field_id(0), body, marked);
        let FieldValue::Analysed(analysed) = &doc.0.values[0].1 else {
            unreachable!()
        };
        let from_doc = streamed(&mut tokenizer, &analysed.text);
        assert!(
            from_doc.iter().all(|t| t.text.starts_with('x')),
            "{from_doc:?}"
        );
        // The same words in another string are analysed, as a query is.
        let analysed = streamed(&mut tokenizer, &copy);
        assert_eq!(analysed, terms.tokens());
        drop(doc);
        assert!(pending().get(&key(&copy)).is_none());
        assert!(streamed(&mut tokenizer, "").is_empty());
    }
}
