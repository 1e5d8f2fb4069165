//! The one token stream: what a word is, cut once per field of an article and read by every consumer
//! (the tantivy terms of [`analyzer`], the fingerprint words of [`fold`], the entity tokens of
//! [`crate::entities`]) and by the snippet scanner. Queries go through the registered `news` analyzer,
//! which cuts words by the same rule; a test keeps the two equal.

pub mod analyzer;
pub mod fold;

use std::ops::Range;

/// Longest word indexed, in bytes: tantivy's `RemoveLongFilter::limit(40)` in the `news` analyzer
/// drops words of 40 bytes and more.
pub const LONGEST_WORD: usize = 39;

/// The words of one text: every run of alphanumeric characters (`char::is_alphanumeric`, the rule of
/// tantivy's `SimpleTokenizer`), as byte ranges in text order, long ones included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    words: Vec<Range<usize>>,
}

impl Tokens {
    /// Cuts `text` into its words.
    pub fn new(text: &str) -> Tokens {
        let mut words = Vec::with_capacity(text.len() / 6 + 1);
        words.extend(words_of(text));
        Tokens { words }
    }

    /// The words' byte ranges, in text order.
    pub fn words(&self) -> &[Range<usize>] {
        &self.words
    }

    /// How many words there are.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the text has no word.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// The byte ranges of the words of `text` (see [`Tokens`]), without collecting them. ASCII bytes are
/// classified by a table, without decoding; other characters are decoded.
pub fn words_of(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    // Whether the character at `i` is alphanumeric, and its length in bytes.
    let at = move |i: usize| -> (bool, usize) {
        let b = bytes[i];
        if b < 0x80 {
            (ASCII_WORD[usize::from(b)], 1)
        } else {
            text[i..]
                .chars()
                .next()
                .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8()))
        }
    };
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            let b = *bytes.get(i)?;
            if b < 0x80 {
                if ASCII_WORD[usize::from(b)] {
                    break;
                }
                i += 1;
            } else {
                let (alphanumeric, len) = at(i);
                if alphanumeric {
                    break;
                }
                i += len;
            }
        }
        let start = i;
        while let Some(&b) = bytes.get(i) {
            if b < 0x80 {
                if !ASCII_WORD[usize::from(b)] {
                    break;
                }
                i += 1;
            } else {
                let (alphanumeric, len) = at(i);
                if !alphanumeric {
                    break;
                }
                i += len;
            }
        }
        Some(start..i)
    })
}

/// Which ASCII bytes are alphanumeric.
static ASCII_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// The words of `text` that the index keeps (at most [`LONGEST_WORD`] bytes): what the snippet
/// scanner weighs.
pub fn indexed_words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    words_of(text).filter(|w| w.len() <= LONGEST_WORD)
}

/// FNV-1a (64 bit) of `bytes`: a hash that stays the same across platforms and Rust releases (unlike
/// `std`'s hasher), for what is stored (signatures) or must be found again (content ids).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Whether `b` is one of the ASCII whitespace bytes that `char::is_whitespace` accepts.
pub(crate) fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `text` with every run of whitespace made one space and no space at either end.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_alphanumeric_runs() {
        let text = "Putin's call — 1,750 tonnes; Zürich 東京 x";
        let words: Vec<&str> = words_of(text).map(|r| &text[r]).collect();
        assert_eq!(
            words,
            ["Putin", "s", "call", "1", "750", "tonnes", "Zürich", "東京", "x"]
        );
        assert_eq!(Tokens::new(text).len(), words.len());
        assert!(Tokens::new(" .,; ").is_empty());
    }

    #[test]
    fn long_words_are_kept_but_not_indexed() {
        let long = "a".repeat(LONGEST_WORD + 1);
        let text = format!("short {long} {}", "b".repeat(LONGEST_WORD));
        assert_eq!(words_of(&text).count(), 3);
        assert_eq!(indexed_words(&text).count(), 2);
    }

    #[test]
    fn fnv1a_is_the_published_function() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn whitespace_collapses() {
        assert_eq!(collapse_whitespace("  a \n\n b\t"), "a b");
        assert_eq!(collapse_whitespace(""), "");
    }
}
