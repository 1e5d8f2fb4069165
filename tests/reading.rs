//! Issue 13 (reading the results): date orders, the histogram, source and author facets with the
//! `--source` filter, counts only (`--limit 0`), story totals, export, `--fields` and fuzzy words.
//! Most tests run on a small corpus of dated articles made here, whose answers are known.

use std::collections::BTreeSet;

use crate::util::{
    export, indexed_fixtures, search, search_counts, search_none, stats, Dir, Results,
};

/// `n` made-up words from `seed`: texts of different seeds share no word pair, so they are never
/// near-duplicates.
fn words(seed: u64, n: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "de", "gu", "pa", "ze", "bo", "fi", "ha",
        "jo",
    ];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            (0..3)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    SYLLABLES[(x % 16) as usize]
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Seven articles that all mention "harvest". `d3` and `d4` are one story (the same text under
/// two headlines, two days apart); `d3` has the word in its headline, so it scores best, but `d4` is newer. `d4`
/// and `d5` share a date; `d6` is undated. 2017-01-02 is a Monday, 2017-01-29 a Sunday.
/// id, title, published, source, author, and the seed of the body's words.
type Fixture = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    u64,
);

const ARTICLES: [Fixture; 7] = [
    (
        "d1",
        "Harvest \"festival\", opens in Lund",
        Some("2017-01-02T10:00:00Z"),
        "Alpha Wire",
        "Ann Berg",
        1,
    ),
    (
        "d2",
        "Grain prices steady",
        Some("2017-01-29T08:00:00Z"),
        "beta news",
        "Bo Lind",
        2,
    ),
    (
        "d3",
        "Harvest record in Skane",
        Some("2017-03-18T12:00:00Z"),
        "Alpha Wire",
        "Ann Berg",
        34,
    ),
    (
        "d4",
        "Farm output report",
        Some("2017-03-20T12:00:00Z"),
        "Beta News",
        "Cai Sun",
        34,
    ),
    (
        "d5",
        "Fishing quotas set",
        Some("2017-03-20T12:00:00Z"),
        "Gamma Post",
        "Bo Lind",
        5,
    ),
    ("d6", "Undated note", None, "Alpha Wire", "Dan Ek", 6),
    (
        "d7",
        "Spring planting begins",
        Some("2017-05-15T06:00:00Z"),
        "Gamma Post",
        "Cai Sun",
        7,
    ),
];

fn corpus() -> Dir {
    let dir = Dir::new();
    let mut lines = String::new();
    for (id, title, published, source, author, seed) in ARTICLES {
        let mut article = serde_json::json!({
            "id": id,
            "title": title,
            "body": format!("{} harvest {}", words(seed, 40), words(seed + 100, 40)),
            "source": source,
            "author": author,
            "url": format!("https://example.test/{id}"),
        });
        if let Some(published) = published {
            article["published"] = published.into();
        }
        lines.push_str(&format!("{article}\n"));
    }
    let feed = dir.file("dated.jsonl", lines);
    dir.run(&["index", feed.to_str().unwrap()]).expect(0);
    dir
}

fn ids(results: &Results) -> Vec<&str> {
    results.hits.iter().map(|h| h.id.as_str()).collect()
}

/// The ids of every page of `size` of `args`, in order.
fn paged(dir: &Dir, args: &[&str], size: usize) -> Vec<String> {
    let mut all = Vec::new();
    let n = size.to_string();
    for page in 0.. {
        let offset = (page * size).to_string();
        let mut a = args.to_vec();
        a.extend(["--limit", &n, "--offset", &offset]);
        let mut full = vec!["search", "--json"];
        full.extend(&a);
        let run = dir.run(&full);
        let results: Results = run.json();
        if results.hits.is_empty() {
            break;
        }
        all.extend(results.hits.into_iter().map(|h| h.id));
    }
    all
}

#[test]
fn date_orders_put_undated_last_and_page_stably() {
    let dir = corpus();
    let plain = |sort: &str| search(&dir, &["harvest", "--no-collapse", "--sort", sort]);
    let newest = plain("newest");
    assert_eq!(newest.sort, "newest");
    // d4 and d5 share a date: their order is the index's, the same in every run and page.
    let (first, second) = (&ids(&newest)[1..3], ["d4", "d5"]);
    assert!(first == second || first == ["d5", "d4"], "{first:?}");
    assert_eq!(ids(&newest)[0], "d7");
    assert_eq!(ids(&newest)[3..], ["d3", "d2", "d1", "d6"]);
    let oldest = plain("oldest");
    assert_eq!(ids(&oldest)[..3], ["d1", "d2", "d3"]);
    assert_eq!(ids(&oldest)[3..5], *first);
    assert_eq!(ids(&oldest)[5..], ["d7", "d6"]);
    // Collapsed, the story of d3 and d4 is led by d3 (its headline has the word) and sorted by
    // d3's date, although d4 is newer.
    let collapsed = search(&dir, &["harvest", "--sort", "newest"]);
    assert_eq!(ids(&collapsed), ["d7", "d5", "d3", "d2", "d1", "d6"]);
    let story = &collapsed.hits[2];
    let dups: Vec<&str> = story.duplicates.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(dups, ["d4"]);
    let oldest = search(&dir, &["harvest", "--sort", "oldest"]);
    assert_eq!(ids(&oldest), ["d1", "d2", "d3", "d5", "d7", "d6"]);
    let relevance = search(&dir, &["harvest", "--sort", "relevance", "--no-collapse"]);
    assert_eq!(relevance.sort, "relevance");
    assert!(relevance.hits.windows(2).all(|w| w[0].score >= w[1].score));
    // `*` alone is sorted newest first.
    let all = search(&dir, &["*", "--no-collapse"]);
    assert_eq!(all.sort, "newest");
    assert_eq!(ids(&all)[0], "d7");
    // Pages of two, under every order, give the one-page list.
    for sort in ["relevance", "newest", "oldest"] {
        for collapse in [true, false] {
            let mut args = vec!["harvest", "--sort", sort];
            if !collapse {
                args.push("--no-collapse");
            }
            let mut whole = args.clone();
            whole.extend(["--limit", "50"]);
            let expected: Vec<String> = search(&dir, &whole)
                .hits
                .into_iter()
                .map(|h| h.id)
                .collect();
            assert_eq!(
                paged(&dir, &args, 2),
                expected,
                "{sort} collapse={collapse}"
            );
        }
    }
}

#[test]
fn the_histogram_counts_stories_per_bucket_with_the_empty_ones() {
    let dir = corpus();
    let buckets = |args: &[&str]| -> Vec<(String, u64)> {
        let mut all = vec!["harvest", "--limit", "0"];
        all.extend_from_slice(args);
        search_counts(&dir, &all)
            .histogram
            .expect("histogram")
            .into_iter()
            .map(|b| (b.start, b.count))
            .collect()
    };
    let month = |m: &str, n: u64| (format!("2017-{m}-01T00:00:00Z"), n);
    // The story of d3 and d4 counts once, in March (its earliest copy); d6 is undated.
    assert_eq!(
        buckets(&["--histogram", "month"]),
        [
            month("01", 2),
            month("02", 0),
            month("03", 2),
            month("04", 0),
            month("05", 1)
        ]
    );
    assert_eq!(
        buckets(&["--histogram", "month", "--count", "articles"])[2],
        month("03", 3)
    );
    assert_eq!(
        buckets(&["--histogram", "month", "--no-collapse"])[2],
        month("03", 3)
    );
    // The date bounds give the range.
    let bounded = buckets(&[
        "--histogram",
        "month",
        "--since",
        "2016-12-15",
        "--until",
        "2017-06-30",
    ]);
    assert_eq!(bounded.len(), 7, "{bounded:?}");
    assert_eq!(bounded[0], ("2016-12-01T00:00:00Z".into(), 0));
    assert_eq!(bounded[6], month("06", 0));
    // Weeks start on Monday: Sunday 29 January falls in the week of the 23rd.
    let weeks = buckets(&["--histogram", "week"]);
    assert_eq!(weeks[0], ("2017-01-02T00:00:00Z".into(), 1));
    assert!(
        weeks.contains(&("2017-01-23T00:00:00Z".into(), 1)),
        "{weeks:?}"
    );
    assert_eq!(weeks.iter().map(|w| w.1).sum::<u64>(), 5);
    let years = buckets(&["--histogram", "year"]);
    assert_eq!(years, [("2017-01-01T00:00:00Z".into(), 5)]);
    let days = buckets(&["--histogram", "day"]);
    assert_eq!(days.len(), 31 + 28 + 31 + 30 + 15 - 1);
    // Without --histogram, null; the human chart has one bar per bucket.
    assert_eq!(search(&dir, &["harvest"]).histogram, None);
    let chart = dir
        .run(&["search", "harvest", "--histogram", "month", "-n", "0"])
        .expect(0)
        .stdout();
    assert!(chart.contains("per month"), "{chart}");
    let bars: Vec<&str> = chart.lines().filter(|l| l.starts_with("  2017-")).collect();
    assert_eq!(bars.len(), 5, "{chart}");
    assert!(bars[0].contains('█') && bars[0].ends_with(" 2"), "{chart}");
    // A day chart of many buckets is shortened: runs of empty days become one line.
    let long = dir
        .run(&["search", "harvest", "--histogram", "day", "-n", "0"])
        .expect(0)
        .stdout();
    assert!(long.lines().count() < 20, "{long}");
    assert!(long.contains("empty days"), "{long}");
}

#[test]
fn source_facets_equal_the_counts_of_source_filtered_searches() {
    let dir = corpus();
    for count in ["stories", "articles"] {
        let all = search_counts(
            &dir,
            &[
                "harvest",
                "--facets",
                "source,author",
                "-n",
                "0",
                "--count",
                count,
            ],
        );
        let sources = &all.facets["source"];
        assert_eq!(sources.len(), 3, "{sources:?}");
        let authors = &all.facets["author"];
        assert_eq!(authors.len(), 4, "{authors:?}");
        for facet in sources {
            let filtered = search_counts(
                &dir,
                &[
                    "harvest",
                    "--source",
                    &facet.name,
                    "-n",
                    "0",
                    "--count",
                    count,
                ],
            );
            let expected = match count {
                "stories" => filtered.total_stories.expect("stories file"),
                _ => filtered.total_hits,
            };
            assert_eq!(facet.count, expected, "{count}: {facet:?}");
        }
        // "beta news" and "Beta News" are one source, shown as stored.
        let beta = sources
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case("beta news"))
            .expect("beta");
        assert!(beta.name == "Beta News" || beta.name == "beta news");
    }
    let stories = search_counts(&dir, &["harvest", "--facets", "source", "-n", "0"]);
    let counts: Vec<(&str, u64)> = stories.facets["source"]
        .iter()
        .map(|c| (c.name.as_str(), c.count))
        .collect();
    // Alpha: d1, the d3 story, d6. Beta: d2, the story (through d4). Gamma: d5, d7.
    assert_eq!(counts[0], ("Alpha Wire", 3));
    assert_eq!(counts.iter().map(|c| c.1).sum::<u64>(), 7);
    // --source is case-insensitive and repeatable (any of).
    let alpha = search(
        &dir,
        &["harvest", "--source", "ALPHA WIRE", "--no-collapse"],
    );
    assert_eq!(alpha.total_hits, 3);
    assert!(alpha
        .hits
        .iter()
        .all(|h| h.source.as_deref() == Some("Alpha Wire")));
    let both = search(
        &dir,
        &[
            "harvest",
            "--source",
            "alpha wire",
            "--source",
            "gamma post",
        ],
    );
    assert_eq!(both.total_hits, 5);
    search_none(&dir, &["harvest", "--source", "nowhere"]);
    // Person facets still come with the fields.
    let mixed = search_counts(&dir, &["*", "--facets", "author,person", "-n", "0"]);
    assert!(mixed.facets.contains_key("author") && mixed.facets.contains_key("person"));
}

#[test]
fn limit_zero_gives_counts_and_stories_only() {
    let dir = indexed_fixtures();
    let results = search_counts(&dir, &["takeover bid", "--facets", "-n", "0"]);
    assert!(results.total_hits > 0);
    assert!(!results.facets.is_empty());
    let human = dir
        .run(&["search", "takeover bid", "--facets", "-n", "0"])
        .expect(0)
        .stdout();
    assert!(human.starts_with("1 article in 1 story"), "{human}");
    dir.run(&["search", "xylophonequartet", "-n", "0"])
        .expect(1);
    // The stories of `*` are those of the stories file: each group counts once.
    let all = search_counts(&dir, &["*", "-n", "0"]);
    let file = stats(&dir).stories.expect("story column");
    let expected = all.total_hits - file.articles + file.groups;
    assert_eq!(all.total_stories, Some(expected));
    let human = dir.run(&["search", "*"]).expect(0).stdout();
    let head = format!(
        "{} articles in {expected} stories; showing stories 1-10",
        all.total_hits
    );
    assert!(human.starts_with(&head), "{human}");
    assert!(human.contains("--offset counts stories"), "{human}");
    // By another rule than the story column's, a collapse that saw every match counts its groups;
    // without collapse, none.
    let grouped = search(&dir, &["*", "--limit", "50", "--within", "any"]);
    assert_eq!(grouped.total_stories, Some(grouped.hits.len() as u64));
    assert_eq!(search(&dir, &["*", "--no-collapse"]).total_stories, None);
}

#[test]
fn export_writes_every_match_once() {
    let dir = indexed_fixtures();
    let all = search_counts(&dir, &["*", "-n", "0"]);
    let lines = export(&dir, "jsonl", &["*", "--no-collapse", "--limit", "3"]);
    let rows: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len() as u64, all.total_hits, "not capped by --limit");
    let first = lines.lines().next().unwrap_or_default();
    let at: Vec<usize> = ["id", "score", "published", "source", "title"]
        .iter()
        .map(|k| first.find(&format!("\"{k}\":")).expect(k))
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "columns in order: {first}"
    );
    assert_eq!(rows[0].as_object().unwrap().len(), 5);
    let ids: BTreeSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rows.len());
    // `*` comes newest first, undated last.
    let dates: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["published"].as_str())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    assert!(rows.last().unwrap()["published"].is_null());
    // Collapsed: a line per story, whose duplicates hold the rest of the story.
    let stories = export(&dir, "jsonl", &["*"]);
    let rows: Vec<serde_json::Value> = stories
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(Some(rows.len() as u64), all.total_stories);
    let mut every: Vec<&str> = Vec::new();
    for row in &rows {
        every.push(row["id"].as_str().unwrap());
        every.extend(
            row["duplicates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap()),
        );
    }
    let distinct: BTreeSet<&str> = every.iter().copied().collect();
    assert_eq!((every.len(), distinct), (ids.len(), ids));
    // The stories and their leaders are the search's, in the same order.
    let page = search(&dir, &["*", "--limit", "50"]);
    let story = |id: &str, dups: Vec<&str>| {
        let mut dups = dups;
        dups.sort();
        (id.to_string(), dups.join(" "))
    };
    let exported: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let dups = r["duplicates"].as_array().unwrap();
            story(
                r["id"].as_str().unwrap(),
                dups.iter().map(|d| d.as_str().unwrap()).collect(),
            )
        })
        .collect();
    let searched: Vec<(String, String)> = page
        .hits
        .iter()
        .map(|h| story(&h.id, h.duplicates.iter().map(|d| d.id.as_str()).collect()))
        .collect();
    assert_eq!(exported, searched);
    // A query's export has its total_hits lines; --fields adds columns.
    let putin = search(&dir, &["putin", "--no-collapse"]).total_hits;
    let csv = export(
        &dir,
        "csv",
        &["putin", "--no-collapse", "--fields", "body,url"],
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        ["id", "score", "published", "source", "title", "body", "url"]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len() as u64, putin);
    assert!(records.iter().all(|r| !r[5].is_empty()));
    assert!(records.iter().any(|r| r[5].contains("Putin")));
    dir.run(&["search", "xylophonequartet", "--format", "csv"])
        .expect(1);
}

#[test]
fn csv_quotes_and_fields_reach_hits() {
    let dir = corpus();
    let csv = export(
        &dir,
        "csv",
        &["harvest", "--sort", "oldest", "--no-collapse"],
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[0], "d1");
    assert_eq!(&first[4], "Harvest \"festival\", opens in Lund");
    let collapsed = export(&dir, "csv", &["harvest", "--sort", "newest"]);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(collapsed.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    let story = rows
        .iter()
        .find(|r| &r[0] == "d3")
        .expect("d3 leads its story");
    assert_eq!(&story[5], "d4");
    let order: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(order, ["d7", "d5", "d3", "d2", "d1", "d6"]);
    // --fields body adds the text to JSON hits, and prints fields in the human output.
    let with_body = search(&dir, &["harvest", "--fields", "body"]);
    assert!(with_body
        .hits
        .iter()
        .all(|h| h.body.as_deref().is_some_and(|b| b.contains("harvest"))));
    assert!(search(&dir, &["harvest"])
        .hits
        .iter()
        .all(|h| h.body.is_none()));
    let human = dir
        .run(&["search", "harvest", "--fields", "url,author", "-n", "1"])
        .expect(0)
        .stdout();
    assert!(human.contains("url: https://example.test/"), "{human}");
    assert!(human.contains("author: "), "{human}");
    let bad = dir
        .run(&["search", "harvest", "--fields", "colour"])
        .expect(2);
    assert!(bad.stderr().contains("colour"), "{}", bad.stderr());
}

#[test]
fn fuzzy_words_find_misspellings() {
    let dir = corpus();
    search_none(&dir, &["harvset"]);
    let fuzzy = search(&dir, &["harvset~1", "--no-collapse"]);
    assert_eq!(fuzzy.total_hits, 7);
    // Two edits are not one.
    search_none(&dir, &["harvsto~1"]);
    assert_eq!(search(&dir, &["harvsto~2", "--no-collapse"]).total_hits, 7);
    // A field name and the rest of the syntax still apply.
    assert_eq!(
        search(&dir, &["title:harvset~1", "--no-collapse"]).total_hits,
        2
    );
    assert_eq!(
        search(&dir, &["harvset~1 -skane", "--no-collapse"]).total_hits,
        6
    );
    let run = dir.run(&["search", "harvest~3"]).expect(2);
    assert!(run.stderr().contains("1 or 2 edits"), "{}", run.stderr());
    // The fixtures' Daria Volkova, misspelt.
    let fixtures = indexed_fixtures();
    search_none(&fixtures, &["volkvoa"]);
    let found = search(&fixtures, &["volkvoa~1"]);
    assert!(found.hits[0]
        .title
        .as_deref()
        .unwrap_or_default()
        .contains("Hartmann"));
}
