//! The `news` analyzer of title and body (words, lower-cased, folded to ASCII, English stems) in its
//! two forms: the tantivy analyzer that queries go through, and [`index_terms`], which makes the same
//! terms from an article's [`Tokens`] for the index.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

use super::memo::WordMemo;
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

/// The terms of one text as the index takes them: each term's text in one buffer, with its place in
/// the text and its position. Two allocations a field, rather than one a term.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexTerms {
    /// The terms' texts, one after the other.
    buffer: String,
    terms: Vec<TermAt>,
}

/// One term of [`IndexTerms`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// `u32`s: a record is at most 16 MiB (`crate::ingest::MAX_LINE_BYTES`), and the terms of the articles
/// in flight (up to tantivy's 10,000 queued documents) are a large part of indexing's memory.
struct TermAt {
    /// Where the term's text ends in the buffer (it starts where the previous one ends).
    end: u32,
    offset_from: u32,
    offset_to: u32,
    position: u32,
}

/// `n` as a [`TermAt`] field (texts never reach 4 GiB; see [`TermAt`]).
fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl IndexTerms {
    /// How many terms there are.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The terms as tantivy tokens.
    pub fn tokens(&self) -> Vec<Token> {
        let mut out = Vec::with_capacity(self.terms.len());
        let mut stream = self.stream();
        while stream.advance() {
            out.push(stream.token().clone());
        }
        out
    }

    /// These terms with `prefix` before each one's text: a test's way to tell them apart.
    #[cfg(test)]
    pub(crate) fn from_tokens_for_test(terms: &IndexTerms, prefix: &str) -> IndexTerms {
        let mut out = IndexTerms::default();
        for token in terms.tokens() {
            out.buffer.push_str(prefix);
            out.buffer.push_str(&token.text);
            out.terms.push(TermAt {
                end: narrow(out.buffer.len()),
                offset_from: narrow(token.offset_from),
                offset_to: narrow(token.offset_to),
                position: narrow(token.position),
            });
        }
        out
    }

    /// The terms as a tantivy token stream, one reused token.
    pub fn stream(&self) -> TermStream<'_> {
        TermStream {
            terms: self,
            next: 0,
            start: 0,
            token: Token::default(),
        }
    }
}

/// [`IndexTerms`] read as a tantivy token stream.
pub struct TermStream<'a> {
    terms: &'a IndexTerms,
    next: usize,
    /// Where the next term's text starts in the buffer.
    start: usize,
    token: Token,
}

impl TokenStream for TermStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(term) = self.terms.terms.get(self.next) else {
            return false;
        };
        self.next += 1;
        self.token.text.clear();
        let end = term.end as usize;
        self.token
            .text
            .push_str(&self.terms.buffer[self.start..end]);
        self.start = end;
        self.token.offset_from = term.offset_from as usize;
        self.token.offset_to = term.offset_to as usize;
        self.token.position = term.position as usize;
        self.token.position_length = 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The terms tantivy indexes for `text`, whose words are `tokens`: exactly what [`news_analyzer`]
/// makes of it (text, offsets and positions; a test checks this), from words already cut.
pub fn index_terms(text: &str, tokens: &Tokens) -> IndexTerms {
    STEMS.with(|stems| match stems.try_borrow_mut() {
        Ok(mut stems) => terms_with(text, tokens, &mut stems),
        Err(_) => terms_with(text, tokens, &mut Stems::default()),
    })
}

fn terms_with(text: &str, tokens: &Tokens, stems: &mut Stems) -> IndexTerms {
    let mut out = IndexTerms {
        buffer: String::with_capacity(text.len()),
        terms: Vec::with_capacity(tokens.len()),
    };
    for (position, word) in tokens.words().iter().enumerate() {
        if word.len() > LONGEST_WORD {
            // Dropped, as `RemoveLongFilter` drops it: the position stays taken.
            continue;
        }
        stems.push_term(&text[word.clone()], &mut out.buffer);
        out.terms.push(TermAt {
            end: narrow(out.buffer.len()),
            offset_from: narrow(word.start),
            offset_to: narrow(word.end),
            position: narrow(position),
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
///
/// Each use fills one of its two memos and leaves the other empty (a `WordMemo` allocates nothing
/// until it holds a word): the filter of a searching analyzer is handed lower-cased, folded words
/// and memoises their stems; indexing memoises each word as written with its term, and stems the
/// words it has not met as written afresh. Indexing read the stem memo as well until the seventh
/// session: it spared 23,460 stemmings of Reuters' 2.89 million words and held about 1 MiB on each
/// enrichment thread (DESIGN.md 2.1).
struct Stems {
    /// Lower-cased, folded word → stem (searching).
    memo: WordMemo,
    /// Word as written → its term (indexing): most words of an article were seen before as they
    /// are, and then neither lower-casing nor stemming is needed.
    terms: WordMemo,
    /// A word's term while it is made.
    scratch: String,
    /// Stems one word: the whole text is one token.
    stemmer: TextAnalyzer,
    /// Lower-cases and folds one non-ASCII word.
    folder: TextAnalyzer,
}

impl Default for Stems {
    fn default() -> Stems {
        Stems {
            memo: WordMemo::new(MEMO_WORDS),
            terms: WordMemo::new(MEMO_WORDS),
            scratch: String::new(),
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
    /// Appends the indexed term of `word` (one word of the stream) to `out`.
    fn push_term(&mut self, word: &str, out: &mut String) {
        if let Some(term) = self.terms.get(word) {
            out.push_str(term);
            return;
        }
        let mut term = std::mem::take(&mut self.scratch);
        self.term_of(word, &mut term);
        out.push_str(&term);
        self.terms.insert(word, &term);
        self.scratch = term;
    }

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
        if !out.is_empty() {
            *out = self.stem_afresh(out);
        }
    }

    /// Replaces the lower-cased, folded word in `text` by its stem, through the stem memo.
    fn stem(&mut self, text: &mut String) {
        if text.is_empty() {
            return;
        }
        if let Some(stem) = self.memo.get(text.as_str()) {
            text.clear();
            text.push_str(stem);
            return;
        }
        let stem = self.stem_afresh(text);
        self.memo.insert(text, &stem);
        *text = stem;
    }

    /// The stem of the lower-cased, folded word `text`, from the stemmer.
    fn stem_afresh(&mut self, text: &str) -> String {
        let mut stem = None;
        self.stemmer
            .token_stream(text)
            .process(&mut |token| stem = Some(token.text.clone()));
        stem.unwrap_or_default()
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
            let got = index_terms(&text, &Tokens::new(&text)).tokens();
            let key = |t: &Token| (t.text.clone(), t.offset_from, t.offset_to, t.position, t.position_length);
            prop_assert_eq!(
                got.iter().map(key).collect::<Vec<_>>(),
                want.iter().map(key).collect::<Vec<_>>(),
                "text {:?}", text
            );
        }
    }
}
