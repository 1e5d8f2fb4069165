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

mod boilerplate;
pub mod conll;
mod gazetteer;
mod lexicon;
mod parties;
mod resolve;
mod spans;
mod tagger;
mod tokens;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use gazetteer::Gazetteer;
pub use tagger::{Tagger, TrainOptions, TrainReport};

/// CoNLL reading, for training and evaluating taggers.
pub use conll::{Class, Document as ConllDocument, GoldSpan};

use crate::text::Tokens;
use crate::{Error, Result};

#[cfg(test)]
thread_local! {
    /// Names and gazetteer hits looked at by the lookups of extraction on this thread: tests count
    /// them to keep extraction linear in a record's names.
    static COMPARED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts `n` names or hits looked at (in tests; nothing otherwise).
#[inline]
fn compared(_n: usize) {
    #[cfg(test)]
    COMPARED.with(|c| c.set(c.get() + _n as u64));
}

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

/// The entities of an article and the parties it names, as [`Extractor::extract_article_parties`]
/// finds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parties {
    /// Every distinct entity, sorted.
    pub entities: Vec<(EntityKind, String)>,
    /// Every party named, as lower-cased words: the words of the entities' names and every
    /// capitalised word; sorted, distinct.
    pub named: Vec<String>,
    /// The parties that lead the article, as lower-cased words that are no common English word
    /// (the distinctive words of the entities named, and the capitalised words): those of the
    /// first sentence of its body, and those of its headline that the body names too; in the order
    /// of the text (headline first), and may repeat.
    pub leads: Vec<String>,
}

/// Where the first sentence of `body` ends: at the first full stop, question or exclamation mark
/// followed by white space, or the first blank line, after its first 20 bytes; at most 300 bytes in.
fn first_sentence_end(body: &str) -> usize {
    const LEAD_MIN: usize = 20;
    const LEAD_MAX: usize = 300;
    let bytes = body.as_bytes();
    let end = bytes.len().min(LEAD_MAX);
    (LEAD_MIN..end)
        .find(|&i| {
            let next = bytes.get(i + 1).copied().unwrap_or(b' ');
            (matches!(bytes[i], b'.' | b'?' | b'!') && next.is_ascii_whitespace())
                || (bytes[i] == b'\n' && next == b'\n')
        })
        .unwrap_or(end)
}

/// One occurrence of an entity in a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// How sure the tagger is of the span and its type, 0..1 (its calibrated max-marginal margin);
    /// 1 for a name only the gazetteer found. Spans under the model's threshold are never reported.
    pub confidence: f32,
}

/// Turns a name a user typed into the gazetteer entities it stands for. An [`Extractor`] answers
/// from its compiled table; a [`Gazetteer`] by reading its entries, which spares a one-shot
/// search compiling the automaton and reading the tagger only to resolve `--entity` (the same
/// answers: a test compares them).
pub trait NameLookup {
    /// Entities whose canonical name or an alias equals `name`, ignoring case; distinct and sorted.
    fn lookup(&self, name: &str) -> Vec<(EntityKind, String)>;
}

impl NameLookup for Extractor {
    fn lookup(&self, name: &str) -> Vec<(EntityKind, String)> {
        Extractor::lookup(self, name)
    }
}

impl NameLookup for Gazetteer {
    fn lookup(&self, name: &str) -> Vec<(EntityKind, String)> {
        Gazetteer::lookup(self, name)
    }
}

/// Configures and builds an [`Extractor`].
#[derive(Debug, Default)]
pub struct ExtractorBuilder {
    gazetteer: Option<Gazetteer>,
    tagger: Option<Tagger>,
    rules: Option<bool>,
    min_confidence: Option<f32>,
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

    /// Uses `tagger` instead of the built-in model (see [`Tagger::from_file`]).
    pub fn tagger(mut self, tagger: Tagger) -> Self {
        self.tagger = Some(tagger);
        self
    }

    /// Switches the tagger on (default) or off. With it off only gazetteer names (and their short
    /// forms inside one article) are found.
    pub fn rules(mut self, yes: bool) -> Self {
        self.rules = Some(yes);
        self
    }

    /// Drops tagged names under this confidence (0..1) instead of the model's own threshold.
    pub fn min_confidence(mut self, confidence: f32) -> Self {
        self.min_confidence = Some(confidence);
        self
    }

    /// Compiles the automaton and word lists. Expensive: build once and share the [`Extractor`].
    pub fn build(self) -> Result<Extractor> {
        self.build_beside(|| {})
    }

    /// [`ExtractorBuilder::build`], with `meanwhile` run on a second thread (after the tagger's
    /// model and word lists are read there) while this one compiles the gazetteer's automaton,
    /// which takes about as long as the rest together (DESIGN.md 2.17). Without a second thread
    /// everything runs here, in turn.
    pub(crate) fn build_beside(self, meanwhile: impl FnOnce() + Send) -> Result<Extractor> {
        let (gazetteer, given, rules) = (self.gazetteer, self.tagger, self.rules.unwrap_or(true));
        let models = move || -> Result<Option<Tagger>> {
            tagger::lists::lists();
            let tagger = match (rules, given) {
                (false, _) => None,
                (true, Some(t)) => Some(t),
                (true, None) => Some(Tagger::builtin()?),
            };
            meanwhile();
            Ok(tagger)
        };
        let automaton = || -> Result<(Gazetteer, lexicon::Words, gazetteer::Compiled)> {
            let gazetteer = match gazetteer {
                Some(g) => g,
                None => Gazetteer::builtin()?,
            };
            let words = lexicon::Words::builtin();
            let compiled = gazetteer.compile(&words)?;
            Ok((gazetteer, words, compiled))
        };
        // Taken by whichever thread runs it: the helper, or this one when no thread can be had.
        let job = std::sync::Mutex::new(Some(models));
        let run = || {
            let models = job.lock().ok().and_then(|mut job| job.take());
            models.map(|models| models())
        };
        let (tagger, compiled) = std::thread::scope(|scope| {
            let helper = std::thread::Builder::new()
                .name("newsidx-models".to_string())
                .spawn_scoped(scope, run);
            let compiled = automaton();
            let tagger = match helper {
                Ok(helper) => helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(_) => run(),
            };
            (tagger, compiled)
        });
        let tagger =
            tagger.unwrap_or_else(|| Err(Error::Invalid("the tagger was not read".into())));
        let (gazetteer, words, compiled) = compiled?;
        let tagger = tagger?;
        let mut identity = gazetteer::Identity::default();
        identity.word(env!("CARGO_PKG_VERSION").as_bytes());
        identity.number(gazetteer.identity());
        match &tagger {
            Some(t) => identity.number(t.identity()),
            None => identity.word(b"no tagger"),
        }
        match self.min_confidence {
            Some(c) => identity.number(u64::from(c.to_bits())),
            None => identity.word(b"model threshold"),
        }
        Ok(Extractor {
            compiled,
            words,
            tagger,
            min_confidence: self.min_confidence,
            identity: identity.finish(),
        })
    }
}

/// A compiled entity extractor. Cheap to call, `Send + Sync`: build it once and share it.
#[derive(Debug)]
pub struct Extractor {
    compiled: gazetteer::Compiled,
    words: lexicon::Words,
    tagger: Option<Tagger>,
    min_confidence: Option<f32>,
    identity: u64,
}

impl Extractor {
    /// What this extractor is: a hash of newsidx's version, the gazetteer's entries, the tagger
    /// model and the confidence threshold. Two extractors with the same identity find the same
    /// entities in any text (as long as the extraction code of one version does not change).
    pub fn identity(&self) -> u64 {
        self.identity
    }

    /// The mentions in `text`, in text order, one per occurrence. Short forms are resolved against
    /// full names found anywhere in the same text.
    pub fn extract(&self, text: &str) -> Vec<Mention> {
        self.analyse(text, &Tokens::new(text), false, None, Meta::default())
            .mentions
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
        body: (&str, &Tokens),
    ) -> Vec<(EntityKind, String)> {
        self.extract_article_meta(title, body, Meta::default())
    }

    /// [`Extractor::extract_article_tokens`] with what is known of the article: its year (which
    /// resolves a bare surname to the person of that time) and its source (whose own name in a
    /// dateline or sign-off is not an entity of the article).
    pub fn extract_article_meta(
        &self,
        title: Option<(&str, &Tokens)>,
        body: (&str, &Tokens),
        meta: Meta,
    ) -> Vec<(EntityKind, String)> {
        self.extract_article_parties(title, body, meta).entities
    }

    /// [`Extractor::extract_article_meta`], with the entities that lead the article: those named in
    /// its headline or its first sentence, in the order of the text (headline first).
    pub fn extract_article_parties(
        &self,
        title: Option<(&str, &Tokens)>,
        (body, body_tokens): (&str, &Tokens),
        meta: Meta,
    ) -> Parties {
        let analysis = self.analyse(body, body_tokens, false, None, meta);
        let lead_end = first_sentence_end(body);
        let words = body_tokens.words();
        let lead_words = words.partition_point(|w| w.start < lead_end);
        let mut parties = Parties::default();
        let mut leads: Vec<String> = Vec::new();
        let body_lines = boilerplate::Lines::new(body);
        for m in analysis.mentions.iter() {
            if boilerplate::is_source_credit(&body_lines, m, meta.source) {
                continue;
            }
            if m.start < lead_end {
                leads.extend(parties::name_words(&m.name, true));
            }
            parties.named.extend(parties::name_words(&m.name, false));
            parties.entities.push((m.kind, m.name.clone()));
        }
        leads.extend(parties::capitalised(
            body,
            &words[..lead_words],
            meta.source,
            true,
        ));
        parties
            .named
            .extend(parties::capitalised(body, words, meta.source, false));
        if let Some((title, title_tokens)) = title {
            let headline = tokens::is_headline(title);
            let context = Context {
                lexicon: &analysis.lexicon,
                named: &analysis.named,
            };
            let title_analysis = self.analyse(title, title_tokens, headline, Some(context), meta);
            let mut in_title: Vec<String> = Vec::new();
            let title_lines = boilerplate::Lines::new(title);
            for m in title_analysis.mentions {
                if !boilerplate::is_source_credit(&title_lines, &m, meta.source) {
                    in_title.extend(parties::name_words(&m.name, true));
                    parties.named.extend(parties::name_words(&m.name, false));
                    parties.entities.push((m.kind, m.name));
                }
            }
            // Every capitalised headline word, common or not ("Insured" tells two funds apart),
            // but one leads only when the body names it too: a copy under a new headline still
            // names, in its body, whoever leads the other copy.
            in_title.extend(parties::capitalised(
                title,
                title_tokens.words(),
                meta.source,
                false,
            ));
            let mut title_leads: Vec<String> = in_title
                .into_iter()
                .filter(|w| parties.named.contains(w))
                .collect();
            parties.named.extend(parties::capitalised(
                title,
                title_tokens.words(),
                meta.source,
                false,
            ));
            title_leads.extend(leads);
            leads = title_leads;
        }
        parties.leads = leads;
        parties.entities.sort();
        parties.entities.dedup();
        parties.named.sort();
        parties.named.dedup();
        parties
    }

    /// Gazetteer entities whose canonical name or an alias equals `name`, ignoring case; distinct and
    /// sorted. Used to turn a user's `--entity putin` into facet values.
    pub fn lookup(&self, name: &str) -> Vec<(EntityKind, String)> {
        self.compiled.lookup(name)
    }

    /// Trains a tagger on CoNLL documents with this extractor's gazetteer and word lists as features
    /// (see [`TrainOptions`]); `newsidx train-tagger` calls this.
    pub fn train_tagger(
        &self,
        docs: &[conll::Document],
        options: &TrainOptions,
    ) -> (Tagger, TrainReport) {
        tagger::train(docs, &self.compiled, &self.words, options)
    }

    /// The tagger in use, if any.
    pub fn tagger(&self) -> Option<&Tagger> {
        self.tagger.as_ref()
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
        context: Option<Context>,
        meta: Meta,
    ) -> Analysis {
        let mut tokens = tokens::tokenize(text, words);
        tokens::mark_context(text, &mut tokens, headline);
        let hits = self.compiled.find(text, &tokens);
        let spans = match &self.tagger {
            Some(tagger) => {
                let seqs = tagger::sequences(text, &tokens);
                let plan = tagger::plan(text, &tokens, &seqs);
                let ctx = tagger::Context::new(
                    text,
                    &tokens,
                    &hits,
                    |id| self.compiled.entity(id).0,
                    &self.words,
                    Some(&plan.needed),
                );
                tagger.tag(&ctx, &plan, self.min_confidence)
            }
            None => Vec::new(),
        };
        let evidence = spans::Evidence {
            year: meta.year,
            named: context.map(|c| c.named),
        };
        let named = spans::named_in_full(&hits);
        let found = if self.tagger.is_some() {
            spans::candidates(
                text,
                &tokens,
                &hits,
                &spans,
                &self.compiled,
                &self.words,
                headline,
                evidence,
                &named,
            )
        } else {
            spans::gazetteer_only(
                text,
                &tokens,
                &hits,
                &self.compiled,
                &self.words,
                evidence,
                &named,
            )
        };
        let (mentions, lexicon) = resolve::resolve(
            text,
            &tokens,
            found,
            &self.compiled,
            &self.words,
            context.map(|c| c.lexicon),
        );
        Analysis {
            mentions,
            lexicon,
            named,
        }
    }
}

/// What is known of an article besides its text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Meta<'a> {
    /// The year of its date.
    pub year: Option<i32>,
    /// Its source ("Reuters"), whose own name in a dateline or sign-off is not counted.
    pub source: Option<&'a str>,
}

/// The body's findings, as context for the headline.
#[derive(Clone, Copy)]
struct Context<'a> {
    lexicon: &'a resolve::Lexicon,
    named: &'a rustc_hash::FxHashSet<u32>,
}

struct Analysis {
    mentions: Vec<Mention>,
    lexicon: resolve::Lexicon,
    named: rustc_hash::FxHashSet<u32>,
}
