//! Open word lists read as tagger features: the SCOWL English word list (Debian `wamerican`), which
//! tells a common word capitalised at a sentence start ("Stocks") from a name ("Chrysler" is listed
//! capitalised), and the US Census 1990 surnames. Sources and licences: `schemas/DATA-SOURCES.md`.
//! Words are kept as hashes (the features' own), so a lookup costs no string.

use std::sync::OnceLock;

use std::hash::BuildHasher;

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

static DICTIONARY: &str = include_str!("../../../schemas/dictionary.txt");
static SURNAMES: &str = include_str!("../../../schemas/surnames.txt");

/// The lower-cased word is an English word.
pub(crate) const COMMON: u8 = 1;
/// The word, capitalised, is listed as a proper noun.
pub(crate) const PROPER: u8 = 1 << 1;
/// The word, capitalised, is a frequent surname.
pub(crate) const SURNAME: u8 = 1 << 2;

/// The bits of a held entry that carry its flags; the others are the word's hash.
const FLAG_BITS: u64 = 0b111;

/// Flags by word hash, each entry one `u64`: the hash with its three lowest bits replaced by the
/// flags. A map of `u64` to `u8` took 16 bytes a slot, 2.2 MB for the 94,587 listed words (heaptrack);
/// this takes 8, about 1.2 MB by its size (DESIGN.md 2.9). Two listed words whose hashes differ only in those bits
/// would share their flags (a test checks that none do); another word taken for a listed one has
/// odds of about one in 2^44.
pub(crate) struct Lists {
    entries: HashTable<u64>,
}

impl Lists {
    /// The flags of a word (as written) whose hash is `hash`.
    pub fn of(&self, hash: u64) -> u8 {
        let key = key_of(hash);
        self.entries
            .find(slot_hash(key), |&e| key_of(e) == key)
            .map_or(0, |&e| (e & FLAG_BITS) as u8)
    }

    fn add(&mut self, hash: u64, flag: u8) {
        let key = key_of(hash);
        match self.entries.entry(
            slot_hash(key),
            |&e| key_of(e) == key,
            |&e| slot_hash(key_of(e)),
        ) {
            Entry::Occupied(mut e) => *e.get_mut() |= u64::from(flag),
            Entry::Vacant(e) => {
                e.insert(key | u64::from(flag));
            }
        }
    }
}

/// What tells a word's entry apart: its hash (or an entry) without the flag bits.
fn key_of(hash_or_entry: u64) -> u64 {
    hash_or_entry & !FLAG_BITS
}

fn slot_hash(key: u64) -> u64 {
    FxBuildHasher.hash_one(key)
}

/// Calls `add` with every listed word and its flag.
fn each_listed(mut add: impl FnMut(&'static str, u8)) {
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
        add(w, flag);
    }
    for w in words(SURNAMES) {
        add(w, SURNAME);
    }
}

/// The lists, built on first use.
pub(crate) fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| {
        let mut lists = Lists {
            entries: HashTable::with_capacity(100_000),
        };
        each_listed(|w, flag| lists.add(crate::text::fnv1a(w.as_bytes()), flag));
        lists.entries.shrink_to_fit(|&e| slot_hash(key_of(e)));
        lists
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries are told apart by all but the three lowest bits of their hash.
    #[test]
    fn no_two_listed_words_share_a_key() {
        let mut seen: rustc_hash::FxHashMap<u64, &str> = rustc_hash::FxHashMap::default();
        let mut flags: rustc_hash::FxHashMap<&str, u8> = rustc_hash::FxHashMap::default();
        each_listed(|w, flag| {
            let before = *seen
                .entry(key_of(crate::text::fnv1a(w.as_bytes())))
                .or_insert(w);
            assert_eq!(before, w, "{before:?} and {w:?} share a key");
            *flags.entry(w).or_default() |= flag;
        });
        assert!(flags.len() > 90_000, "{} words listed", flags.len());
        let lists = lists();
        for (w, f) in flags {
            assert_eq!(lists.of(crate::text::fnv1a(w.as_bytes())), f, "{w}");
        }
        assert_eq!(lists.of(crate::text::fnv1a(b"Xqzwvt")), 0);
    }
}
