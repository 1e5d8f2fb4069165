//! The `news` analyzer of title and body (words, lower-cased, folded to ASCII, English stems) in its
//! two forms: the tantivy analyzer that queries go through, and [`index_terms`], which makes the same
//! terms from an article's [`Tokens`] for tantivy to take pre-tokenized.

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

use super::{Tokens, LONGEST_WORD};

/// The `news` analyzer: what queries over title and body are cut into.
pub fn news_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD + 1))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(MemoStemmer)
        .build()
}

/// The tokens tantivy indexes for `text`, whose words are `tokens`: exactly what [`news_analyzer`]
/// makes of it (text, offsets and positions; a test checks this), from words already cut.
pub fn index_terms(text: &str, tokens: &Tokens) -> Vec<Token> {
    STEMS.with(|stems| match stems.try_borrow_mut() {
        Ok(mut stems) => terms_with(text, tokens, &mut stems),
        Err(_) => terms_with(text, tokens, &mut Stems::default()),
    })
}

fn terms_with(text: &str, tokens: &Tokens, stems: &mut Stems) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    for (position, word) in tokens.words().iter().enumerate() {
        if word.len() > LONGEST_WORD {
            // Dropped, as `RemoveLongFilter` drops it: the position stays taken.
            continue;
        }
        let mut term = String::with_capacity(word.len());
        stems.term_of(&text[word.clone()], &mut term);
        out.push(Token {
            offset_from: word.start,
            offset_to: word.end,
            position,
            text: term,
            position_length: 1,
        });
    }
    out
}

thread_local! {
    /// The stem memo of this thread's enrichment work, kept from one article to the next.
    static STEMS: std::cell::RefCell<Stems> = std::cell::RefCell::default();
}

/// Words whose stems one [`Stems`] keeps; past that it starts afresh.
const MEMO_WORDS: usize = 1 << 16;

/// tantivy's English stemmer with a memo of the words already stemmed (news repeats its words, and a
/// lookup costs a fraction of a stemming), and the lower-casing and folding that come before it.
struct Stems {
    memo: FxHashMap<String, String>,
    /// Stems one word: the whole text is one token.
    stemmer: TextAnalyzer,
    /// Lower-cases and folds one non-ASCII word.
    folder: TextAnalyzer,
}

impl Default for Stems {
    fn default() -> Stems {
        Stems {
            memo: FxHashMap::default(),
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
            folder: TextAnalyzer::builder(RawTokenizer::default())
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        }
    }
}

impl Stems {
    /// The indexed term of `word` (one word of the stream) into `out`.
    fn term_of(&mut self, word: &str, out: &mut String) {
        out.clear();
        if word.is_ascii() {
            // What `LowerCaser` does to ASCII; folding leaves it alone.
            out.push_str(word);
            out.make_ascii_lowercase();
        } else {
            let mut stream = self.folder.token_stream(word);
            if let Some(token) = stream.next() {
                out.push_str(&token.text);
            }
        }
        self.stem(out);
    }

    /// Replaces the lower-cased, folded word in `text` by its stem.
    fn stem(&mut self, text: &mut String) {
        if text.is_empty() {
            return;
        }
        if let Some(stem) = self.memo.get(text.as_str()) {
            text.clone_from(stem);
            return;
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
    }
}

/// The last filter of [`news_analyzer`]: [`Stems`] as a tantivy filter. Each clone of an analyzer
/// (one per searching thread) has its own memo.
#[derive(Clone)]
pub(crate) struct MemoStemmer;

impl TokenFilter for MemoStemmer {
    type Tokenizer<T: Tokenizer> = MemoStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MemoStemFilter<T> {
        MemoStemFilter {
            tokenizer,
            stems: Stems::default(),
        }
    }
}

pub(crate) struct MemoStemFilter<T> {
    tokenizer: T,
    stems: Stems,
}

impl<T: Clone> Clone for MemoStemFilter<T> {
    fn clone(&self) -> Self {
        MemoStemFilter {
            tokenizer: self.tokenizer.clone(),
            stems: Stems::default(),
        }
    }
}

impl<T: Tokenizer> Tokenizer for MemoStemFilter<T> {
    type TokenStream<'a> = MemoStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MemoStemStream {
            tail: self.tokenizer.token_stream(text),
            stems: &mut self.stems,
        }
    }
}

pub(crate) struct MemoStemStream<'a, S> {
    tail: S,
    stems: &'a mut Stems,
}

impl<S: TokenStream> TokenStream for MemoStemStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        self.stems.stem(&mut self.tail.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn analysed(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        analyzer
            .token_stream(text)
            .process(&mut |t| out.push(t.clone()));
        out
    }

    fn texts(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        analysed(analyzer, text)
            .into_iter()
            .map(|t| t.text)
            .collect()
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
        let words = texts(&mut plain, WORDS);
        let stems = texts(&mut news_analyzer(), WORDS);
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
            assert_eq!(texts(&mut news, WORDS), texts(&mut reference, WORDS));
        }
    }

    /// Pieces of text in several scripts and cases, long words, separators.
    const PIECES: &[&str] = &[
        "Putin",
        "putin's",
        "CALLING",
        "calls",
        "dying",
        "Ökonomie",
        "naïve",
        "café",
        "ΣΟΦΟΣ",
        "İstanbul",
        "Ǆemal",
        "x1",
        "2026",
        "1,750",
        "5.93",
        "东京",
        "Zu\u{308}rich",
        "news\u{ad}paper",
        "pneumonoultramicroscopicsilicovolcanoconiosis",
        "Counterrevolutionarycounterrevolutionar",
        "Counterrevolutionarycounterrevolutionary",
        "ÖÖÖÖÖÖÖÖÖÖÖÖÖÖÖÖÖÖÖÖ",
        "—",
        "\u{201c}",
        " ",
        "\n\n",
        ".",
        "-",
        "ﬁnance",
        "Ⅻ",
        "٣",
    ];

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 1024,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// The terms made from the shared token stream are what the query analyzer makes of the
        /// same text: text, offsets and positions.
        #[test]
        fn index_terms_equal_the_analyzer(
            pieces in prop::collection::vec(prop::sample::select(PIECES), 0..40),
            glue in prop::collection::vec(prop::sample::select(&[" ", "", "\n", ", "][..]), 40),
        ) {
            let mut text = String::new();
            for (piece, glue) in pieces.iter().zip(&glue) {
                text.push_str(piece);
                text.push_str(glue);
            }
            let want = analysed(&mut news_analyzer(), &text);
            let got = index_terms(&text, &Tokens::new(&text));
            let key = |t: &Token| (t.text.clone(), t.offset_from, t.offset_to, t.position, t.position_length);
            prop_assert_eq!(
                got.iter().map(key).collect::<Vec<_>>(),
                want.iter().map(key).collect::<Vec<_>>(),
                "text {:?}", text
            );
        }
    }
}
