//! The document newsidx hands tantivy's writer: its values as they are, so that pre-tokenized title
//! and body reach the indexer without the encoding `TantivyDocument` puts them through (it writes a
//! pre-tokenized value as JSON and parses it again for each use).

use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf};
use tantivy::schema::{Document, Facet, Field, Value};
use tantivy::tokenizer::PreTokenizedString;
use tantivy::DateTime;

/// One article as tantivy indexes and stores it.
#[derive(Debug, Default)]
pub struct NewsDocument {
    values: Vec<(Field, FieldValue)>,
}

/// One value of a field.
#[derive(Debug)]
enum FieldValue {
    Str(String),
    PreTokenized(PreTokenizedString),
    U64(u64),
    Date(DateTime),
    Facet(Facet),
}

impl NewsDocument {
    /// Adds a text value, analysed by the field's tokenizer.
    pub fn add_text(&mut self, field: Field, text: &str) {
        self.values.push((field, FieldValue::Str(text.to_string())));
    }

    /// Adds a text value with its tokens.
    pub fn add_pre_tokenized(&mut self, field: Field, text: PreTokenizedString) {
        self.values.push((field, FieldValue::PreTokenized(text)));
    }

    /// Adds a `u64` value.
    pub fn add_u64(&mut self, field: Field, value: u64) {
        self.values.push((field, FieldValue::U64(value)));
    }

    /// Adds a date.
    pub fn add_date(&mut self, field: Field, value: DateTime) {
        self.values.push((field, FieldValue::Date(value)));
    }

    /// Adds a facet.
    pub fn add_facet(&mut self, field: Field, facet: Facet) {
        self.values.push((field, FieldValue::Facet(facet)));
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
            // tantivy takes a pre-tokenized value owned; the indexer reads it, the store keeps its
            // text.
            FieldValue::PreTokenized(text) => ReferenceValueLeaf::PreTokStr(Box::new(text.clone())),
            FieldValue::U64(value) => ReferenceValueLeaf::U64(*value),
            FieldValue::Date(value) => ReferenceValueLeaf::Date(*value),
            FieldValue::Facet(facet) => ReferenceValueLeaf::Facet(facet.encoded_str()),
        })
    }
}

type Pairs<'a> = std::slice::Iter<'a, (Field, FieldValue)>;

/// The fields and values of a [`NewsDocument`].
pub struct FieldValues<'a>(Pairs<'a>);

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
        FieldValues(self.values.iter())
    }
}
