//! Open word lists read as tagger features: the SCOWL English word list (Debian `wamerican`), which
//! tells a common word capitalised at a sentence start ("Stocks") from a name ("Chrysler" is listed
//! capitalised), and the US Census 1990 surnames. Sources and licences: `schemas/DATA-SOURCES.md`.
//! Words are kept as hashes (the features' own), so a lookup costs no string.

use std::sync::OnceLock;

/// The lists laid out as [`Lists`] reads them, made from `schemas/dictionary.txt` and
/// `schemas/surnames.txt` by [`layout`] (`NEWSIDX_BLESS=1 cargo test word_lists` writes it again; a
/// test checks that it is what the texts give). Read in place: the binary's read-only pages, not
/// 1.2 MB of every indexing run's heap (DESIGN.md 2.9).
static LAID_OUT: &[u8] = include_bytes!("../../../schemas/word-lists.bin");

/// The lower-cased word is an English word.
pub(crate) const COMMON: u8 = 1;
/// The word, capitalised, is listed as a proper noun.
pub(crate) const PROPER: u8 = 1 << 1;
/// The word, capitalised, is a frequent surname.
pub(crate) const SURNAME: u8 = 1 << 2;

/// The bits of a held entry that carry its flags; the others are the word's hash.
const FLAG_BITS: u64 = 0b111;

/// Flags by word hash: an open-addressing table of little-endian `u64` entries, each the hash with
/// its three lowest bits replaced by the flags (never 0, as every listed word has a flag; 0 marks
/// an empty slot), at most four fifths full. Two listed words whose hashes differ only in those bits
/// would share their flags (a test checks that none do); another word taken for a listed one has
/// odds of about one in 2^44.
pub(crate) struct Lists {
    slots: &'static [[u8; 8]],
    mask: usize,
}

impl Lists {
    /// The flags of a word (as written) whose hash is `hash`.
    pub fn of(&self, hash: u64) -> u8 {
        let key = key_of(hash);
        let mut at = slot_of(key, self.mask);
        loop {
            let Some(&slot) = self.slots.get(at) else {
                return 0;
            };
            let entry = u64::from_le_bytes(slot);
            if entry == 0 {
                return 0;
            }
            if key_of(entry) == key {
                return (entry & FLAG_BITS) as u8;
            }
            at = (at + 1) & self.mask;
        }
    }

    /// The lists laid out in `bytes`, if they are a table whose every look-up ends: a power of two
    /// of slots, one of them empty.
    fn in_place(bytes: &'static [u8]) -> Option<Lists> {
        let (slots, rest) = bytes.as_chunks::<8>();
        let table = rest.is_empty() && slots.len().is_power_of_two() && slots.contains(&[0; 8]);
        table.then(|| Lists {
            slots,
            mask: slots.len() - 1,
        })
    }
}

/// What tells a word's entry apart: its hash (or an entry) without the flag bits.
fn key_of(hash_or_entry: u64) -> u64 {
    hash_or_entry & !FLAG_BITS
}

/// Where a key's probe starts: fixed here (not a library's hasher), as the layout is stored.
fn slot_of(key: u64, mask: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

/// The lists, read in place on first use (no lists, and so no flags, if the laid-out bytes were
/// not a table, which a test rules out).
pub(crate) fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| {
        Lists::in_place(LAID_OUT).unwrap_or(Lists {
            slots: &[],
            mask: 0,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    static DICTIONARY: &str = include_str!("../../../schemas/dictionary.txt");
    static SURNAMES: &str = include_str!("../../../schemas/surnames.txt");

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

    /// The table of the listed words, as `schemas/word-lists.bin` holds it.
    fn layout() -> Vec<u8> {
        let mut words: Vec<(u64, u8)> = Vec::new();
        each_listed(|w, flag| words.push((crate::text::fnv1a(w.as_bytes()), flag)));
        let capacity = (words.len() + words.len() / 4).next_power_of_two();
        let mask = capacity - 1;
        let mut slots = vec![0u64; capacity];
        for (hash, flag) in words {
            let key = key_of(hash);
            let mut at = slot_of(key, mask);
            while slots[at] != 0 && key_of(slots[at]) != key {
                at = (at + 1) & mask;
            }
            slots[at] |= key | u64::from(flag);
        }
        slots.iter().flat_map(|e| e.to_le_bytes()).collect()
    }

    /// The laid-out lists are what the word lists give (`NEWSIDX_BLESS=1` writes them again).
    #[test]
    fn word_lists_laid_out_are_the_texts() {
        let want = layout();
        if std::env::var_os("NEWSIDX_BLESS").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/word-lists.bin");
            std::fs::write(path, &want).expect("write schemas/word-lists.bin");
            eprintln!("wrote {path}: build and test again to check it");
            return;
        }
        assert!(
            LAID_OUT == want.as_slice(),
            "schemas/word-lists.bin is not what the word lists give: run NEWSIDX_BLESS=1 cargo test word_lists"
        );
        assert!(Lists::in_place(LAID_OUT).is_some());
    }

    /// A table without an empty slot (where a look-up for an unlisted word would never end) or
    /// of a size that is not a power of two is not read.
    #[test]
    fn broken_layouts_are_not_read() {
        static FULL: [u8; 32] = [1; 32];
        static ODD: [u8; 24] = [0; 24];
        static RAGGED: [u8; 12] = [0; 12];
        assert!(Lists::in_place(&FULL).is_none());
        assert!(Lists::in_place(&ODD).is_none());
        assert!(Lists::in_place(&RAGGED).is_none());
        assert!(Lists::in_place(&[]).is_none());
    }

    /// Entries are told apart by all but the three lowest bits of their hash, and every listed word
    /// has its flags.
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
