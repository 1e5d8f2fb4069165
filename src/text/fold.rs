//! Folding: what two captures of one story must not differ by. The fingerprint reads an article's
//! words through [`fold_words`]; [`clean`] and [`fold`] fold a whole text.
//!
//! Two captures of one story differ in ways that carry no content: curly or straight quotes, dash and
//! ellipsis forms, compatibility characters, paragraphing, and scraping debris (links, embedded-tweet
//! residue, "Read more:" lines). Everything here erases exactly those differences, so that what is left
//! compares equal when the content is equal. Nothing here removes words that could carry the story.
//!
//! Two levels are offered:
//!
//! * [`clean`] keeps case and punctuation (for display, or case-sensitive rules) but folds Unicode
//!   compatibility forms (NFKC), quotes, dashes, invisible characters and whitespace runs, and drops debris.
//! * [`fold`] goes on to lower-case and to keep only words: runs of letters, digits and combining marks,
//!   separated by one space. [`words`] iterates over a folded text.
//!
//! ```
//! use newsidx::text::fold::{fold, words};
//!
//! let a = fold("“Let us wait,” he said… Read more: https://example.com/x");
//! let b = fold("\"Let us wait\", he said...");
//! assert_eq!(a, b);
//! assert_eq!(words(&a).collect::<Vec<_>>(), ["let", "us", "wait", "he", "said"]);
//! ```

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::{Captures, Regex};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

use super::Tokens;

/// The words that introduce a link to another story (`Read more:`), matched with any ASCII case.
const TEASERS: [&str; 7] = [
    "read more",
    "read also",
    "also read",
    "related",
    "see also",
    "recommended",
    "more on this",
];

/// Scraping debris, one alternative per kind; the replacement closure in [`drop_debris`] decides per
/// kind. Compiled once. Only content-free material is matched:
///
/// * `url`: web addresses (`http://…`, `https://…`, `www.…`).
/// * `pic`: embedded-picture residue of tweets, whole (`pic.twitter.com/AbC1`) or cut (`pic. twitter.`).
/// * `tweet`: the signature line of an embedded tweet, `— Name (@handle) January 28, 2017`.
/// * `handle`: a social-media handle `@name` (not an e-mail address; checked in the closure).
/// * `readline`: a whole short line such as `Read more: <another story's headline>`.
/// * `marker`: the same marker inside running text, where the end of the teaser cannot be known:
///   only the marker words go.
/// * `advert`: a line saying only `Advertisement`.
/// * `entity`: an HTML character reference left by a scraper (`&amp;`, `&#8217;`), decoded.
static DEBRIS: LazyLock<Regex> = LazyLock::new(|| {
    const MONTH: &str = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?";
    let teaser = format!("(?:{})", TEASERS.join("|"));
    let teaser = teaser.as_str();
    let pattern = [
        r"(?P<url>\b(?:https?://|www\.)[^\s<>]+)".to_string(),
        r"(?P<pic>\bpic\s*\.\s*twitter\s*\.(?:\s*com\s*/\s*[A-Za-z0-9]+)?)".to_string(),
        format!(
            r"(?P<tweet>(?:^|\s)[-\u{{2010}}-\u{{2015}}\u{{2212}}]\s*[^\n()\-\u{{2010}}-\u{{2015}}\u{{2212}}]{{1,60}}?\(\s*@\w{{1,15}}\s*\)\s*{MONTH}\s+\d{{1,2}},\s*\d{{4}},?)"
        ),
        r"(?P<handle>@[A-Za-z0-9_]{1,15}\b)".to_string(),
        format!(r"(?P<readline>(?m:^)[ \t]*{teaser}\s?:[^\n]{{0,200}}(?m:$))"),
        format!(r"(?P<marker>\b{teaser}\s?:)"),
        r"(?P<advert>(?m:^)[ \t]*advertisement[ \t]*(?m:$))".to_string(),
        r"(?P<entity>&(?:[a-z]{2,6}|#[0-9]{1,7}|#x[0-9a-f]{1,6});)".to_string(),
    ]
    .join("|");
    // The pattern is a constant; a failure here is a bug caught by every test.
    Regex::new(&format!("(?i){pattern}")).expect("debris pattern is valid")
});

/// Returns `text` with Unicode compatibility forms folded (NFKC), curly quotes and apostrophes made
/// straight, dashes made `-`, invisible characters removed, scraping debris dropped and every run of
/// whitespace (paragraph breaks included) made one space. Case and punctuation are kept.
pub fn clean(text: &str) -> String {
    let plain = plain_chars(text);
    let without = drop_debris(&plain);
    collapse_whitespace(&without)
}

/// Returns the words of `text`, lower-cased, separated by single spaces: [`clean`] and then case
/// folding, with every character that is not a letter, digit or combining mark acting as a separator.
///
/// Digits joined by `.` or `,` stay one word (`1,750` becomes `1750`, `5.93` becomes `593`) so that a
/// number is one token whatever its grouping. Han, kana and Hangul characters are one word each, since
/// those scripts do not separate words with spaces.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// [`fold`] into a buffer the caller keeps (it is cleared first), so that a caller folding many
/// texts, such as the fingerprinter, allocates once rather than per text.
pub fn fold_into(text: &str, out: &mut String) {
    out.clear();
    let plain = plain_chars(text);
    // No whitespace collapsing as in `clean`: every whitespace character is a separator below, and a
    // run of separators gives one space, so the result is the same.
    let cleaned = drop_debris(&plain);
    if cleaned.is_ascii() {
        fold_ascii(cleaned.as_bytes(), out);
        return;
    }
    let mut chars = cleaned.chars().peekable();
    // Whether a separator is owed before the next word character.
    let mut pending_space = false;
    let mut prev_digit = false;
    while let Some(c) = chars.next() {
        if c.is_ascii() {
            // The common case, without Unicode tables; the same decisions as the general branch.
            if c.is_ascii_alphanumeric() {
                if pending_space {
                    push_sep(out);
                    pending_space = false;
                }
                out.push(c.to_ascii_lowercase());
                prev_digit = c.is_ascii_digit();
            } else if prev_digit
                && (c == '.' || c == ',')
                && chars.peek().is_some_and(|n| n.is_ascii_digit())
            {
                // A digit group separator or decimal point: keep the number whole.
            } else {
                pending_space = true;
                prev_digit = false;
            }
        } else if is_ideograph(c) {
            push_sep(out);
            out.push(c);
            pending_space = true;
            prev_digit = false;
        } else if c.is_alphanumeric() || (is_combining_mark(c) && !out.is_empty() && !pending_space)
        {
            if pending_space {
                push_sep(out);
                pending_space = false;
            }
            out.extend(c.to_lowercase());
            prev_digit = c.is_numeric();
        } else {
            // Not ASCII, so neither `.` nor `,`: a separator.
            pending_space = true;
            prev_digit = false;
        }
    }
}

/// The loop of [`fold_into`] for ASCII text, byte by byte: the same decisions as its ASCII branch.
fn fold_ascii(text: &[u8], out: &mut String) {
    let mut pending_space = false;
    let mut prev_digit = false;
    for (at, &b) in text.iter().enumerate() {
        if b.is_ascii_alphanumeric() {
            if pending_space {
                push_sep(out);
                pending_space = false;
            }
            out.push(char::from(b.to_ascii_lowercase()));
            prev_digit = b.is_ascii_digit();
        } else if prev_digit
            && (b == b'.' || b == b',')
            && text.get(at + 1).is_some_and(u8::is_ascii_digit)
        {
            // A digit group separator or decimal point: keep the number whole.
        } else {
            pending_space = true;
            prev_digit = false;
        }
    }
}

/// Iterates over the words of a text produced by [`fold`] (splitting on whitespace, so it also
/// accepts other whitespace-separated text).
pub fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded.split_whitespace()
}

fn push_sep(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

/// Han, kana and Hangul: scripts written without spaces between words.
fn is_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FFFF) // CJK extensions B-F
}

/// NFKC, then one mapping per character: quotes, dashes, invisible and control characters. Text
/// that needs neither (plain ASCII prose) is borrowed as it is; text already in NFKC (the quick check
/// says so for most news) skips the normaliser.
fn plain_chars(text: &str) -> Cow<'_, str> {
    // Checked 64 bytes at a time without an early exit, which the compiler vectorises.
    let unchanged = |b: u8| (b' '..0x7f).contains(&b) && b != b'`' || b == b'\n';
    if text
        .as_bytes()
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |ok, &b| ok & unchanged(b)))
    {
        return Cow::Borrowed(text);
    }
    // Invisible characters go before NFKC: between a letter and its combining mark they would
    // otherwise keep the two from composing, and folding the result again would compose them.
    let visible: Cow<'_, str> = if text.chars().any(is_invisible) {
        Cow::Owned(text.chars().filter(|&c| !is_invisible(c)).collect())
    } else {
        Cow::Borrowed(text)
    };
    let mut out = String::with_capacity(visible.len());
    if is_nfkc_quick(visible.chars()) == IsNormalized::Yes {
        visible.chars().for_each(|c| plain_char(c, &mut out));
    } else {
        visible.nfkc().for_each(|c| plain_char(c, &mut out));
    }
    Cow::Owned(out)
}

/// Soft hyphen, zero-width space and joiners, word joiner, byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// The mapping of [`plain_chars`] for one character of NFKC text.
fn plain_char(c: char, out: &mut String) {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' | '`' => {
            out.push('\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => out.push('"'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{2043}' | '\u{FE58}' => out.push('-'),
        c if is_invisible(c) => {}
        '\n' => out.push('\n'),
        c if c.is_control() => out.push(' '),
        c => out.push(c),
    }
}

/// Strings of which every [`DEBRIS`] match holds at least one (ASCII case ignored): `:` (links,
/// teaser markers), `@` (handles, tweet signatures), `;` (character references), `www.`, `twitter`
/// and `advertisement`. Most text has none of them and skips the regex, whose scan costs several times
/// this one. (The regex's case-insensitive letters also match `ſ` and the Kelvin sign, which NFKC has
/// already turned into `s` and `K`.) Narrower triggers (the teaser phrases instead of `:`, `&` instead
/// of `;`) were measured: 0.2 % fewer instructions when indexing Reuters, so not kept.
static DEBRIS_TRIGGERS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([":", "@", ";", "www.", "twitter", "advertisement"])
        // The patterns are constants; a failure here is a bug caught by every test.
        .expect("debris triggers are valid")
});

/// Compiles the debris patterns now instead of at the first article that needs them, so that a
/// caller (the enricher) can have it done on another thread meanwhile.
pub(crate) fn compile_patterns() {
    LazyLock::force(&DEBRIS);
    LazyLock::force(&DEBRIS_TRIGGERS);
}

fn drop_debris(text: &str) -> Cow<'_, str> {
    if !DEBRIS_TRIGGERS.is_match(text) {
        return Cow::Borrowed(text);
    }
    replace_debris(text)
}

/// [`drop_debris`] without the trigger check.
fn replace_debris(text: &str) -> Cow<'_, str> {
    DEBRIS.replace_all(text, |caps: &Captures<'_>| -> String {
        if let Some(m) = caps.name("handle") {
            // An e-mail address or a word glued to `@` is content, not a handle.
            let before = text[..m.start()].chars().next_back();
            if before.is_some_and(|b| b.is_alphanumeric() || b == '.' || b == '_' || b == '@') {
                return m.as_str().to_string();
            }
            return " ".to_string();
        }
        if let Some(m) = caps.name("entity") {
            return decode_entity(m.as_str());
        }
        if caps.name("tweet").is_some() || caps.name("readline").is_some() {
            return "\n".to_string();
        }
        " ".to_string()
    })
}

/// Decodes a character reference such as `&amp;` or `&#8217;`; an unknown one is kept as written.
fn decode_entity(entity: &str) -> String {
    let inner = entity.trim_start_matches('&').trim_end_matches(';');
    let lower = inner.to_ascii_lowercase();
    let decoded = match lower.as_str() {
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" | "rsquo" | "lsquo" => Some('\''),
        "ldquo" | "rdquo" => Some('"'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "nbsp" => Some(' '),
        "mdash" | "ndash" => Some('-'),
        "hellip" => return "...".to_string(),
        _ => {
            let code = if let Some(hex) = lower.strip_prefix("#x") {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = lower.strip_prefix('#') {
                dec.parse::<u32>().ok()
            } else {
                None
            };
            code.and_then(char::from_u32)
        }
    };
    match decoded {
        // A decoded curly quote or dash must fold like a literal one.
        Some(c) => plain_chars(c.encode_utf8(&mut [0; 4])).into_owned(),
        None => entity.to_string(),
    }
}

use super::collapse_whitespace;

/// Hands `each` the folded words of `text`, whose words are `tokens`: the words of [`fold`]`(text)`,
/// read from the shared token stream rather than from a folded copy of the text. Words inside
/// scraping debris are left out; a number's digit groups (`1,750`, `5.93`) and words split only by
/// invisible characters or combining marks (`news\u{AD}paper`) make one word; other words are
/// lower-cased and, when not ASCII, folded as [`fold`] folds them (`buf` is scratch space). The
/// differences from [`fold`]: debris is found in the text before NFKC, a character reference
/// (`&#233;`) is dropped rather than decoded, a symbol that NFKC would turn into letters (`™`)
/// stays a separator, and debris glued to a word without a separator may end elsewhere.
pub fn fold_words(text: &str, tokens: &Tokens, buf: &mut String, mut each: impl FnMut(&str)) {
    let debris = debris_spans(text);
    // The end of the debris span that holds `at`, if one does.
    let in_debris = |at: usize| {
        let k = debris.partition_point(|d| d.end <= at);
        debris.get(k).filter(|d| d.start <= at).map(|d| d.end)
    };
    let words = tokens.words();
    let mut i = 0;
    while i < words.len() {
        let start = words[i].start;
        let mut end = words[i].end;
        let mut joined = false;
        while let Some(next) = words.get(i + 1) {
            if !joins(text, end, next.start) {
                break;
            }
            end = next.end;
            joined = true;
            i += 1;
        }
        i += 1;
        let mut start = start;
        if !debris.is_empty() {
            if let Some(debris_end) = in_debris(start) {
                // What follows the debris inside the word is a word of its own, unless the
                // debris stopped at an invisible character, which folding would have removed
                // first (and the debris gone on).
                if debris_end >= end
                    || text[debris_end..end]
                        .chars()
                        .next()
                        .is_none_or(|c| is_invisible(c) || is_combining_mark(c))
                {
                    continue;
                }
                start = debris_end;
                joined = true;
            }
        }
        // Marks (and invisible characters) right after the last word belong to it.
        while let Some(c) = text[end..].chars().next() {
            if !(is_combining_mark(c) || is_invisible(c)) {
                break;
            }
            end += c.len_utf8();
            joined = true;
        }
        let unit = &text[start..end];
        if unit.is_ascii() && !joined {
            buf.clear();
            buf.push_str(unit);
            buf.make_ascii_lowercase();
            each(buf);
        } else {
            fold_into(unit, buf);
            buf.split(' ').filter(|w| !w.is_empty()).for_each(&mut each);
        }
    }
}

/// Whether the word ending at `end` and the one starting at `next` are one folded word.
fn joins(text: &str, end: usize, next: usize) -> bool {
    let gap = &text[end..next];
    if gap == "." || gap == "," {
        let before = text[..end].chars().next_back();
        return before.is_some_and(char::is_numeric) && text.as_bytes()[next].is_ascii_digit();
    }
    !gap.is_ascii() && gap.chars().all(|c| is_invisible(c) || is_combining_mark(c))
}

/// The byte ranges of the scraping debris in `text` whose words the fingerprint leaves out: every
/// [`DEBRIS`] match but a handle glued to a word (an e-mail address).
fn debris_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    if !DEBRIS_TRIGGERS.is_match(text) {
        return Vec::new();
    }
    DEBRIS
        .captures_iter(text)
        .filter_map(|caps| {
            let m = caps.get(0)?;
            if let Some(h) = caps.name("handle") {
                let before = text[..h.start()].chars().next_back();
                if before.is_some_and(|b| b.is_alphanumeric() || b == '.' || b == '_' || b == '@') {
                    return None;
                }
            }
            Some(m.range())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pieces of text around every kind of debris, in mixed case, with near misses.
    const PIECES: &[&str] = &[
        "Oil rose",
        " said: ",
        "READ MORE: Kremlin says no",
        "Related: ",
        "related to",
        "See Also :",
        "\n",
        "  ",
        "http://x.co/a",
        "HTTPS://t.co/b",
        "www.example.org",
        "pic.twitter.com/Xy12",
        "pic . twitter .",
        "@Reuters",
        "a@b.com",
        "— Jo (@jo) March 3, 2017",
        "&amp;",
        "&#8217;",
        "AT&T",
        "S&P;",
        "Advertisement",
        "advertisements",
        "more on this:",
        "recommended:",
        "also read:",
        "read also:",
        ":",
        ";",
        "www",
        "twit",
        "ſee also:",
        "Ad\u{2060}vertisement",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2048,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// The trigger check only skips texts in which the regex would find nothing.
        #[test]
        fn the_trigger_check_never_changes_what_debris_removal_does(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..12)
        ) {
            let text = plain_chars(&pieces.concat()).into_owned();
            proptest::prop_assert_eq!(drop_debris(&text), replace_debris(&text));
        }
    }

    /// Pieces for `fold_words`: words, numbers, debris of every kind, quotes and dashes, invisible
    /// characters and combining marks, scripts without spaces.
    const WORD_PIECES: &[&str] = &[
        "Oil",
        "rose",
        "Putin's",
        "1,750",
        "5.93",
        "1987,",
        ",",
        ".",
        " ",
        "\n",
        "\n\n",
        "U.S.",
        "\u{201C}",
        "\u{201D}",
        "\u{2014}",
        "news\u{AD}paper",
        "Zu\u{308}rich",
        "\u{308}",
        "東京",
        "नमस्ते",
        "ΣΟΦΟΣ",
        "ﬁnance",
        "https://t.co/Ab12?x=1",
        "www.example.org/a",
        "pic.twitter.com/Xy12",
        "@Reuters",
        "a@b.com",
        "\nRead more: Kremlin says no\n",
        "Related: ",
        "AT&amp;T",
        "\u{2014} Jo (@jo) March 3, 2017",
        "\nAdvertisement\n",
        "x1",
        "ＡＢＣ",
        "İstanbul",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2048,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// The fingerprint reads from the shared token stream the words that folding the whole text
        /// gives.
        #[test]
        fn fold_words_are_the_words_of_fold(
            pieces in proptest::collection::vec(proptest::sample::select(WORD_PIECES), 0..16),
            // Debris glued to a word without a separator can end elsewhere in the two forms (see
            // `fold_words`), so pieces are always separated here.
            glue in proptest::collection::vec(proptest::sample::select(&[" ", "\n", ", ", ". "][..]), 16),
        ) {
            let mut text = String::new();
            for (piece, glue) in pieces.iter().zip(&glue) {
                text.push_str(piece);
                text.push_str(glue);
            }
            let mut got = Vec::new();
            let mut buf = String::new();
            fold_words(&text, &Tokens::new(&text), &mut buf, |w| got.push(w.to_string()));
            let want: Vec<String> = words(&fold(&text)).map(str::to_string).collect();
            proptest::prop_assert_eq!(got, want, "text {:?}", text);
        }
    }

    /// `fold` cases: one line each, `name: input => expected folded text`.
    macro_rules! fold_cases {
        ($($name:ident: $input:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(fold($input), $want, "input {:?}", $input);
            }
        )*};
    }

    /// `clean` cases, same shape.
    macro_rules! clean_cases {
        ($($name:ident: $input:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(clean($input), $want, "input {:?}", $input);
            }
        )*};
    }

    clean_cases! {
        clean_curly_double: "\u{201C}Hi\u{201D} she said" => "\"Hi\" she said";
        clean_curly_apostrophe: "Trump\u{2019}s call" => "Trump's call";
        clean_low_quote: "\u{201E}Ja\u{201C}" => "\"Ja\"";
        clean_guillemets: "\u{00AB}oui\u{00BB}" => "\"oui\"";
        clean_em_dash: "strained \u{2014} though" => "strained - though";
        clean_en_dash: "1987\u{2013}88" => "1987-88";
        clean_minus_sign: "\u{2212}5" => "-5";
        clean_ellipsis: "this call\u{2026} Let us" => "this call... Let us";
        clean_nfkc_ligature: "\u{FB01}nance" => "finance";
        clean_nfkc_fullwidth: "\u{FF21}\u{FF22}\u{FF23}" => "ABC";
        clean_nfkc_nbsp: "a\u{00A0}b" => "a b";
        clean_soft_hyphen: "news\u{00AD}paper" => "newspaper";
        clean_zero_width: "a\u{200B}b\u{FEFF}" => "ab";
        clean_paragraphs: "one.\n\n    two.\r\n\tthree." => "one. two. three.";
        clean_url: "see https://t.co/Ab12?x=1 now" => "see now";
        clean_www: "at www.reuters.com/article today" => "at today";
        clean_pic_full: "Putin pic.twitter.com/AbC123xyz today" => "Putin today";
        clean_pic_cut: "Putin pic. twitter.   - Sean" => "Putin - Sean";
        clean_tweet_signature: "calls pic. twitter. \u{2014} Sean Spicer (@PressSec) January 28, 2017, Neither" => "calls Neither";
        clean_handle: "After that @POTUS is now" => "After that is now";
        clean_email_kept: "write to news@example.com" => "write to news@example.com";
        clean_read_more_line: "Body one.\nRead more: Markets fall again\nBody two." => "Body one. Body two.";
        clean_read_more_inline: "Body one. READ MORE: Body two." => "Body one. Body two.";
        clean_related_line: "a\n  Related: Oil rises\nb" => "a b";
        clean_advert_line: "a\nAdvertisement\nb" => "a b";
        clean_advert_word_kept: "an advertisement campaign" => "an advertisement campaign";
        clean_entities: "AT&amp;T &#8220;up&#8221; &lt;X&gt; &bogus;" => "AT&T \"up\" <X> &bogus;";
        clean_empty: "" => "";
        clean_only_debris: "https://a.b/c pic.twitter.com/x @me" => "";
    }

    fold_cases! {
        fold_quotes_equal: "\u{201C}Let us wait,\u{201D} he said" => "let us wait he said";
        fold_straight_quotes: "\"Let us wait,\" he said" => "let us wait he said";
        fold_apostrophe: "Obama\u{2019}s tenure" => "obama s tenure";
        fold_case: "BAHIA COCOA Review" => "bahia cocoa review";
        fold_brackets: "[The call (first) {x}]" => "the call first x";
        fold_abbrev_spaced: "the U. S. military" => "the u s military";
        fold_abbrev_tight: "the U.S. military" => "the u s military";
        fold_thousands: "1,750 tonnes" => "1750 tonnes";
        fold_decimal: "5.93 mln." => "593 mln";
        fold_number_then_comma: "in 1987, prices" => "in 1987 prices";
        fold_hyphen_word: "Bank-Houston" => "bank houston";
        fold_german: "STRASSE Zürich" => "strasse zürich";
        fold_combining_kept: "Zu\u{0308}rich" => "zürich";
        fold_cjk_split: "東京 Tokyo" => "東 京 tokyo";
        fold_devanagari_word: "नमस्ते दुनिया" => "नमस्ते दुनिया";
        fold_leading_mark: "\u{0308}a" => "a";
        fold_punct_only: "... --- !!!" => "";
        fold_debris_dropped: "Putin pic. twitter. \u{2014} Sean Spicer (@PressSec) January 28, 2017, Neither" => "putin neither";
        fold_whitespace: "  a \n\n b\t" => "a b";
    }

    #[test]
    fn words_split_folded_text() {
        assert_eq!(words("a bb  c").collect::<Vec<_>>(), ["a", "bb", "c"]);
        assert_eq!(words("").count(), 0);
    }

    #[test]
    fn fold_is_idempotent() {
        for text in [
            "“Quoted” — text… with U.S. 1,750 Zu\u{0308}rich",
            "AT&amp;T pic.twitter.com/x",
        ] {
            let once = fold(text);
            assert_eq!(fold(&once), once);
        }
    }

    #[test]
    fn seeds_fold_to_the_same_words_apart_from_the_tweet() {
        let a = fold(include_str!(
            "../../index-fixtures/seeds/001_a6f8cf2398086dd3.txt"
        ));
        let b = fold(include_str!(
            "../../index-fixtures/seeds/002_b9033812e55315ed.txt"
        ));
        // 001 keeps the text of an embedded tweet that 002 left out; otherwise they are equal.
        let tweet = " after speaking with chancellor merkel for 45 minutes is now onto his 3rd of 5 head of \
                     government calls speaking w russian pres putin";
        assert!(a.contains(tweet), "{a}");
        assert_eq!(a.replacen(tweet, "", 1), b);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "&#xFFFFFF;",
            "&#99999999;",
            "@",
            "1,",
            ",1",
            "\u{0}\u{1}",
            "pic.",
            "\u{0308}",
        ] {
            let _ = fold(text);
            let _ = clean(text);
        }
    }
}
