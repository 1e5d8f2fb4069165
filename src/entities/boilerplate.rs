//! The source is not an entity of its own articles: a wire's sign-off ("Reuter" alone on the last
//! line), its dateline credit ("LONDON (Reuters) -"), and the article's own source by name are not
//! counted as mentions.

#[cfg(test)]
use super::EntityKind;
use super::Mention;

/// The text of the line `pos` is on, and where it ends.
fn line_at(text: &str, pos: usize) -> (&str, usize) {
    let start = text[..pos].rfind('\n').map_or(0, |p| p + 1);
    let end = text[pos..].find('\n').map_or(text.len(), |p| pos + p);
    (&text[start..end], end)
}

/// Whether at most one non-blank line follows byte `end`.
fn near_end(text: &str, end: usize) -> bool {
    text[end..]
        .lines()
        .filter(|l| !l.trim().is_empty())
        .nth(1)
        .is_none()
}

/// Whether mention `m` of `text` credits the source rather than naming an entity in the news (of any
/// type: a tagger may read a sign-off "Reuter" as a surname).
pub(crate) fn is_source_credit(text: &str, m: &Mention, source: Option<&str>) -> bool {
    let (line, line_end) = line_at(text, m.start);
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
    if is_source || alone && near_end(text, line_end) {
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

    #[test]
    fn sign_offs_and_datelines_are_credits_and_news_is_not() {
        let body = "LONDON (Reuters) - Reuters said profits rose.\n Reuter\n";
        assert!(is_source_credit(body, &org(body, "Reuter"), None));
        let dateline = "LONDON (Reuters) - Shares fell.";
        let m = org(dateline, "Reuters");
        assert!(is_source_credit(dateline, &m, None));
        let news = "Reuters Holdings said profits rose.\nShares fell.\nMore later.";
        let mut m = org(news, "Reuters Holdings");
        m.start = 0;
        m.end = 16;
        assert!(!is_source_credit(news, &m, Some("Reuters")));
    }
}
