//! The gazetteer: known entities with their aliases, loaded from JSON and compiled into one
//! Aho-Corasick automaton. Names match case-sensitively (so "Bush" the man is not "bush" the plant);
//! each name also gets an upper-cased pattern that is accepted only in shouted text, so ALL-CAPS
//! headlines and datelines ("MOSCOW 1996-08-30") still yield their places and people.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use serde::Deserialize;

use super::lexicon::{Words, STOP};
use super::tokens::{self, Token};
use super::EntityKind;
use crate::{Error, Result};

/// The built-in gazetteer, compiled into the binary.
const BUILTIN: &str = include_str!("../../schemas/entities.json");

/// A list of known entities: each has a kind, a canonical name and aliases.
///
/// The JSON format is
/// `{"version":1,"entities":[{"type":"person","name":"Vladimir Putin","aliases":["Putin"]}]}`;
/// `type` is `person`, `org` or `place` (or a synonym such as `loc`), `aliases` is optional.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    entries: Vec<Entry>,
    /// Bumped by every merge, so names from a later merge win clashes.
    generation: u32,
}

#[derive(Debug, Clone)]
struct Entry {
    kind: EntityKind,
    name: String,
    aliases: Vec<String>,
    generation: u32,
    active: Option<(i32, i32)>,
}

#[derive(Deserialize)]
struct RawFile {
    version: Option<u64>,
    entities: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct RawEntity {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    /// `[FROM, TO]`: the years a person was in the news, used to resolve a bare surname by the
    /// article's date.
    #[serde(default)]
    active: Option<(i32, i32)>,
}

impl Gazetteer {
    /// The gazetteer compiled into the binary (`schemas/entities.json`).
    pub fn builtin() -> Result<Gazetteer> {
        Gazetteer::from_json(BUILTIN, "builtin entities.json")
    }

    /// The built-in gazetteer extended by `user` (whose entries win on clashes), as the enricher
    /// and `newsidx search --entity` use it.
    pub fn builtin_with(user: Option<Gazetteer>) -> Result<Gazetteer> {
        let mut gazetteer = Gazetteer::builtin()?;
        if let Some(user) = user {
            gazetteer.merge(user);
        }
        Ok(gazetteer)
    }

    /// A hash of every entry (kind, name, aliases, years, merge order): two gazetteers with the same
    /// identity compile to the same automaton.
    pub(crate) fn identity(&self) -> u64 {
        let mut h = Identity::default();
        for e in &self.entries {
            h.word(e.kind.as_str().as_bytes());
            h.word(e.name.as_bytes());
            for alias in &e.aliases {
                h.word(alias.as_bytes());
            }
            h.number(e.aliases.len() as u64);
            h.number(u64::from(e.generation));
            match e.active {
                Some((from, to)) => {
                    h.number(1);
                    h.number(from as u64);
                    h.number(to as u64);
                }
                None => h.number(0),
            }
        }
        h.finish()
    }

    /// Parses a gazetteer from JSON. `origin` (a path or a name) is put into every error message.
    pub fn from_json(json: &str, origin: &str) -> Result<Gazetteer> {
        let err = |message: String| Error::Gazetteer {
            origin: origin.to_string(),
            message,
        };
        let raw: RawFile = serde_json::from_str(json)
            .map_err(|e| err(format!("not valid gazetteer JSON: {e}")))?;
        match raw.version {
            Some(1) => {}
            Some(v) => return Err(err(format!("unsupported version {v} (expected 1)"))),
            None => return Err(err("missing \"version\": 1".to_string())),
        }
        let values = raw
            .entities
            .ok_or_else(|| err("missing \"entities\" array".to_string()))?;
        let mut entries = Vec::with_capacity(values.len());
        for (i, value) in values.into_iter().enumerate() {
            let e: RawEntity =
                serde_json::from_value(value).map_err(|e| err(format!("entities[{i}]: {e}")))?;
            let kind: EntityKind = e.kind.parse().map_err(|_| {
                err(format!(
                    "entities[{i}] ({:?}): unknown type {:?}",
                    e.name, e.kind
                ))
            })?;
            let name = e.name.trim().to_string();
            if name.is_empty() {
                return Err(err(format!("entities[{i}]: empty name")));
            }
            let mut aliases = Vec::with_capacity(e.aliases.len());
            for (j, a) in e.aliases.into_iter().enumerate() {
                let a = a.trim().to_string();
                if a.is_empty() {
                    return Err(err(format!(
                        "entities[{i}] ({name:?}): aliases[{j}] is empty"
                    )));
                }
                aliases.push(a);
            }
            entries.push(Entry {
                kind,
                name,
                aliases,
                generation: 0,
                active: e.active,
            });
        }
        Ok(Gazetteer {
            entries,
            generation: 0,
        })
    }

    /// Adds the entities of `other`. An entity of the same kind and name (ignoring case) is replaced
    /// by `other`'s, and where an alias of `other` equals a name or alias already here, `other`'s
    /// entity wins the match.
    pub fn merge(&mut self, other: Gazetteer) {
        self.generation += 1;
        let generation = self.generation;
        let mut index: HashMap<(EntityKind, String), usize> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.kind, e.name.to_lowercase()), i))
            .collect();
        for mut e in other.entries {
            e.generation = generation;
            let key = (e.kind, e.name.to_lowercase());
            match index.get(&key) {
                Some(&i) => self.entries[i] = e,
                None => {
                    index.insert(key, self.entries.len());
                    self.entries.push(e);
                }
            }
        }
    }

    /// The number of entities.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entities.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entities whose canonical name or an alias equals `name`, ignoring case (and a leading
    /// "the"), distinct and sorted: what the compiled extractor's lookup answers, found by reading
    /// the entries instead of compiling them (a test compares the two). Resolving a user's
    /// `--entity putin` needs only this.
    pub fn lookup(&self, name: &str) -> Vec<(EntityKind, String)> {
        let wanted = name.trim().to_lowercase();
        let mut out: Vec<(EntityKind, String)> = self
            .entries
            .iter()
            .filter(|e| {
                std::iter::once(e.name.as_str())
                    .chain(e.aliases.iter().map(String::as_str))
                    .any(|form| lookup_keys(form).contains(&wanted))
            })
            .map(|e| (e.kind, e.name.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Builds the automaton. Each surface form maps to one entity: a later merge beats an earlier
    /// one, a canonical name beats an alias, and otherwise the first entry wins.
    pub(crate) fn compile(&self, words: &Words) -> Result<Compiled> {
        // surface -> (priority, entity index)
        let mut surfaces: HashMap<&str, Ranked> = HashMap::new();
        let mut lookup: HashMap<String, Vec<u32>> = HashMap::new();
        for (idx, e) in self.entries.iter().enumerate() {
            let idx = idx as u32;
            let forms = std::iter::once((e.name.as_str(), true))
                .chain(e.aliases.iter().map(|a| (a.as_str(), false)));
            for (form, is_name) in forms {
                for key in lookup_keys(form) {
                    let ids = lookup.entry(key).or_default();
                    if !ids.contains(&idx) {
                        ids.push(idx);
                    }
                }
                let form = without_article(form);
                if !form.chars().any(char::is_alphabetic) {
                    continue;
                }
                let prio = (e.generation, is_name);
                match surfaces.get(form) {
                    Some((p, _)) if *p >= prio => {}
                    _ => {
                        surfaces.insert(form, (prio, idx));
                    }
                }
            }
        }
        let mut patterns: Vec<String> = Vec::with_capacity(surfaces.len() * 2);
        let mut infos: Vec<Pattern> = Vec::with_capacity(surfaces.len() * 2);
        let mut shouted: HashMap<String, Ranked> = HashMap::new();
        let mut sorted: Vec<(&str, Ranked)> = surfaces.iter().map(|(s, v)| (*s, *v)).collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (form, (prio, idx)) in sorted {
            let upper = form.to_uppercase();
            let acronym = upper == form;
            // A name that is also a common word ("May", "Nice", "US" as "us") is only trusted
            // where it is not at the mercy of capitalisation: see `find`.
            let common =
                words.has(form, STOP) || (acronym && words.has(&form.to_lowercase(), STOP));
            patterns.push(form.to_string());
            infos.push(Pattern {
                entity: idx,
                shouted_only: false,
                acronym,
                common,
                is_name: prio.1,
            });
            if !acronym && !surfaces.contains_key(upper.as_str()) {
                match shouted.get(&upper) {
                    Some((p, _)) if *p >= prio => {}
                    _ => {
                        shouted.insert(upper, (prio, idx));
                    }
                }
            }
        }
        let mut shouted: Vec<(String, Ranked)> = shouted.into_iter().collect();
        shouted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (form, ((_, is_name), idx)) in shouted {
            let common = words.has(&form.to_lowercase(), STOP);
            patterns.push(form);
            infos.push(Pattern {
                entity: idx,
                shouted_only: true,
                acronym: false,
                common,
                is_name,
            });
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| Error::Gazetteer {
                origin: "compiled gazetteer".to_string(),
                message: format!("cannot build the automaton: {e}"),
            })?;
        let entities = self
            .entries
            .iter()
            .map(|e| (e.kind, e.name.clone()))
            .collect();
        let user = self.entries.iter().map(|e| e.generation > 0).collect();
        let active = self.entries.iter().map(|e| e.active).collect();
        Ok(Compiled {
            automaton,
            patterns: infos,
            entities,
            user,
            active,
            lookup,
        })
    }
}

/// `form` without a leading "the " or "The ": mentions never include it ("the Netherlands" matches
/// "Netherlands"). A form that is only the article stays whole.
fn without_article(form: &str) -> &str {
    ["the ", "The "]
        .iter()
        .find_map(|p| form.strip_prefix(p))
        .filter(|rest| !rest.trim().is_empty())
        .unwrap_or(form)
}

/// The keys a name or alias is looked up by: itself and itself without a leading article,
/// lower-cased.
fn lookup_keys(form: &str) -> [String; 2] {
    [form.to_lowercase(), without_article(form).to_lowercase()]
}

/// An entity index with the priority of the surface form that names it: (merge generation, is the
/// canonical name).
type Ranked = ((u32, bool), u32);

/// What a pattern of the automaton stands for.
#[derive(Debug, Clone, Copy)]
struct Pattern {
    entity: u32,
    /// The upper-cased copy of a mixed-case name: trusted only in shouted text.
    shouted_only: bool,
    /// The name itself is all capitals ("NATO", "US").
    acronym: bool,
    /// The name is also a common English word.
    common: bool,
    /// The entity's canonical name (not an alias).
    is_name: bool,
}

/// A gazetteer compiled for matching.
#[derive(Debug)]
pub(crate) struct Compiled {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
    entities: Vec<(EntityKind, String)>,
    /// Entities from a user's gazetteer (a merge), which win over the tagger.
    user: Vec<bool>,
    /// The years a person was in the news, where the gazetteer gives them.
    active: Vec<Option<(i32, i32)>>,
    lookup: HashMap<String, Vec<u32>>,
}

/// A gazetteer match, aligned to tokens.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    /// First token of the match.
    pub first: usize,
    /// One past the last token of the match.
    pub last: usize,
    pub entity: u32,
    /// Matched by a short form (one word, an alias), which may name another entity.
    pub short: bool,
    /// Matched by a name written in capitals in the gazetteer ("UPS", "NATO"), not by the upper-cased
    /// copy of a mixed-case name.
    pub acronym: bool,
}

impl Compiled {
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// Whether the entity comes from a user's gazetteer.
    pub fn is_user(&self, id: u32) -> bool {
        self.user.get(id as usize).copied().unwrap_or(false)
    }

    /// The years the entity was active, when the gazetteer gives them.
    pub fn active(&self, id: u32) -> Option<(i32, i32)> {
        self.active.get(id as usize).copied().flatten()
    }

    pub fn entity(&self, id: u32) -> (EntityKind, &str) {
        let (kind, name) = &self.entities[id as usize];
        (*kind, name.as_str())
    }

    pub fn lookup(&self, name: &str) -> Vec<(EntityKind, String)> {
        let mut out: Vec<(EntityKind, String)> = self
            .lookup
            .get(&name.trim().to_lowercase())
            .into_iter()
            .flatten()
            .map(|&i| self.entities[i as usize].clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Finds gazetteer names in `text` that start and end on word boundaries, in text order.
    pub fn find(&self, text: &str, tokens: &[Token]) -> Vec<Hit> {
        // Names wrapped across lines ("Securities and Exchange\n    Commission") are matched on a copy
        // of the text with whitespace runs folded to one space, then mapped back to the original.
        let spaced = Spaced::new(text);
        let hay = spaced.text();
        let mut hits = Vec::new();
        let mut pos = 0;
        while pos < hay.len() {
            let Some(m) = self.automaton.find(Input::new(hay).span(pos..hay.len())) else {
                break;
            };
            let (start, end) = spaced.original(m.start(), m.end());
            let accepted = boundary_ok(text, start, end)
                .then(|| align(tokens, start, end))
                .flatten()
                .filter(|&(first, last)| {
                    self.trusted(
                        text,
                        tokens,
                        first,
                        last,
                        self.patterns[m.pattern().as_usize()],
                    )
                });
            match accepted {
                Some((first, last)) => {
                    let p = self.patterns[m.pattern().as_usize()];
                    hits.push(Hit {
                        first,
                        last,
                        entity: p.entity,
                        short: !p.is_name && last - first == 1,
                        acronym: p.acronym,
                    });
                    pos = m.end().max(pos + 1);
                }
                None => pos = skip_word(hay, m.start()),
            }
            while pos < hay.len() && !hay.is_char_boundary(pos) {
                pos += 1;
            }
        }
        hits
    }

    fn trusted(&self, text: &str, tokens: &[Token], first: usize, last: usize, p: Pattern) -> bool {
        let shouted = tokens[first..last].iter().any(|t| t.is(tokens::SHOUT));
        if p.shouted_only {
            let letters = text[tokens[first].start..tokens[last - 1].end]
                .chars()
                .filter(|c| c.is_alphabetic())
                .count();
            return (shouted || letters >= 4) && !p.common;
        }
        if p.common {
            // "May" the month or "Will" the verb only count as part of a longer name; an acronym
            // that spells a word ("WHO") only counts where the text is not shouting.
            return p.acronym && !shouted;
        }
        if p.acronym && shouted {
            // Inside a shouted run an acronym is just another word unless it is long.
            let (kind, _) = self.entity(p.entity);
            return kind == EntityKind::Place || tokens[first].end - tokens[first].start >= 3;
        }
        true
    }
}

/// Neither end of `start..end` cuts a word in two.
fn boundary_ok(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    let after = text[end..].chars().next();
    let cut = |outside: Option<char>, inside: Option<char>| matches!((outside, inside), (Some(o), Some(i)) if tokens::is_word_char(o) && tokens::is_word_char(i));
    !cut(before, first) && !cut(after, last)
}

/// A text with every whitespace run folded to one space, and the way back to the original offsets.
/// Borrows the text when it has nothing to fold.
struct Spaced<'t> {
    folded: std::borrow::Cow<'t, str>,
    /// Original byte offset of each byte of `folded` (empty when nothing was folded).
    map: Vec<u32>,
}

impl<'t> Spaced<'t> {
    fn new(text: &'t str) -> Spaced<'t> {
        let needs = text
            .as_bytes()
            .windows(2)
            .any(|w| w[0].is_ascii_whitespace() && w[1].is_ascii_whitespace())
            || text.bytes().any(|b| b.is_ascii_whitespace() && b != b' ')
            || text.chars().any(|c| c.is_whitespace() && !c.is_ascii());
        if !needs || u32::try_from(text.len()).is_err() {
            return Spaced {
                folded: std::borrow::Cow::Borrowed(text),
                map: Vec::new(),
            };
        }
        let mut folded = String::with_capacity(text.len());
        let mut map = Vec::with_capacity(text.len());
        let mut in_space = false;
        for (i, c) in text.char_indices() {
            if c.is_whitespace() {
                if !in_space {
                    folded.push(' ');
                    map.push(i as u32);
                }
                in_space = true;
            } else {
                in_space = false;
                folded.push(c);
                map.extend((i..i + c.len_utf8()).map(|b| b as u32));
            }
        }
        Spaced {
            folded: std::borrow::Cow::Owned(folded),
            map,
        }
    }

    fn text(&self) -> &str {
        &self.folded
    }

    /// The original byte range of the folded range `start..end` (a match, which neither starts nor
    /// ends with whitespace).
    fn original(&self, start: usize, end: usize) -> (usize, usize) {
        if self.map.is_empty() {
            return (start, end);
        }
        (self.map[start] as usize, self.map[end - 1] as usize + 1)
    }
}

/// The token range `first..last` exactly covering `start..end`, if the match is token aligned.
fn align(tokens: &[Token], start: usize, end: usize) -> Option<(usize, usize)> {
    let first = tokens.partition_point(|t| t.start < start);
    let last = tokens.partition_point(|t| t.end <= end);
    if first < last && tokens[first].start == start && tokens[last - 1].end == end {
        Some((first, last))
    } else {
        None
    }
}

/// The offset just past the word that contains `pos` (or the next char when there is no word).
fn skip_word(text: &str, pos: usize) -> usize {
    let mut end = pos;
    for (i, c) in text[pos..].char_indices() {
        if !tokens::is_word_char(c) {
            end = pos + i;
            break;
        }
        end = pos + i + c.len_utf8();
    }
    if end == pos {
        end = pos + text[pos..].chars().next().map_or(1, char::len_utf8);
    }
    end
}

/// The bytes of an identity: length-prefixed byte strings and numbers, hashed with
/// [`crate::text::fnv1a`] (stable across builds and platforms, unlike `std`'s hashers).
#[derive(Debug, Clone, Default)]
pub(crate) struct Identity(Vec<u8>);

impl Identity {
    /// Adds `bytes` with their length, so that `["ab", "c"]` and `["a", "bc"]` differ.
    pub(crate) fn word(&mut self, bytes: &[u8]) {
        self.number(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
    }

    pub(crate) fn number(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    pub(crate) fn finish(self) -> u64 {
        crate::text::fnv1a(&self.0)
    }
}
