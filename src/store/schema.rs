//! The index schema. Its single source of truth is `schemas/article.json` (tantivy's own schema JSON),
//! embedded at compile time; this module parses it once and resolves the field handles the rest of the
//! crate uses, and registers the tokenizers the schema names.

use tantivy::schema::{Field, Schema};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::Index;

use super::document::NewsTokenizer;
use crate::{Error, Result};

/// The schema file, as shipped in `schemas/article.json`.
pub const SCHEMA_JSON: &str = include_str!("../../schemas/article.json");

/// Tokenizer of `title` and `body`: words, lower-cased, accents folded, English stems.
pub const NEWS_TOKENIZER: &str = "news";
/// Tokenizer of `author` and `source`: the whole value as one lower-cased token.
pub const KEYWORD_TOKENIZER: &str = "keyword";
/// The tokenizer of the `id` field (the name tantivy gives its raw tokenizer, which this replaces
/// on newsidx indexes; see [`id_key`]).
pub const ID_TOKENIZER: &str = "raw";
/// Ids longer than this are indexed by a hash ([`id_key`]); tantivy drops terms over 65,530 bytes,
/// so an upsert could not find an article whose id is longer.
pub const MAX_ID_TERM_BYTES: usize = 4096;

/// The term an id is indexed and looked up by: the id itself, or for an id over
/// [`MAX_ID_TERM_BYTES`] its length and two 64-bit hashes (FNV-1a of its bytes forwards and
/// backwards), behind a control character no short id is likely to start with. The stored id is
/// always the whole id.
pub fn id_key(id: &str) -> std::borrow::Cow<'_, str> {
    if id.len() <= MAX_ID_TERM_BYTES {
        return std::borrow::Cow::Borrowed(id);
    }
    let reversed: Vec<u8> = id.bytes().rev().collect();
    std::borrow::Cow::Owned(format!(
        "\u{1}long id:{}:{:016x}:{:016x}",
        id.len(),
        crate::text::fnv1a(id.as_bytes()),
        crate::text::fnv1a(&reversed)
    ))
}

/// The `raw` tokenizer with [`id_key`]: the whole text as one token, long ids hashed.
#[derive(Clone, Default)]
struct IdTokenizer {
    token: Token,
}

struct IdStream<'a> {
    token: &'a mut Token,
    done: bool,
}

impl Tokenizer for IdTokenizer {
    type TokenStream<'a> = IdStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &str) -> IdStream<'a> {
        self.token.reset();
        self.token.position = 0;
        self.token.position_length = 1;
        self.token.offset_from = 0;
        self.token.offset_to = text.len();
        self.token.text.clear();
        self.token.text.push_str(&id_key(text));
        IdStream {
            token: &mut self.token,
            done: false,
        }
    }
}

impl TokenStream for IdStream<'_> {
    fn advance(&mut self) -> bool {
        let first = !self.done;
        self.done = true;
        first
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The names of the schema's fields: the one place they are spelled.
pub mod names {
    /// Upsert key.
    pub const ID: &str = "id";
    /// Headline.
    pub const TITLE: &str = "title";
    /// Article text.
    pub const BODY: &str = "body";
    /// Byline.
    pub const AUTHOR: &str = "author";
    /// Publication or site.
    pub const SOURCE: &str = "source";
    /// Canonical address.
    pub const URL: &str = "url";
    /// Publication date.
    pub const PUBLISHED: &str = "published";
    /// Entity facets.
    pub const ENTITIES: &str = "entities";
    /// Where the article was read from.
    pub const ORIGIN: &str = "origin";
    /// The near-duplicate fingerprint (a custom field: see [`super::signatures`]).
    pub const FINGERPRINT: &str = "fingerprint";
    /// The story column: each article's story at the default rule, set when it was written.
    pub const STORY: &str = "story";
}

/// Field handles of the article schema, resolved once.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The parsed schema.
    pub schema: Schema,
    /// Upsert key (raw string).
    pub id: Field,
    /// Headline.
    pub title: Field,
    /// Article text.
    pub body: Field,
    /// Byline.
    pub author: Field,
    /// Publication or site.
    pub source: Field,
    /// Canonical address.
    pub url: Field,
    /// Publication date.
    pub published: Field,
    /// Entity facets (`/person/Vladimir Putin`).
    pub entities: Field,
    /// File and line or row the article came from.
    pub origin: Field,
    /// Near-duplicate fingerprint: the [`crate::fingerprint::Signature`] (MinHash, SimHash, facts), a
    /// custom field whose values tantivy never sees: each segment's signatures file holds them
    /// ([`super::signatures`]).
    pub fingerprint: Field,
    /// The article's story at the default rule (see [`super::columns::story_value`]).
    pub story: Field,
}

impl Fields {
    /// Parses the embedded schema file and resolves every field.
    pub fn load() -> Result<Fields> {
        let schema: Schema = serde_json::from_str(SCHEMA_JSON).map_err(|e| {
            Error::Invalid(format!("schemas/article.json is not a tantivy schema: {e}"))
        })?;
        Fields::from_schema(schema)
    }

    /// Resolves the fields newsidx needs in `schema`, failing with the name of a missing one.
    pub fn from_schema(schema: Schema) -> Result<Fields> {
        let get = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| Error::Invalid(format!("schema has no field {name:?}")))
        };
        Ok(Fields {
            id: get(names::ID)?,
            title: get(names::TITLE)?,
            body: get(names::BODY)?,
            author: get(names::AUTHOR)?,
            source: get(names::SOURCE)?,
            url: get(names::URL)?,
            published: get(names::PUBLISHED)?,
            entities: get(names::ENTITIES)?,
            origin: get(names::ORIGIN)?,
            fingerprint: get(names::FINGERPRINT)?,
            story: get(names::STORY)?,
            schema,
        })
    }
}

/// Registers the tokenizers named in the schema on `index` (they are not persisted by tantivy).
pub fn register_tokenizers(index: &Index) {
    // The id field's tokenizer, `raw` in the schema: tantivy's raw tokenizer but for long ids.
    index
        .tokenizers()
        .register(ID_TOKENIZER, TextAnalyzer::from(IdTokenizer::default()));
    let news = TextAnalyzer::builder(NewsTokenizer::default()).build();
    let keyword = || {
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build()
    };
    index.tokenizers().register(NEWS_TOKENIZER, news);
    index.tokenizers().register(KEYWORD_TOKENIZER, keyword());
    index
        .fast_field_tokenizer()
        .register(KEYWORD_TOKENIZER, keyword());
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::FieldType;

    #[test]
    fn schema_file_round_trips() {
        let schema: Schema = serde_json::from_str(SCHEMA_JSON).unwrap();
        let again = serde_json::to_string(&schema).unwrap();
        let reparsed: Schema = serde_json::from_str(&again).unwrap();
        assert_eq!(schema, reparsed);
        let as_value: serde_json::Value = serde_json::from_str(SCHEMA_JSON).unwrap();
        let again_value: serde_json::Value = serde_json::from_str(&again).unwrap();
        assert_eq!(
            as_value, again_value,
            "the file is in tantivy's canonical form"
        );
    }

    #[test]
    fn schema_has_the_contracted_fields() {
        let f = Fields::load().unwrap();
        let entry = |field| f.schema.get_field_entry(field);
        let text = |field| match entry(field).field_type() {
            FieldType::Str(opts) => opts.clone(),
            other => panic!("expected text, got {other:?}"),
        };
        let id = text(f.id);
        assert!(id.is_stored());
        assert_eq!(id.get_indexing_options().unwrap().tokenizer(), "raw");
        for field in [f.title, f.body] {
            let opts = text(field);
            assert!(opts.is_stored());
            let indexing = opts.get_indexing_options().unwrap();
            assert!(indexing.index_option().has_positions());
            assert_eq!(indexing.tokenizer(), NEWS_TOKENIZER);
        }
        for field in [f.author, f.source] {
            let opts = text(field);
            assert!(opts.is_stored() && opts.is_fast());
            assert!(opts.get_indexing_options().is_some());
        }
        assert!(text(f.url).is_stored());
        assert!(text(f.origin).is_stored());
        let published = entry(f.published);
        assert!(published.is_indexed() && published.is_fast() && published.is_stored());
        assert!(matches!(
            entry(f.published).field_type(),
            FieldType::Date(_)
        ));
        assert!(matches!(
            entry(f.entities).field_type(),
            FieldType::Facet(_)
        ));
        let fp = entry(f.fingerprint);
        assert!(
            matches!(fp.field_type(), FieldType::Custom(opts) if opts.type_name() == "newsidx-signature")
        );
        assert!(!fp.is_fast() && !fp.is_stored() && !fp.is_indexed());
    }
}
