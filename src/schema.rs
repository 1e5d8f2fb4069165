//! The index schema. Its single source of truth is `schemas/article.json` (tantivy's own schema JSON),
//! embedded at compile time; this module parses it once and resolves the field handles the rest of the
//! crate uses, and registers the tokenizers the schema names.

use rustc_hash::FxHashMap;

use tantivy::schema::{Field, Schema};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::Index;

use crate::{Error, Result};

/// The schema file, as shipped in `schemas/article.json`.
pub const SCHEMA_JSON: &str = include_str!("../schemas/article.json");

/// Version of the on-disk layout newsidx writes. Bump it when the schema or the meaning of a field changes.
pub const FORMAT_VERSION: u32 = 1;

/// Tokenizer of `title` and `body`: words, lower-cased, accents folded, English stems.
pub const NEWS_TOKENIZER: &str = "news";
/// Tokenizer of `author` and `source`: the whole value as one lower-cased token.
pub const KEYWORD_TOKENIZER: &str = "keyword";

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
    /// Near-duplicate fingerprint.
    pub fingerprint: Field,
    /// File and line or row the article came from.
    pub origin: Field,
    /// Near-duplicate signature (MinHash and SimHash, see [`crate::fingerprint::Signature`]).
    pub signature: Field,
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
            id: get("id")?,
            title: get("title")?,
            body: get("body")?,
            author: get("author")?,
            source: get("source")?,
            url: get("url")?,
            published: get("published")?,
            entities: get("entities")?,
            fingerprint: get("fingerprint")?,
            origin: get("origin")?,
            signature: get("signature")?,
            schema,
        })
    }
}

/// The `news` analyzer of title and body: words, lowercased, folded to ASCII, stemmed (English).
pub(crate) fn news_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(MemoStemmer)
        .build()
}

/// Words whose stems one [`MemoStemmer`] keeps; past that it starts afresh.
const MEMO_WORDS: usize = 1 << 16;

/// tantivy's English stemmer with a memo of the words already stemmed: news repeats its words, and
/// looking one up costs a fraction of stemming it. Each clone of an analyzer (tantivy makes one per
/// indexing thread and field) has its own memo, bounded by [`MEMO_WORDS`].
#[derive(Clone)]
pub(crate) struct MemoStemmer;

impl TokenFilter for MemoStemmer {
    type Tokenizer<T: Tokenizer> = MemoStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MemoStemFilter<T> {
        MemoStemFilter {
            tokenizer,
            memo: FxHashMap::default(),
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct MemoStemFilter<T> {
    tokenizer: T,
    memo: FxHashMap<String, String>,
    /// Stems one word: the whole text is one token.
    stemmer: TextAnalyzer,
}

impl<T: Tokenizer> Tokenizer for MemoStemFilter<T> {
    type TokenStream<'a> = MemoStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MemoStemStream {
            tail: self.tokenizer.token_stream(text),
            memo: &mut self.memo,
            stemmer: &mut self.stemmer,
        }
    }
}

pub(crate) struct MemoStemStream<'a, S> {
    tail: S,
    memo: &'a mut FxHashMap<String, String>,
    stemmer: &'a mut TextAnalyzer,
}

impl<S: TokenStream> TokenStream for MemoStemStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let text = &mut self.tail.token_mut().text;
        if text.is_empty() {
            return true;
        }
        if let Some(stem) = self.memo.get(text.as_str()) {
            text.clone_from(stem);
            return true;
        }
        let mut stem = None;
        self.stemmer
            .token_stream(text)
            .process(&mut |token| stem = Some(token.text.clone()));
        let stem = stem.unwrap_or_default();
        if self.memo.len() >= MEMO_WORDS {
            self.memo.clear();
        }
        self.memo
            .insert(std::mem::replace(text, stem.clone()), stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Registers the tokenizers named in the schema on `index` (they are not persisted by tantivy).
pub fn register_tokenizers(index: &Index) {
    let news = news_analyzer();
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

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        analyzer
            .token_stream(text)
            .process(&mut |t| out.push(t.text.clone()));
        out
    }

    /// Words whose stems the English stemmer rewrites most (exceptions, y/ie endings, doubled
    /// consonants, short words) and a stretch of the seed article.
    const WORDS: &str = "dying lying tying skies skis ugly early only singly gently idly news \
        cried ties yelling running agreed feed generously gas ys a is proceeding exceeding \
        succeeded Ökonomie naïve café officials spokesman scheduled conversations anticipated \
        President Donald Trump has scheduled five calls to world leaders on Saturday";

    #[test]
    fn stems_keep_the_first_letter_of_the_word() {
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build();
        let words = tokens(&mut plain, WORDS);
        let stems = tokens(&mut news_analyzer(), WORDS);
        assert_eq!(words.len(), stems.len());
        for (word, stem) in words.iter().zip(&stems) {
            let prefix: String = word.chars().take(1).collect();
            assert!(stem.starts_with(&prefix), "{word} -> {stem}");
        }
    }

    #[test]
    fn the_memo_stems_as_the_stemmer_does() {
        let mut reference = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build();
        let mut news = news_analyzer();
        // Twice over, so that the second pass reads the memo.
        for _ in 0..2 {
            assert_eq!(tokens(&mut news, WORDS), tokens(&mut reference, WORDS));
        }
    }

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
        let sig = entry(f.signature);
        assert!(matches!(sig.field_type(), FieldType::U64(_)));
        assert!(sig.is_fast());
        let fp = entry(f.fingerprint);
        assert!(matches!(fp.field_type(), FieldType::U64(_)));
        assert!(fp.is_fast() && fp.is_stored());
    }
}
