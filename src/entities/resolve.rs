//! Resolution inside one article: a short form takes the full name used elsewhere in the same text
//! ("Peskov" after "Dmitry Peskov", "Merkel" after "Angela Merkel"), capitalised words no rule could
//! type are kept only if they match such a name, and every mention gets its canonical name.

use rustc_hash::{FxHashMap, FxHashSet};
use unicode_normalization::UnicodeNormalization;

use super::gazetteer::Compiled;
use super::lexicon::Words;
use super::spans::{fold_org_suffix, Candidate, Found, Source};
use super::tokens::{self, Token, INITIAL, SHOUT, WORD};
use super::{EntityKind, Mention};

/// Full names (and the surnames of people) found in an article, to resolve short forms against.
///
/// Entries are found through their first word, so that resolving an article costs time linear in
/// its names rather than its names times the names before them (DESIGN.md 2.13).
#[derive(Debug, Default)]
pub(crate) struct Lexicon {
    entries: Vec<Entry>,
    /// The entries (indices, in the order added) by their first word in upper case: tokens can
    /// only match the entries of their first token's key (a shouted token matches a name in any
    /// case).
    by_first: FxHashMap<String, Vec<usize>>,
    /// Words, kind and name of every entry, to add each once.
    seen: FxHashSet<(Vec<String>, EntityKind, String)>,
}

/// The key of a word in [`Lexicon::by_first`]: its upper case, as [`eq_upper`] compares.
fn key(word: &str) -> String {
    word.chars().flat_map(char::to_uppercase).collect()
}

#[derive(Debug)]
struct Entry {
    /// The token texts to match.
    words: Vec<String>,
    kind: EntityKind,
    name: String,
    /// Token index of the full name, to prefer the nearest earlier one.
    pos: usize,
    /// A surname entry rather than a full name.
    surname: bool,
}

impl Lexicon {
    fn add(&mut self, words: Vec<String>, kind: EntityKind, name: &str, pos: usize, surname: bool) {
        if words.is_empty() {
            return;
        }
        if !self.seen.insert((words.clone(), kind, name.to_string())) {
            return;
        }
        self.by_first
            .entry(key(&words[0]))
            .or_default()
            .push(self.entries.len());
        self.entries.push(Entry {
            words,
            kind,
            name: name.to_string(),
            pos,
            surname,
        });
    }

    /// The entries whose first word can match `token`, in the order they were added.
    fn starting_with(&self, text: &str, token: Token) -> Vec<&Entry> {
        let s = token.text(text);
        let upper = key(s);
        let mut at: Vec<usize> = self.by_first.get(&upper).cloned().unwrap_or_default();
        // A shouted token equal to a name's upper case whose own upper case differs (not in any
        // alphabet newsidx meets, but the comparison allows it).
        if token.is(SHOUT) && upper != s {
            if let Some(more) = self.by_first.get(s) {
                at.extend(more);
                at.sort_unstable();
                at.dedup();
            }
        }
        super::compared(at.len());
        at.into_iter().map(|k| &self.entries[k]).collect()
    }

    /// The best entry matching the tokens starting at `i`: longest, then nearest before `i`.
    fn best(&self, text: &str, tokens: &[Token], i: usize, end: usize) -> Option<(usize, &Entry)> {
        let mut best: Option<(usize, &Entry)> = None;
        if i >= end {
            return None;
        }
        for e in self.starting_with(text, tokens[i]) {
            let n = e.words.len();
            if i + n > end {
                continue;
            }
            let matches = e.words.iter().enumerate().all(|(k, w)| {
                let t = tokens[i + k];
                let s = t.text(text);
                s == w || (t.is(SHOUT) && eq_upper(s, w))
            });
            if !matches {
                continue;
            }
            let better = match best {
                None => true,
                Some((bn, be)) => n > bn || (n == bn && closer(e.pos, be.pos, i)),
            };
            if better {
                best = Some((n, e));
            }
        }
        best
    }
}

/// `a` is a better antecedent than `b` for a mention at `i`: the nearest earlier one, else the first.
fn closer(a: usize, b: usize, i: usize) -> bool {
    match (a < i, b < i) {
        (true, true) => a > b,
        (true, false) => true,
        (false, true) => false,
        (false, false) => a < b,
    }
}

/// Compares an upper-case surface with a mixed-case name without allocating.
fn eq_upper(surface: &str, name: &str) -> bool {
    let mut a = surface.chars();
    let mut b = name.chars().flat_map(char::to_uppercase);
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y => {}
            _ => return false,
        }
    }
}

/// The surface text of tokens `a..b` with whitespace collapsed and in Unicode NFC.
fn surface(text: &str, tokens: &[Token], a: usize, b: usize) -> String {
    let raw = &text[tokens[a].start..tokens[b - 1].end];
    let mut out = String::with_capacity(raw.len());
    for (k, part) in raw.split_whitespace().enumerate() {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(part);
    }
    out.nfc().collect()
}

fn token_words(text: &str, tokens: &[Token], a: usize, b: usize) -> Vec<String> {
    tokens[a..b]
        .iter()
        .map(|t| t.text(text).to_string())
        .collect()
}

/// The last real word of `a..b` (not an initial), as a one-token surname.
fn surname_of(tokens: &[Token], a: usize, b: usize) -> Option<usize> {
    let last = b.checked_sub(1)?;
    (last > a && tokens[last].is(WORD) && !tokens[last].is(INITIAL) && tokens[last - 1].is(WORD))
        .then_some(last)
}

/// Turns candidates into mentions, resolving short forms. Returns the mentions in text order and
/// the article's lexicon (for reading its headline with the body as context).
pub(crate) fn resolve(
    text: &str,
    tokens: &[Token],
    found: Found,
    compiled: &Compiled,
    word_lists: &Words,
    context: Option<&Lexicon>,
) -> (Vec<Mention>, Lexicon) {
    let mut lexicon = Lexicon::default();
    // Full names first, so short forms anywhere in the text can find them.
    for c in &found.candidates {
        let words = tokens[c.first..c.last]
            .iter()
            .filter(|t| t.is(WORD))
            .count();
        match c.source {
            Source::Gazetteer(id) => {
                let (kind, name) = compiled.entity(id);
                if kind == EntityKind::Person {
                    let name_tokens = tokens::tokenize(name, &crate::text::Tokens::new(name));
                    if name_tokens.len() >= 2 {
                        let last = name_tokens.len() - 1;
                        let w = name_tokens[last].text(name).to_string();
                        lexicon.add(vec![w], kind, name, c.first, true);
                    }
                }
            }
            Source::Tagged(kind) if words >= 2 => {
                let name = surface(text, tokens, c.first, c.last);
                lexicon.add(
                    token_words(text, tokens, c.first, c.last),
                    kind,
                    &name,
                    c.first,
                    false,
                );
                if kind == EntityKind::Person {
                    if let Some(s) = surname_of(tokens, c.first, c.last) {
                        lexicon.add(
                            token_words(text, tokens, s, s + 1),
                            kind,
                            &name,
                            c.first,
                            true,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    let mut mentions = Vec::with_capacity(found.candidates.len());
    let mut emit = |kind: EntityKind, name: String, a: usize, b: usize, confidence: f32| {
        let (start, end) = (tokens[a].start, tokens[b - 1].end);
        let name = if kind == EntityKind::Org {
            fold_org_suffix(&name, word_lists)
        } else {
            name
        };
        mentions.push(Mention {
            confidence,
            kind,
            name,
            text: text[start..end].to_string(),
            start,
            end,
        });
    };
    for &Candidate {
        first,
        last,
        source,
        confidence,
    } in &found.candidates
    {
        match source {
            Source::Gazetteer(id) => {
                let (kind, name) = compiled.entity(id);
                emit(kind, name.to_string(), first, last, confidence);
            }
            Source::Tagged(kind) => {
                let words = tokens[first..last].iter().filter(|t| t.is(WORD)).count();
                let mut name = None;
                // One word that is the surname of a person named in full in the article is that
                // person, whatever type the tagger guessed ("Treasury Secretary James Baker ...
                // Baker said").
                if words == 1 && kind != EntityKind::Person {
                    if let Some((_, person)) = lookup(&lexicon, context, text, tokens, first, last)
                        .filter(|(k, _)| *k == EntityKind::Person)
                    {
                        emit(EntityKind::Person, person, first, last, confidence);
                        continue;
                    }
                }
                if kind == EntityKind::Person {
                    if words == 1 {
                        name = lookup(&lexicon, context, text, tokens, first, last)
                            .filter(|(k, _)| *k == EntityKind::Person)
                            .map(|(_, n)| n);
                    } else {
                        name = longer_form(&lexicon, text, tokens, first, last);
                    }
                }
                let name = name.unwrap_or_else(|| surface(text, tokens, first, last));
                emit(kind, name, first, last, confidence);
            }
            Source::Untyped => {
                let mut i = first;
                while i < last {
                    let found = lexicon
                        .best(text, tokens, i, last)
                        .or_else(|| context.and_then(|c| c.best(text, tokens, i, last)));
                    match found {
                        Some((n, e)) => {
                            emit(e.kind, e.name.clone(), i, i + n, confidence);
                            i += n;
                        }
                        None => i += 1,
                    }
                }
            }
        }
    }
    // A capitalised word no candidate covers that is the surname of a person named in full in the
    // text is that person ("Peskov added that Dmitry Peskov was tired").
    // A cheap superset of what `Lexicon::best` accepts (it also matches shouted text), to skip the
    // words that cannot be a surname here.
    let surnames: FxHashSet<String> = lexicon
        .entries
        .iter()
        .filter(|e| e.surname && e.kind == EntityKind::Person && e.words.len() == 1)
        .map(|e| e.words[0].to_ascii_lowercase())
        .collect();
    let mut covered = vec![false; tokens.len()];
    for c in &found.candidates {
        covered[c.first..c.last].iter_mut().for_each(|x| *x = true);
    }
    for (i, t) in tokens.iter().enumerate() {
        if surnames.is_empty() {
            break;
        }
        if covered[i]
            || !t.is(WORD)
            || !t.is(tokens::CAP)
            || !surnames.contains(&t.text(text).to_ascii_lowercase())
        {
            continue;
        }
        let person = lexicon
            .best(text, tokens, i, i + 1)
            .filter(|(n, e)| *n == 1 && e.surname && e.kind == EntityKind::Person)
            .map(|(_, e)| e.name.clone());
        if let Some(name) = person {
            emit(EntityKind::Person, name, i, i + 1, 1.0);
        }
    }
    mentions.sort_by_key(|m| (m.start, m.end));
    mentions.dedup_by(|b, a| b.start < a.end);
    (mentions, lexicon)
}

fn lookup(
    lexicon: &Lexicon,
    context: Option<&Lexicon>,
    text: &str,
    tokens: &[Token],
    a: usize,
    b: usize,
) -> Option<(EntityKind, String)> {
    lexicon
        .best(text, tokens, a, b)
        .or_else(|| context.and_then(|c| c.best(text, tokens, a, b)))
        .filter(|(n, e)| a + n == b && (e.surname || e.words.len() == b - a))
        .map(|(_, e)| (e.kind, e.name.clone()))
}

/// "Stephen Bannon" after "Stephen K. Bannon": the longer name with the same first and last word.
fn longer_form(
    lexicon: &Lexicon,
    text: &str,
    tokens: &[Token],
    a: usize,
    b: usize,
) -> Option<String> {
    let first = tokens[a].text(text);
    let last = tokens[b - 1].text(text);
    lexicon
        .starting_with(text, tokens[a])
        .into_iter()
        .filter(|e| {
            e.kind == EntityKind::Person
                && !e.surname
                && e.words.len() > b - a
                && e.words.first().is_some_and(|w| w == first)
                && e.words.last().is_some_and(|w| w == last)
        })
        .max_by_key(|e| e.words.len())
        .map(|e| e.name.clone())
}
