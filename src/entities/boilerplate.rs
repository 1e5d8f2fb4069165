//! The source is not an entity of its own articles: a wire's sign-off ("Reuter" alone on the last
//! line), its dateline credit ("LONDON (Reuters) -"), and the article's own source by name are not
//! counted as mentions.

#[cfg(test)]
use super::EntityKind;
use super::Mention;

/// Where the lines of a text end, found once per text: each mention's line is then found by a binary
/// search. Looking for the line's ends from each mention scanned the whole of a long line once per
/// mention: a body of 1.8 MB on one line took 1.6 s to index, 84 % of it in that scan.
pub(crate) struct Lines<'a> {
    text: &'a str,
    /// The byte offset of every `\n`.
    ends: Vec<usize>,
    /// Where the second-to-last non-blank line starts (none with fewer than two), once asked for.
    second_last: std::cell::OnceCell<Option<usize>>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Lines<'a> {
        Lines {
            text,
            ends: text.match_indices('\n').map(|(at, _)| at).collect(),
            second_last: std::cell::OnceCell::new(),
        }
    }

    /// Where line `i` (from 0) starts and ends (its `\n`, or the end of the text).
    fn bounds(&self, i: usize) -> (usize, usize) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        (start, self.ends.get(i).copied().unwrap_or(self.text.len()))
    }

    /// The text of the line `pos` is on, and where it ends (its `\n`, or the end of the text).
    fn line_at(&self, pos: usize) -> (&'a str, usize) {
        let (start, end) = self.bounds(self.ends.partition_point(|&e| e < pos));
        (&self.text[start..end], end)
    }

    /// Whether at most one non-blank line follows byte `end`, the end of a line.
    fn near_end(&self, end: usize) -> bool {
        let second_last = *self.second_last.get_or_init(|| {
            let mut found = 0;
            for i in (0..=self.ends.len()).rev() {
                let (start, stop) = self.bounds(i);
                if !self.text[start..stop].trim().is_empty() {
                    found += 1;
                    if found == 2 {
                        return Some(start);
                    }
                }
            }
            None
        });
        second_last.is_none_or(|start| start <= end)
    }
}

/// Whether mention `m` of the text of `lines` credits the source rather than naming an entity in
/// the news (of any type: a tagger may read a sign-off "Reuter" as a surname).
pub(crate) fn is_source_credit(lines: &Lines<'_>, m: &Mention, source: Option<&str>) -> bool {
    let text = lines.text;
    let (line, line_end) = lines.line_at(m.start);
    let alone = line
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .eq_ignore_ascii_case(m.text.trim_matches(|c: char| !c.is_alphanumeric()));
    // The article's own source by name, wherever it is ("a spokesman told Reuters"); "Reuter" for
    // "Reuters" too. A company whose name starts with it ("Reuters Holdings") is news.
    let is_source = source.is_some_and(|s| {
        let s = s.trim().to_lowercase();
        let name = m.name.to_lowercase();
        !s.is_empty()
            && (name == s
                || name.strip_suffix('s').is_some_and(|n| n == s)
                || s.strip_suffix('s').is_some_and(|b| b == name))
    });
    if is_source || alone && lines.near_end(line_end) {
        return true;
    }
    // A dateline credit: "(Reuters) -", "(AP) --".
    let before = text[..m.start].trim_end();
    let after = text[m.end..].trim_start();
    before.ends_with('(')
        && after.starts_with(')')
        && after[1..]
            .trim_start()
            .starts_with(['-', '\u{2013}', '\u{2014}'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn org(text: &str, name: &str) -> Mention {
        let start = text.rfind(name).unwrap();
        Mention {
            kind: EntityKind::Org,
            name: name.to_string(),
            text: name.to_string(),
            start,
            end: start + name.len(),
            confidence: 1.0,
        }
    }

    fn credit(text: &str, m: &Mention, source: Option<&str>) -> bool {
        is_source_credit(&Lines::new(text), m, source)
    }

    #[test]
    fn sign_offs_and_datelines_are_credits_and_news_is_not() {
        let body = "LONDON (Reuters) - Reuters said profits rose.\n Reuter\n";
        assert!(credit(body, &org(body, "Reuter"), None));
        let dateline = "LONDON (Reuters) - Shares fell.";
        let m = org(dateline, "Reuters");
        assert!(credit(dateline, &m, None));
        let news = "Reuters Holdings said profits rose.\nShares fell.\nMore later.";
        let mut m = org(news, "Reuters Holdings");
        m.start = 0;
        m.end = 16;
        assert!(!credit(news, &m, Some("Reuters")));
    }

    /// The line's ends found by scanning from the mention, as before [`Lines`]: what it must agree with.
    fn scanned_line_at(text: &str, pos: usize) -> (&str, usize) {
        let start = text[..pos].rfind('\n').map_or(0, |p| p + 1);
        let end = text[pos..].find('\n').map_or(text.len(), |p| pos + p);
        (&text[start..end], end)
    }

    fn scanned_near_end(text: &str, end: usize) -> bool {
        text[end..]
            .lines()
            .filter(|l| !l.trim().is_empty())
            .nth(1)
            .is_none()
    }

    const PIECES: &[&str] = &[
        "Reuter", "Reuters", "AP", "said", " ", "  ", "\n", "\n\n", "\r\n", "(", ")", " - ", "--",
        "\u{2014}", ".", "é", "\t",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        /// Every line and every "near the end" is what scanning from the position gives.
        #[test]
        fn lines_agree_with_scanning(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..30)) {
            let text: String = pieces.concat();
            let lines = Lines::new(&text);
            for pos in (0..=text.len()).filter(|&p| text.is_char_boundary(p)) {
                prop_assert_eq!(lines.line_at(pos), scanned_line_at(&text, pos), "{:?} at {}", text, pos);
                let end = lines.line_at(pos).1;
                prop_assert_eq!(lines.near_end(end), scanned_near_end(&text, end), "{:?} end {}", text, end);
            }
        }
    }
}
