//! A bounded map from words to words with its strings in one buffer: what the stem memos of
//! [`super::analyzer`] hold. A `HashMap<String, String>` of the same words held two heap strings
//! and 48 bytes of table per word, by their sizes about 80 bytes for a word and a stem of seven
//! letters; here the table holds 8 bytes per word and the buffer the word's and the value's bytes
//! (DESIGN.md 2.1).

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Where one entry's key and value lie in [`WordMemo::text`]: the key's bytes from `start`, then
/// the value's.
#[derive(Clone, Copy)]
struct Entry {
    start: u32,
    key_len: u16,
    value_len: u16,
}

/// Word → word, at most [`WordMemo::new`]'s `most` entries; past that it starts afresh (news
/// repeats the words of the moment, and clearing the whole map is cheaper than evicting).
pub(crate) struct WordMemo {
    table: HashTable<Entry>,
    text: String,
    most: usize,
}

impl WordMemo {
    /// An empty memo that holds at most `most` entries.
    pub(crate) fn new(most: usize) -> WordMemo {
        WordMemo {
            table: HashTable::new(),
            text: String::new(),
            most,
        }
    }

    #[inline]
    fn hash(key: &str) -> u64 {
        FxBuildHasher.hash_one(key)
    }

    /// Whether `e`'s key is `key` (compared as bytes: no character boundaries to check).
    #[inline]
    fn is(&self, e: &Entry, key: &str) -> bool {
        let start = e.start as usize;
        self.text
            .as_bytes()
            .get(start..start + usize::from(e.key_len))
            == Some(key.as_bytes())
    }

    /// The value of `key`, if it is held.
    #[inline]
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        let e = self.table.find(Self::hash(key), |e| self.is(e, key))?;
        let start = e.start as usize + usize::from(e.key_len);
        Some(&self.text[start..start + usize::from(e.value_len)])
    }

    /// Holds `value` for `key` (which must not be held yet). A key or value longer than 65,535
    /// bytes is not held, nor anything once the buffer would pass 4 GiB.
    pub(crate) fn insert(&mut self, key: &str, value: &str) {
        let (Ok(key_len), Ok(value_len)) = (u16::try_from(key.len()), u16::try_from(value.len()))
        else {
            return;
        };
        if self.table.len() >= self.most {
            self.table.clear();
            self.text.clear();
        }
        // The entry's end within 4 GiB, and so its start.
        if u32::try_from(self.text.len() + key.len() + value.len()).is_err() {
            return;
        }
        let start = self.text.len() as u32;
        self.text.push_str(key);
        self.text.push_str(value);
        let entry = Entry {
            start,
            key_len,
            value_len,
        };
        let text = &self.text;
        self.table.insert_unique(Self::hash(key), entry, |e| {
            let start = e.start as usize;
            Self::hash(&text[start..start + usize::from(e.key_len)])
        });
    }

    /// The entries held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::WordMemo;

    #[test]
    fn gives_back_what_it_holds_and_starts_afresh_when_full() {
        let mut memo = WordMemo::new(3);
        assert_eq!(memo.get("rates"), None);
        memo.insert("rates", "rate");
        memo.insert("Zürich", "zurich");
        memo.insert("", "");
        assert_eq!(memo.get("rates"), Some("rate"));
        assert_eq!(memo.get("Zürich"), Some("zurich"));
        assert_eq!(memo.get(""), Some(""));
        assert_eq!(memo.get("rate"), None);
        assert_eq!(memo.len(), 3);
        // Full: the next word clears the rest.
        memo.insert("oil", "oil");
        assert_eq!(memo.len(), 1);
        assert_eq!(memo.get("rates"), None);
        assert_eq!(memo.get("oil"), Some("oil"));
    }

    #[test]
    fn keeps_many_words_apart() {
        let mut memo = WordMemo::new(1 << 16);
        let words: Vec<String> = (0..20_000).map(|i| format!("w{i}x")).collect();
        for (i, w) in words.iter().enumerate() {
            memo.insert(w, &format!("{i}"));
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(memo.get(w), Some(format!("{i}").as_str()), "{w}");
        }
        assert_eq!(memo.get("w20000x"), None);
    }

    #[test]
    fn refuses_a_key_too_long_to_place() {
        let mut memo = WordMemo::new(4);
        let long = "a".repeat(70_000);
        memo.insert(&long, "a");
        assert_eq!(memo.get(&long), None);
        assert_eq!(memo.len(), 0);
    }
}
