//! The hand-checked entity set (`tests/data/entities-handset.txt`): parsing its bracket markup and
//! scoring an extractor on it, per story, as sets of (type, name) ignoring case. Shared by the
//! regression test and `examples/eval_conll.rs --handset`.

use std::collections::{BTreeMap, BTreeSet};

use newsidx::entities::{EntityKind, Extractor, Meta};
use newsidx::text::Tokens;

/// One story: its year, source, title and body (markup removed), and the gold (type, name) pairs.
pub struct Story {
    pub year: Option<i32>,
    pub source: String,
    pub title: String,
    pub body: String,
    pub gold: BTreeSet<(EntityKind, String)>,
}

/// Removes the markup of `text`, adding each bracketed name to `gold`.
fn unmark(text: &str, gold: &mut BTreeSet<(EntityKind, String)>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let (tag, inner) = after.split_at(after.find(' ').expect("a tag and a name"));
        let close = inner.find(']').expect("a closing bracket");
        let (surface, name) = match inner[1..close].split_once('|') {
            Some((s, n)) => (s, n.to_string()),
            None => (
                &inner[1..close],
                inner[1..close]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        };
        let kind = match tag {
            "PER" => EntityKind::Person,
            "ORG" => EntityKind::Org,
            "LOC" => EntityKind::Place,
            other => panic!("unknown tag {other}"),
        };
        gold.insert((kind, name.to_lowercase()));
        out.push_str(surface);
        rest = &inner[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The stories of the set.
pub fn parse(data: &str) -> Vec<Story> {
    let mut stories = Vec::new();
    for chunk in data.split("\n=== ").skip(1) {
        let (head, rest) = chunk.split_once('\n').unwrap_or((chunk, ""));
        let mut head = head.split_whitespace();
        let year = head.next().and_then(|y| y.parse().ok());
        let source = head.next().unwrap_or("").to_string();
        let (title_line, body) = rest.split_once('\n').unwrap_or((rest, ""));
        let mut gold = BTreeSet::new();
        let title = unmark(title_line.trim_start_matches("title: "), &mut gold);
        let body = unmark(body, &mut gold);
        stories.push(Story {
            year,
            source,
            title,
            body,
            gold,
        });
    }
    stories
}

/// The (type, name) pairs `extractor` finds in `story`, read as an article: title with the body as
/// context, the story's year and source.
pub fn extract(extractor: &Extractor, story: &Story) -> BTreeSet<(EntityKind, String)> {
    let meta = Meta {
        year: story.year,
        source: Some(&story.source),
    };
    extractor
        .extract_article_meta(
            Some((&story.title, &Tokens::new(&story.title))),
            (&story.body, &Tokens::new(&story.body)),
            meta,
        )
        .into_iter()
        .collect()
}

/// Per type: (true positives, predicted, gold).
pub type Counts = BTreeMap<EntityKind, (usize, usize, usize)>;

/// Scores, and the errors as lines.
pub fn score(extractor: &Extractor, stories: &[Story]) -> (Counts, Vec<String>) {
    let mut counts = Counts::new();
    let mut errors = Vec::new();
    for s in stories {
        let found: BTreeSet<(EntityKind, String)> = extract(extractor, s)
            .into_iter()
            .map(|(k, n)| (k, n.to_lowercase()))
            .collect();
        for kind in EntityKind::ALL {
            let c = counts.entry(kind).or_default();
            c.0 += found
                .iter()
                .filter(|e| e.0 == kind && s.gold.contains(e))
                .count();
            c.1 += found.iter().filter(|e| e.0 == kind).count();
            c.2 += s.gold.iter().filter(|e| e.0 == kind).count();
        }
        for e in found.difference(&s.gold) {
            errors.push(format!("spurious {} {:?} in {:?}", e.0, e.1, s.title));
        }
        for e in s.gold.difference(&found) {
            errors.push(format!("missed {} {:?} in {:?}", e.0, e.1, s.title));
        }
    }
    (counts, errors)
}
