//! Open word lists read as tagger features: the SCOWL English word list (Debian `wamerican`), which
//! tells a common word capitalised at a sentence start ("Stocks") from a name ("Chrysler" is listed
//! capitalised), and the US Census 1990 surnames. Sources and licences: `schemas/DATA-SOURCES.md`.
//! Words are kept as hashes (the features' own), so a lookup costs no string.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

static DICTIONARY: &str = include_str!("../../../schemas/dictionary.txt");
static SURNAMES: &str = include_str!("../../../schemas/surnames.txt");

/// The lower-cased word is an English word.
pub(crate) const COMMON: u8 = 1;
/// The word, capitalised, is listed as a proper noun.
pub(crate) const PROPER: u8 = 1 << 1;
/// The word, capitalised, is a frequent surname.
pub(crate) const SURNAME: u8 = 1 << 2;

/// Flags by word hash.
pub(crate) struct Lists {
    flags: FxHashMap<u64, u8>,
}

impl Lists {
    /// The flags of a word (as written) whose hash is `hash`.
    pub fn of(&self, hash: u64) -> u8 {
        self.flags.get(&hash).copied().unwrap_or(0)
    }
}

/// The lists, built on first use.
pub(crate) fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| {
        let mut flags: FxHashMap<u64, u8> =
            FxHashMap::with_capacity_and_hasher(100_000, Default::default());
        let words = |text: &'static str| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
        };
        for w in words(DICTIONARY) {
            let flag = if w.starts_with(|c: char| c.is_uppercase()) {
                PROPER
            } else {
                COMMON
            };
            *flags.entry(crate::text::fnv1a(w.as_bytes())).or_default() |= flag;
        }
        for w in words(SURNAMES) {
            *flags.entry(crate::text::fnv1a(w.as_bytes())).or_default() |= SURNAME;
        }
        Lists { flags }
    })
}
