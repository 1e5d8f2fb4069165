//! Named-entity extraction: people, organisations and places in news text.
//!
//! Extraction has three stages, each in its own file. [`Gazetteer`] names (the built-in
//! `schemas/entities.json` plus any user file) are compiled into one Aho-Corasick automaton that finds
//! known names with word boundaries, case-sensitively, with an upper-cased variant for ALL-CAPS
//! headlines (`gazetteer.rs`). Capitalised word sequences the gazetteer does not know are typed by
//! shape and context: titles ("Prime Minister ...") and first names make people, suffixes ("... Corp",
//! "... Ministry") make organisations, "... River" or "Gulf of ..." make places (`rules.rs`). Finally,
//! inside one article a short form ("Peskov", "Merkel") is resolved to the full name used elsewhere
//! in it (`resolve.rs`). Precision is preferred over recall: a capitalised word that nothing types is
//! dropped rather than guessed.
//!
//! ```
//! use newsidx::entities::{EntityKind, ExtractorBuilder};
//!
//! let extractor = ExtractorBuilder::new().build().unwrap();
//! let found = extractor.extract("Kremlin spokesman Dmitry Peskov said Peskov's team was ready.");
//! assert!(found
//!     .iter()
//!     .all(|m| m.kind != EntityKind::Person || m.name == "Dmitry Peskov"));
//! ```

mod gazetteer;
mod lexicon;
mod resolve;
mod rules;
mod tokens;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use gazetteer::Gazetteer;

use crate::text::Tokens;
use crate::{Error, Result};

/// The kinds of entity the extractor finds. The list is closed: every kind has a facet root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// A person ("Vladimir Putin").
    Person,
    /// An organisation: company, agency, party, institution ("Kremlin", "Reuters").
    Org,
    /// A place: country, region, city, geographic feature ("Moscow", "Middle East").
    Place,
}

impl EntityKind {
    /// Every kind, in facet order.
    pub const ALL: [EntityKind; 3] = [EntityKind::Person, EntityKind::Org, EntityKind::Place];

    /// The lowercase name used in facets, JSON and the CLI: `person`, `org` or `place`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Org => "org",
            EntityKind::Place => "place",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityKind {
    type Err = Error;

    /// Accepts the canonical names and the usual synonyms (`per`, `people`, `organisation`,
    /// `organization`, `loc`, `location`), in any case.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "person" | "per" | "people" | "persons" => Ok(EntityKind::Person),
            "org" | "organisation" | "organization" | "orgs" => Ok(EntityKind::Org),
            "place" | "loc" | "location" | "places" => Ok(EntityKind::Place),
            _ => Err(Error::Invalid(format!(
                "unknown entity type {s:?} (expected person, org or place)"
            ))),
        }
    }
}

/// One occurrence of an entity in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mention {
    /// What kind of entity it is.
    pub kind: EntityKind,
    /// The canonical name: the gazetteer's name, or the fullest form used in the same article.
    pub name: String,
    /// The text as it appears (without titles or a possessive `'s`).
    pub text: String,
    /// Byte offset of the first byte of the mention.
    pub start: usize,
    /// Byte offset just past the mention (exclusive).
    pub end: usize,
}

/// Configures and builds an [`Extractor`].
#[derive(Debug, Default)]
pub struct ExtractorBuilder {
    gazetteer: Option<Gazetteer>,
    rules: Option<bool>,
}

impl ExtractorBuilder {
    /// A builder with the built-in gazetteer and the rules switched on.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `gazetteer` instead of the built-in one. To extend the built-in list, start from
    /// [`Gazetteer::builtin`] and [`Gazetteer::merge`] a user file into it.
    pub fn gazetteer(mut self, gazetteer: Gazetteer) -> Self {
        self.gazetteer = Some(gazetteer);
        self
    }

    /// Switches the shape and context rules on (default) or off. With them off only gazetteer names
    /// (and their short forms inside one article) are found.
    pub fn rules(mut self, yes: bool) -> Self {
        self.rules = Some(yes);
        self
    }

    /// Compiles the automaton and word lists. Expensive: build once and share the [`Extractor`].
    pub fn build(self) -> Result<Extractor> {
        let gazetteer = match self.gazetteer {
            Some(g) => g,
            None => Gazetteer::builtin()?,
        };
        let words = lexicon::Words::builtin();
        let compiled = gazetteer.compile(&words)?;
        Ok(Extractor {
            compiled,
            words,
            rules: self.rules.unwrap_or(true),
        })
    }
}

/// A compiled entity extractor. Cheap to call, `Send + Sync`: build it once and share it.
#[derive(Debug)]
pub struct Extractor {
    compiled: gazetteer::Compiled,
    words: lexicon::Words,
    rules: bool,
}

impl Extractor {
    /// The mentions in `text`, in text order, one per occurrence. Short forms are resolved against
    /// full names found anywhere in the same text.
    pub fn extract(&self, text: &str) -> Vec<Mention> {
        let (mentions, _) = self.analyse(text, &Tokens::new(text), false, None);
        mentions
    }

    /// The distinct entities of an article, sorted by kind then name. The title is read with the
    /// body as context, so "Peskov" in a headline resolves to the "Dmitry Peskov" of the body, and a
    /// Title Case or ALL-CAPS headline yields only names that are known, not every capitalised word.
    pub fn extract_article(&self, title: Option<&str>, body: &str) -> Vec<(EntityKind, String)> {
        let title_tokens = title.map(Tokens::new);
        let title = title.zip(title_tokens.as_ref());
        self.extract_article_tokens(title, (body, &Tokens::new(body)))
    }

    /// [`Extractor::extract_article`] of a title and body whose words are cut already: each field as
    /// its text and its [`Tokens`].
    pub fn extract_article_tokens(
        &self,
        title: Option<(&str, &Tokens)>,
        (body, body_tokens): (&str, &Tokens),
    ) -> Vec<(EntityKind, String)> {
        let (body_mentions, lexicon) = self.analyse(body, body_tokens, false, None);
        let mut out: Vec<(EntityKind, String)> = body_mentions
            .into_iter()
            .map(|m| (m.kind, m.name))
            .collect();
        if let Some((title, title_tokens)) = title {
            let headline = tokens::is_headline(title);
            let (title_mentions, _) = self.analyse(title, title_tokens, headline, Some(&lexicon));
            out.extend(title_mentions.into_iter().map(|m| (m.kind, m.name)));
        }
        out.sort();
        out.dedup();
        out
    }

    /// Gazetteer entities whose canonical name or an alias equals `name`, ignoring case; distinct and
    /// sorted. Used to turn a user's `--entity putin` into facet values.
    pub fn lookup(&self, name: &str) -> Vec<(EntityKind, String)> {
        self.compiled.lookup(name)
    }

    /// The number of entities in the compiled gazetteer.
    pub fn gazetteer_len(&self) -> usize {
        self.compiled.len()
    }

    fn analyse(
        &self,
        text: &str,
        words: &Tokens,
        headline: bool,
        context: Option<&resolve::Lexicon>,
    ) -> (Vec<Mention>, resolve::Lexicon) {
        let mut tokens = tokens::tokenize(text, words);
        tokens::mark_context(text, &mut tokens, headline);
        let hits = self.compiled.find(text, &tokens);
        let mut found = rules::Found::default();
        rules::apply(
            text,
            &tokens,
            &hits,
            &self.compiled,
            &self.words,
            self.rules,
            &mut found,
        );
        resolve::resolve(text, &tokens, found, &self.compiled, context)
    }
}
