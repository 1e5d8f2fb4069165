//! The entity view of the shared token stream: words (from [`crate::text::Tokens`]) and punctuation
//! with byte offsets, and the few facts the rules need about each (capitalised, ALL-CAPS, an initial,
//! at a sentence start). Offsets always fall on char boundaries because tokens are cut only where a
//! char starts.

use unicode_normalization::char::is_combining_mark;

/// Word starts with an upper-case letter.
pub(crate) const CAP: u16 = 1;
/// Word starts with a lower-case letter.
pub(crate) const LOWER: u16 = 1 << 1;
/// Word has at least two letters and no lower-case letter.
pub(crate) const ALLCAPS: u16 = 1 << 2;
/// Word contains a digit.
pub(crate) const DIGIT: u16 = 1 << 3;
/// A single capital followed by a period: "K.".
pub(crate) const INITIAL: u16 = 1 << 4;
/// First word of a sentence (or of the text, or of a paragraph).
pub(crate) const SENT_START: u16 = 1 << 5;
/// Inside shouted text (an ALL-CAPS run or a Title Case headline): capitals are no evidence.
pub(crate) const SHOUT: u16 = 1 << 6;
/// A paragraph break (blank line) or a line break comes before the token.
pub(crate) const BREAK_BEFORE: u16 = 1 << 7;
/// A word token (letters or digits); otherwise one punctuation char.
pub(crate) const WORD: u16 = 1 << 8;
/// Periods inside the word ("U.S.", "U.N.").
pub(crate) const DOTTED: u16 = 1 << 9;
/// Whitespace comes right before the token.
pub(crate) const SPACE_BEFORE: u16 = 1 << 10;

/// Abbreviations whose period does not end a sentence ("Mr. Smith", "Gen. Lee").
#[rustfmt::skip]
pub(crate) const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Sen", "Rep", "Gov", "Lt", "Col", "Capt", "Sgt", "Adm",
    "Maj", "Rev", "St", "Mt", "Ft", "Jr", "Sr", "No", "vs", "Messrs", "Cllr", "Hon", "Fr", "Supt",
];

/// One token: a word or a single punctuation char.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub start: usize,
    pub end: usize,
    pub flags: u16,
}

impl Token {
    pub fn is(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }
}

/// A char that belongs inside a word.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

/// Splits `text`, whose words are `words`, into entity tokens: words and punctuation. A possessive
/// `'s` is split off ("Putin's" gives "Putin", "'", "s"); inner apostrophes stay ("O'Neill"); a single
/// capital followed by a period becomes an initial ("K."), and dotted abbreviations stay whole
/// ("U.S."). Hyphens are their own tokens ("Trump-era" is "Trump", "-", "era") so gazetteer names
/// inside compounds align with tokens; the rules glue tight hyphens back where a name continues.
/// Combining marks belong to the word they follow (or start one).
pub(crate) fn tokenize(text: &str, words: &crate::text::Tokens) -> Vec<Token> {
    let words = words.words();
    let mut tokens = Vec::with_capacity(words.len() * 5 / 4 + 1);
    let mut w = 0;
    let mut pos = 0;
    let mut newlines = 0u32;
    let mut space = false;
    while pos < text.len() {
        let next_word = words.get(w).map_or(text.len(), |r| r.start);
        let c = match text.as_bytes()[pos] {
            b if b.is_ascii() => char::from(b),
            _ => match text[pos..].chars().next() {
                Some(c) => c,
                None => break,
            },
        };
        let starts_word = pos == next_word || (!c.is_ascii() && is_combining_mark(c));
        if !starts_word {
            if c.is_whitespace() {
                space = true;
                if c == '\n' {
                    newlines += 1;
                }
            } else {
                tokens.push(Token {
                    start: pos,
                    end: pos + c.len_utf8(),
                    flags: gap_flags(newlines, space),
                });
                newlines = 0;
                space = false;
            }
            pos += c.len_utf8();
            continue;
        }
        let mut flags = gap_flags(newlines, space) | WORD;
        newlines = 0;
        space = false;
        let start = pos;
        let mut end = extend_run(text, words, &mut w, pos);
        let mut dotted = false;
        // Joins across an apostrophe or a period, by what follows it.
        while let Some(d) = text[end..]
            .chars()
            .next()
            .filter(|&d| is_apostrophe(d) || d == '.')
        {
            let rest = &text[end + d.len_utf8()..];
            let mut after = rest.chars();
            let next = after.next();
            let next2 = after.next();
            let joins = match next {
                Some(n) if is_word_char(n) => {
                    if is_apostrophe(d) {
                        // "'s" followed by a non-word char is a possessive, not part of a name.
                        !matches!(n, 's' | 'S') || next2.is_some_and(is_word_char)
                    } else {
                        // Dotted abbreviations: single letters separated by periods.
                        let last_is_single = text[start..end]
                            .rsplit('.')
                            .next()
                            .is_some_and(|w| w.chars().count() == 1);
                        last_is_single && n.is_alphabetic() && !next2.is_some_and(is_word_char)
                    }
                }
                _ => false,
            };
            if !joins {
                break;
            }
            dotted |= d == '.';
            end = extend_run(text, words, &mut w, end + d.len_utf8());
        }
        let word = &text[start..end];
        let (mut letters, mut upper, mut lower, mut digits) = (0usize, 0usize, 0usize, 0usize);
        if word.is_ascii() {
            for &b in word.as_bytes() {
                letters += usize::from(b.is_ascii_alphabetic());
                upper += usize::from(b.is_ascii_uppercase());
                lower += usize::from(b.is_ascii_lowercase());
                digits += usize::from(b.is_ascii_digit());
            }
        } else {
            for ch in word.chars() {
                letters += usize::from(ch.is_alphabetic());
                upper += usize::from(ch.is_uppercase());
                lower += usize::from(ch.is_lowercase());
                digits += usize::from(ch.is_numeric());
            }
        }
        // Trailing period of a dotted abbreviation ("U.S.") or an initial ("K.").
        if text[end..].starts_with('.') {
            let single_cap = letters == 1 && upper == 1 && word.chars().count() == 1;
            if dotted || single_cap {
                end += 1;
                if single_cap && !dotted {
                    flags |= INITIAL;
                }
            }
        }
        tokens.push(Token {
            start,
            end,
            flags: flags | word_flags(c, letters, lower, digits, dotted),
        });
        pos = end;
    }
    tokens
}

/// The flags a word token gets from its first char and its letter counts.
fn word_flags(first: char, letters: usize, lower: usize, digits: usize, dotted: bool) -> u16 {
    let mut flags = 0;
    if dotted {
        flags |= DOTTED;
    }
    if first.is_uppercase() {
        flags |= CAP;
    } else if first.is_lowercase() {
        flags |= LOWER;
    }
    if letters >= 2 && lower == 0 {
        flags |= ALLCAPS;
    }
    if digits > 0 {
        flags |= DIGIT;
    }
    flags
}

fn gap_flags(newlines: u32, space: bool) -> u16 {
    let mut flags = 0;
    if newlines > 0 {
        flags |= BREAK_BEFORE;
    }
    if space {
        flags |= SPACE_BEFORE;
    }
    flags
}

/// The end of the run of word characters (the stream's words and combining marks) that starts at
/// `pos`, moving `w` past the words it takes in.
fn extend_run(
    text: &str,
    words: &[std::ops::Range<usize>],
    w: &mut usize,
    mut pos: usize,
) -> usize {
    loop {
        while *w < words.len() && words[*w].start < pos {
            *w += 1;
        }
        if let Some(word) = words.get(*w).filter(|r| r.start == pos) {
            pos = word.end;
            *w += 1;
            continue;
        }
        // Combining marks are never ASCII: an ASCII byte ends the run without decoding.
        if text.as_bytes().get(pos).is_none_or(u8::is_ascii) {
            return pos;
        }
        match text[pos..].chars().next() {
            Some(m) if is_combining_mark(m) => pos += m.len_utf8(),
            _ => return pos,
        }
    }
}

/// The tokenizer before the shared stream, char by char: the oracle of [`tokenize`] in tests.
/// Splits `text` into words and punctuation. A possessive `'s` is split off ("Putin's" gives
/// "Putin", "'", "s"); inner apostrophes stay ("O'Neill"); a single capital
/// followed by a period becomes an initial ("K."), and dotted abbreviations stay whole ("U.S.").
/// Hyphens are their own tokens ("Trump-era" is "Trump", "-", "era") so gazetteer names inside
/// compounds align with tokens; the rules glue tight hyphens back where a name continues.
#[cfg(test)]
pub(crate) fn tokenize_chars(text: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 5 + 1);
    let mut chars = text.char_indices().peekable();
    let mut newlines = 0u32;
    let mut space = false;
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            space = true;
            if c == '\n' {
                newlines += 1;
            }
            continue;
        }
        let mut flags = 0u16;
        if newlines > 0 {
            flags |= BREAK_BEFORE;
        }
        if space {
            flags |= SPACE_BEFORE;
        }
        newlines = 0;
        space = false;
        if !is_word_char(c) {
            tokens.push(Token {
                start: i,
                end: i + c.len_utf8(),
                flags,
            });
            continue;
        }
        flags |= WORD;
        let mut end = i + c.len_utf8();
        let mut letters = usize::from(c.is_alphabetic());
        let mut upper = usize::from(c.is_uppercase());
        let mut lower = usize::from(c.is_lowercase());
        let mut digits = usize::from(c.is_numeric());
        let mut dotted = false;
        loop {
            match chars.peek().copied() {
                Some((j, d)) if is_word_char(d) => {
                    chars.next();
                    end = j + d.len_utf8();
                    letters += usize::from(d.is_alphabetic());
                    upper += usize::from(d.is_uppercase());
                    lower += usize::from(d.is_lowercase());
                    digits += usize::from(d.is_numeric());
                }
                Some((j, d)) if is_apostrophe(d) || d == '.' => {
                    let rest = &text[j + d.len_utf8()..];
                    let mut after = rest.chars();
                    let next = after.next();
                    let next2 = after.next();
                    let joins = match next {
                        Some(n) if is_word_char(n) => {
                            if is_apostrophe(d) {
                                // "'s" followed by a non-word char is a possessive, not part of a name.
                                !matches!(n, 's' | 'S') || next2.is_some_and(is_word_char)
                            } else {
                                // Dotted abbreviations: single letters separated by periods.
                                let word = &text[i..end];
                                let last_is_single = word
                                    .rsplit('.')
                                    .next()
                                    .is_some_and(|w| w.chars().count() == 1);
                                last_is_single
                                    && n.is_alphabetic()
                                    && !next2.is_some_and(is_word_char)
                            }
                        }
                        _ => false,
                    };
                    if !joins {
                        break;
                    }
                    chars.next();
                    if d == '.' {
                        dotted = true;
                    }
                    end = j + d.len_utf8();
                }
                _ => break,
            }
        }
        // Trailing period of a dotted abbreviation ("U.S.") or an initial ("K.").
        if let Some(&(j, '.')) = chars.peek() {
            let word = &text[i..end];
            let single_cap = letters == 1 && upper == 1 && word.chars().count() == 1;
            if dotted || single_cap {
                chars.next();
                end = j + 1;
                if single_cap && !dotted {
                    flags |= INITIAL;
                }
            }
        }
        tokens.push(Token {
            start: i,
            end,
            flags: flags | word_flags(c, letters, lower, digits, dotted),
        });
    }
    tokens
}

fn is_opening(s: &str) -> bool {
    matches!(
        s,
        "\"" | "\u{201c}" | "\u{2018}" | "'" | "(" | "[" | "{" | "\u{ab}"
    )
}

/// Marks sentence starts and shouted text. With `headline` every word counts as shouted: in a Title
/// Case or ALL-CAPS headline a capital says nothing about names.
pub(crate) fn mark_context(text: &str, tokens: &mut [Token], headline: bool) {
    let mut at_start = true;
    let mut prev_word: Option<&str> = None;
    for t in tokens.iter_mut() {
        if !t.is(WORD) {
            let s = t.text(text);
            let after_abbreviation = s == "."
                && !t.is(SPACE_BEFORE)
                && prev_word.is_some_and(|w| ABBREVIATIONS.contains(&w));
            if after_abbreviation {
                at_start = false;
            } else if matches!(s, "." | "!" | "?" | ":" | ";" | "\u{2026}") {
                at_start = true;
            } else if !is_opening(s) {
                at_start = false;
            }
            prev_word = None;
            continue;
        }
        prev_word = Some(t.text(text));
        if at_start || t.is(BREAK_BEFORE) && paragraph_break_at(text, t.start) {
            t.flags |= SENT_START;
        }
        at_start = false;
        if headline {
            t.flags |= SHOUT;
        }
    }
    if headline {
        return;
    }
    // ALL-CAPS runs: two or more all-caps words next to each other (numbers and punctuation between
    // them do not break a run). A lone all-caps word in mixed text is an acronym, not shouting.
    let words: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is(WORD) && !(t.is(DIGIT) && !t.is(CAP) && !t.is(LOWER)))
        .map(|(i, _)| i)
        .collect();
    for (k, &i) in words.iter().enumerate() {
        if !tokens[i].is(ALLCAPS) || tokens[i].is(DOTTED) {
            continue;
        }
        let prev = k.checked_sub(1).map(|p| words[p]);
        let next = words.get(k + 1).copied();
        let shouting = |j: Option<usize>| {
            j.is_some_and(|j| {
                let t = tokens[j];
                t.is(ALLCAPS) && !t.is(DOTTED)
                    || (t.is(CAP) && t.end - t.start == 1)
                    || t.is(INITIAL)
            })
        };
        if shouting(prev) || shouting(next) {
            tokens[i].flags |= SHOUT;
        }
    }
    // Single capitals and initials inside a shouted run are shouting too ("A", "I").
    for k in 0..words.len() {
        let i = words[k];
        let t = tokens[i];
        if t.is(SHOUT)
            || !(t.is(CAP) && t.text(text).chars().filter(|c| c.is_alphabetic()).count() == 1)
        {
            continue;
        }
        let prev = k.checked_sub(1).map(|p| tokens[words[p]].is(SHOUT));
        let next = words.get(k + 1).map(|&n| tokens[n].is(SHOUT));
        if prev == Some(true) || next == Some(true) {
            tokens[i].flags |= SHOUT;
        }
    }
}

/// A blank line (two newlines) just before `pos`.
pub(crate) fn paragraph_break_at(text: &str, pos: usize) -> bool {
    let before = &text[..pos];
    let trimmed = before.trim_end_matches([' ', '\t', '\r']);
    let Some(rest) = trimmed.strip_suffix('\n') else {
        return false;
    };
    rest.trim_end_matches([' ', '\t', '\r']).ends_with('\n') || rest.is_empty()
}

/// A headline in Title Case or ALL CAPS, where capitals are not evidence of names.
pub(crate) fn is_headline(title: &str) -> bool {
    let mut long_words = 0usize;
    let mut capitalised = 0usize;
    let mut lower_letters = 0usize;
    for word in title.split(|c: char| !is_word_char(c)) {
        lower_letters += word.chars().filter(|c| c.is_lowercase()).count();
        if word.chars().count() < 4 {
            continue;
        }
        long_words += 1;
        if word.chars().next().is_some_and(char::is_uppercase) {
            capitalised += 1;
        }
    }
    if lower_letters == 0 {
        return long_words > 0;
    }
    long_words >= 3 && capitalised * 10 >= long_words * 8
}
