//! Rules for names the gazetteer lacks. Capitalised words are grouped into chunks ("White House
//! Press Secretary Sean Spicer"), titles split a chunk and make the words after them a person
//! ("Sean Spicer"), and the rest is typed by shape: an organisation suffix ("... Corp", "... Ministry"),
//! a place word ("... River", "Gulf of ..."), a first name or an initial ("Stephen K. Bannon"). What no
//! rule types is kept as untyped for the resolver, which may match it against a full name seen
//! elsewhere in the article; otherwise it is dropped.

use super::gazetteer::{Compiled, Hit};
use super::lexicon::*;
use super::tokens::{self, Token, CAP, INITIAL, LOWER, SENT_START, SHOUT, SPACE_BEFORE, WORD};
use super::EntityKind;

/// Where a candidate's type came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A gazetteer entity (index into the compiled gazetteer).
    Gazetteer(u32),
    /// A rule; the name is the surface text.
    Rule(EntityKind),
    /// Capitalised words no rule could type: the resolver may still match them.
    Untyped,
}

/// A candidate entity over the tokens `first..last`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub first: usize,
    pub last: usize,
    pub source: Source,
}

/// The output of the rules: candidates in text order.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub candidates: Vec<Candidate>,
}

const NO_HIT: u32 = u32::MAX;

struct Ctx<'a> {
    text: &'a str,
    tokens: &'a [Token],
    hits: &'a [Hit],
    hit_at: Vec<u32>,
    compiled: &'a Compiled,
    words: &'a Words,
    out: &'a mut Found,
}

/// Runs the gazetteer hits and (when `rules` is on) the shape rules over the tokens.
pub(crate) fn apply(
    text: &str,
    tokens: &[Token],
    hits: &[Hit],
    compiled: &Compiled,
    words: &Words,
    rules: bool,
    out: &mut Found,
) {
    let mut hit_at = vec![NO_HIT; tokens.len()];
    for (h, hit) in hits.iter().enumerate() {
        for slot in &mut hit_at[hit.first..hit.last] {
            *slot = h as u32;
        }
    }
    let mut cx = Ctx {
        text,
        tokens,
        hits,
        hit_at,
        compiled,
        words,
        out,
    };
    let n = tokens.len();
    let mut i = 0;
    while i < n {
        let t = tokens[i];
        let h = cx.hit_at[i];
        if h != NO_HIT && (!rules || t.is(SHOUT)) {
            let hit = cx.hits[h as usize];
            cx.push(hit.first, hit.last, Source::Gazetteer(hit.entity));
            i = hit.last;
            continue;
        }
        if !t.is(WORD) {
            i += 1;
            continue;
        }
        if t.is(SHOUT) || !rules {
            // Shouted or rule-less text: runs of capitalised words are kept for the resolver only.
            let mut j = i;
            while j < n
                && cx.hit_at[j] == NO_HIT
                && tokens[j].is(WORD)
                && (tokens[j].is(CAP) || tokens[j].is(tokens::ALLCAPS))
            {
                j += 1;
            }
            if j > i {
                cx.push(i, j, Source::Untyped);
                i = j;
            } else {
                i += 1;
            }
            continue;
        }
        if !cx.chunkable(i) {
            i += 1;
            continue;
        }
        let end = cx.chunk_end(i);
        cx.chunk(i, end);
        i = end.max(i + 1);
    }
}

impl Ctx<'_> {
    fn push(&mut self, first: usize, last: usize, source: Source) {
        if first < last {
            self.out.candidates.push(Candidate {
                first,
                last,
                source,
            });
        }
    }

    fn word(&self, i: usize) -> &str {
        self.tokens[i].text(self.text)
    }

    fn flags(&self, i: usize) -> u32 {
        self.words.flags(self.word(i))
    }

    fn has(&self, i: usize, flag: u32) -> bool {
        self.flags(i) & flag != 0
    }

    /// Can start or continue a chunk: a capitalised word, an initial or part of a gazetteer name.
    fn chunkable(&self, i: usize) -> bool {
        let t = self.tokens[i];
        t.is(WORD) && !t.is(SHOUT) && (t.is(CAP) || t.is(INITIAL) || self.hit_at[i] != NO_HIT)
    }

    fn tight(&self, i: usize) -> bool {
        !self.tokens[i].is(SPACE_BEFORE)
    }

    /// One past the last token of the chunk that starts at `start`.
    fn chunk_end(&self, start: usize) -> usize {
        let n = self.tokens.len();
        let mut j = start + 1;
        // Inside a gazetteer hit, take the whole hit.
        if self.hit_at[start] != NO_HIT {
            j = self.hits[self.hit_at[start] as usize].last;
        }
        while j < n {
            let t = self.tokens[j];
            if t.is(tokens::BREAK_BEFORE) && tokens::paragraph_break_at(self.text, t.start) {
                break;
            }
            let h = self.hit_at[j];
            if h != NO_HIT && self.hits[h as usize].first == j {
                // A gazetteer name continues the chunk only if its first token would.
                if self.chunkable(j) && t.is(WORD) {
                    j = self.hits[h as usize].last;
                    continue;
                }
                break;
            }
            if self.chunkable(j) {
                j += 1;
                continue;
            }
            let word = self.word(j);
            // "Mr. Smith", "Gen. Lee".
            if word == "."
                && self.tight(j)
                && tokens::ABBREVIATIONS.contains(&self.word(j - 1))
                && j + 1 < n
                && self.chunkable(j + 1)
            {
                j += 1;
                continue;
            }
            // "Jean-Claude", "Ki-moon", "Trump-Putin": a hyphen with no space on either side.
            if word == "-" && self.tight(j) && j + 1 < n && self.tight(j + 1) {
                let next = self.tokens[j + 1];
                let left = self.tokens[j - 1];
                let short_left = left.end - left.start <= 3;
                if next.is(WORD)
                    && (next.is(CAP)
                        || (short_left && next.is(LOWER) && next.end - next.start <= 4))
                {
                    j += 2;
                    continue;
                }
                break;
            }
            // Particles inside names: "Charles de Gaulle", "Bashar al-Assad".
            if t.is(WORD) && t.is(LOWER) && self.has(j, PARTICLE) && j + 1 < n {
                let next = self.tokens[j + 1];
                let hyphen_next =
                    self.word(j + 1) == "-" && j + 2 < n && self.tokens[j + 2].is(CAP);
                if (next.is(CAP) && next.is(WORD) && !next.is(SHOUT)) || hyphen_next {
                    j += 1;
                    continue;
                }
                break;
            }
            // "Bank of England", "Secretary of State", "Procter & Gamble".
            if self.has(j, JOINER) && j + 1 < n && self.chunkable(j + 1) {
                let prev = j - 1;
                let head = self.has(prev, ORG_HEAD | PLACE_HEAD | TITLE);
                if word == "&" || (word != "and" && head) {
                    j += 1;
                    continue;
                }
            }
            break;
        }
        j.min(n)
    }

    fn is_name_word(&self, i: usize) -> bool {
        let t = self.tokens[i];
        if t.is(INITIAL) {
            return true;
        }
        if !t.is(WORD) {
            return self.word(i) == "-";
        }
        if t.is(LOWER) {
            return self.has(i, PARTICLE) || (i > 0 && self.word(i - 1) == "-");
        }
        t.is(CAP) && !self.has(i, STOP | TITLE | ORG_SUFFIX) && !t.is(tokens::DIGIT)
    }

    /// Word tokens in `a..b`, not counting hyphens.
    fn word_count(&self, a: usize, b: usize) -> usize {
        (a..b).filter(|&i| self.tokens[i].is(WORD)).count()
    }

    fn covered(&self, a: usize, b: usize) -> bool {
        (a..b).all(|i| self.hit_at[i] != NO_HIT)
            && self.hit_at[a] != NO_HIT
            && self.hits[self.hit_at[a] as usize].first == a
            && self.hits[self.hit_at[b - 1] as usize].last == b
    }

    fn emit_hits(&mut self, a: usize, b: usize) {
        let mut i = a;
        while i < b {
            let h = self.hit_at[i];
            if h != NO_HIT {
                let hit = self.hits[h as usize];
                if hit.first >= a && hit.last <= b {
                    self.push(hit.first, hit.last, Source::Gazetteer(hit.entity));
                }
                i = hit.last.max(i + 1);
            } else {
                i += 1;
            }
        }
    }

    /// Gazetteer hits in `a..b`, and the capitalised runs between them as untyped candidates.
    fn emit_hits_and_rest(&mut self, a: usize, b: usize) {
        let mut i = a;
        let mut run = None;
        while i < b {
            let h = self.hit_at[i];
            if h != NO_HIT {
                if let Some(s) = run.take() {
                    self.untyped(s, i);
                }
                let hit = self.hits[h as usize];
                if hit.first >= a && hit.last <= b {
                    self.push(hit.first, hit.last, Source::Gazetteer(hit.entity));
                }
                i = hit.last.max(i + 1);
            } else {
                if run.is_none() {
                    run = Some(i);
                }
                i += 1;
            }
        }
        if let Some(s) = run {
            self.untyped(s, b);
        }
    }

    /// An untyped run, trimmed of stop words and punctuation.
    fn untyped(&mut self, mut a: usize, mut b: usize) {
        while a < b
            && (!self.tokens[a].is(WORD) || self.has(a, STOP | TITLE) || self.tokens[a].is(LOWER))
        {
            a += 1;
        }
        while b > a && (!self.tokens[b - 1].is(WORD) || self.tokens[b - 1].is(LOWER)) {
            b -= 1;
        }
        if a >= b {
            return;
        }
        // "in Bonn", "at Wimbledon": a lone capitalised word after a place preposition, mid-sentence.
        let one_word = (a + 1..b).all(|i| !self.tokens[i].is(SPACE_BEFORE));
        if one_word
            && a > 0
            && !self.tokens[a].is(SENT_START)
            && !self.tokens[a].is(INITIAL)
            && self.tokens[a - 1].is(LOWER)
            && self.has(a - 1, LOC_PREP)
            && self.loc_follow(b)
        {
            self.push(a, b, Source::Rule(EntityKind::Place));
            return;
        }
        self.push(a, b, Source::Untyped);
    }

    /// What follows a place after "in X": the end, punctuation, or a lower-case word.
    fn loc_follow(&self, b: usize) -> bool {
        match self.tokens.get(b) {
            None => true,
            Some(t) if !t.is(WORD) => matches!(self.word(b), "," | "." | ";" | ")" | ":"),
            Some(t) => t.is(LOWER) && !self.has(b, PARTICLE),
        }
    }

    /// Types the chunk `a..b`.
    fn chunk(&mut self, start: usize, b: usize) {
        let Some(a) = self.settle(start, b) else {
            return;
        };
        // Titles: the last title word splits the chunk; what follows it is a person.
        if let Some(ti) = (a..b).rev().find(|&i| self.is_title(i)) {
            let mut ts = ti;
            while ts > a
                && (self.is_title(ts - 1)
                    || (self.word(ts - 1) == "of" && ts >= a + 2 && self.is_title(ts - 2)))
            {
                ts -= 1;
            }
            let mut after = ti + 1;
            // "Secretary of State Rex Tillerson": the complement belongs to the title when a name follows.
            if after + 2 < b && self.word(after) == "of" {
                after += 2;
            } else if after < b && self.word(after) == "of" {
                after += 1;
            }
            while after < b && !self.tokens[after].is(WORD) {
                after += 1;
            }
            self.segment(a, ts, false);
            if after < b {
                self.person_after_title(after, b);
            }
            return;
        }
        // "spokesman Dmitry Peskov", "coach Bobby Robson".
        if a == start && a > 0 && self.tokens[a - 1].is(LOWER) && self.has(a - 1, LTITLE) {
            self.person_after_title(a, b);
            return;
        }
        self.segment(a, b, true);
    }

    fn is_title(&self, i: usize) -> bool {
        let t = self.tokens[i];
        t.is(WORD) && t.is(CAP) && self.hit_at[i] == NO_HIT && self.has(i, TITLE)
    }

    /// The kind a chunk has by its first or last word: "... Corp", "University of ...", "Lake ...".
    fn shape(&self, a: usize, b: usize) -> Option<EntityKind> {
        let last = b - 1;
        let first_joined = a + 1 < b && self.has(a + 1, JOINER);
        if self.has(last, ORG_SUFFIX) && self.hit_at[last] == NO_HIT {
            return Some(EntityKind::Org);
        }
        if self.has(a, ORG_HEAD) && first_joined {
            return Some(EntityKind::Org);
        }
        if self.has(last, PLACE_SUFFIX) && self.hit_at[last] == NO_HIT {
            return Some(EntityKind::Place);
        }
        if self.has(a, PLACE_HEAD) && first_joined && matches!(self.word(a + 1), "of") {
            return Some(EntityKind::Place);
        }
        if matches!(
            self.word(a),
            "Lake" | "Mount" | "Mt" | "Mt." | "Cape" | "Gulf" | "Fort" | "Port" | "Isle"
        ) && self.word_count(a, b) == 2
        {
            return Some(EntityKind::Place);
        }
        None
    }

    /// A typed rule candidate; a chunk that is one gazetteer name plus a person's first words keeps
    /// the gazetteer's canonical name ("Donald J. Trump" is "Donald Trump").
    fn typed(&mut self, a: usize, b: usize, kind: EntityKind) {
        if kind == EntityKind::Person {
            let h = self.hit_at[b - 1];
            if h != NO_HIT {
                let hit = self.hits[h as usize];
                let (gkind, name) = self.compiled.entity(hit.entity);
                if gkind == EntityKind::Person && hit.last == b {
                    let first_word = name.split_whitespace().next().unwrap_or("");
                    if hit.first == a || first_word == self.word(a) {
                        self.push(a, b, Source::Gazetteer(hit.entity));
                        return;
                    }
                }
            }
        }
        self.push(a, b, Source::Rule(kind));
    }

    /// The words after a title: a person unless they are a known non-person or an organisation.
    fn person_after_title(&mut self, a: usize, b: usize) {
        if self.covered(a, b) {
            self.emit_hits(a, b);
            return;
        }
        let words = self.word_count(a, b);
        if words <= 4
            && (a..b).all(|i| self.is_name_word(i) || self.hit_at[i] != NO_HIT)
            && self.tokens[a].is(CAP)
        {
            self.typed(a, b, EntityKind::Person);
            return;
        }
        self.segment(a, b, true);
    }

    /// What every chunk goes through first: sentence openers and stop words ("Following", "The", "On
    /// Monday") are skipped; a chunk that is all gazetteer names, an event, or has an organisation or
    /// place shape is emitted. Returns where the rest of the chunk starts, or `None` when it is done.
    fn settle(&mut self, mut a: usize, b: usize) -> Option<usize> {
        while a < b
            && self.hit_at[a] == NO_HIT
            && (self.has(a, STOP) || !self.tokens[a].is(WORD) || self.tokens[a].is(LOWER))
        {
            a += 1;
        }
        if a >= b {
            return None;
        }
        if self.covered(a, b) {
            self.emit_hits(a, b);
            return None;
        }
        if self.event(a, b) {
            return None;
        }
        if self.word_count(a, b) >= 2 {
            if let Some(kind) = self.shape(a, b) {
                self.typed(a, b, kind);
                return None;
            }
        }
        Some(a)
    }

    /// Types a title-free piece of a chunk.
    fn segment(&mut self, a: usize, b: usize, person: bool) {
        let Some(a) = self.settle(a, b) else {
            return;
        };
        let words = self.word_count(a, b);
        // "Austrian Judith Wiesner": a nationality before a full name.
        if person && words >= 3 && self.has(a, DEMONYM) && self.hit_at[a] == NO_HIT {
            let rest = a + 1;
            if self.word_count(rest, b) <= 3
                && (rest..b).all(|i| self.is_name_word(i) || self.hit_at[i] != NO_HIT)
            {
                self.typed(rest, b, EntityKind::Person);
                return;
            }
        }
        // "MOSCOW (Meridian Wire) -": the parenthesised name after a dateline is the news agency.
        if self.dateline_source(a, b) {
            self.typed(a, b, EntityKind::Org);
            return;
        }
        if person
            && (2..=3).contains(&words)
            && (a..b).all(|i| self.is_name_word(i) && self.hit_at[i] == NO_HIT)
        {
            let speech = (b < self.tokens.len() && self.has(b, SPEECH_VERB))
                || (a > 0 && self.has(a - 1, SPEECH_VERB))
                || (b + 1 < self.tokens.len()
                    && self.word(b) == ","
                    && self.has(b + 1, SPEECH_VERB));
            let bare = words == 2 && b - a == 2 && self.bare_pair(a, b);
            if speech || bare {
                self.typed(a, b, EntityKind::Person);
                return;
            }
        }
        if person && (2..=4).contains(&words) && (a..b).all(|i| self.is_name_word(i)) {
            let first_name = self.has(a, FIRST) && self.tokens[a].is(CAP);
            let initials = (a..b).any(|i| self.tokens[i].is(INITIAL))
                && !self.tokens[b - 1].is(INITIAL)
                && self.tokens[b - 1].is(CAP);
            if first_name || initials {
                self.typed(a, b, EntityKind::Person);
                return;
            }
        }
        if self.glued_hits(a, b, person) {
            return;
        }
        self.emit_hits_and_rest(a, b);
    }

    /// Unknown capitalised words in parentheses right after an ALL-CAPS dateline word.
    fn dateline_source(&self, a: usize, b: usize) -> bool {
        a >= 2
            && b < self.tokens.len()
            && self.word(a - 1) == "("
            && self.word(b) == ")"
            && self.tokens[a - 2].is(tokens::ALLCAPS)
            && (a..b).all(|i| self.hit_at[i] == NO_HIT)
    }

    /// Two unknown capitalised words, mid-sentence, that look like a given name and a surname: no
    /// nationality or place word, no acronym, no digits.
    fn bare_pair(&self, a: usize, b: usize) -> bool {
        !self.tokens[a].is(SENT_START)
            && (a..b).all(|i| {
                let t = self.tokens[i];
                t.is(WORD)
                    && !t.is(tokens::ALLCAPS)
                    && !t.is(INITIAL)
                    && !self.has(i, DEMONYM | PLACE_HEAD | PLACE_SUFFIX | ORG_HEAD | EVENT)
            })
    }

    /// A chunk ending in an event word is dropped whole, gazetteer names inside it too.
    fn event(&mut self, a: usize, b: usize) -> bool {
        let last = b - 1;
        if self.word_count(a, b) >= 2 && self.hit_at[last] == NO_HIT && self.has(last, EVENT) {
            self.push(a, b, Source::Untyped);
            return true;
        }
        false
    }

    /// A gazetteer name glued to other capitalised words is part of a longer name: "Wasim Akram"
    /// (a person's first names before a known surname) is a person; "London Newsroom" or
    /// "Chicago Bulls" is something the gazetteer does not know, so nothing is emitted for it.
    fn glued_hits(&mut self, a: usize, b: usize, person: bool) -> bool {
        let mut glued = false;
        for i in a..b {
            let h = self.hit_at[i];
            if h == NO_HIT {
                continue;
            }
            let hit = self.hits[h as usize];
            let before = hit.first > a
                && self.hit_at[hit.first - 1] == NO_HIT
                && self.is_name_word(hit.first - 1);
            let after =
                hit.last < b && self.hit_at[hit.last] == NO_HIT && self.is_name_word(hit.last);
            if before || after {
                glued = true;
                if person
                    && hit.last == b
                    && self.compiled.entity(hit.entity).0 == EntityKind::Person
                    && (a..hit.first).all(|j| self.is_name_word(j) && !self.has(j, DEMONYM))
                    && self.word_count(a, hit.first) <= 3
                    && self.tokens[a].is(CAP)
                {
                    self.typed(a, b, EntityKind::Person);
                    return true;
                }
            }
        }
        if glued {
            self.push(a, b, Source::Untyped);
        }
        glued
    }
}
