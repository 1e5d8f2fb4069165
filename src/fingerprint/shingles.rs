//! From an article's words to its shingles and its [`Signature`]: one pass over the words of the
//! shared token stream feeds both sketches.

use super::facts::{is_correction_word, number_word, Facts};
use super::minhash::MinHash;
use super::simhash::{add_votes, simhash};
use super::{mix, Signature};
use crate::text::{fnv1a, fold, Tokens};

/// Words per shingle. Longer shingles tell same-template stories apart better; shorter ones
/// survive edited words better; two measured best on Reuters.
const SHINGLE_SIZE: usize = 2;
/// The weight of a title shingle against a body shingle: its SimHash vote, and its copies in the
/// MinHash set. Short template stories differ mostly in their headline.
const TITLE_WEIGHT: i32 = 2;
/// Words opening the body whose shingles weigh [`LEAD_WEIGHT`]: a copy cut short keeps its lead.
const LEAD_WORDS: usize = 25;
/// The SimHash weight of a lead shingle against another body shingle.
const LEAD_WEIGHT: i32 = 2;
/// How many times a shingle with a digit counts in the MinHash set: numbers are what tell apart
/// two stories of one template (weekly money supply, a eurobond issue, a dividend).
const NUMBER_COPIES: u64 = 2;

/// Words opening the body where a correction notice is looked for (the headline is read whole).
const CORRECTION_WORDS: usize = 8;

/// Salts of the MinHash set's elements: a title shingle never equals a body shingle.
const TITLE_SALT: u64 = 0x7469_746c_655f_7361;
const BODY_SALT: u64 = 0x626f_6479_5f73_616c;

/// One field of an article as the fingerprint reads it: the text and its words.
#[derive(Clone, Copy, Debug)]
pub struct FieldText<'a> {
    /// The field's text.
    pub text: &'a str,
    /// Its words, cut by [`Tokens::new`].
    pub tokens: &'a Tokens,
}

/// Computes signatures. Cheap to build and to share; call [`Fingerprinter::signature`] per article.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fingerprinter;

/// One shingle as [`Fingerprinter::shingles`] hands it out.
struct Shingle {
    hash: u64,
    /// Its SimHash vote weight.
    weight: i32,
    /// Whether it is a shingle of the title.
    title: bool,
    /// Whether one of its words holds a digit.
    number: bool,
}

impl Fingerprinter {
    /// A fingerprinter (the one of [`Signature::of`]).
    pub fn new() -> Fingerprinter {
        Fingerprinter
    }

    /// Both signatures of an article, from one pass over its shingles. Title and body are folded
    /// ([`fold::fold_words`]) and shingled separately, so no shingle spans the two. The MinHash set
    /// holds every body shingle once and every title shingle twice (as distinct elements), and twice
    /// that for a shingle with a digit in it.
    pub fn signature(&self, title: Option<FieldText<'_>>, body: FieldText<'_>) -> Signature {
        with_scratch(|scratch| {
            let mut votes = [0i32; 64];
            let mut elements = std::mem::take(&mut scratch.elements);
            elements.clear();
            let mut facts = Facts::default();
            self.shingles(title, body, scratch, &mut facts, |s| {
                add_votes(&mut votes, s.hash, s.weight);
                // Each copy is its own element; title and body copies never coincide.
                let (salt, copies) = if s.title {
                    (TITLE_SALT, TITLE_WEIGHT as u64)
                } else {
                    (BODY_SALT, 1)
                };
                let copies = copies * if s.number { NUMBER_COPIES } else { 1 };
                for copy in 0..copies {
                    elements.push(mix(s.hash ^ salt.wrapping_add(copy)));
                }
            });
            let minhash = MinHash::of_set(&mut elements);
            scratch.elements = elements;
            Signature {
                simhash: simhash(&votes),
                minhash,
                facts,
                published: None,
            }
        })
    }

    /// Hands every shingle of the title and the body to `each`, and notes their figures (and a
    /// correction notice in the headline or the opening words) in `facts`.
    fn shingles(
        &self,
        title: Option<FieldText<'_>>,
        body: FieldText<'_>,
        scratch: &mut Scratch,
        facts: &mut Facts,
        mut each: impl FnMut(Shingle),
    ) {
        if let Some(title) = title {
            word_hashes(
                title,
                usize::MAX,
                facts,
                &mut scratch.folded,
                &mut scratch.words,
            );
            shingle_words(&scratch.words, true, TITLE_WEIGHT, 0, &mut each);
        }
        word_hashes(
            body,
            CORRECTION_WORDS,
            facts,
            &mut scratch.folded,
            &mut scratch.words,
        );
        shingle_words(&scratch.words, false, 1, LEAD_WORDS, &mut each);
    }
}

/// The shingles of one field, given as its folded words' hashes and whether each holds a digit:
/// every run of [`SHINGLE_SIZE`] words, with SimHash weight `weight` (times [`LEAD_WEIGHT`] for the
/// first `lead` of them). A text shorter than a shingle is one shingle, so a one-line article still
/// gets a signature.
fn shingle_words(
    words: &[(u64, bool)],
    title: bool,
    weight: i32,
    lead: usize,
    each: &mut impl FnMut(Shingle),
) {
    if words.is_empty() {
        return;
    }
    let k = SHINGLE_SIZE.min(words.len());
    for (at, window) in words.windows(k).enumerate() {
        let hash = window
            .iter()
            .fold(k as u64, |acc, &(h, _)| mix(acc.rotate_left(23) ^ h));
        let weight = if at < lead {
            weight * LEAD_WEIGHT
        } else {
            weight
        };
        each(Shingle {
            hash,
            weight,
            title,
            number: window.iter().any(|&(_, digit)| digit),
        });
    }
}

/// Buffers reused from one article to the next on a thread, so that signing allocates nothing once
/// warm.
#[derive(Default)]
struct Scratch {
    /// One folded word.
    folded: String,
    /// Per word: its hash ([`word_hash`]) and whether it holds a digit.
    words: Vec<(u64, bool)>,
    /// The MinHash set's elements.
    elements: Vec<u64>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Runs `f` with this thread's [`Scratch`] (or fresh buffers, should it be in use or gone).
fn with_scratch<T>(f: impl Fn(&mut Scratch) -> T) -> T {
    SCRATCH
        .try_with(|cell| {
            cell.try_borrow_mut()
                .ok()
                .map(|mut scratch| f(&mut scratch))
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| f(&mut Scratch::default()))
}

/// The folded words of a field, each as its [`word_hash`] and whether it holds an ASCII digit; the
/// words with a digit are figures of `facts`, and a correction notice among the first `notice` words
/// marks it.
fn word_hashes(
    field: FieldText<'_>,
    notice: usize,
    facts: &mut Facts,
    buf: &mut String,
    out: &mut Vec<(u64, bool)>,
) {
    out.clear();
    fold::fold_words(field.text, field.tokens, buf, |word| {
        let digit = word.bytes().any(|b| b.is_ascii_digit());
        if digit {
            facts.add_figure(word);
        } else if let Some(figure) = number_word(word) {
            facts.add_figure(figure);
        } else if out.len() < notice && is_correction_word(word) {
            facts.set_correction();
        }
        out.push((word_hash(word), digit));
    });
}

/// [`fnv1a`] over the word's bytes, then [`mix`]: stable across platforms and Rust releases.
pub(super) fn word_hash(word: &str) -> u64 {
    mix(fnv1a(word.as_bytes()))
}
