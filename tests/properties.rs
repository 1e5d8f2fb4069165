//! Property tests: no input makes the library panic. Arbitrary bytes through every ingest parser,
//! arbitrary text through the entity extractor and the normaliser, arbitrary query strings through
//! search. Only the public API is used; case counts keep the module to a few seconds in a debug build.

use std::sync::OnceLock;

use newsidx::entities::EntityKind;
use newsidx::entities::{Extractor, ExtractorBuilder};
use newsidx::fingerprint::{distance, Signature};
use newsidx::ingest::{self, Format};
use newsidx::search::{Collapse, CountMode};
use newsidx::text::fold::{clean, fold};
use newsidx::{Error, SearchRequest};
use proptest::prelude::*;

use crate::util::{search, search_none};

#[path = "support/small_index.rs"]
mod small_index;
use small_index::small_index;

/// `cases` cases, and no `*.proptest-regressions` files: a failure found here becomes a named test below.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------------
// Generators

/// Pieces that stress text handling: entity names and their context words, combining marks, RTL text,
/// emoji, control characters, very long words, ALL CAPS, debris the normaliser drops.
const TEXT_PIECES: &[&str] = &[
    "Vladimir Putin",
    "PUTIN",
    "Putin's",
    "Prime Minister ",
    "President ",
    "spokesman ",
    "Dmitry Peskov",
    "Peskov",
    "Acme Corp",
    "Gulf of ",
    "Mexico",
    "Abdel Fattah el-Sisi",
    "Stephen K. Bannon",
    "U.S.",
    "Kremlin",
    "Moscow",
    "THE KREMLIN SAID",
    "\u{0301}",
    "e\u{0301}\u{0308}\u{20DD}",
    "\u{05E9}\u{05DC}\u{05D5}\u{05DD} \u{0645}\u{0631}\u{062D}\u{0628}\u{0627}",
    "\u{202E}abc\u{202C}",
    "\u{1F600}\u{1F1FA}\u{1F1F8}\u{1F469}\u{200D}\u{1F52C}",
    "\0",
    "\u{FEFF}",
    "\u{00AD}",
    "\u{200B}",
    "\r\n",
    "\n\n",
    "\t",
    " ",
    ". ",
    ", ",
    "'",
    "\u{2019}s ",
    "\u{201C}",
    "\u{2014}",
    "\u{2026}",
    "https://example.com/a?b=c",
    "pic.twitter.com/Xy12",
    "@handle",
    "Read more: ",
    "&amp;",
    "&#8217;",
    "1,750",
    "5.93",
    "\u{FB01}",
    "\u{2460}",
    "\u{3042}\u{4E2D}\u{AC00}",
    "\u{0130}",
    "\u{1E9E}",
    "\u{10400}",
    "- Name (@h) January 28, 2017",
];

fn text_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(TEXT_PIECES).prop_map(str::to_string),
        2 => "[A-Z][a-z]{0,10}",
        1 => "[A-Z]{2,12}",
        2 => "[a-z]{1,10}",
        1 => "[ .,;:'\"()\\-]{1,3}",
        1 => any::<char>().prop_map(String::from),
        1 => (any::<char>(), 100usize..2000).prop_map(|(c, n)| c.to_string().repeat(n)),
        1 => "[A-Za-z]{200,600}",
    ]
}

/// Text built from [`text_piece`]s, or arbitrary Unicode.
fn news_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(text_piece(), 0..40).prop_map(|p| p.concat()),
        1 => any::<String>(),
        1 => prop::collection::vec(any::<char>(), 0..200).prop_map(|c| c.into_iter().collect()),
    ]
}

/// Query-syntax-ish strings: terms, phrases, fields, ranges, boosts, slop, wildcards, operators and
/// stray punctuation, in any combination.
fn query_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        "[a-zA-Z0-9]{1,8}",
        Just("putin".to_string()),
        Just("call".to_string()),
        Just("*".to_string()),
        Just("\"".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(":".to_string()),
        Just("^".to_string()),
        Just("~".to_string()),
        Just("-".to_string()),
        Just("+".to_string()),
        Just(" AND ".to_string()),
        Just(" OR ".to_string()),
        Just(" NOT ".to_string()),
        Just(" TO ".to_string()),
        Just(" IN ".to_string()),
        Just(" ".to_string()),
        Just("\\".to_string()),
        Just("'".to_string()),
        Just("/".to_string()),
        "(title|body|id|author|source|published|entities|url|nosuchfield|fingerprint|signature):",
        "[a-z0-9]{1,8}:\\*",
        "\"[a-z ]{0,20}\"(~[0-9]{1,3})?",
        "[a-z]{1,6}\\^[0-9.\\-]{1,5}",
        "[a-z]{1,6}~[0-9]{0,2}",
        "[a-z]{0,4}\\*[a-z]{0,4}",
        "[\\[{][a-z0-9*]{0,6} TO [a-z0-9*]{0,6}[\\]}]",
        "published:[\\[{](2017-02-0[1-9]T00:00:00Z|\\*|[0-9]{1,12}) TO (2017-03-01T00:00:00Z|\\*|[0-9]{1,12})[\\]}]",
        "(title|body|published|id):(>|<|>=|<=)[a-z0-9\\-:]{0,12}",
        "(title|body):IN \\[[a-z ]{0,12}\\]",
        any::<char>().prop_map(String::from),
    ];
    prop_oneof![
        4 => prop::collection::vec(atom, 1..12).prop_map(|a| a.concat()),
        1 => any::<String>(),
    ]
}

// ---------------------------------------------------------------------------------------------------
// Shared fixtures, built once

fn extractor() -> &'static Extractor {
    static EXTRACTOR: OnceLock<Extractor> = OnceLock::new();
    EXTRACTOR.get_or_init(|| ExtractorBuilder::new().build().expect("built-in extractor"))
}

/// Whether `bytes` (after a byte-order mark) are a JSON array with nothing in it.
fn is_empty_array(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    serde_json::from_slice::<serde_json::Value>(bytes)
        .is_ok_and(|v| v.as_array().is_some_and(Vec::is_empty))
}

/// Every item's origin starts with `name`: an error's message, an article's `origin`.
fn assert_origins(items: &[newsidx::Result<newsidx::Article>], name: &str) {
    for item in items {
        match item {
            Ok(article) => {
                assert!(
                    article.origin.starts_with(name),
                    "origin {:?} does not name {name:?}",
                    article.origin
                );
                assert!(!article.body.trim().is_empty(), "empty body: {article:?}");
                assert!(!article.id.is_empty(), "empty id: {article:?}");
            }
            Err(err) => {
                let shown = err.to_string();
                assert!(
                    shown.starts_with(name),
                    "error {shown:?} does not start with {name:?}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// 1. Ingest

/// Bytes that look a bit like each format, so parsers get past their first check.
fn input_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..16),
        2 => prop::sample::select(&[
            "{\"id\":\"x\",\"body\":\"b\"}",
            "{\"body\":\"text\",\"date\":\"Feb 3, 2017\"}",
            "{\"text\":7,\"published\":\"nonsense\"}",
            "[{\"body\":\"a\"},1,null,{\"title\":\"t\"}]",
            "id,title,body,date\n",
            "\"q\"\"uoted\",\"multi\nline\",x,2017-02-03\n",
            "Headline\n\nParagraph.\n",
            "\u{feff}",
            "\n",
            "\r\n",
            ",",
            "\"",
            "{",
            "}",
            "[",
            "]",
        ][..])
        .prop_map(|s: &str| s.as_bytes().to_vec()),
        1 => news_text().prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

/// The number of line terminators (`\n`, `\r`) in `bytes`: no reader yields more records than lines.
fn lines_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn json_lines_never_panic_and_errors_name_the_stream(bytes in input_bytes()) {
        let n = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        let items: Vec<_> = ingest::read_json_lines(std::io::Cursor::new(bytes), "stream").collect();
        prop_assert!(!items.is_empty(), "an empty stream is reported too");
        prop_assert!(items.len() <= n, "{} items from {n} lines", items.len());
        assert_origins(&items, "stream");
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn files_of_every_format_never_panic_and_errors_name_the_file(bytes in input_bytes()) {
        let dir = crate::util::Dir::new();
        let paths: Vec<_> = ["txt", "json", "jsonl", "csv", "html", "rss", "warc"]
            .iter()
            .map(|ext| dir.file(&format!("in.{ext}"), &bytes))
            .collect();
        let found = ingest::discover(&paths, None);
        prop_assert!(found.errors.is_empty(), "{:?}", found.errors);
        prop_assert_eq!(found.inputs.len(), 7);
        for input in &found.inputs {
            let name = input.path.display().to_string();
            let items: Vec<_> = ingest::read_input(input).collect();
            match input.format {
                Format::Text => prop_assert_eq!(items.len(), 1),
                // An empty array is a document of no articles; anything else yields at least one item.
                Format::Json => prop_assert!(!items.is_empty() || is_empty_array(&bytes)),
                Format::JsonLines => prop_assert!(items.len() <= lines_in(&bytes)),
                // A header without rows yields nothing.
                Format::Csv => prop_assert!(items.len() <= lines_in(&bytes)),
                Format::Html => prop_assert_eq!(items.len(), 1),
                // A feed that does not parse is one error; one that does, an item each.
                Format::Feed => prop_assert!(!items.is_empty()),
                // Random bytes are no WARC record: at most one error per damaged stretch.
                Format::Warc => prop_assert!(items.len() <= lines_in(&bytes)),
            }
            assert_origins(&items, &name);
        }
        // The same folder, discovered by walking it, finds the same files.
        let walked = ingest::discover(&[dir.path().to_path_buf()], None);
        prop_assert_eq!(walked.inputs.len(), 7);
    }
}

/// One JSON Lines record: `(id, title, body)`; the body has a non-blank character.
fn record() -> impl Strategy<Value = (String, Option<String>, String)> {
    (
        "[a-zA-Z0-9_\\-]{1,12}",
        prop::option::of(news_text()),
        (news_text(), "[a-zA-Z\u{e9}\u{4e2d}]{1,8}")
            .prop_map(|(text, word)| format!("{text} {word}")),
    )
}

/// A line that is not a valid article: broken JSON, a non-object, an object without a body, bad UTF-8.
/// (A date that cannot be read no longer rejects the article: it is indexed undated, with a warning.)
fn corrupt_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        record().prop_map(|(id, _, body)| {
            let line = serde_json::json!({"id": id, "body": body}).to_string();
            let cut = line.len() / 2;
            line.as_bytes()[..cut].to_vec()
        }),
        Just(b"[1,2,3]".to_vec()),
        Just(b"\"just a string\"".to_vec()),
        Just(b"null".to_vec()),
        Just(b"{\"title\":\"no body\"}".to_vec()),
        Just(b"{\"body\":\"   \"}".to_vec()),
        Just(b"{\"body\":\"caf\xe9\"}".to_vec()),
        prop::collection::vec(
            any::<u8>().prop_filter("no newline", |b| *b != b'\n'),
            1..40
        )
        .prop_filter("not whitespace only", |b| !b
            .iter()
            .all(u8::is_ascii_whitespace))
        .prop_filter("not valid JSON", |b| serde_json::from_slice::<
            serde_json::Value,
        >(b)
        .is_err()),
    ]
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn every_valid_json_line_yields_its_article(
        lines in prop::collection::vec(
            prop_oneof![
                2 => record().prop_map(Ok),
                1 => corrupt_line().prop_map(Err),
                1 => Just(Err(b"   ".to_vec())),
            ],
            0..20,
        )
    ) {
        let mut feed = Vec::new();
        for line in &lines {
            match line {
                Ok((id, title, body)) => {
                    let mut object = serde_json::json!({"id": id, "body": body});
                    if let Some(title) = title {
                        object["title"] = serde_json::Value::String(title.clone());
                    }
                    feed.extend_from_slice(object.to_string().as_bytes());
                }
                Err(bytes) => feed.extend_from_slice(bytes),
            }
            feed.push(b'\n');
        }
        let items: Vec<_> = ingest::read_json_lines(std::io::Cursor::new(feed), "feed").collect();
        assert_origins(&items, "feed:");
        // Blank lines yield nothing, every other line one item; match them up by line number.
        let expected: Vec<(usize, &Result<_, _>)> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !matches!(l, Err(b) if b.iter().all(u8::is_ascii_whitespace)))
            .map(|(i, l)| (i + 1, l))
            .collect();
        if expected.is_empty() {
            // Nothing but blank lines: one error for the whole stream.
            prop_assert_eq!(items.len(), 1);
            let shown = items[0].as_ref().err().map(ToString::to_string).unwrap_or_default();
            prop_assert!(shown.starts_with("feed: empty input"), "{shown}");
            return Ok(());
        }
        prop_assert_eq!(items.len(), expected.len());
        for ((line_no, line), item) in expected.into_iter().zip(&items) {
            match (line, item) {
                (Ok((id, title, body)), Ok(article)) => {
                    prop_assert_eq!(&article.origin, &format!("feed:{line_no}"));
                    prop_assert_eq!(&article.id, id);
                    prop_assert_eq!(article.body.as_str(), body.trim());
                    let title = title.as_deref().map(str::trim).filter(|t| !t.is_empty());
                    prop_assert_eq!(article.title.as_deref(), title);
                }
                (Ok(_), Err(err)) => prop_assert!(false, "valid line {line_no} rejected: {err}"),
                (Err(_), Ok(article)) => prop_assert!(false, "corrupt line {line_no} accepted: {article:?}"),
                (Err(_), Err(err)) => {
                    let shown = err.to_string();
                    prop_assert!(shown.starts_with(&format!("feed:{line_no}:")), "{shown}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// 2. Entity extraction

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn mentions_are_sorted_disjoint_slices_of_the_input(text in news_text()) {
        let mentions = extractor().extract(&text);
        let mut last_end = 0;
        for m in &mentions {
            prop_assert!(m.start < m.end, "{m:?}");
            prop_assert!(m.end <= text.len(), "{m:?} past {}", text.len());
            prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end), "{m:?}");
            prop_assert_eq!(m.text.as_str(), &text[m.start..m.end]);
            prop_assert!(m.start >= last_end, "overlapping or unsorted: {mentions:?}");
            prop_assert!(!m.name.is_empty(), "{m:?}");
            last_end = m.end;
        }
    }

    #[test]
    fn article_extraction_never_panics(title in prop::option::of(news_text()), body in news_text()) {
        let entities = extractor().extract_article(title.as_deref(), &body);
        prop_assert!(entities.windows(2).all(|w| w[0] < w[1]), "not sorted and distinct: {entities:?}");
    }
}

// ---------------------------------------------------------------------------------------------------
// 3. Normaliser and fingerprints

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn fold_is_idempotent(text in news_text()) {
        let once = fold(&text);
        prop_assert_eq!(fold(&once), once.clone(), "fold not idempotent on {:?}", text);
    }

    #[test]
    fn fold_yields_single_spaced_words(text in news_text()) {
        let once = fold(&text);
        prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "), "{once:?}");
    }

    #[test]
    fn clean_never_panics(text in news_text()) {
        let cleaned = clean(&text);
        prop_assert!(!cleaned.contains("  "), "{cleaned:?}");
    }

    #[test]
    fn distance_is_symmetric_bounded_and_zero_on_itself(
        a in (prop::option::of(news_text()), news_text()),
        b in (prop::option::of(news_text()), news_text()),
    ) {
        let sa = Signature::of(a.0.as_deref(), &a.1);
        let sb = Signature::of(b.0.as_deref(), &b.1);
        let d = distance(&sa, &sb);
        prop_assert_eq!(d, distance(&sb, &sa));
        // The lower bound that `clusters` and `collapse` rely on to reject most pairs from their
        // count of agreeing MinHash values alone; an article without words is 100 from everything.
        // The same against `a` with a sentence added, whose Jaccard share is neither 0 nor 1.
        let longer = Signature::of(a.0.as_deref(), &format!("{} Peskov told reporters in Moscow.", a.1));
        for (other, d) in [(&sb, d), (&longer, distance(&sa, &longer))] {
            let j = sa.minhash.jaccard(&other.minhash);
            prop_assert!(f64::from(d) >= (50.0 * (1.0 - j)).floor(), "{d} at Jaccard {j}");
            if sa.minhash.shingles() == 0 || other.minhash.shingles() == 0 {
                prop_assert_eq!(d, 100);
            }
        }
        let again = Signature::of(a.0.as_deref(), &a.1);
        prop_assert_eq!(&sa, &again);
        let self_distance = distance(&sa, &again);
        // An empty signature (no words) is 100 away from everything, itself included.
        prop_assert!(self_distance == 0 || sa.minhash.shingles() == 0, "{self_distance}");
        prop_assert_eq!(Signature::from_packed(&sa.to_packed()).ok(), Some(sa));
    }

    #[test]
    fn signature_from_packed_never_panics(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..600),
            // A real signature's form with one byte changed, or cut.
            (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(at, value)| {
                let mut b = Signature::of(Some("Oil prices rose 4 pct"), "Oil rose 4 pct to $21, OPEC said.").to_packed();
                let at = at.index(b.len());
                b[at] = value;
                b
            }),
            any::<prop::sample::Index>().prop_map(|at| {
                let b = Signature::of(Some("Oil prices rose 4 pct"), "Oil rose 4 pct to $21, OPEC said.").to_packed();
                b[..at.index(b.len())].to_vec()
            }),
        ]
    ) {
        if let Ok(sig) = Signature::from_packed(&bytes) {
            let d = distance(&sig, &sig);
            prop_assert!(d == 0 || d == 100, "{d}");
            let other = Signature::of(None, "one two three four");
            prop_assert_eq!(distance(&sig, &other), distance(&other, &sig));
        }
    }
}

/// Found by `fold_is_idempotent`: `fold("A\u{FEFF}\u{301}")` was `"a\u{301}"` (two characters), and
/// folding that again gave `"\u{E1}"` (one). NFKC runs first and cannot compose the accent with `A`
/// across the byte-order mark; the mark is dropped afterwards, leaving a decomposed pair that the next
/// NFKC composes. The same held for a soft hyphen or a zero-width space (`\u{AD}`, `\u{200B}`).
#[test]
fn fold_is_idempotent_on_an_invisible_before_a_combining_mark() {
    let not_idempotent: Vec<(&str, String, String)> =
        ["A\u{FEFF}\u{301}", "cafe\u{AD}\u{301}", "e\u{200B}\u{308}"]
            .into_iter()
            .map(|text| (text, fold(text), fold(&fold(text))))
            .filter(|(_, once, twice)| once != twice)
            .collect();
    assert!(
        not_idempotent.is_empty(),
        "(input, fold, fold of fold): {not_idempotent:?}"
    );
}

// ---------------------------------------------------------------------------------------------------
// 4. Queries

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn queries_never_panic(
        query in query_text(),
        limit in prop_oneof![8 => 0usize..20, 1 => Just(1usize << 40), 1 => Just(usize::MAX)],
        offset in prop_oneof![
            4 => 0usize..10,
            2 => 0usize..100_000,
            1 => Just(1usize << 40),
            1 => Just(usize::MAX / 2),
            1 => Just(usize::MAX),
        ],
        collapse in prop::option::of(0u32..=120),
        snippet_chars in prop_oneof![0usize..4, Just(240usize)],
        facets in prop::sample::subsequence(EntityKind::ALL.to_vec(), 0..=3),
    ) {
        let mut request = SearchRequest::new(query.clone());
        request.limit = limit;
        request.offset = offset;
        request.collapse = collapse.map(|max_distance| Collapse { max_distance, ..Collapse::default() });
        request.snippet_chars = snippet_chars;
        request.facets = facets;
        match small_index().search(&request) {
            Ok(results) => {
                // A story counts once however many of its articles match: never more than articles.
                let articles = small_index()
                    .search(&SearchRequest {
                        collapse: request.collapse.map(|c| Collapse { count: CountMode::Articles, ..c }),
                        ..request.clone()
                    })
                    .expect("the same search counting articles");
                for (kind, counts) in &results.facets {
                    for c in counts {
                        let in_articles = articles.facets[kind].iter().find(|a| a.name == c.name);
                        prop_assert!(
                            in_articles.is_some_and(|a| c.count >= 1 && c.count <= a.count),
                            "{kind} {}: {} stories, articles {in_articles:?}", c.name, c.count
                        );
                    }
                }
                for (kind, counts) in &articles.facets {
                    for a in counts {
                        prop_assert!(a.count <= results.total_hits, "{kind} {a:?} of {}", results.total_hits);
                    }
                }
                prop_assert!(results.hits.len() <= limit, "{} hits for limit {limit}", results.hits.len());
                prop_assert!(results.hits.len() as u64 <= results.total_hits);
                prop_assert_eq!(&results.query, &query);
                for hit in &results.hits {
                    for &[a, b] in &hit.highlights {
                        prop_assert!(a < b && b <= hit.snippet.len(), "{:?} in {:?}", [a, b], hit.snippet);
                        prop_assert!(hit.snippet.is_char_boundary(a) && hit.snippet.is_char_boundary(b));
                    }
                }
            }
            Err(Error::Query { query: q, .. }) => prop_assert_eq!(q, query),
            Err(other) => prop_assert!(false, "query {query:?}: unexpected error kind: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Bugs found by the properties above, as named regression tests.

/// Found by `queries_never_panic`: paging far past the end panicked. Without collapse, tantivy's
/// `TopDocs::with_limit(limit).and_offset(offset)` sizes a buffer of `2 * (offset + limit)`, and the
/// multiplication overflowed (tantivy `collector/top_score_collector.rs:611`); with collapse,
/// `request.offset + request.limit` overflowed (`collapsed_page`). A page past the last hit is empty.
#[test]
fn huge_offset_is_an_empty_page_not_a_panic() {
    for (offset, collapse) in [(usize::MAX / 2, None), (usize::MAX, Some(42))] {
        let mut request = SearchRequest::new("putin");
        request.offset = offset;
        request.limit = 1;
        request.collapse = collapse.map(|max_distance| Collapse {
            max_distance,
            ..Collapse::default()
        });
        let results = small_index().search(&request).expect("a page past the end");
        assert!(results.hits.is_empty(), "offset {offset}: {results:?}");
    }
}

/// Found in review of `files_of_every_format_never_panic_and_errors_name_the_file`, which once required
/// every JSON file to yield an item: the pieces `[` and `]` make `[]`, a document of no articles, and
/// the property failed on it now and then. An empty array yields nothing and no error.
#[test]
fn an_empty_json_array_yields_no_articles_and_no_error() {
    let dir = crate::util::Dir::new();
    for text in ["[]", " [ \n ] ", "\u{feff}[]"] {
        let path = dir.file("empty.json", text);
        let found = ingest::discover(&[path], None);
        assert!(found.errors.is_empty(), "{:?}", found.errors);
        let items: Vec<_> = ingest::read_input(&found.inputs[0]).collect();
        assert!(items.is_empty(), "{text:?}: {items:?}");
        assert!(is_empty_array(text.as_bytes()));
    }
    assert!(!is_empty_array(b"[{}]") && !is_empty_array(b"{}"));
}

/// The same buffer, below the overflow: `newsidx search --no-collapse --offset 1099511627776` (or
/// `--limit 1099511627776`) asked tantivy for 16 TiB and the process aborted ("memory allocation of
/// 17592186044576 bytes failed", exit 134). An abort cannot be caught, so this runs the binary.
#[test]
fn huge_page_without_collapse_does_not_abort() {
    let dir = crate::util::Dir::new();
    let feed = dir.file("feed.jsonl", r#"{"id":"a1","body":"Putin held a call."}"#);
    dir.run(&["index", feed.to_str().unwrap_or_default()])
        .expect(0);
    // A page past the one hit is empty (exit 1); a huge page holds it (exit 0).
    let past = search_none(
        &dir,
        &["putin", "--no-collapse", "--offset", "1099511627776"],
    );
    assert_eq!(past.total_hits, 1, "{past:?}");
    let all = search(
        &dir,
        &["putin", "--no-collapse", "--limit", "1099511627776"],
    );
    assert_eq!(all.hits.len(), 1, "{all:?}");
}

/// Found by the `query` fuzz target: `FIELD:*` (tantivy's "field has a value" query) parses, then
/// fails only when it runs: on an unknown field (`0:*`, `nosuchfield:*`) or one that is not a fast field
/// (`title:*`). Those are the user's query errors and must say so, like `nosuchfield:x` does.
#[test]
fn field_exists_query_is_a_query_error() {
    let wrong: Vec<(&str, String)> = ["0:*", "nosuchfield:*", "title:*", "body:*", "url:*"]
        .into_iter()
        .filter_map(|q| match small_index().search(&SearchRequest::new(q)) {
            Err(Error::Query { .. }) => None,
            other => Some((q, format!("{other:?}"))),
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Stories counted (the default), articles counted, no collapse.
fn collapse_modes() -> [Option<Collapse>; 3] {
    [
        Some(Collapse::default()),
        Some(Collapse {
            count: CountMode::Articles,
            ..Collapse::default()
        }),
        None,
    ]
}

/// A long-lived index keeps what facet counting learns (entity ids, counters cleared after each
/// query, name prefixes for ranking) from one search to the next: every search gives what the same
/// search gives on a freshly opened index, whatever ran before it.
#[test]
fn facets_of_a_long_lived_index_are_those_of_a_fresh_one() {
    long_lived_against_fresh(small_index(), small_index().path());
    // Stories of several articles, whose matches are counted apart (`SharedMatches`); counted
    // match by match, from the facet column as a plain array once a second query asked for it.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("index");
    write_feed(&path, feed_with_stories(), 1000);
    let shared = newsidx::NewsIndex::open(&path).expect("open");
    shared.reader().set_counting_from_totals(false);
    long_lived_against_fresh(&shared, &path);
}

/// Every search of `shared` (opened at `path`) against the same search on a fresh index.
fn long_lived_against_fresh(shared: &newsidx::NewsIndex, path: &std::path::Path) {
    let queries = [
        "*",
        "putin",
        "storm",
        "leaders",
        "grain",
        "putin OR storm",
        "merkel",
    ];
    let modes = collapse_modes();
    for round in 0..2 {
        for query in queries {
            for collapse in modes {
                for facet_limit in [1, 10] {
                    let request = SearchRequest {
                        facets: EntityKind::ALL.to_vec(),
                        facet_limit,
                        collapse,
                        ..SearchRequest::new(query)
                    };
                    let fresh = newsidx::NewsIndex::open(path)
                        .expect("open")
                        .search(&request)
                        .expect("fresh search");
                    let again = shared.search(&request).expect("shared search");
                    assert_eq!(
                        again, fresh,
                        "round {round}, {query:?}, {collapse:?}, {facet_limit}"
                    );
                }
            }
        }
    }
}

/// The small index's feed, the three captures of the seed story (for stories of several
/// articles) and the wire fixture, as JSON Lines.
fn feed_with_stories() -> String {
    let seeds: String =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/index-fixtures/seeds"))
            .expect("seeds")
            .map(|entry| std::fs::read_to_string(entry.expect("seed").path()).expect("seed text"))
            .enumerate()
            .map(|(i, body)| {
                format!(
                    "{}\n",
                    serde_json::json!({
                        "id": format!("seed-{i}"),
                        "body": body,
                        "source": "Seed Wire",
                        "author": format!("Writer {}", i % 2),
                    })
                )
            })
            .collect();
    format!("{}{seeds}{}", small_index::FEED, wire_feed())
}

/// The wire fixture, as JSON Lines.
fn wire_feed() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/index-fixtures/wire.jsonl"
    ))
    .expect("wire fixture")
}

/// Indexes `feed` (JSON Lines) into the index at `path` (made if missing) on one thread, committing
/// every `commit_every` articles.
fn write_feed(path: &std::path::Path, feed: String, commit_every: usize) {
    let index = newsidx::NewsIndex::open_or_create(path).expect("index");
    let options = newsidx::WriterOptions {
        heap_bytes: 50 * 1024 * 1024,
        threads: 1,
        commit_every,
        ..newsidx::WriterOptions::default()
    };
    let enricher = newsidx::Enricher::new(None).expect("enricher");
    let mut writer = index.writer(&options).expect("writer");
    let read = ingest::read_json_lines(std::io::Cursor::new(feed.into_bytes()), "feed");
    writer
        .index_all(read, &enricher, true, |_| {})
        .expect("index the feed");
    writer.finish().expect("commit");
}

/// A search whose pass over the matches runs on several threads, in slices (a segment, or part of
/// one), gives what the same search gives on one thread: facets, stories, totals and the page.
#[test]
fn a_search_on_several_threads_equals_one_on_one_thread() {
    // Many small segments (each a slice of its own), and one segment cut into slices.
    for commit_every in [2, 1000] {
        several_threads_against_one(commit_every);
    }
}

fn several_threads_against_one(commit_every: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("index");
    write_feed(
        &path,
        format!("{}{}", small_index::FEED, wire_feed()),
        commit_every,
    );
    let single = newsidx::NewsIndex::open(&path).expect("open");
    let threaded = newsidx::NewsIndex::open(&path).expect("open");
    threaded.reader().set_parallel_from(0);
    let segments = threaded
        .tantivy()
        .searchable_segment_ids()
        .expect("segments");
    assert!(
        (segments.len() >= 2) == (commit_every == 2),
        "{} segments",
        segments.len()
    );
    // One thread per core, up to four: on a machine of one core the comparison below is of one
    // thread with itself.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = |index: &newsidx::NewsIndex| index.reader().search_threads().expect("threads");
    assert_eq!(
        threads(&single),
        1,
        "an index this small is searched on one thread"
    );
    assert_eq!(
        threads(&threaded),
        cores.min(4),
        "threads from 0 articles on"
    );
    // The collapse modes, and one of another distance: its stories are found over the matches
    // (`StoryEntityCounter`), not read from the story column.
    let mut modes = collapse_modes().to_vec();
    modes.push(Some(Collapse {
        max_distance: 12,
        ..Collapse::default()
    }));
    for query in ["*", "putin", "kremlin", "oil OR storm", "leaders", "syria"] {
        for &collapse in &modes {
            for sort in [None, Some(newsidx::search::Sort::Newest)] {
                for histogram in [None, Some(newsidx::search::Interval::Month)] {
                    let request = SearchRequest {
                        facets: EntityKind::ALL.to_vec(),
                        field_facets: vec![
                            newsidx::search::FieldFacet::Source,
                            newsidx::search::FieldFacet::Author,
                        ],
                        collapse,
                        sort,
                        histogram,
                        limit: 3,
                        ..SearchRequest::new(query)
                    };
                    let one = single.search(&request).expect("one thread");
                    let several = threaded.search(&request).expect("several threads");
                    assert_eq!(
                        several, one,
                        "{commit_every}: {query:?}, {collapse:?}, {sort:?}, {histogram:?}"
                    );
                }
            }
        }
    }
}

/// A search that matches most of a segment counts its facets (entities, sources, authors) from the
/// segment's totals less the documents left out (deleted ones among them); counted match by match
/// instead, every facet, story and total is the same, on segments with deletions and stories of
/// several articles.
#[test]
fn facets_counted_from_segment_totals_equal_facets_counted_match_by_match() {
    // Segments of five articles, and one large segment (which several threads cut into slices).
    for commit_every in [5, 1000] {
        from_totals_against_match_by_match(commit_every);
    }
}

fn from_totals_against_match_by_match(commit_every: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("index");
    let feed = feed_with_stories();
    write_feed(&path, feed.clone(), commit_every);
    // Changed copies of every third article from the third on: their first copies stay behind as
    // deleted documents (the test checks that stories of several articles remain).
    let changed: String = feed
        .lines()
        .skip(2)
        .step_by(3)
        .map(|line| {
            line.replacen(
                "\"body\":\"",
                "\"body\":\"Updated: Angela Merkel spoke. ",
                1,
            )
        })
        .map(|line| format!("{line}\n"))
        .collect();
    write_feed(&path, changed, 1000);
    let from_totals = newsidx::NewsIndex::open(&path).expect("open");
    let match_by_match = newsidx::NewsIndex::open(&path).expect("open");
    match_by_match.reader().set_counting_from_totals(false);
    // From totals too, on several threads: a segment larger than a thread's share is then cut
    // into slices, each counted from the totals of its own documents.
    let sliced = newsidx::NewsIndex::open(&path).expect("open");
    sliced.reader().set_parallel_from(0);
    // On a machine of one core there are no threads to slice for, and the comparison is of one
    // thread with itself.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(
        sliced.reader().search_threads().expect("threads"),
        cores.min(4),
        "threads from 0 articles on"
    );
    let deleted = from_totals
        .tantivy()
        .searchable_segment_metas()
        .expect("segments")
        .iter()
        .map(|meta| meta.num_deleted_docs())
        .sum::<u32>();
    assert!(deleted > 0, "the index keeps deleted documents");
    let all = from_totals
        .search(&SearchRequest::new("*"))
        .expect("search");
    let stories = all.total_stories.expect("stories counted");
    assert!(
        stories < all.total_hits,
        "stories of several articles: {stories} stories of {} articles",
        all.total_hits
    );
    for round in 0..2 {
        for query in ["*", "said", "putin", "merkel OR oil OR storm", "* -storm"] {
            for collapse in collapse_modes() {
                let request = with_field_facets(query, collapse, true);
                let expected = match_by_match.search(&request);
                let got = from_totals.search(&request);
                assert_eq!(
                    format!("{got:?}"),
                    format!("{expected:?}"),
                    "{commit_every}: round {round}, {query:?}, {collapse:?}"
                );
                let got = sliced.search(&request);
                assert_eq!(
                    format!("{got:?}"),
                    format!("{expected:?}"),
                    "{commit_every}: sliced, round {round}, {query:?}, {collapse:?}"
                );
            }
        }
    }
}

/// A query that matches less than half of a large segment reads its matches' sources and authors
/// a batch of matches at a time; counted as each match is collected instead (no totals), every
/// value and count is the same. Batches are 128 matches: the queries match a few hundred.
#[test]
fn field_facets_read_in_batches_equal_field_facets_read_match_by_match() {
    const WORDS: [&str; 12] = [
        "harvest",
        "tariff",
        "pipeline",
        "strike",
        "ministry",
        "drought",
        "exports",
        "rally",
        "budget",
        "reactor",
        "vaccine",
        "satellite",
    ];
    let mut seed = 7u64;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    let feed: String = (0..700)
        .map(|i| {
            let body: Vec<&str> = (0..40).map(|_| WORDS[next(WORDS.len())]).collect();
            let topic = if i % 5 < 2 { "grain" } else { "steel" };
            let mut line = serde_json::json!({
                "id": format!("b{i}"),
                "title": format!("{topic} {}", body[..3].join(" ")),
                "body": format!("{topic} {}.", body.join(" ")),
            });
            // Some articles without a source or an author: their values are left out.
            if i % 11 != 0 {
                line["source"] = format!("Wire {}", next(9)).into();
            }
            if i % 4 != 0 {
                line["author"] = format!("Writer {}", next(5)).into();
            }
            format!("{line}\n")
        })
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("index");
    write_feed(&path, feed, 1000);
    let batched = newsidx::NewsIndex::open(&path).expect("open");
    let match_by_match = newsidx::NewsIndex::open(&path).expect("open");
    match_by_match.reader().set_counting_from_totals(false);
    for round in 0..2 {
        for query in [
            "grain",
            "grain pipeline",
            "steel -grain",
            "harvest OR tariff",
        ] {
            for collapse in collapse_modes() {
                let request = with_field_facets(query, collapse, false);
                let expected = match_by_match.search(&request).expect("search");
                let got = batched.search(&request).expect("search");
                assert_eq!(got, expected, "round {round}, {query:?}, {collapse:?}");
            }
        }
    }
    // The batches were needed: "grain" matches hundreds of the 700, fewer than half.
    let grain = batched
        .search(&SearchRequest::new("grain"))
        .expect("search")
        .total_hits;
    assert!((129..350).contains(&grain), "{grain} matches");
}

/// `query` with its sources and authors counted (up to 50 values each), entities too when
/// `entities`, and the first three hits.
fn with_field_facets(query: &str, collapse: Option<Collapse>, entities: bool) -> SearchRequest {
    SearchRequest {
        facets: if entities {
            EntityKind::ALL.to_vec()
        } else {
            Vec::new()
        },
        field_facets: vec![
            newsidx::search::FieldFacet::Source,
            newsidx::search::FieldFacet::Author,
        ],
        facet_limit: 50,
        collapse,
        limit: 3,
        ..SearchRequest::new(query)
    }
}
