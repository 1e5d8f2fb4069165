//! The parties an article names, as words: what near-duplicate grouping compares to tell two
//! reports of one template apart ("Comerica raised its prime rate" and "Meridian Bancorp raised its
//! prime rate"). Everything is reduced to lower-cased single words, so that the same names written
//! across a line break, in another case or after another alias still match, and the tagger's
//! misses in a short notice are made up by the capitalised words around them.

use super::tagger::lists::{lists, COMMON};
use crate::text::fnv1a;

/// Whether a word could be part of a name: two characters or more, no digit.
fn namelike(word: &str) -> bool {
    word.chars().nth(1).is_some() && !word.contains(|c: char| c.is_ascii_digit())
}

/// Whether the lower-cased `word` is a common English word (the SCOWL list).
fn common(lower: &str) -> bool {
    lists().of(fnv1a(lower.as_bytes())) & COMMON != 0
}

/// The words of an article's source, lower-cased: what [`of_source`] compares a word with.
fn source_words(source: Option<&str>) -> Vec<String> {
    source
        .into_iter()
        .flat_map(|s| s.split(|c: char| !c.is_alphanumeric()))
        .filter(|part| !part.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether the lower-cased `word` is a word of the article's source ("Reuters", and "Reuter"), given
/// the source's [`source_words`] (read once per text: lower-casing them for every capitalised word
/// was 1.4 % of indexing's instructions).
fn of_source(lower: &str, source_words: &[String]) -> bool {
    source_words
        .iter()
        .any(|part| part == lower || part.strip_suffix('s') == Some(lower))
}

/// The capitalised words of `text` (given as byte ranges), lower-cased, in text order, leaving out
/// the words of the source; with `distinctive`, only those that are no common English word
/// ("Comerica", "Bancorp", "Kremlin", not "Bank" or "Stocks").
pub(crate) fn capitalised<'t>(
    text: &'t str,
    words: &'t [std::ops::Range<usize>],
    source: Option<&'t str>,
    distinctive: bool,
) -> impl Iterator<Item = String> + 't {
    let source = source_words(source);
    words.iter().filter_map(move |range| {
        let word = text.get(range.clone())?;
        if !word.chars().next()?.is_uppercase() || !namelike(word) {
            return None;
        }
        let lower = word.to_lowercase();
        let skip = of_source(&lower, &source) || (distinctive && common(&lower));
        (!skip).then_some(lower)
    })
}

/// The words of an entity's name, lower-cased: with `distinctive`, those that are no common
/// English word, or all of them when every one is ("Chemical Bank").
pub(crate) fn name_words(name: &str, distinctive: bool) -> Vec<String> {
    let all: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| namelike(w))
        .map(str::to_lowercase)
        .collect();
    if !distinctive {
        return all;
    }
    let rare: Vec<String> = all.iter().filter(|w| !common(w)).cloned().collect();
    if rare.is_empty() {
        all
    } else {
        rare
    }
}
