//! Turning what a user types after `--entity` into one stored entity, and saying which: `person:putin`,
//! `baker`, `org:texaco`. A name fits an entity by its canonical name or a gazetteer alias (ignoring
//! case), by its name with the corporate suffix folded away, by a person's last name, or by the first
//! words of its name; of the entities that fit, the one in most articles is picked and the others are
//! reported beside it ([`EntityFilter`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use tantivy::collector::Count;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, Term};

use super::Reader;
use crate::entities::{EntityKind, NameLookup};
use crate::store::columns::{entity_facet, EntityKey};
use crate::{Error, Result};

/// Other fitting entities reported beside the one picked, at most (the most frequent).
pub const MAX_OTHERS: usize = 10;

/// How a stored entity fits the name typed, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// Its canonical name, ignoring case (`james baker`).
    Name,
    /// A gazetteer alias of it, ignoring case (`putin` for Vladimir Putin).
    Alias,
    /// An organisation's name with its corporate suffix and punctuation folded away (`texaco`,
    /// `Texaco, Inc.` for Texaco Inc).
    Suffix,
    /// A person's last name or names (`baker` for James Baker).
    LastName,
    /// The first whole words of its name (`texaco` for Texaco Canada).
    Prefix,
}

impl Evidence {
    /// Whether the name typed names the whole entity (every kind of evidence but a prefix).
    fn whole(self) -> bool {
        self != Evidence::Prefix
    }

    /// How the human output says it.
    pub fn describe(self) -> &'static str {
        match self {
            Evidence::Name => "name",
            Evidence::Alias => "alias",
            Evidence::Suffix => "name without its corporate suffix",
            Evidence::LastName => "last name",
            Evidence::Prefix => "first words of the name",
        }
    }
}

/// A stored entity that fits a filter, with the articles that carry it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EntityMatch {
    /// `person`, `org` or `place`.
    #[serde(rename = "type")]
    pub kind: EntityKind,
    /// Canonical name, as stored.
    pub name: String,
    /// Articles in the index that carry it.
    pub articles: u64,
    /// How it fits the name typed.
    #[serde(rename = "match")]
    pub evidence: Evidence,
}

impl EntityMatch {
    /// The stored entity.
    pub fn key(&self) -> EntityKey {
        (self.kind, self.name.clone())
    }
}

/// An `--entity` filter as resolved: what was typed, the entity it stands for, and the other entities
/// that fit as well (most articles first, at most [`MAX_OTHERS`]). Serialises to an element of
/// `"entity_filters"` in the `--json` output: `{"query", "type", "name", "articles", "match",
/// "others": [{"type", "name", "articles", "match"}]}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EntityFilter {
    /// The filter as typed (`baker`, `org:texaco`).
    pub query: String,
    /// The entity picked.
    #[serde(flatten)]
    pub entity: EntityMatch,
    /// The other entities that fit, most articles first.
    pub others: Vec<EntityMatch>,
}

impl EntityFilter {
    /// The stored entity the filter keeps.
    pub fn key(&self) -> EntityKey {
        self.entity.key()
    }
}

/// Every entity stored in the index (from the facet term dictionaries of the reader's commit).
pub fn known_entities(reader: &Reader) -> Result<BTreeSet<EntityKey>> {
    let searcher = reader.searcher()?;
    Ok(stored_entities(reader, &searcher)?.into_keys().collect())
}

/// Every entity stored in `searcher`'s segments, with its document frequency summed over them
/// (deleted articles included: tantivy's term dictionaries keep them until a merge).
fn stored_entities(reader: &Reader, searcher: &Searcher) -> Result<BTreeMap<EntityKey, u64>> {
    let mut known = BTreeMap::new();
    each_stored_entity(reader, searcher, |kind, name, doc_freq| {
        *known.entry((kind, name.to_string())).or_insert(0) += doc_freq;
    })?;
    Ok(known)
}

/// Calls `each` with every entity of every segment's dictionary and its document frequency there
/// (an entity is met once per segment that holds it), its name read in place.
fn each_stored_entity(
    reader: &Reader,
    searcher: &Searcher,
    mut each: impl FnMut(EntityKind, &str, u64),
) -> Result<()> {
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(reader.fields().entities)?;
        let mut stream = inverted.terms().stream().map_err(|e| Error::Index {
            path: reader.store().path().to_path_buf(),
            message: format!("cannot read the entity dictionary: {e}"),
        })?;
        while stream.advance() {
            let Some((kind, name)) = std::str::from_utf8(stream.key())
                .ok()
                .and_then(|key| key.split_once('\0'))
            else {
                continue;
            };
            if let Ok(kind) = kind.parse::<EntityKind>() {
                each(kind, name, u64::from(stream.value().doc_freq));
            }
        }
    }
    Ok(())
}

/// Resolves `spec` (`TYPE:NAME` or a bare `NAME`) to the stored entity it stands for, or fails saying
/// that none fits. Article counts are those of the reader's commit. The stored names are those of
/// [`StoredNames`], read once per searcher: a server resolving `entity=` on every request streamed
/// every segment's dictionary each time.
pub fn resolve_entity(
    reader: &Reader,
    spec: &str,
    gazetteer_names: &dyn NameLookup,
) -> Result<EntityFilter> {
    let searcher = reader.searcher()?;
    let names = stored_names(reader, &searcher)?;
    let deletes = searcher.segment_readers().iter().any(|s| s.has_deletes());
    let field = reader.fields().entities;
    resolve(
        spec,
        gazetteer_names,
        |needle, each| {
            names.each_that_may_fit(needle, |kind, name| each(kind, name, 0));
            Ok(())
        },
        |key| {
            if deletes {
                alive_articles(&searcher, field, key)
            } else {
                let term = Term::from_facet(field, &entity_facet(key.0, &key.1));
                Ok(searcher.doc_freq(&term)?)
            }
        },
    )
}

/// The entity names of a searcher's segments, each segment's in its dictionary's order, one buffer
/// for all: a name met in several segments is listed once per segment (resolution keeps each entity
/// once). Dictionaries do not change with deletes, so the list holds for every searcher on the same
/// segments. Beside the names, their folded forms as [`Typed::may_fit`] tests them, so that the
/// names that may fit are found by one substring search instead of a test per name.
#[derive(Default)]
pub(crate) struct StoredNames {
    segments: Vec<tantivy::index::SegmentId>,
    text: String,
    /// Per name: its kind and where it ends in `text` (it starts where the one before ends).
    ends: Vec<(EntityKind, u32)>,
    /// Per name: its letters and digits, lower-cased (see [`fold_ascii`]; nothing for a name that
    /// is not ASCII), then a 0, which no needle holds, so that no match spans two names.
    folded: Vec<u8>,
    /// Per name: where its folded form and its 0 end in `folded`.
    folded_ends: Vec<u32>,
    /// The names that are not ASCII: they may always fit.
    unicode: Vec<u32>,
}

impl StoredNames {
    fn read(reader: &Reader, searcher: &Searcher) -> Result<StoredNames> {
        let mut names = StoredNames {
            segments: segment_ids(searcher),
            ..StoredNames::default()
        };
        each_stored_entity(reader, searcher, |kind, name, _| names.push(kind, name))?;
        names.text.shrink_to_fit();
        names.ends.shrink_to_fit();
        names.folded.shrink_to_fit();
        names.folded_ends.shrink_to_fit();
        Ok(names)
    }

    fn push(&mut self, kind: EntityKind, name: &str) {
        let (Ok(end), Ok(at)) = (
            u32::try_from(self.text.len() + name.len()),
            u32::try_from(self.ends.len()),
        ) else {
            return;
        };
        self.text.push_str(name);
        self.ends.push((kind, end));
        if name.is_ascii() {
            fold_ascii(name, &mut self.folded);
        } else {
            self.unicode.push(at);
        }
        self.folded.push(0);
        self.folded_ends
            .push(u32::try_from(self.folded.len()).unwrap_or(u32::MAX));
    }

    fn name(&self, at: usize) -> (EntityKind, &str) {
        let start = at
            .checked_sub(1)
            .map_or(0, |before| self.ends[before].1 as usize);
        let (kind, end) = self.ends[at];
        (kind, self.text.get(start..end as usize).unwrap_or_default())
    }

    /// Calls `each` with every name that [`Typed::may_fit`] passes for a typed name whose needle
    /// is `needle` (and perhaps others): the names whose folded form holds it, and those that are
    /// not ASCII; every name when the needle is empty.
    fn each_that_may_fit(&self, needle: &[u8], mut each: impl FnMut(EntityKind, &str)) {
        let search = (!needle.is_empty())
            .then(|| aho_corasick::AhoCorasick::new([needle]).ok())
            .flatten();
        let Some(search) = search else {
            (0..self.ends.len()).for_each(|at| {
                let (kind, name) = self.name(at);
                each(kind, name)
            });
            return;
        };
        let mut last = None;
        for found in search.find_iter(&self.folded) {
            let at = self
                .folded_ends
                .partition_point(|&end| end as usize <= found.start());
            if last != Some(at) && at < self.ends.len() {
                let (kind, name) = self.name(at);
                each(kind, name);
                last = Some(at);
            }
        }
        for &at in &self.unicode {
            let (kind, name) = self.name(at as usize);
            each(kind, name);
        }
    }
}

/// The letters and digits of the ASCII `name`, lower-cased, onto `out`.
fn fold_ascii(name: &str, out: &mut Vec<u8>) {
    out.extend(
        name.bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase()),
    );
}

fn segment_ids(searcher: &Searcher) -> Vec<tantivy::index::SegmentId> {
    searcher
        .segment_readers()
        .iter()
        .map(|s| s.segment_id())
        .collect()
}

/// The reader's [`StoredNames`] for `searcher`, read if it has none for its segments.
fn stored_names(reader: &Reader, searcher: &Searcher) -> Result<std::sync::Arc<StoredNames>> {
    let mut cached = reader
        .entity_names
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(names) = cached
        .as_ref()
        .filter(|names| names.segments == segment_ids(searcher))
    {
        return Ok(names.clone());
    }
    let names = std::sync::Arc::new(StoredNames::read(reader, searcher)?);
    *cached = Some(names.clone());
    Ok(names)
}

/// The articles of `searcher` that carry `key`, deleted ones left out.
fn alive_articles(
    searcher: &Searcher,
    field: tantivy::schema::Field,
    (kind, name): &EntityKey,
) -> Result<u64> {
    let term = Term::from_facet(field, &entity_facet(*kind, name));
    let query = TermQuery::new(term, IndexRecordOption::Basic);
    Ok(searcher.search(&query, &Count)? as u64)
}

/// Resolution against the stored entities `known`, `articles` giving each one's article count.
/// `known` is given the needle of [`Typed::may_fit`] and calls back with the stored entities, which
/// it may narrow to those whose names hold the needle (see [`StoredNames::each_that_may_fit`]).
///
/// Each entity that fits gets its strongest [`Evidence`]. When some fit as a whole name (name, alias,
/// folded suffix, last name), those compete and prefix matches are left out; otherwise the prefix
/// matches compete. The one in most articles wins (ties: stronger evidence, then name), so that a rare
/// exact name (a place "Baker" in 4 articles) does not shadow a frequent person (James Baker, 214).
/// Gazetteer entities that were never stored fit with 0 articles and win only when nothing stored fits.
pub(crate) fn resolve(
    spec: &str,
    gazetteer_names: &dyn NameLookup,
    known: impl FnOnce(&[u8], &mut dyn FnMut(EntityKind, &str, u64)) -> Result<()>,
    articles: impl Fn(&EntityKey) -> Result<u64>,
) -> Result<EntityFilter> {
    let (kind, name) = match spec.split_once(':') {
        Some((kind, name)) => match kind.parse::<EntityKind>() {
            Ok(kind) => (Some(kind), name.trim()),
            Err(_) => (None, spec.trim()),
        },
        None => (None, spec.trim()),
    };
    if name.is_empty() {
        return Err(Error::Invalid(format!(
            "entity {spec:?}: no name (write TYPE:NAME, e.g. person:putin)"
        )));
    }
    let wanted = |k: EntityKind| kind.is_none_or(|want| want == k);
    let typed = Typed::new(name);
    let mut fits: BTreeMap<EntityKey, Evidence> = BTreeMap::new();
    let mut fit = |key: EntityKey, evidence: Evidence| {
        let best = fits.entry(key).or_insert(evidence);
        *best = (*best).min(evidence);
    };
    for (k, n) in gazetteer_names.lookup(name) {
        if wanted(k) {
            let evidence = if n.to_lowercase() == typed.lower {
                Evidence::Name
            } else {
                Evidence::Alias
            };
            fit((k, n), evidence);
        }
    }
    let mut buf = Vec::new();
    known(typed.needle.as_bytes(), &mut |kind, name, _| {
        if wanted(kind) && typed.may_fit(name, &mut buf) {
            if let Some(evidence) = typed.fits(kind, name) {
                fit((kind, name.to_string()), evidence);
            }
        }
    })?;
    let whole = fits.values().any(|e| e.whole());
    let mut pool = Vec::new();
    for ((kind, name), evidence) in fits {
        if evidence.whole() == whole {
            let articles = articles(&(kind, name.clone()))?;
            pool.push(EntityMatch {
                kind,
                name,
                articles,
                evidence,
            });
        }
    }
    pool.sort_by(|a, b| {
        b.articles
            .cmp(&a.articles)
            .then(a.evidence.cmp(&b.evidence))
            .then_with(|| a.name.cmp(&b.name))
            .then(a.kind.cmp(&b.kind))
    });
    let mut pool = pool.into_iter();
    let Some(entity) = pool.next() else {
        return Err(Error::Invalid(format!(
            "entity {spec:?}: no such entity in the gazetteer or the index"
        )));
    };
    Ok(EntityFilter {
        query: spec.to_string(),
        entity,
        others: pool.filter(|m| m.articles > 0).take(MAX_OTHERS).collect(),
    })
}

/// The name typed, in the forms it is compared in.
struct Typed {
    /// Lower-cased, for equality with a whole name.
    lower: String,
    /// Its words, lower-cased, for last names and prefixes.
    words: Vec<String>,
    /// Its corporate key (see [`corporate_key`]).
    corporate: String,
    /// The letters and digits of `corporate`: every name that fits holds them in a row (see
    /// [`Typed::may_fit`]).
    needle: String,
}

impl Typed {
    fn new(name: &str) -> Typed {
        let corporate = corporate_key(name);
        Typed {
            lower: name.to_lowercase(),
            words: words(name),
            needle: corporate.chars().filter(|c| c.is_alphanumeric()).collect(),
            corporate,
        }
    }

    /// Whether the stored `name` may fit, by a test without allocation: every evidence of
    /// [`Typed::fits`] makes the letters and digits of the lower-cased name hold those of the
    /// corporate key in a row (a whole name equal; a company's key a prefix; a last name or a prefix
    /// of words a run of its words; and the key is the typed name's first words). Only ASCII names
    /// are tested (`buf` holds their letters and digits); the others may always fit. On a
    /// 1,000,000-article index most of the 70,000 stored names fail here, where computing their
    /// words and keys was a fifth of a `--entity` search.
    fn may_fit(&self, name: &str, buf: &mut Vec<u8>) -> bool {
        if self.needle.is_empty() || !name.is_ascii() {
            return true;
        }
        buf.clear();
        fold_ascii(name, buf);
        let needle = self.needle.as_bytes();
        buf.windows(needle.len()).any(|w| w == needle)
    }

    /// The strongest evidence that the stored entity `kind`:`name` is the one typed, if any.
    fn fits(&self, kind: EntityKind, name: &str) -> Option<Evidence> {
        if name.to_lowercase() == self.lower {
            return Some(Evidence::Name);
        }
        if kind == EntityKind::Org
            && !self.corporate.is_empty()
            && corporate_key(name) == self.corporate
        {
            return Some(Evidence::Suffix);
        }
        if self.words.is_empty() {
            return None;
        }
        let stored = words(name);
        if stored.len() <= self.words.len() {
            return None;
        }
        if kind == EntityKind::Person && stored.ends_with(&self.words) {
            Some(Evidence::LastName)
        } else if stored.starts_with(&self.words) {
            Some(Evidence::Prefix)
        } else {
            None
        }
    }
}

/// The words of `name`, lower-cased: its runs of letters and digits.
fn words(name: &str) -> Vec<String> {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Words that end a company's name without telling companies apart: folded away by
/// [`corporate_key`].
const CORPORATE_SUFFIXES: &[&str] = &[
    "ab",
    "ag",
    "asa",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "cos",
    "gmbh",
    "group",
    "holding",
    "holdings",
    "inc",
    "incorporated",
    "limited",
    "llc",
    "llp",
    "lp",
    "ltd",
    "nv",
    "plc",
    "sa",
    "spa",
];

/// The key that makes the spellings of one company's name equal: lower-cased, abbreviation periods
/// dropped (`S.A.` is `sa`), punctuation made word breaks, and corporate suffixes removed from the
/// end, repeatedly (`Texaco, Inc.`, `TEXACO INC` and `Texaco` are all `texaco`; `Cadbury Schweppes
/// Group plc` is `cadbury schweppes`). A name made only of suffixes keeps its first word (`Group`).
///
/// Local to entity filters: it decides which stored entities a typed name fits, and changes neither
/// the entities extracted nor their stored names.
fn corporate_key(name: &str) -> String {
    let mut words = words(&name.replace('.', ""));
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| CORPORATE_SUFFIXES.contains(&w.as_str()))
    {
        words.pop();
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::Extractor;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2048,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// The quick test never turns away a name that fits.
        #[test]
        fn may_fit_never_rejects_a_fitting_name(
            typed in proptest::collection::vec(proptest::sample::select(&[
                "james", "Baker", "Texaco", "inc", "Inc.", "U.S.", "steel", "co", ".", "-",
                "ÉLAN", "K", "new", "York", "O'Neill", "3M", "", "corp", "Ltd",
            ][..]), 0..4),
            stored in proptest::collection::vec(proptest::sample::select(&[
                "James", "baker", "TEXACO", "Inc", "Inc.", "U.S.", "Steel", "Co", " ", ",", "-",
                "Élan", "k", "New", "york", "O'Neill", "3m", "Corp.", "Holdings", "ltd", "x",
            ][..]), 1..5),
        ) {
            let stored = stored.join(" ");
            let mut buf = Vec::new();
            for typed in [typed.concat(), typed.join(" ")] {
                let typed = Typed::new(&typed);
                for kind in [EntityKind::Person, EntityKind::Org, EntityKind::Place] {
                    if typed.fits(kind, &stored).is_some() {
                        proptest::prop_assert!(
                            typed.may_fit(&stored, &mut buf),
                            "{:?} {stored:?}",
                            typed.lower
                        );
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 1024,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// The substring search over the stored names' folded forms finds every name that the
        /// quick test passes, each once.
        #[test]
        fn stored_names_find_every_name_that_may_fit(
            typed in proptest::collection::vec(proptest::sample::select(&[
                "james", "Baker", "Texaco", "inc", "U.S.", "steel", "co", "-", "ÉLAN", "K", "3M", "",
            ][..]), 0..3),
            stored in proptest::collection::vec(proptest::collection::vec(proptest::sample::select(&[
                "James", "baker", "TEXACO", "Inc.", "U.S.", "Steel", "Co", " ", "-", "Élan", "k",
                "3m", "x", "",
            ][..]), 0..4), 0..12),
        ) {
            let mut names = StoredNames::default();
            let stored: Vec<String> = stored.iter().map(|s| s.concat()).collect();
            for (i, name) in stored.iter().enumerate() {
                names.push(EntityKind::ALL[i % 3], name);
            }
            let typed = Typed::new(&typed.join(" "));
            let mut found = Vec::new();
            names.each_that_may_fit(typed.needle.as_bytes(), |kind, name| {
                found.push((kind, name.to_string()))
            });
            let mut buf = Vec::new();
            let mut want = Vec::new();
            for (i, name) in stored.iter().enumerate() {
                if typed.may_fit(name, &mut buf) {
                    want.push((EntityKind::ALL[i % 3], name.clone()));
                }
            }
            found.sort();
            want.sort();
            proptest::prop_assert_eq!(found, want, "{:?}", typed.needle);
        }
    }

    /// Each kind of evidence passes the quick test; a name without the typed words does not.
    #[test]
    fn may_fit_passes_every_kind_of_evidence() {
        let mut buf = Vec::new();
        for (typed, kind, stored, evidence) in [
            ("texaco", EntityKind::Org, "Texaco", Evidence::Name),
            (
                "Texaco Inc",
                EntityKind::Org,
                "Texaco Corp.",
                Evidence::Suffix,
            ),
            (
                "U.S. Steel",
                EntityKind::Org,
                "US Steel Corp",
                Evidence::Suffix,
            ),
            (
                "baker",
                EntityKind::Person,
                "James Baker",
                Evidence::LastName,
            ),
            ("new", EntityKind::Place, "New York", Evidence::Prefix),
        ] {
            let typed = Typed::new(typed);
            assert_eq!(typed.fits(kind, stored), Some(evidence), "{stored}");
            assert!(typed.may_fit(stored, &mut buf), "{stored}");
        }
        assert!(!Typed::new("Texaco Inc").may_fit("Chevron Corp", &mut buf));
        assert!(!Typed::new("baker").may_fit("James Bakr", &mut buf));
    }

    #[test]
    fn corporate_keys_fold_suffixes_case_and_punctuation() {
        for (name, key) in [
            ("Texaco Inc", "texaco"),
            ("Texaco Inc.", "texaco"),
            ("Texaco, Inc.", "texaco"),
            ("TEXACO INC", "texaco"),
            ("texaco", "texaco"),
            ("Chrysler Corp", "chrysler"),
            ("General Motors Corporation", "general motors"),
            ("Cadbury Schweppes Group plc", "cadbury schweppes"),
            ("Nestle S.A.", "nestle"),
            ("Philips N.V.", "philips"),
            (
                "Smith Barney, Harris Upham & Co",
                "smith barney harris upham",
            ),
            ("Sears Roebuck and Co", "sears roebuck and"),
            ("Texaco Canada Inc", "texaco canada"),
            ("Inco Ltd", "inco"),
            ("Group", "group"),
            ("Co Ltd", "co"),
            ("", ""),
        ] {
            assert_eq!(corporate_key(name), key, "{name:?}");
        }
    }

    #[test]
    fn suffixes_are_folded_only_at_the_end() {
        assert_eq!(corporate_key("Inc Research Co"), "inc research");
        assert_eq!(
            corporate_key("Group Four Securitas"),
            "group four securitas"
        );
    }

    fn extractor() -> Extractor {
        let gazetteer = crate::entities::Gazetteer::from_json(
            r#"{"version":1,"entities":[
                {"type":"person","name":"James Baker","aliases":["James A. Baker"]},
                {"type":"person","name":"Vladimir Putin","aliases":["Putin"]}
            ]}"#,
            "test",
        )
        .expect("gazetteer");
        crate::entities::ExtractorBuilder::new()
            .gazetteer(gazetteer)
            .build()
            .expect("extractor")
    }

    fn stored() -> BTreeMap<EntityKey, u64> {
        [
            (EntityKind::Person, "James Baker", 214),
            (EntityKind::Place, "Baker", 4),
            (EntityKind::Org, "Baker Hughes Inc", 30),
            (EntityKind::Org, "Texaco Inc", 61),
            (EntityKind::Org, "Texaco Canada Inc", 12),
            (EntityKind::Org, "Chrysler", 87),
            (EntityKind::Org, "Chrysler Corp", 91),
            (EntityKind::Person, "Vladimir Putin", 5),
            (EntityKind::Place, "New York", 3),
            (EntityKind::Place, "New Delhi", 3),
        ]
        .into_iter()
        .map(|(k, n, a)| ((k, n.to_string()), a))
        .collect()
    }

    fn resolved(spec: &str) -> Result<EntityFilter> {
        let known = stored();
        let each = |_: &[u8], f: &mut dyn FnMut(EntityKind, &str, u64)| {
            for ((kind, name), &articles) in &known {
                f(*kind, name, articles);
            }
            Ok(())
        };
        resolve(spec, &extractor(), each, |key| {
            Ok(known.get(key).copied().unwrap_or(0))
        })
    }

    fn picked(spec: &str) -> (String, u64, Evidence, Vec<String>) {
        let filter = resolved(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        let others = filter
            .others
            .iter()
            .map(|m| format!("{}:{}", m.kind, m.name))
            .collect();
        let e = filter.entity;
        (
            format!("{}:{}", e.kind, e.name),
            e.articles,
            e.evidence,
            others,
        )
    }

    #[test]
    fn the_entity_in_most_articles_wins_among_whole_names() {
        let (name, articles, evidence, others) = picked("baker");
        assert_eq!(name, "person:James Baker");
        assert_eq!((articles, evidence), (214, Evidence::LastName));
        // Baker Hughes Inc fits only as a prefix, so it is no rival.
        assert_eq!(others, ["place:Baker"]);
        assert_eq!(picked("place:baker").0, "place:Baker");
        assert_eq!(picked("chrysler").0, "org:Chrysler Corp");
        assert_eq!(picked("chrysler").3, ["org:Chrysler"]);
    }

    #[test]
    fn suffixes_fold_before_prefixes_count() {
        let (name, articles, evidence, others) = picked("org:texaco");
        assert_eq!(name, "org:Texaco Inc");
        assert_eq!((articles, evidence), (61, Evidence::Suffix));
        assert!(others.is_empty(), "{others:?}");
        assert_eq!(picked("Texaco, Inc.").2, Evidence::Suffix);
        let (name, _, evidence, others) = picked("texaco canada");
        assert_eq!(name, "org:Texaco Canada Inc");
        assert_eq!(evidence, Evidence::Suffix);
        assert!(others.is_empty());
    }

    #[test]
    fn prefixes_compete_when_no_whole_name_fits() {
        let (name, articles, evidence, others) = picked("new");
        assert_eq!((name.as_str(), articles), ("place:New Delhi", 3));
        assert_eq!(evidence, Evidence::Prefix);
        assert_eq!(others, ["place:New York"]);
    }

    #[test]
    fn aliases_and_unknown_names() {
        let (name, _, evidence, _) = picked("PUTIN");
        assert_eq!(
            (name.as_str(), evidence),
            ("person:Vladimir Putin", Evidence::Alias)
        );
        assert_eq!(picked("person:james a. baker").2, Evidence::Alias);
        assert_eq!(picked("org:baker").0, "org:Baker Hughes Inc");
        for spec in ["person:nobody", "org:putin", "thing:putin", "ker"] {
            let err = resolved(spec).expect_err(spec).to_string();
            assert!(err.contains("no such entity"), "{spec}: {err}");
        }
        assert!(resolved("person:").is_err());
    }
}
