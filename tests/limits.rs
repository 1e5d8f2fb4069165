//! Limits on every input dimension (issue 16): past each, the record or request is refused with its
//! origin and the limit named, and the run goes on. The limits are the library's `pub const`s.

use newsidx::ingest::{
    MAX_CSV_FIELDS, MAX_CSV_FIELD_BYTES, MAX_JSON_DEPTH, MAX_LINE_BYTES, MAX_RECORD_BYTES,
};
use newsidx::search::{MAX_QUERY_BYTES, MAX_QUERY_CLAUSES, MAX_QUERY_DEPTH};

use crate::util::{search, search_none, Dir, Rejected, Server, Summary};

/// `index --json FILE --rejects`: the summary and the rejected records, in order.
fn index(dir: &Dir, file: &std::path::Path) -> (Summary, Vec<Rejected>) {
    let rejects = dir.path().join("rejects.jsonl");
    let run = dir.run(&[
        "index",
        "--json",
        file.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert!(
        [0, 1].contains(&run.code()),
        "exit {}: {}",
        run.code(),
        run.stderr()
    );
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    let summary: Summary = run.json();
    let rejected = std::fs::read_to_string(&rejects)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (summary, rejected)
}

/// Issue 16: a row whose quote never closes swallowed the rest of the file into one body ("2
/// added, 0 rejected", 1,000 rows lost), or up to the next quoted field (97 rows lost, the row
/// rejected named 100 lines too late). It is rejected by its own line; every row after it is read,
/// multi-line bodies included.
#[test]
fn csv_unclosed_quote_costs_one_row() {
    let dir = Dir::new();
    // To the end of the file.
    let mut csv = String::from("id,title,body\n1,First,first body\n");
    csv.push_str("2,Broken,\"The quote of this body never closes.\n");
    for i in 3..1003 {
        csv.push_str(&format!("{i},Row {i},Body of row {i}.\n"));
    }
    let file = dir.file("tail.csv", &csv);
    let (summary, rejected) = index(&dir, &file);
    let shown = &rejected[..rejected.len().min(3)];
    assert_eq!((summary.added, summary.rejected), (1001, 1), "{shown:?}");
    assert_eq!(rejected[0].origin, format!("{}:3", file.display()));
    assert!(
        rejected[0]
            .reason
            .starts_with("bad CSV row: unclosed quote")
            && rejected[0].reason.contains("the input ends inside it"),
        "{shown:?}"
    );

    // Up to the next quoted field, in a file with multi-line bodies.
    let dir = Dir::new();
    let mut csv = String::from("id,title,body\n1,First,\"A body\nover two lines.\"\n");
    csv.push_str("2,Broken,\"The quote of this body never closes.\n");
    for i in 3..1003 {
        csv.push_str(&format!("{i},Row {i},Body of row {i}.\n"));
        if i % 100 == 0 {
            csv.push_str(&format!(
                "{i}b,Quoted,\"Said \"\"yes\"\".\nSecond line.\"\n"
            ));
        }
    }
    let file = dir.file("archive.csv", &csv);
    let (summary, rejected) = index(&dir, &file);
    let shown = &rejected[..rejected.len().min(3)];
    assert_eq!((summary.added, summary.rejected), (1011, 1), "{shown:?}");
    assert_eq!(rejected[0].origin, format!("{}:4", file.display()));
    assert!(
        rejected[0]
            .reason
            .starts_with("bad CSV row: unclosed quote"),
        "{shown:?}"
    );
    let first = search(&dir, &["id:1", "--fields", "body"]);
    assert_eq!(
        first.hits[0].body.as_deref(),
        Some("A body\nover two lines.")
    );
    let quoted = search(&dir, &["id:500b", "--fields", "body"]);
    assert_eq!(
        quoted.hits[0].body.as_deref(),
        Some("Said \"yes\".\nSecond line.")
    );
}

/// A CSV field over [`MAX_CSV_FIELD_BYTES`] rejects its row; the next row is read.
#[test]
fn csv_field_over_the_limit() {
    let dir = Dir::new();
    let big = "x".repeat(MAX_CSV_FIELD_BYTES + 1);
    let csv = format!("id,title,body\n1,{big},body one\n2,Two,body two\n");
    let file = dir.file("big.csv", csv);
    let (summary, rejected) = index(&dir, &file);
    assert_eq!((summary.added, summary.rejected), (1, 1), "{rejected:?}");
    assert_eq!(rejected[0].origin, format!("{}:2", file.display()));
    assert!(
        rejected[0].reason.contains("\"title\"")
            && rejected[0]
                .reason
                .contains("exceeds the CSV field limit of 8 MiB"),
        "{rejected:?}"
    );
}

/// A CSV header of more than [`MAX_CSV_FIELDS`] columns rejects the file, naming its line 1.
#[test]
fn csv_header_with_too_many_columns() {
    let dir = Dir::new();
    let header: Vec<String> = (0..MAX_CSV_FIELDS)
        .map(|i| format!("c{i}"))
        .chain(["body".to_string()])
        .collect();
    let row = vec!["v"; MAX_CSV_FIELDS + 1].join(",");
    let file = dir.file("wide.csv", format!("{}\n{row}\n", header.join(",")));
    let other = dir.file("ok.csv", "id,body\n1,fine\n");
    let run = dir.run(&[
        "index",
        "--json",
        file.to_str().unwrap(),
        other.to_str().unwrap(),
    ]);
    let run = run.expect(1);
    let summary: Summary = run.json();
    assert_eq!((summary.added, summary.rejected), (1, 1));
    assert!(
        run.stderr().contains(&format!(
            "{}:1: CSV header of 1025 columns exceeds the limit of 1024",
            file.display()
        )),
        "{}",
        run.stderr()
    );
}

/// A line over [`MAX_LINE_BYTES`] (here a quoted CSV field of 17 MiB on one line, and a JSON Lines
/// record) is rejected without being kept in memory; the lines after it are read.
#[test]
fn lines_over_the_limit() {
    let dir = Dir::new();
    let big = "y".repeat(MAX_LINE_BYTES + 1024);
    let csv = dir.file(
        "long.csv",
        format!("id,body\n1,\"{big}\"\n2,after the long line\n"),
    );
    let (summary, rejected) = index(&dir, &csv);
    assert_eq!((summary.added, summary.rejected), (1, 1), "{rejected:?}");
    assert_eq!(rejected[0].origin, format!("{}:2", csv.display()));
    assert!(
        rejected[0]
            .reason
            .contains("exceeds the 16 MiB record limit"),
        "{rejected:?}"
    );
    let jsonl = dir.file(
        "long.jsonl",
        format!("{{\"id\":\"j1\",\"body\":\"{big}\"}}\n{{\"id\":\"j2\",\"body\":\"after\"}}\n"),
    );
    let (summary, rejected) = index(&dir, &jsonl);
    assert_eq!((summary.added, summary.rejected), (1, 1), "{rejected:?}");
    assert_eq!(rejected[0].origin, format!("{}:1", jsonl.display()));
    assert!(
        rejected[0].reason.contains("exceeds the 16 MiB line limit"),
        "{rejected:?}"
    );
}

/// A record over [`MAX_RECORD_BYTES`] (a text file) is rejected; the run goes on.
#[test]
fn record_over_the_limit() {
    let dir = Dir::new();
    let big = dir.file("big.txt", "word ".repeat(MAX_RECORD_BYTES / 5 + 1));
    let small = dir.file("small.txt", "A small article about Moscow.");
    let run = dir.run(&[
        "index",
        "--json",
        big.to_str().unwrap(),
        small.to_str().unwrap(),
    ]);
    let run = run.expect(1);
    let summary: Summary = run.json();
    assert_eq!((summary.added, summary.rejected), (1, 1));
    assert!(
        run.stderr()
            .contains(&format!("{}: a record larger than 16 MiB", big.display())),
        "{}",
        run.stderr()
    );
}

/// JSON nested deeper than [`MAX_JSON_DEPTH`] is rejected with its origin, in JSON Lines and in a
/// `.json` document, however deep (serde_json stops at 128; below that, such a record was read).
#[test]
fn json_nested_too_deep() {
    let dir = Dir::new();
    let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let lines = format!(
        "{{\"id\":\"ok1\",\"body\":\"fine\",\"meta\":{}}}\n\
         {{\"id\":\"deep\",\"body\":\"too deep\",\"meta\":{}}}\n\
         {{\"id\":\"ok2\",\"body\":\"fine too\"}}\n",
        nested(MAX_JSON_DEPTH - 1),
        nested(MAX_JSON_DEPTH + 36),
    );
    let file = dir.file("deep.jsonl", lines);
    let (summary, rejected) = index(&dir, &file);
    assert_eq!((summary.added, summary.rejected), (2, 1), "{rejected:?}");
    assert_eq!(rejected[0].origin, format!("{}:2", file.display()));
    assert!(
        rejected[0]
            .reason
            .starts_with("JSON nested deeper than the limit of 64 levels"),
        "{rejected:?}"
    );
    let document = dir.file(
        "deep.json",
        format!("{{\"body\":\"x\",\n\"meta\":{}}}", nested(100_000)),
    );
    let (summary, rejected) = index(&dir, &document);
    assert_eq!((summary.added, summary.rejected), (0, 1), "{rejected:?}");
    assert_eq!(rejected[0].origin, format!("{}:2", document.display()));
    assert!(rejected[0].reason.contains("64 levels"), "{rejected:?}");
}

/// `search` with a query over a limit: exit 2, one line naming the limit and the valid range.
fn refused(dir: &Dir, query: &str, says: &str) {
    let run = dir.run(&["search", query]).expect(2);
    let stderr = run.stderr();
    assert!(stderr.contains(says), "{stderr}");
    assert!(stderr.len() < 400, "the whole query repeated: {stderr}");
}

#[test]
fn query_limits() {
    let dir = Dir::new();
    let feed = dir.file(
        "feed.jsonl",
        "{\"id\":\"a1\",\"body\":\"Putin held a call.\"}\n",
    );
    dir.run(&["index", feed.to_str().unwrap()]).expect(0);
    let long = format!("putin {}", "x".repeat(MAX_QUERY_BYTES));
    refused(
        &dir,
        &long,
        "the query is 16390 bytes long; a query may be 1 to 16384 bytes (MAX_QUERY_BYTES)",
    );
    // Distinct words: tantivy's parser folds repeated ones into one.
    let words = |n: usize| -> String {
        std::iter::once("putin".to_string())
            .chain((1..n).map(|i| format!("w{i}")))
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    let many = words(MAX_QUERY_CLAUSES + 1);
    refused(
        &dir,
        &many,
        "the query has 1025 terms; a query may have 1 to 1024 (MAX_QUERY_CLAUSES)",
    );
    let deep = format!(
        "{}putin{}",
        "(".repeat(MAX_QUERY_DEPTH + 1),
        ")".repeat(MAX_QUERY_DEPTH + 1)
    );
    refused(
        &dir,
        &deep,
        "parentheses nested 33 deep; a query may nest them 0 to 32 deep (MAX_QUERY_DEPTH)",
    );
    // Up to each limit the query runs.
    let at_limit = words(MAX_QUERY_CLAUSES);
    assert_eq!(search(&dir, &[&at_limit]).total_hits, 1);
    let nested = format!(
        "{}putin{}",
        "(".repeat(MAX_QUERY_DEPTH),
        ")".repeat(MAX_QUERY_DEPTH)
    );
    assert_eq!(search(&dir, &[&nested]).total_hits, 1);
    // Parentheses inside quotes are words, not nesting.
    let quoted = format!("putin \"{} call\"", "(".repeat(100));
    assert_eq!(search(&dir, &[&quoted]).total_hits, 1);
}

/// A 6 KB query of 3,000 nested parentheses overflowed the stack of the server's worker thread and
/// aborted `newsidx serve` (exit 134). It is a 400 naming the limit, and the server goes on.
#[test]
fn nested_query_does_not_bring_the_server_down() {
    let dir = Dir::new();
    let feed = dir.file(
        "feed.jsonl",
        "{\"id\":\"a1\",\"body\":\"Putin held a call.\"}\n",
    );
    dir.run(&["index", feed.to_str().unwrap()]).expect(0);
    let server = Server::start(&dir.index(), &[]);
    let get = |q: &str| -> (u16, String) {
        let url = format!("{}/api/search?q={}", server.url, q);
        match ureq::get(&url).call() {
            Ok(response) => (
                response.status(),
                response.into_string().unwrap_or_default(),
            ),
            Err(ureq::Error::Status(status, response)) => {
                (status, response.into_string().unwrap_or_default())
            }
            Err(err) => panic!("request failed (server down?): {err}"),
        }
    };
    let deep = format!("{}putin{}", "%28".repeat(3000), "%29".repeat(3000));
    let (status, body) = get(&deep);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("MAX_QUERY_DEPTH"), "{body}");
    assert_eq!(get("putin").0, 200);
}

/// `--limit` and `--offset` at their extremes are clamped to the index's articles (nothing past
/// them is allocated), in the CLI as in the library; the HTTP API refuses past its MAX_LIMIT and
/// MAX_OFFSET.
#[test]
fn limit_and_offset_extremes() {
    let dir = Dir::new();
    let feed = dir.file(
        "feed.jsonl",
        "{\"id\":\"a1\",\"body\":\"Putin held a call.\"}\n{\"id\":\"a2\",\"body\":\"Putin again, in a different article altogether.\"}\n",
    );
    dir.run(&["index", feed.to_str().unwrap()]).expect(0);
    let max = u64::MAX.to_string();
    for collapse in [&[][..], &["--no-collapse"][..]] {
        let mut args = vec!["putin", "--limit", &max];
        args.extend(collapse);
        assert_eq!(search(&dir, &args).hits.len(), 2);
        let mut args = vec!["putin", "--limit", &max, "--offset", &max];
        args.extend(collapse);
        assert_eq!(search_none(&dir, &args).total_hits, 2);
        let mut args = vec!["putin", "--facets", "--facet-limit", &max];
        args.extend(collapse);
        search(&dir, &args);
    }
    let run = dir.run(&["duplicates", "--limit", &max, "--offset", &max]);
    assert!([0, 1].contains(&run.code()), "{}", run.stderr());
    dir.run(&["entities", "--limit", &max]).expect(0);
    // Beyond u64, clap refuses the number itself.
    let run = dir.run(&["search", "putin", "--limit", "18446744073709551616"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
}
