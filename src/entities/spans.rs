//! From tagger spans and gazetteer hits to candidates for the resolver.
//!
//! The tagger decides where names are and their type. The gazetteer names them: a span that is a
//! gazetteer name (or a gazetteer organisation followed by a corporate suffix, "Texaco Inc") becomes
//! that entity, with the gazetteer's type. A gazetteer hit the tagger did not find counts only when
//! it comes from the user's own gazetteer, which always wins. A person matched only by a one-word
//! alias ("Baker", "Stoltenberg") is named by the gazetteer only with evidence: the full name in the
//! same article, or the article's year inside the years the gazetteer gives for the person; otherwise
//! the surface name is kept (and the resolver may still match it to a full name in the article).

use rustc_hash::{FxHashMap, FxHashSet};

use super::gazetteer::{Compiled, Hit};
use super::lexicon::{Words, CORP_SUFFIX, DEMONYM, LTITLE, ORG_SUFFIX, TITLE};
use super::tagger::Span;
use super::tokens::{Token, SHOUT, SPACE_BEFORE, WORD};
use super::EntityKind;

/// Where a candidate's type came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A gazetteer entity (index into the compiled gazetteer).
    Gazetteer(u32),
    /// The tagger; the name is the surface text.
    Tagged(EntityKind),
    /// A name no evidence typed (a shouted headline's words): the resolver may still match it.
    Untyped,
}

/// A candidate entity over the tokens `first..last`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub first: usize,
    pub last: usize,
    pub source: Source,
    /// The tagger's confidence in the span; 1 for a name only the gazetteer found.
    pub confidence: f32,
}

/// Candidates in text order.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub candidates: Vec<Candidate>,
}

/// What is known of the article around a text.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Evidence<'a> {
    /// The article's year, if it has a date.
    pub year: Option<i32>,
    /// Entities named in full elsewhere in the article (its body, for a headline).
    pub named: Option<&'a FxHashSet<u32>>,
}

/// The entities `hits` name in full (not by a one-word alias).
pub(crate) fn named_in_full(hits: &[Hit]) -> FxHashSet<u32> {
    hits.iter().filter(|h| !h.short).map(|h| h.entity).collect()
}

/// Whether the gazetteer may name a hit: its entity is not a person matched by a one-word alias, or
/// the article backs the guess: the full name is in the article, or the article's year is inside the
/// person's years in the gazetteer, or (when either year is unknown) a title comes before the
/// surname ("President Obama"). `titled` says whether one does.
fn may_name(
    hit: &Hit,
    compiled: &Compiled,
    named: &FxHashSet<u32>,
    evidence: Evidence,
    titled: bool,
) -> bool {
    let (kind, _) = compiled.entity(hit.entity);
    if !hit.short || kind != EntityKind::Person || compiled.is_user(hit.entity) {
        return true;
    }
    if named.contains(&hit.entity) || evidence.named.is_some_and(|n| n.contains(&hit.entity)) {
        return true;
    }
    match (evidence.year, compiled.active(hit.entity)) {
        (Some(y), Some((a, b))) => a <= y && y <= b,
        _ => titled,
    }
}

/// A title word right before token `i` ("President Obama", "Chancellor Merkel").
fn titled(text: &str, tokens: &[Token], words: &Words, i: usize) -> bool {
    i > 0 && tokens[i - 1].is(WORD) && words.has(tokens[i - 1].text(text), TITLE)
}

/// The gazetteer's hits by their first token, so that a span finds the hits at or around it
/// without a pass over every hit of the article (which made extraction quadratic in a record's
/// names, issue 16). Lookups give the same hit a pass over `hits` in order would.
struct HitsAt<'h> {
    hits: &'h [Hit],
    /// Indices into `hits` by first token, ascending.
    by_first: FxHashMap<usize, Vec<usize>>,
    /// The most tokens a hit spans.
    longest: usize,
}

impl<'h> HitsAt<'h> {
    fn new(hits: &'h [Hit]) -> Self {
        let mut by_first: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
        for (k, h) in hits.iter().enumerate() {
            by_first.entry(h.first).or_default().push(k);
        }
        let longest = hits.iter().map(|h| h.last - h.first).max().unwrap_or(0);
        HitsAt {
            hits,
            by_first,
            longest,
        }
    }

    /// The hits that start at token `first`, in order.
    fn starting(&self, first: usize) -> impl Iterator<Item = &'h Hit> + '_ {
        let hits = self.hits;
        let at = self.by_first.get(&first).map_or(&[][..], Vec::as_slice);
        super::compared(at.len());
        at.iter().map(move |&k| &hits[k])
    }

    /// The first hit (in order) that overlaps tokens `first..last` and meets `keep`.
    fn overlapping(
        &self,
        first: usize,
        last: usize,
        keep: impl Fn(&Hit) -> bool,
    ) -> Option<&'h Hit> {
        // A hit that overlaps starts before `last` and ends after `first`, so starts no more than
        // `longest` tokens before `first`.
        let from = (first + 1).saturating_sub(self.longest);
        (from..last)
            .filter_map(|at| self.by_first.get(&at))
            .flatten()
            .copied()
            .filter(|&k| {
                super::compared(1);
                let h = &self.hits[k];
                h.first < last && first < h.last && keep(h)
            })
            .min()
            .map(|k| &self.hits[k])
    }
}

/// Candidates from the tagger's `spans` and the gazetteer's `hits` over `tokens`. In a shouted
/// headline, names the gazetteer does not give are left untyped for the resolver.
#[allow(clippy::too_many_arguments)]
pub(crate) fn candidates(
    text: &str,
    tokens: &[Token],
    hits: &[Hit],
    spans: &[Span],
    compiled: &Compiled,
    words: &Words,
    headline: bool,
    evidence: Evidence,
    named: &FxHashSet<u32>,
) -> Found {
    let mut out = Vec::with_capacity(spans.len());
    let mut covered = vec![false; tokens.len()];
    let mut misc: Vec<(usize, usize)> = Vec::new();
    let user_hits: Vec<&Hit> = hits.iter().filter(|h| compiled.is_user(h.entity)).collect();
    let hits_at = HitsAt::new(hits);
    for h in &user_hits {
        out.push(Candidate {
            first: h.first,
            last: h.last,
            source: Source::Gazetteer(h.entity),
            confidence: 1.0,
        });
        covered[h.first..h.last].iter_mut().for_each(|c| *c = true);
    }
    for span in spans {
        let Some(kind) = span.class.kind() else {
            // A name of another kind (an event, a product): the names inside it are not entities
            // ("the Chicago Marathon").
            misc.push((span.first, span.last));
            continue;
        };
        let Some((mut first, mut last)) = trim(text, tokens, words, kind, span.first, span.last)
        else {
            continue;
        };
        // A gazetteer name of the same type that the span overlaps and does not contain sets the
        // bounds: the list knows where "VLADIMIR PUTIN" ends better than capitals do.
        if let Some(h) = hits_at.overlapping(first, last, |h| {
            (h.first < first || h.last > last) && compiled.entity(h.entity).0 == kind
        }) {
            first = first.min(h.first);
            last = last.max(h.last);
        }
        let mut kind = kind;
        if kind == EntityKind::Person {
            // "Merrill Lynch and Co", "Dean Witter Inc": a corporate form makes it a company.
            if let Some(end) = corporate_tail(text, tokens, words, last) {
                kind = EntityKind::Org;
                last = end;
            }
        }
        if kind == EntityKind::Org && (first..last).filter(|&i| tokens[i].is(WORD)).count() == 1 {
            // "the Bank", "the Commission": a common head word alone names no one organisation.
            if words.has(tokens[first].text(text), ORG_SUFFIX)
                && hits_at.starting(first).next().is_none()
            {
                continue;
            }
        }
        if covered[first..last].iter().any(|&c| c) {
            continue;
        }
        let hit = hits_at.starting(first).find(|h| {
            h.last == last
                || compiled.entity(h.entity).0 == EntityKind::Org
                    && suffix_only(text, tokens, words, h.last, last)
        });
        if hit.is_none() && span.by_position && (first, last) == (span.first, span.last) {
            continue;
        }
        let source = match hit {
            Some(h)
                if agrees(compiled.entity(h.entity).0, kind, span.confidence)
                    && may_name(
                        h,
                        compiled,
                        named,
                        evidence,
                        titled(text, tokens, words, first),
                    ) =>
            {
                Source::Gazetteer(h.entity)
            }
            _ if headline => Source::Untyped,
            _ => Source::Tagged(kind),
        };
        out.push(Candidate {
            first,
            last,
            source,
            confidence: span.confidence,
        });
    }
    // Shouted text hides the shape the tagger reads: there a gazetteer name it missed still counts
    // ("PUTIN MEETS TRUMP"), unless it is an acronym, which shouting makes just another word ("ELCOR
    // UPS QTLY DIV").
    let mut taken = vec![false; tokens.len()];
    for (a, b) in out.iter().map(|c| (c.first, c.last)).chain(misc) {
        taken[a..b].iter_mut().for_each(|t| *t = true);
    }
    for h in hits {
        let shouted = tokens[h.first..h.last]
            .iter()
            .all(|t| !t.is(WORD) || t.is(SHOUT));
        // In mixed-case text a name the list knows counts even where the tagger missed it: the list
        // was checked by hand ("Kremlin", "Sean Spicer", "Prime Minister Abe").
        let is_titled = titled(text, tokens, words, h.first);
        let person = compiled.entity(h.entity).0 == EntityKind::Person;
        let known = !shouted && !headline;
        if (shouted && !h.acronym || known) && !taken[h.first..h.last].iter().any(|&t| t) {
            let source = if may_name(h, compiled, named, evidence, is_titled) {
                Source::Gazetteer(h.entity)
            } else if known && person {
                Source::Tagged(EntityKind::Person)
            } else {
                Source::Untyped
            };
            out.push(Candidate {
                first: h.first,
                last: h.last,
                source,
                confidence: 1.0,
            });
        }
    }
    out.sort_by_key(|c| (c.first, c.last));
    Found { candidates: out }
}

/// A tagged span without what is not part of a name: punctuation at its edges (but the period of
/// "Inc."), a possessive, and for a person the titles and nationalities before the name ("Russian
/// President", "Chancellor"). `None` when nothing is left, or only a nationality ("Australian").
fn trim(
    text: &str,
    tokens: &[Token],
    words: &Words,
    kind: EntityKind,
    mut a: usize,
    mut b: usize,
) -> Option<(usize, usize)> {
    let word = |i: usize| tokens[i].is(WORD);
    // Leading punctuation, figures and articles are not part of the name ("19 - Federal Reserve",
    // "The National Weather Service").
    let lead = |i: usize| {
        !word(i)
            || tokens[i].text(text).bytes().all(|b| b.is_ascii_digit())
            || matches!(tokens[i].text(text), "The" | "the" | "A" | "An")
    };
    while a < b && lead(a) {
        a += 1;
    }
    // A handle or hashtag ("@PressSec", "#Brexit") names an account or a topic, not an entity.
    if a < b
        && a > 0
        && !tokens[a].is(SPACE_BEFORE)
        && matches!(tokens[a - 1].text(text), "@" | "#")
    {
        return None;
    }
    loop {
        if b >= a + 3
            && tokens[b - 1].text(text) == "s"
            && matches!(tokens[b - 2].text(text), "'" | "\u{2019}")
        {
            b -= 2;
        } else if b > a && !word(b - 1) && !abbreviation_period(text, tokens, words, b - 1) {
            b -= 1;
        } else {
            break;
        }
    }
    if kind == EntityKind::Person {
        // The name starts after the last title ("Chief Strategist and Senior Counselor | Stephen K.
        // Bannon", "Russian President | Vladimir Putin").
        let role = |i: usize| word(i) && words.has(tokens[i].text(text), TITLE | LTITLE | DEMONYM);
        // A title word at the end is part of the name ("John Major").
        if let Some(last_role) = (a..b.saturating_sub(1)).rev().find(|&i| role(i)) {
            a = last_role + 1;
        }
        while a < b && !word(a) {
            a += 1;
        }
        if (a..b).all(|i| !word(i) || role(i)) {
            return None;
        }
    }
    if kind == EntityKind::Org {
        // "White House Press | Secretary Sean Spicer": a title that runs on past the span is not the
        // organisation's.
        let title_after = tokens
            .get(b)
            .is_some_and(|t| t.is(WORD) && words.has(t.text(text), TITLE));
        while title_after && b > a + 1 && word(b - 1) && words.has(tokens[b - 1].text(text), TITLE)
        {
            b -= 1;
        }
    }
    let words_in = (a..b).filter(|&i| word(i)).count();
    if words_in == 0 || words_in == 1 && words.has(tokens[a].text(text), DEMONYM) {
        return None;
    }
    // Only corporate forms ("Co", "Inc"), or a nationality ("West German"): no name.
    if (a..b).all(|i| !word(i) || words.has(tokens[i].text(text), CORP_SUFFIX))
        || kind != EntityKind::Person && words.has(tokens[b - 1].text(text), DEMONYM)
    {
        return None;
    }
    Some((a, b))
}

/// Whether a gazetteer name of kind `listed` may name a span the tagger typed `tagged` with
/// `confidence`. The gazetteer's type wins ("White House" is an organisation, though wire style often
/// tags it as a place), except where the tagger is sure that a place names a team or a delegation
/// ("Japan beat Syria 2-1"): it reads that from the context, which the gazetteer cannot.
fn agrees(listed: EntityKind, tagged: EntityKind, confidence: f32) -> bool {
    listed == tagged
        || !(listed == EntityKind::Place && tagged == EntityKind::Org && confidence >= SURE)
}

/// The confidence at which the tagger's reading of a listed place as a team or delegation wins.
const SURE: f32 = 0.8;

/// The end of a corporate form right after token `b` ("Inc", "Co.", "and Co", "& Co Inc"), if any.
fn corporate_tail(text: &str, tokens: &[Token], words: &Words, b: usize) -> Option<usize> {
    let mut i = b;
    if tokens
        .get(i)
        .is_some_and(|t| matches!(t.text(text), "and" | "&"))
    {
        i += 1;
    }
    let mut end = None;
    while tokens
        .get(i)
        .is_some_and(|t| t.is(WORD) && words.has(t.text(text), CORP_SUFFIX))
    {
        i += 1;
        if tokens
            .get(i)
            .is_some_and(|t| t.text(text) == "." && !t.is(SPACE_BEFORE))
        {
            i += 1;
        }
        end = Some(i);
    }
    end
}

/// Token `i` is a period that belongs to the word before it: "Inc.", "Corp.", "Jr.", "St.", "K." (not
/// the full stop after "Putin.").
fn abbreviation_period(text: &str, tokens: &[Token], words: &Words, i: usize) -> bool {
    if i == 0 || tokens[i].text(text) != "." || tokens[i].is(SPACE_BEFORE) {
        return false;
    }
    let before = tokens[i - 1].text(text);
    tokens[i - 1].is(WORD)
        && (words.has(before, CORP_SUFFIX)
            || super::tokens::ABBREVIATIONS.contains(&before)
            || before.chars().count() == 1)
}

/// Only corporate suffixes and punctuation in tokens `a..b` ("Inc", "Corp .", ", Ltd").
fn suffix_only(text: &str, tokens: &[Token], words: &Words, a: usize, b: usize) -> bool {
    a < b
        && tokens[a..b]
            .iter()
            .any(|t| t.is(WORD) && words.has(t.text(text), CORP_SUFFIX))
        && tokens[a..b].iter().all(|t| {
            !t.is(WORD) && matches!(t.text(text), "." | "," | "&")
                || t.is(WORD) && words.has(t.text(text), CORP_SUFFIX)
        })
}

/// A company name without its corporate suffixes: "Chrysler Corp" is "Chrysler", "Texaco Inc." is
/// "Texaco", "Bear Stearns Cos" is "Bear Stearns". A name that is nothing but suffixes is kept whole.
pub(crate) fn fold_org_suffix(name: &str, words: &Words) -> String {
    let mut end = name.len();
    loop {
        let head =
            name[..end].trim_end_matches(|c: char| c == '.' || c == ',' || c.is_whitespace());
        let Some(cut) = head.rfind(|c: char| c.is_whitespace()) else {
            break;
        };
        let last = &head[cut + 1..];
        if !words.has(last, CORP_SUFFIX) {
            break;
        }
        end = cut;
    }
    let mut folded =
        name[..end].trim_end_matches(|c: char| c == ',' || c == '&' || c.is_whitespace());
    if end < name.len() {
        // "Harris Upham and Co": the "and" went with the suffix.
        folded = folded
            .strip_suffix(" and")
            .or_else(|| folded.strip_suffix(" &"))
            .unwrap_or(folded)
            .trim_end_matches(|c: char| c == ',' || c.is_whitespace());
    }
    if folded.is_empty() {
        name.to_string()
    } else {
        folded.to_string()
    }
}

/// Candidates from gazetteer hits alone (the tagger switched off).
pub(crate) fn gazetteer_only(
    text: &str,
    tokens: &[Token],
    hits: &[Hit],
    compiled: &Compiled,
    words: &Words,
    evidence: Evidence,
    named: &FxHashSet<u32>,
) -> Found {
    let candidates = hits
        .iter()
        .map(|h| Candidate {
            first: h.first,
            last: h.last,
            confidence: 1.0,
            source: if may_name(
                h,
                compiled,
                named,
                evidence,
                titled(text, tokens, words, h.first),
            ) {
                Source::Gazetteer(h.entity)
            } else {
                Source::Tagged(compiled.entity(h.entity).0)
            },
        })
        .collect();
    Found { candidates }
}
