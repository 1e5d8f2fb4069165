//! Snippets: the passage of the body that best matches the query, as plain text with the byte ranges of
//! the matched words, so the terminal printer and JSON consumers can each highlight their way.

use std::ops::Range;

use tantivy::query::Query;
use tantivy::schema::{Field, TantivyDocument};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{Score, Searcher};

use rustc_hash::FxHashMap;

use crate::store::Fields;
use crate::text::analyzer::news_analyzer;
use crate::text::indexed_words;
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
/// query term are lowercased, folded and stemmed, once per query each, by an analyzer whose stem memo
/// outlives the query (one per thread). The others cost one comparison. tantivy's generator also
/// lowercases every word into a new string and looks it up in a `BTreeMap`; that was most of a
/// search's time.
pub(crate) struct Snippets {
    /// The body's query terms as indexed (stems), each weighted `1 / (1 + doc_freq)`.
    terms: Vec<(String, Score)>,
    /// Per ASCII byte, whether a word starting with it may be a query term: whether it is, lower-cased,
    /// the first character of one of `terms` (a word starting with any other character may be).
    may_start: [bool; 128],
    /// The weight of each word analysed so far (`None`: not a query term): words recur within and
    /// across hits.
    seen: FxHashMap<String, Option<Score>>,
    body: Field,
    max_chars: usize,
}

/// Most words remembered in [`Snippets::seen`].
const SEEN_WORDS: usize = 4096;

/// A candidate passage: byte range, score and the matched words in it.
struct Fragment {
    start: usize,
    stop: usize,
    score: Score,
    highlights: Vec<Range<usize>>,
}

impl Fragment {
    /// Whether this fragment is chosen over `best`: it holds a query word and scores more (so the
    /// earliest of equals stays).
    fn beats(&self, best: &Option<Fragment>) -> bool {
        self.score > 0.0 && best.as_ref().is_none_or(|b| self.score > b.score)
    }

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
        Ok(Snippets::from_terms(terms, fields.body, max_chars))
    }

    /// Snippets of `body` for the given terms (stems, each with its weight).
    fn from_terms(terms: Vec<(String, Score)>, body: Field, max_chars: usize) -> Snippets {
        let firsts: Vec<char> = terms.iter().filter_map(|(t, _)| t.chars().next()).collect();
        let may_start =
            std::array::from_fn(|b| firsts.contains(&char::from(b as u8).to_ascii_lowercase()));
        Snippets {
            terms,
            may_start,
            seen: FxHashMap::default(),
            body,
            max_chars,
        }
    }

    /// The snippet of `doc`; when the body has no match (the title did), its opening words.
    pub(crate) fn of(&mut self, doc: &TantivyDocument) -> Snippet {
        let body = super::text(doc, self.body).unwrap_or_default();
        // Fragments are found in the trimmed body, as tantivy's generator does.
        let trimmed = body.trim();
        if let Some(best) = self.best_fragment(trimmed) {
            let text = &trimmed[best.start..best.stop];
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
        if text.is_ascii() {
            return self.best_ascii_fragment(text);
        }
        self.best_fragment_by_words(text)
    }

    /// [`Snippets::best_fragment`] of an ASCII text without visiting every word. Only the words
    /// that begin with the first letter of a query term can score, and a fragment without one is
    /// never chosen, so those words are found from the words' starts alone, and the fragments'
    /// edges are followed from one to the next: the fragment after the one starting at `b` starts
    /// at the first word kept by the index that ends more than `max_chars` bytes after `b` (and is
    /// not the fragment's own first word), which a look at the bytes around `b + max_chars` finds.
    fn best_ascii_fragment(&mut self, text: &str) -> Option<Fragment> {
        let bytes = text.as_bytes();
        let mut best: Option<Fragment> = None;
        // The current fragment and where the next one starts (`None`: the current one runs to the
        // text's end). The first fragment starts at 0, before any word: no word of it is its own.
        let mut fragment = Fragment::at(0);
        let mut next = ascii_edge(bytes, self.max_chars, None);
        for start in crate::text::ascii_word_starts(bytes) {
            if !self.may_start[usize::from(bytes[start] & 0x7f)] {
                continue;
            }
            let end = ascii_run_end(bytes, start);
            if end - start > crate::text::LONGEST_WORD {
                continue;
            }
            let Some(score) = self.score(&text[start..end]) else {
                continue;
            };
            while let Some(edge) = next.filter(|&edge| edge <= start) {
                let done = std::mem::replace(&mut fragment, Fragment::at(edge));
                keep_ascii(bytes, done, Some(edge), &mut best);
                next = ascii_edge(bytes, edge.saturating_add(self.max_chars), Some(edge));
            }
            fragment.score += score;
            fragment.highlights.push(start..end);
        }
        keep_ascii(bytes, fragment, next, &mut best);
        best
    }

    /// [`Snippets::best_fragment`] word by word: any text.
    fn best_fragment_by_words(&mut self, text: &str) -> Option<Fragment> {
        let mut best: Option<Fragment> = None;
        let keep = |fragment: Fragment, best: &mut Option<Fragment>| {
            if fragment.beats(best) {
                *best = Some(fragment);
            }
        };
        let mut fragment = Fragment::at(0);
        for word in indexed_words(text) {
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
        if first.is_ascii() && !self.may_start[first as usize] {
            return None;
        }
        if let Some(&score) = self.seen.get(word) {
            return score;
        }
        let score = self.analyse(word);
        if self.seen.len() < SEEN_WORDS {
            self.seen.insert(word.to_string(), score);
        }
        score
    }

    /// The weight of `word` if it analyses to a query term, analysing it.
    fn analyse(&self, word: &str) -> Option<Score> {
        let stem = analyse_word(word)?;
        self.terms
            .iter()
            .find(|(term, _)| *term == stem)
            .map(|&(_, score)| score)
    }
}

/// Keeps `fragment` (of an ASCII text, ending before the word at `end`, or at the text's end) as the
/// best if it scores more, its stop set to the end of its last word kept by the index.
fn keep_ascii(
    bytes: &[u8],
    mut fragment: Fragment,
    end: Option<usize>,
    best: &mut Option<Fragment>,
) {
    if fragment.beats(best) {
        let mut at = end.unwrap_or(bytes.len());
        fragment.stop = fragment.start;
        while at > fragment.start {
            if !bytes[at - 1].is_ascii_alphanumeric() {
                at -= 1;
                continue;
            }
            let word_end = at;
            while at > fragment.start && bytes[at - 1].is_ascii_alphanumeric() {
                at -= 1;
            }
            if word_end - at <= crate::text::LONGEST_WORD {
                fragment.stop = word_end;
                break;
            }
        }
        *best = Some(fragment);
    }
}

/// Where the run of ASCII alphanumerics starting at `start` ends.
fn ascii_run_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .map_or(bytes.len(), |n| start + n)
}

/// The start of the first word kept by the index (at most [`crate::text::LONGEST_WORD`] bytes) that
/// ends after byte `x` of an ASCII text, other than the word at `own` (a fragment's first word); the
/// fragment being measured starts at `own`, or at 0 with no word of its own.
fn ascii_edge(bytes: &[u8], x: usize, own: Option<usize>) -> Option<usize> {
    if x >= bytes.len() {
        return None;
    }
    // The run that holds byte x, or the first one after it.
    let mut start = if bytes[x].is_ascii_alphanumeric() {
        let mut s = x;
        while s > 0 && bytes[s - 1].is_ascii_alphanumeric() {
            s -= 1;
        }
        s
    } else {
        x + bytes[x..].iter().position(u8::is_ascii_alphanumeric)?
    };
    loop {
        let end = ascii_run_end(bytes, start);
        if end - start <= crate::text::LONGEST_WORD && Some(start) != own {
            return Some(start);
        }
        start = end + bytes[end..].iter().position(u8::is_ascii_alphanumeric)?;
    }
}

thread_local! {
    /// The `news` analyzer of this thread, kept from one search to the next so that its stem memo
    /// stays warm: stemming the words of each hit that may be query terms was most of a snippet's
    /// cost when every search began with an empty memo.
    static ANALYZER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(news_analyzer());
}

/// What the `news` analyzer makes of one word (lower-cased as tantivy's snippets compare them), if
/// anything.
fn analyse_word(word: &str) -> Option<String> {
    let analyse = |analyzer: &mut TextAnalyzer| {
        let stem = analyzer.token_stream(word).next()?.text.clone();
        Some(if stem.chars().any(char::is_uppercase) {
            stem.to_lowercase()
        } else {
            stem
        })
    };
    ANALYZER
        .try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut analyzer) => analyse(&mut analyzer),
            Err(_) => analyse(&mut news_analyzer()),
        })
        .unwrap_or_else(|_| analyse(&mut news_analyzer()))
}

/// Folds runs of whitespace (newlines of the source text) into single spaces, moving the highlight
/// ranges with the text. ASCII is handled byte by byte; other characters are decoded.
fn collapse_whitespace(text: &str, ranges: &[Range<usize>]) -> Snippet {
    let ranges: Vec<&Range<usize>> = ranges
        .iter()
        .filter(|r| r.start < r.end && r.end <= text.len())
        .collect();
    // The ranges' ends, in order, and where each lands in the output.
    let mut points: Vec<usize> = ranges.iter().flat_map(|r| [r.start, r.end]).collect();
    points.sort_unstable();
    points.dedup();
    let mut placed = Vec::with_capacity(points.len());
    // Places the points before `end` at `base` plus their distance from `start` (0 for none).
    let place = |placed: &mut Vec<usize>, end: usize, base: usize, start: Option<usize>| {
        while placed.len() < points.len() && points[placed.len()] < end {
            let p = points[placed.len()];
            placed.push(base + start.map_or(0, |s| p - s));
        }
    };
    let mut out = String::with_capacity(text.len());
    let mut run: Option<usize> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let (space, len) = match bytes[i] {
            b if crate::text::is_ascii_space(b) => (true, 1),
            b if b.is_ascii() => (false, 1),
            _ => text[i..]
                .chars()
                .next()
                .map_or((false, 1), |c| (c.is_whitespace(), c.len_utf8())),
        };
        if space {
            // A run of text is copied whole; a point on a space lands where the space goes.
            if let Some(start) = run.take() {
                place(&mut placed, i, out.len(), Some(start));
                out.push_str(&text[start..i]);
            }
            place(&mut placed, i + len, out.len(), None);
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else if run.is_none() {
            run = Some(i);
        }
        i += len;
    }
    if let Some(start) = run {
        place(&mut placed, text.len(), out.len(), Some(start));
        out.push_str(&text[start..]);
    }
    placed.resize(points.len(), out.len());
    if out.ends_with(' ') {
        out.pop();
    }
    let at = |offset: usize| {
        let k = points.binary_search(&offset).unwrap_or_default();
        placed[k].min(out.len())
    };
    let highlights = ranges
        .iter()
        .map(|r| [at(r.start), at(r.end)])
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
        Snippets::from_terms(terms, Field::from_field_id(0), max_chars)
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
            texts in prop::collection::vec(
                prop::collection::vec(prop::sample::select(VOCABULARY), 0..80),
                1..3,
            ),
            query in prop::collection::vec(prop::sample::select(VOCABULARY), 1..4),
            max_chars in 1usize..200,
        ) {
            // Several hits of one query, as a search has: the words weighed for one are remembered.
            let mut ours = snippets(&query, max_chars);
            for text in texts {
                let text = text.join(" ");
                let expected = tantivy_pick(&ours, text.trim());
                prop_assert_eq!(our_pick(&mut ours, text.trim()), expected);
            }
        }
    }

    /// ASCII words and gaps for the ASCII scanner: words of 1 to 41 bytes (the 39- and 40-byte
    /// edge of the index included), joined by punctuation, runs of spaces and newlines.
    const ASCII_PIECES: &[&str] = &[
        "Putin",
        "putin's",
        "calls",
        "CALLING",
        "call",
        "oil",
        "Oil-prices",
        "price",
        "x1",
        "2026",
        "a",
        "I",
        "the",
        "of",
        "Counterrevolutionarycounterrevolutionar",
        "Counterrevolutionarycounterrevolutionary",
        "Counterrevolutionarycounterrevolutionarys",
        " ",
        "  ",
        ", ",
        ". ",
        "\n\n",
        " - ",
        "(",
        ")",
    ];

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2048,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn ascii_scanner_picks_what_the_word_scanner_picks(
            texts in prop::collection::vec(
                prop::collection::vec(prop::sample::select(ASCII_PIECES), 0..120),
                1..3,
            ),
            query in prop::collection::vec(prop::sample::select(ASCII_PIECES), 1..4),
            max_chars in 0usize..300,
        ) {
            let mut fast = snippets(&query, max_chars);
            let mut slow = snippets(&query, max_chars);
            for text in texts {
                let text = text.concat();
                let text = text.trim();
                prop_assert_eq!(
                    fast.best_ascii_fragment(text).map(|f| (f.start..f.stop, f.highlights)),
                    slow.best_fragment_by_words(text).map(|f| (f.start..f.stop, f.highlights))
                );
            }
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

    /// The first version of `collapse_whitespace`: a map from every byte of the text to the output.
    fn reference_collapse(text: &str, ranges: &[std::ops::Range<usize>]) -> Snippet {
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

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 1024,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn whitespace_folds_as_the_first_version_did(
            pieces in prop::collection::vec(
                prop::sample::select(&["Putin", " ", "\n\n", "\t", "\u{a0}", "\u{2003}", "é", "東", "\u{85}", "\x0b", "a"][..]),
                0..30,
            ),
            cuts in prop::collection::vec((0usize..200, 0usize..20), 0..4),
        ) {
            let text = pieces.concat();
            let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let ranges: Vec<Range<usize>> = cuts
                .iter()
                .map(|&(a, n)| {
                    let s = bounds[a % bounds.len()];
                    s..bounds[(a + n) % bounds.len()]
                })
                .collect();
            prop_assert_eq!(collapse_whitespace(&text, &ranges), reference_collapse(&text, &ranges));
        }
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
