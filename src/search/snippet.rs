//! Snippets: the passage of the body that best matches the query, as plain text with the byte ranges of
//! the matched words, so the terminal printer and JSON consumers can each highlight their way.

use std::ops::Range;

use tantivy::query::Query;
use tantivy::schema::{Field, TantivyDocument};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{Score, Searcher};

use crate::schema::{news_analyzer, Fields};
use crate::Result;

/// A passage and where the matched words are in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// The passage.
    pub text: String,
    /// Byte ranges of matched words within `text`.
    pub highlights: Vec<[usize; 2]>,
}

/// Finds the snippet of each hit of one query.
///
/// It picks the passage as tantivy's `SnippetGenerator` does (the body cut into fragments of at most
/// `max_chars` bytes at word starts, each scored by the weights of the query words in it, the best
/// and earliest kept), and gives the same result (a test checks this), without analysing every word:
/// English stems keep a word's first letter, so only the words that begin with the first letter of a
/// query term are lowercased, folded and stemmed. The others cost one comparison. tantivy's generator
/// also lowercases every word into a new string and looks it up in a `BTreeMap`; that was most of
/// a search's time.
pub(crate) struct Snippets {
    /// The body's query terms as indexed (stems), each weighted `1 / (1 + doc_freq)`.
    terms: Vec<(String, Score)>,
    /// The distinct first letters of `terms`.
    firsts: Vec<char>,
    analyzer: TextAnalyzer,
    body: Field,
    max_chars: usize,
}

/// A candidate passage: byte range, score and the matched words in it.
struct Fragment {
    start: usize,
    stop: usize,
    score: Score,
    highlights: Vec<Range<usize>>,
}

impl Fragment {
    fn at(start: usize) -> Fragment {
        Fragment {
            start,
            stop: start,
            score: 0.0,
            highlights: Vec::new(),
        }
    }
}

impl Snippets {
    pub(crate) fn new(
        searcher: &Searcher,
        query: &dyn Query,
        fields: &Fields,
        max_chars: usize,
    ) -> Result<Snippets> {
        let mut found = std::collections::BTreeSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == fields.body {
                found.insert(term.clone());
            }
        });
        let mut terms = Vec::new();
        for term in &found {
            let value = term.value();
            let Some(text) = value.as_str() else {
                continue;
            };
            let doc_freq = searcher.doc_freq(term)?;
            if doc_freq > 0 && !text.is_empty() {
                terms.push((text.to_string(), 1.0 / (1.0 + doc_freq as Score)));
            }
        }
        let mut firsts: Vec<char> = terms.iter().filter_map(|(t, _)| t.chars().next()).collect();
        firsts.sort_unstable();
        firsts.dedup();
        Ok(Snippets {
            terms,
            firsts,
            analyzer: news_analyzer(),
            body: fields.body,
            max_chars,
        })
    }

    /// The snippet of `doc`; when the body has no match (the title did), its opening words.
    pub(crate) fn of(&mut self, doc: &TantivyDocument) -> Snippet {
        let body = super::text(doc, self.body).unwrap_or_default();
        if let Some(best) = self.best_fragment(body.trim()) {
            let text = &body.trim()[best.start..best.stop];
            let shifted: Vec<Range<usize>> = best
                .highlights
                .iter()
                .map(|r| r.start - best.start..r.end - best.start)
                .collect();
            return collapse_whitespace(text, &shifted);
        }
        let mut end = body.len();
        for (count, (i, _)) in body.char_indices().enumerate() {
            if count == self.max_chars {
                end = i;
                break;
            }
        }
        collapse_whitespace(&body[..end], &[])
    }

    /// The highest-scoring fragment of `text` (the earliest of equals), if any query word is in it.
    fn best_fragment(&mut self, text: &str) -> Option<Fragment> {
        if self.terms.is_empty() {
            return None;
        }
        let mut best: Option<Fragment> = None;
        let keep = |fragment: Fragment, best: &mut Option<Fragment>| {
            if fragment.score > 0.0 && best.as_ref().is_none_or(|b| fragment.score > b.score) {
                *best = Some(fragment);
            }
        };
        let mut fragment = Fragment::at(0);
        for word in words(text) {
            if word.end - fragment.start > self.max_chars {
                keep(
                    std::mem::replace(&mut fragment, Fragment::at(word.start)),
                    &mut best,
                );
            }
            fragment.stop = word.end;
            if let Some(score) = self.score(&text[word.clone()]) {
                fragment.score += score;
                fragment.highlights.push(word);
            }
        }
        keep(fragment, &mut best);
        best
    }

    /// The weight of `word` if it analyses to a query term.
    fn score(&mut self, word: &str) -> Option<Score> {
        let first = word.chars().next()?;
        // Lowercasing and folding leave an ASCII letter's case as its only change.
        if first.is_ascii() && !self.firsts.contains(&first.to_ascii_lowercase()) {
            return None;
        }
        let mut stream = self.analyzer.token_stream(word);
        let stem = &stream.next()?.text;
        let lowered;
        let stem = if stem.chars().any(char::is_uppercase) {
            lowered = stem.to_lowercase();
            &lowered
        } else {
            stem
        };
        self.terms
            .iter()
            .find(|(term, _)| term == stem)
            .map(|&(_, score)| score)
    }
}

/// Longest word the `news` analyzer keeps, in bytes (it drops longer ones).
const LONGEST_WORD: usize = 39;

/// The byte ranges of the words of `text` as the `news` analyzer cuts them: runs of alphanumeric
/// characters, of at most [`LONGEST_WORD`] bytes.
fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || loop {
        let (start, _) = chars.find(|(_, c)| c.is_alphanumeric())?;
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if !c.is_alphanumeric() {
                end = i;
                break;
            }
            chars.next();
        }
        if end - start <= LONGEST_WORD {
            return Some(start..end);
        }
    })
}

/// Folds runs of whitespace (newlines of the source text) into single spaces, moving the highlight
/// ranges with the text.
fn collapse_whitespace(text: &str, ranges: &[std::ops::Range<usize>]) -> Snippet {
    let mut out = String::with_capacity(text.len());
    // map[i] = position in `out` of byte i of `text`
    let mut map = vec![0usize; text.len() + 1];
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        let start = out.len();
        if c.is_whitespace() {
            if !in_space && !out.is_empty() {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
        for slot in map.iter_mut().skip(i).take(c.len_utf8()) {
            *slot = start;
        }
    }
    map[text.len()] = out.len();
    let trimmed_len = out.trim_end().len();
    out.truncate(trimmed_len);
    let highlights = ranges
        .iter()
        .filter(|r| r.start < r.end && r.end <= text.len())
        .map(|r| [map[r.start].min(out.len()), map[r.end].min(out.len())])
        .filter(|[s, e]| s < e)
        .collect();
    Snippet {
        text: out,
        highlights,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tantivy::snippet::SnippetGenerator;

    /// Snippets for `terms` (raw words, analysed to stems as the query parser would).
    fn snippets(words: &[&str], max_chars: usize) -> Snippets {
        let mut analyzer = news_analyzer();
        let mut terms: Vec<(String, Score)> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            if let Some(token) = analyzer.token_stream(word).next() {
                if !terms.iter().any(|(t, _)| *t == token.text) {
                    terms.push((token.text.clone(), 1.0 / (2.0 + i as Score)));
                }
            }
        }
        let mut firsts: Vec<char> = terms.iter().filter_map(|(t, _)| t.chars().next()).collect();
        firsts.sort_unstable();
        firsts.dedup();
        Snippets {
            terms,
            firsts,
            analyzer,
            body: Field::from_field_id(0),
            max_chars,
        }
    }

    /// What tantivy's generator picks: the fragment's range and its highlights, relative to `text`.
    fn tantivy_pick(s: &Snippets, text: &str) -> Option<(Range<usize>, Vec<Range<usize>>)> {
        let terms = s.terms.iter().cloned().collect();
        let generator = SnippetGenerator::new(terms, news_analyzer(), s.body, s.max_chars);
        let snippet = generator.snippet(text);
        let range = snippet.fragment_range();
        let highlights = snippet
            .highlighted()
            .iter()
            .map(|r| r.start + range.start..r.end + range.start)
            .collect::<Vec<_>>();
        (!highlights.is_empty()).then_some((range, highlights))
    }

    fn our_pick(s: &mut Snippets, text: &str) -> Option<(Range<usize>, Vec<Range<usize>>)> {
        s.best_fragment(text)
            .map(|f| (f.start..f.stop, f.highlights))
    }

    /// Words that stem in many ways, in several cases and scripts, a word too long to index, and
    /// separators.
    const VOCABULARY: &[&str] = &[
        "Putin",
        "putin's",
        "calls",
        "called",
        "CALLING",
        "call",
        "dying",
        "die",
        "Ökonomie",
        "oekonomie",
        "naïve",
        "naive",
        "café",
        "Cafe",
        "skies",
        "sky",
        "news",
        "oil",
        "Oil-prices",
        "price",
        "ΣΟΦΟΣ",
        "σοφος",
        "x1",
        "2026",
        "über",
        "uber",
        "pneumonoultramicroscopicsilicovolcanoconiosis",
        // 39 and 40 bytes: the longest word indexed, and the shortest dropped.
        "Counterrevolutionarycounterrevolutionar",
        "Counterrevolutionarycounterrevolutionary",
        "the",
        "a",
        ",",
        ".",
        "\n\n",
        " - ",
        "Ǆemal",
        "ǆemal",
        "İstanbul",
        "istanbul",
    ];

    proptest! {
        // No regression files, as in tests/properties.rs: a failure found here becomes a named test.
        #![proptest_config(ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn picks_what_tantivys_generator_picks(
            text in prop::collection::vec(prop::sample::select(VOCABULARY), 0..80),
            query in prop::collection::vec(prop::sample::select(VOCABULARY), 1..4),
            max_chars in 1usize..200,
        ) {
            let text = text.join(" ");
            let mut ours = snippets(&query, max_chars);
            let expected = tantivy_pick(&ours, text.trim());
            prop_assert_eq!(our_pick(&mut ours, text.trim()), expected);
        }
    }

    #[test]
    fn picks_the_passage_with_the_query_words() {
        let text =
            "Markets were calm. Later, President Putin called Trump about oil; the call was long.";
        let mut s = snippets(&["putin", "call"], 40);
        let (range, highlights) = our_pick(&mut s, text).expect("a fragment");
        let words: Vec<&str> = highlights.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(words, ["Putin", "called", "call"]);
        assert!(range.end - range.start <= 40, "{range:?}");
        assert_eq!(our_pick(&mut s, text), tantivy_pick(&s, text));
        assert_eq!(our_pick(&mut snippets(&["gold"], 40), text), None);
    }

    #[test]
    fn whitespace_runs_fold_and_ranges_follow() {
        let text = "Putin\n\n  called   Trump";
        let s = collapse_whitespace(text, &[0..5, 18..23]);
        assert_eq!(s.text, "Putin called Trump");
        let words: Vec<&str> = s.highlights.iter().map(|[a, b]| &s.text[*a..*b]).collect();
        assert_eq!(words, ["Putin", "Trump"]);
    }
}
