//! What an article reports beyond its wording: the figures it gives and the parties that lead it.
//!
//! Copies of one story keep its figures and its named parties; reports written from one template
//! (a bank's prime rate, a day's money-market shortage, a dividend notice) change exactly those and
//! little else, so their text distance alone can fall within any useful threshold. [`Facts`] keeps
//! both as small bit sets, and [`Facts::conflict`] says when two articles cannot be one story:
//!
//! * **figures**: the figures of the article with fewer must nearly all be among the other's. A copy
//!   cut short or missing a paragraph loses figures but changes none; a report of another day or
//!   another company changes them. A correction (a headline or lead saying "corrected") may change
//!   a few.
//! * **parties**: each article leads (headline and first sentence) with a party that the other never
//!   names. A copy with a new headline naming someone else still names, in its body, whoever leads
//!   the other; two banks' prime-rate notices do not name each other.

/// Figures kept, the first distinct ones in the text (headline first).
const MAX_FIGURES: usize = 64;
/// Bits of the party set (two bits a party word): a long article names a few hundred.
const PARTY_BITS: usize = 1024;
/// Words of the party set.
const PARTY_WORDS: usize = PARTY_BITS / 64;
/// Lead parties kept (the first in the text).
pub(super) const MAX_LEADS: usize = 8;

/// The figures and parties of one article (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Facts {
    /// A 16-bit hash of each distinct figure, in text order (headline first).
    figures: [u16; MAX_FIGURES],
    /// Figures kept.
    figure_count: u8,
    /// Whether the article has more distinct figures than are kept.
    more_figures: bool,
    /// Two bits per party named anywhere in the article.
    parties: [u64; PARTY_WORDS],
    /// A 32-bit hash of each lead party, first in the text first.
    leads: [u32; MAX_LEADS],
    /// Lead parties kept.
    lead_count: u8,
    /// The article says it corrects an earlier one.
    correction: bool,
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            figures: [0; MAX_FIGURES],
            figure_count: 0,
            more_figures: false,
            parties: [0; PARTY_WORDS],
            leads: [0; MAX_LEADS],
            lead_count: 0,
            correction: false,
        }
    }
}

impl Facts {
    /// Adds a figure as the folded text writes it (a word holding a digit). Folding has already
    /// joined digit groups (`1,750` and `1750` are one figure, as `5.93` and `593` are) and dropped
    /// units and signs (`5 pct` and `5%` are one figure); leading zeros are dropped here.
    pub(super) fn add_figure(&mut self, word: &str) {
        let mut figure = word.as_bytes();
        while let [b'0', rest @ ..] = figure {
            if rest.first().is_none_or(|b| !b.is_ascii_digit()) {
                break;
            }
            figure = rest;
        }
        let hash = (super::mix(crate::text::fnv1a(figure)) >> 48) as u16;
        let kept = &self.figures[..usize::from(self.figure_count)];
        if kept.contains(&hash) {
            return;
        }
        if kept.len() == MAX_FIGURES {
            self.more_figures = true;
            return;
        }
        self.figures[kept.len()] = hash;
        self.figure_count += 1;
    }

    /// Marks the article as a correction of an earlier one.
    pub(super) fn set_correction(&mut self) {
        self.correction = true;
    }

    /// Sets the parties: every party `named` in the article and, of those, the ones that `lead` it
    /// (named in its headline or first sentence), in the order of the text. Each party is its
    /// canonical name; its kind is left out, since copies may type one name differently.
    pub fn set_parties<'a>(
        &mut self,
        named: impl IntoIterator<Item = &'a str>,
        lead: impl IntoIterator<Item = &'a str>,
    ) {
        self.parties = [0; PARTY_WORDS];
        for party in named {
            let [a, b] = party_bits(party_hash(party));
            self.parties[a / 64] |= 1 << (a % 64);
            self.parties[b / 64] |= 1 << (b % 64);
        }
        self.leads = [0; MAX_LEADS];
        self.lead_count = 0;
        for party in lead {
            let hash = party_hash(party);
            let kept = &self.leads[..usize::from(self.lead_count)];
            if kept.contains(&hash) {
                continue;
            }
            if usize::from(self.lead_count) == MAX_LEADS {
                break;
            }
            self.leads[usize::from(self.lead_count)] = hash;
            self.lead_count += 1;
            // A lead party is a named party, whatever the caller passed.
            let [a, b] = party_bits(hash);
            self.parties[a / 64] |= 1 << (a % 64);
            self.parties[b / 64] |= 1 << (b % 64);
        }
    }

    /// Distinct figures kept (at most 64, the first in the text).
    pub fn figures(&self) -> u32 {
        u32::from(self.figure_count)
    }

    fn figure_list(&self) -> &[u16] {
        &self.figures[..usize::from(self.figure_count)]
    }

    /// Whether two articles cannot be one story, whatever their text distance: their figures
    /// disagree, or each leads with a party the other never names.
    pub fn conflict(&self, other: &Facts) -> bool {
        self.figures_disagree(other) || self.parties_conflict(other)
    }

    /// The figures of the article with fewer must be among the other's, but for a twentieth of them
    /// (a quarter, and at least one, when either is a correction). An article holding more
    /// figures than are kept is only compared on the first ones.
    fn figures_disagree(&self, other: &Facts) -> bool {
        let (few, many) = if self.figures() <= other.figures() {
            (self, other)
        } else {
            (other, self)
        };
        // Past the figures kept of a long table, a figure may be there unseen: only the kept ones
        // are compared.
        let missing = few
            .figure_list()
            .iter()
            .filter(|f| !many.figure_list().contains(f))
            .count() as u32;
        let have = few.figures();
        let allowed = if self.correction || other.correction {
            (have / 4).max(1)
        } else {
            have / 20
        };
        missing > allowed
    }

    fn parties_conflict(&self, other: &Facts) -> bool {
        self.leads_unnamed_by(other) && other.leads_unnamed_by(self)
    }

    /// Whether one of this article's lead parties is never named by `other` (which names some).
    fn leads_unnamed_by(&self, other: &Facts) -> bool {
        if other.parties == [0; PARTY_WORDS] {
            return false;
        }
        self.leads[..usize::from(self.lead_count)].iter().any(|&h| {
            let [a, b] = party_bits(h);
            other.parties[a / 64] & (1 << (a % 64)) == 0
                || other.parties[b / 64] & (1 << (b % 64)) == 0
        })
    }

    /// The stored form, integers little-endian (what the signatures files and the story leaders a
    /// writer holds keep): the counts and flags, the kept figures and leads only, and the party set
    /// as the places of its bits (two bytes each) when that is shorter than its 128 bytes. A Reuters
    /// article's facts take 107.5 bytes so on average (64-163 for the middle 80 %), against 292.
    pub fn to_packed(&self) -> Box<[u8]> {
        let mut out = Vec::with_capacity(self.packed_len());
        self.write_packed(&mut out);
        out.into_boxed_slice()
    }

    /// The length of [`Facts::to_packed`].
    pub(crate) fn packed_len(&self) -> usize {
        let bits = self.party_bits();
        3 + 2 * usize::from(self.figure_count)
            + 4 * usize::from(self.lead_count)
            + if bits < 64 {
                1 + 2 * bits as usize
            } else {
                8 * PARTY_WORDS
            }
    }

    /// How many party bits are set.
    fn party_bits(&self) -> u32 {
        self.parties.iter().map(|w| w.count_ones()).sum()
    }

    /// Appends [`Facts::to_packed`] to `out`.
    pub(crate) fn write_packed(&self, out: &mut Vec<u8>) {
        let bits = self.party_bits();
        // At most 1,024 bits: as places, two bytes each, when fewer than 64 are set.
        let as_places = bits < 64;
        out.push(self.figure_count);
        out.push(self.lead_count);
        out.push(
            u8::from(self.more_figures) | u8::from(self.correction) << 1 | u8::from(as_places) << 2,
        );
        for figure in self.figure_list() {
            out.extend_from_slice(&figure.to_le_bytes());
        }
        for lead in &self.leads[..usize::from(self.lead_count)] {
            out.extend_from_slice(&lead.to_le_bytes());
        }
        if as_places {
            out.push(bits as u8);
            for (w, word) in self.parties.iter().enumerate() {
                let mut rest = *word;
                while rest != 0 {
                    let place = (w * 64) as u16 + rest.trailing_zeros() as u16;
                    out.extend_from_slice(&place.to_le_bytes());
                    rest &= rest - 1;
                }
            }
        } else {
            for word in &self.parties {
                out.extend_from_slice(&word.to_le_bytes());
            }
        }
    }

    /// Reads [`Facts::to_packed`]; `None` when the bytes cannot be its output.
    pub fn from_packed(bytes: &[u8]) -> Option<Facts> {
        let (&[figure_count, lead_count, flags], mut rest) = bytes.split_first_chunk::<3>()?;
        if usize::from(figure_count) > MAX_FIGURES
            || usize::from(lead_count) > MAX_LEADS
            || flags > 7
        {
            return None;
        }
        let mut facts = Facts {
            figure_count,
            lead_count,
            more_figures: flags & 1 != 0,
            correction: flags & 2 != 0,
            ..Facts::default()
        };
        let figures = take_bytes(&mut rest, 2 * usize::from(figure_count))?;
        for (figure, b) in facts.figures.iter_mut().zip(figures.chunks_exact(2)) {
            *figure = u16::from_le_bytes([b[0], b[1]]);
        }
        let leads = take_bytes(&mut rest, 4 * usize::from(lead_count))?;
        for (lead, b) in facts.leads.iter_mut().zip(leads.chunks_exact(4)) {
            *lead = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        if flags & 4 != 0 {
            let &[bits] = take_bytes(&mut rest, 1)? else {
                return None;
            };
            for b in take_bytes(&mut rest, 2 * usize::from(bits))?.chunks_exact(2) {
                let place = usize::from(u16::from_le_bytes([b[0], b[1]]));
                if place >= PARTY_BITS {
                    return None;
                }
                facts.parties[place / 64] |= 1 << (place % 64);
            }
        } else {
            for (word, b) in facts
                .parties
                .iter_mut()
                .zip(take_bytes(&mut rest, 8 * PARTY_WORDS)?.chunks_exact(8))
            {
                let mut w = [0u8; 8];
                w.copy_from_slice(b);
                *word = u64::from_le_bytes(w);
            }
        }
        rest.is_empty().then_some(facts)
    }
}

/// A 16-bit hash of a party's name, the same for the spellings one name gets across copies: case,
/// diacritics (`Wrocław`, `Wroclaw`) and punctuation do not count.
fn party_hash(party: &str) -> u32 {
    if party.is_ascii() {
        return ascii_party_hash(party);
    }
    unicode_party_hash(party)
}

/// [`party_hash`] of an ASCII name, without decomposing it or building the folded name: its words'
/// alphanumerics lower-cased, one space between words, hashed as they come.
fn ascii_party_hash(party: &str) -> u32 {
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut started = false;
    let mut space = false;
    for &b in party.as_bytes() {
        if !b.is_ascii_alphanumeric() {
            space = started;
            continue;
        }
        if space {
            h = (h ^ u64::from(b' ')).wrapping_mul(FNV_PRIME);
            space = false;
        }
        h = (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(FNV_PRIME);
        started = true;
    }
    (super::mix(h) >> 32) as u32
}

fn unicode_party_hash(party: &str) -> u32 {
    use unicode_normalization::UnicodeNormalization;
    let mut folded = String::with_capacity(party.len());
    let mut space = false;
    for c in party.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if !c.is_alphanumeric() {
            space = !folded.is_empty();
            continue;
        }
        if space {
            folded.push(' ');
            space = false;
        }
        match c {
            'ł' | 'Ł' => folded.push('l'),
            'ø' | 'Ø' => folded.push('o'),
            'đ' | 'Đ' => folded.push('d'),
            'ı' => folded.push('i'),
            'ß' => folded.push_str("ss"),
            'æ' | 'Æ' => folded.push_str("ae"),
            c => folded.extend(c.to_lowercase()),
        }
    }
    (super::mix(crate::text::fnv1a(folded.as_bytes())) >> 32) as u32
}

/// The two bits of a party in a set of [`PARTY_BITS`].
fn party_bits(hash: u32) -> [usize; 2] {
    [
        (hash as usize) % PARTY_BITS,
        (hash >> 16) as usize % PARTY_BITS,
    ]
}

/// Whether a folded word says that its article corrects an earlier one.
pub(super) fn is_correction_word(word: &str) -> bool {
    matches!(
        word,
        "correction" | "corrected" | "corrects" | "correcting" | "corrigendum" | "erratum"
    )
}

/// The figure a number written in words stands for (`two` billion, `six` pct), as digits.
pub(super) fn number_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "zero" => "0",
        "one" => "1",
        "two" => "2",
        "three" => "3",
        "four" => "4",
        "five" => "5",
        "six" => "6",
        "seven" => "7",
        "eight" => "8",
        "nine" => "9",
        "ten" => "10",
        "eleven" => "11",
        "twelve" => "12",
        "thirteen" => "13",
        "fourteen" => "14",
        "fifteen" => "15",
        "sixteen" => "16",
        "seventeen" => "17",
        "eighteen" => "18",
        "nineteen" => "19",
        "twenty" => "20",
        "thirty" => "30",
        "forty" => "40",
        "fifty" => "50",
        "sixty" => "60",
        "seventy" => "70",
        "eighty" => "80",
        "ninety" => "90",
        "hundred" => "100",
        _ => return None,
    })
}

/// The first `n` bytes of `rest`, which then starts after them; `None` when it is shorter.
fn take_bytes<'a>(rest: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, tail) = rest.split_at_checked(n)?;
    *rest = tail;
    Some(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Facts as [`Facts::add_figure`] and [`Facts::set_parties`] leave them: zeros past the counts.
    fn facts_strategy() -> impl Strategy<Value = Facts> {
        (
            proptest::collection::vec(any::<u16>(), 0..=MAX_FIGURES),
            proptest::collection::vec(any::<u32>(), 0..=MAX_LEADS),
            // Sparse and dense party sets: each word kept with some probability.
            proptest::collection::vec((any::<u64>(), 0u8..4), PARTY_WORDS),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(figures, leads, words, more_figures, correction)| {
                let mut facts = Facts::default();
                facts.figures[..figures.len()].copy_from_slice(&figures);
                facts.figure_count = figures.len() as u8;
                facts.leads[..leads.len()].copy_from_slice(&leads);
                facts.lead_count = leads.len() as u8;
                for (word, (bits, keep)) in facts.parties.iter_mut().zip(words) {
                    // keep 0: empty; 1: one bit; 2: a few bits; 3: the whole word.
                    *word = match keep {
                        0 => 0,
                        1 => 1 << (bits % 64),
                        2 => bits & bits.rotate_left(17) & bits.rotate_left(41),
                        _ => bits,
                    };
                }
                facts.more_figures = more_figures;
                facts.correction = correction;
                facts
            })
    }

    proptest! {
        /// The packed form gives back the same facts, the party set as places or as words.
        #[test]
        fn packed_facts_read_back_whole(facts in facts_strategy()) {
            let packed = facts.to_packed();
            prop_assert_eq!(packed.len(), facts.packed_len());
            prop_assert_eq!(Facts::from_packed(&packed), Some(facts));
            // The longest form: every figure and lead kept, the party set as its 16 words.
            prop_assert!(packed.len() <= 3 + 2 * MAX_FIGURES + 4 * MAX_LEADS + 8 * PARTY_WORDS);
            // Cut short or lengthened, it is refused rather than misread.
            prop_assert_eq!(Facts::from_packed(&packed[..packed.len() - 1]), None);
            let mut longer = packed.to_vec();
            longer.push(0);
            prop_assert_eq!(Facts::from_packed(&longer), None);
        }

        /// Any bytes are read without a panic.
        #[test]
        fn any_bytes_read_as_packed_facts_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = Facts::from_packed(&bytes);
        }

        /// The ASCII shortcut hashes what the general fold hashes.
        #[test]
        fn ascii_names_hash_as_the_general_fold_hashes_them(name in "[ -~]{0,40}") {
            prop_assert_eq!(ascii_party_hash(&name), unicode_party_hash(&name));
        }
    }

    #[test]
    fn spellings_of_one_name_share_a_hash() {
        assert_eq!(party_hash("Lech Wałęsa"), party_hash("LECH  walesa"));
        assert_eq!(party_hash("O'Neill"), party_hash("o neill"));
        assert_ne!(party_hash("Neill"), party_hash("O'Neill"));
    }
}
