//! The one token stream: what a word is, cut once per field of an article and read by every consumer
//! (the tantivy terms of [`analyzer`], the fingerprint words of [`fold`], the entity tokens of
//! [`crate::entities`]) and by the snippet scanner. Queries go through the registered `news` analyzer,
//! which cuts words by the same rule; a test keeps the two equal.

pub mod analyzer;
pub mod fold;
mod memo;

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

/// The byte ranges of the words of `text` (see [`Tokens`]), without collecting them.
///
/// The text is read 64 bytes at a time into a bit mask of the bytes that belong to alphanumeric
/// characters, and words are the runs of ones, found by counting zeros: a byte-by-byte scan that
/// decided at every byte whether a word went on mispredicted a branch at most word edges, and was
/// most of the snippet scanner's time. A block of ASCII is classified eight bytes at a time by word
/// arithmetic ([`ascii_word_bits`]; its last 0-7 bytes by a table), without a branch; a block with
/// other characters decodes them (and ends before a character it cannot hold whole).
pub fn words_of(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    WordRuns {
        text,
        at: 0,
        len: 0,
        mask: 0,
        cursor: 0,
        start: None,
    }
}

/// The iterator of [`words_of`]: the current block of the text and where the scan is in it.
struct WordRuns<'a> {
    text: &'a str,
    /// The block: bytes `at..at + len` (at most 64), byte `at + k` alphanumeric when bit `k` of
    /// `mask` is set.
    at: usize,
    len: usize,
    mask: u64,
    /// The next bit of the block to look at.
    cursor: usize,
    /// Where the word being read began, when the scan is inside one.
    start: Option<usize>,
}

impl WordRuns<'_> {
    /// Moves to the block after the current one; `false` at the end of the text.
    fn next_block(&mut self) -> bool {
        let bytes = self.text.as_bytes();
        let at = self.at + self.len;
        if at >= bytes.len() {
            return false;
        }
        let end = bytes.len().min(at + 64);
        let block = &bytes[at..end];
        let mut mask = 0u64;
        let len = if block.is_ascii() {
            mask = ascii_block_bits(block);
            block.len()
        } else {
            let mut i = at;
            while i < bytes.len() {
                let (alphanumeric, width) = match bytes[i] {
                    b if b < 0x80 => (ASCII_WORD[usize::from(b)], 1),
                    _ => self.text[i..]
                        .chars()
                        .next()
                        .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8())),
                };
                if i + width > at + 64 {
                    break;
                }
                if alphanumeric {
                    mask |= ((1u64 << width) - 1) << (i - at);
                }
                i += width;
            }
            i - at
        };
        (self.at, self.len, self.mask, self.cursor) = (at, len, mask, 0);
        true
    }
}

impl Iterator for WordRuns<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        loop {
            if self.cursor >= self.len {
                if !self.next_block() {
                    return self.start.take().map(|start| start..self.text.len());
                }
                continue;
            }
            // Bits from the cursor on: the word's bytes while in a word, the others outside one.
            let within = u64::MAX >> (64 - self.len);
            let looking_for = match self.start {
                None => self.mask,
                Some(_) => !self.mask & within,
            };
            let rest = looking_for >> self.cursor;
            if rest == 0 {
                self.cursor = self.len;
                continue;
            }
            self.cursor += rest.trailing_zeros() as usize;
            match self.start.take() {
                None => self.start = Some(self.at + self.cursor),
                Some(start) => return Some(start..self.at + self.cursor),
            }
        }
    }
}

/// Bit `k` set when byte `k` of `block` (at most 64 ASCII bytes) is alphanumeric.
fn ascii_block_bits(block: &[u8]) -> u64 {
    let mut mask = 0u64;
    let mut words = block.chunks_exact(8);
    for (k, eight) in words.by_ref().enumerate() {
        let eight = <[u8; 8]>::try_from(eight).map_or(0, u64::from_le_bytes);
        mask |= ascii_word_bits(eight) << (8 * k);
    }
    let done = block.len() - words.remainder().len();
    for (k, &b) in words.remainder().iter().enumerate() {
        mask |= u64::from(ASCII_WORD[usize::from(b & 0x7f)]) << (done + k);
    }
    mask
}

/// Where the words of an ASCII text begin, in order (for other text, see [`words_of`]): the
/// 64-byte blocks are classified as [`words_of`] classifies them, and a word starts at a one whose
/// left neighbour (in the block, or the last byte of the block before) is a zero. Only the starts are
/// visited, which is what a scan that wants the words beginning with given letters needs.
pub fn ascii_word_starts(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut at = 0;
    let mut starts = 0u64;
    let mut last_in_word = false;
    std::iter::from_fn(move || loop {
        if starts != 0 {
            let k = starts.trailing_zeros() as usize;
            starts &= starts - 1;
            return Some(at - 64 + k);
        }
        if at >= text.len() {
            return None;
        }
        let block = &text[at..text.len().min(at + 64)];
        let mask = ascii_block_bits(block);
        starts = mask & !((mask << 1) | u64::from(last_in_word));
        last_in_word = mask >> (block.len() - 1) & 1 == 1;
        at += 64;
    })
}

/// Bit `k` set when byte `k` of `eight` (eight ASCII bytes, little-endian) is alphanumeric: the
/// table's answer for eight bytes at once. A byte is in `lo..=hi` when adding `0x80 - lo` sets its
/// top bit and adding `0x7f - hi` does not (no byte below 0x80 carries into the next); letters are
/// compared in lower case (`| 0x20`, which moves no other byte into `a..=z`); the top bits are then
/// gathered into one byte by a multiplication whose partial products never overlap.
fn ascii_word_bits(eight: u64) -> u64 {
    const LANES: u64 = 0x0101_0101_0101_0101;
    let within = |x: u64, lo: u64, hi: u64| (x + (0x80 - lo) * LANES) & !(x + (0x7f - hi) * LANES);
    let digit = within(eight, u64::from(b'0'), u64::from(b'9'));
    let letter = within(eight | (0x20 * LANES), u64::from(b'a'), u64::from(b'z'));
    let tops = (digit | letter) & (0x80 * LANES);
    (tops >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
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

    /// The words as the rule says, character by character.
    fn reference_words(text: &str) -> Vec<Range<usize>> {
        let mut words = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    words.push(s..i);
                    start = None;
                }
                _ => {}
            }
        }
        words.extend(start.map(|s| s..text.len()));
        words
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2048,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Runs of letters, digits, separators and characters of two to four bytes (alphanumeric or
        /// not), long enough to cross several 64-byte blocks with characters astride their edges.
        #[test]
        fn words_are_the_runs_the_rule_gives(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "a", "Zz", "0", "word", "x1", " ", ".", "\n", "-", "é", "ü", "ß", "東京", "京",
                    "\u{2014}", "\u{00a0}", "\u{1F600}", "\u{10400}", "\u{0663}", "Ǆ", "\u{0301}",
                ][..]),
                0..200,
            ),
        ) {
            let text: String = pieces.concat();
            let got: Vec<Range<usize>> = words_of(&text).collect();
            proptest::prop_assert_eq!(got, reference_words(&text));
        }

        /// ASCII runs of every kind, across several 64-byte blocks and on their edges.
        #[test]
        fn ascii_word_starts_are_the_starts_of_the_runs(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "a", "Zz", "0", "word", "x1", " ", ".", "\n", "-", "@", "[", "`", "{",
                    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklm",
                ][..]),
                0..200,
            ),
        ) {
            let text: String = pieces.concat();
            let got: Vec<usize> = ascii_word_starts(text.as_bytes()).collect();
            let expected: Vec<usize> = reference_words(&text).iter().map(|w| w.start).collect();
            proptest::prop_assert_eq!(got, expected);
        }
    }

    /// Every ASCII byte in every lane, among neighbours of every kind.
    #[test]
    fn eight_bytes_at_once_as_the_table_says() {
        for b in 0..128u8 {
            for lane in 0..8 {
                for fill in [b'a', b' ', b'Z', b'9', 0, 0x7f, b'@', b'['] {
                    let mut bytes = [fill; 8];
                    bytes[lane] = b;
                    let expected = bytes
                        .iter()
                        .enumerate()
                        .map(|(k, &x)| u64::from(ASCII_WORD[usize::from(x)]) << k)
                        .sum::<u64>();
                    assert_eq!(
                        ascii_word_bits(u64::from_le_bytes(bytes)),
                        expected,
                        "{bytes:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn words_at_block_edges() {
        for pad in 0..70 {
            for tail in ["", "a", " b", "é", "x東", "\u{1F600}"] {
                let text = format!("{}{}{tail}", "a".repeat(pad), " ".repeat(pad % 3));
                let got: Vec<Range<usize>> = words_of(&text).collect();
                assert_eq!(got, reference_words(&text), "{text:?}");
            }
        }
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
