//! `newsidx serve`: the real server on a free loopback port over a copy of the fixture index, called
//! over HTTP. Every read endpoint answers what the CLI's `--json` prints for the same request; every
//! error is a JSON `{"error": {"kind", "message"}}` with its status; writes are upserts that readers
//! see after the commit, while they go on reading.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{indexed_fixtures, Dir, Server};

/// A request's status, headers we check and body (JSON when it parses, else a string).
struct Answer {
    status: u16,
    content_type: String,
    csp: Option<String>,
    body: Value,
    bytes: usize,
}

fn answer(result: Result<ureq::Response, ureq::Error>) -> Answer {
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(err) => panic!("request failed: {err}"),
    };
    let status = response.status();
    let content_type = response.header("content-type").unwrap_or("").to_string();
    let csp = response
        .header("content-security-policy")
        .map(str::to_string);
    let text = response.into_string().expect("body");
    let bytes = text.len();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        content_type,
        csp,
        body,
        bytes,
    }
}

fn get(server: &Server, path: &str) -> Answer {
    answer(ureq::get(&format!("{}{path}", server.url)).call())
}

fn post(server: &Server, body: &str, key: Option<&str>) -> Answer {
    let mut request = ureq::post(&format!("{}/api/articles", server.url));
    if let Some(key) = key {
        request = request.set("Authorization", &format!("Bearer {key}"));
    }
    answer(request.send_string(body))
}

/// `newsidx ARGS --json` on the dir's index, decoded.
fn cli_json(dir: &Dir, args: &[&str]) -> Value {
    let mut all: Vec<&str> = args.to_vec();
    all.push("--json");
    let run = dir.run(&all);
    let out = run.stdout();
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"))
}

/// The error kind of an error answer, checking its shape.
fn error_kind(answer: &Answer) -> String {
    let error = &answer.body["error"];
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message: {}",
        answer.body
    );
    assert!(answer.content_type.starts_with("application/json"));
    error["kind"].as_str().unwrap_or_default().to_string()
}

#[test]
fn read_endpoints_answer_what_the_cli_prints() {
    let dir = indexed_fixtures();
    let server = Server::start(&dir.index(), &[]);
    let health = get(&server, "/api/health");
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
    assert_eq!(health.body["articles"], 21);

    let api = get(
        &server,
        "/api/search?q=Putin+call&facets=person,org,place,source&histogram=month",
    );
    assert_eq!(api.status, 200, "{}", api.body);
    let cli = cli_json(
        &dir,
        &[
            "search",
            "Putin call",
            "--facets",
            "person,org,place,source",
            "--histogram",
            "month",
        ],
    );
    assert_eq!(api.body, cli);
    // The founding example: one story, two copies.
    assert_eq!(api.body["total_stories"], 1);
    assert_eq!(api.body["hits"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        api.body["hits"][0]["duplicates"].as_array().map(Vec::len),
        Some(2)
    );

    let pairs: [(&str, Vec<&str>); 6] = [
        (
            "/api/search?q=*&entity=person:putin&sort=oldest&limit=5&offset=1",
            vec![
                "search", "*", "--entity", "person:putin", "--sort", "oldest", "-n", "5",
                "--offset", "1",
            ],
        ),
        (
            "/api/search?q=putin&collapse=false&fields=url,origin&since=2016-01-01&until=2017-12-31",
            vec![
                "search", "putin", "--no-collapse", "--fields", "url,origin", "--since",
                "2016-01-01", "--until", "2017-12-31",
            ],
        ),
        (
            "/api/search?q=*&facets=&count=articles&max_distance=10&within=any&histogram=year",
            vec![
                "search", "*", "--facets", "--count", "articles", "--max-distance", "10",
                "--within", "any", "--histogram", "year",
            ],
        ),
        (
            "/api/entities?type=person&limit=5",
            vec!["entities", "--type", "person", "-n", "5"],
        ),
        ("/api/stats", vec!["stats"]),
        (
            "/api/duplicates?limit=1&offset=1",
            vec!["duplicates", "--limit", "1", "--offset", "1"],
        ),
    ];
    for (path, args) in pairs {
        let api = get(&server, path);
        assert_eq!(api.status, 200, "{path}: {}", api.body);
        assert_eq!(api.body, cli_json(&dir, &args), "{path}");
    }

    let id = cli["hits"][0]["id"].as_str().expect("id").to_string();
    let api = get(&server, &format!("/api/articles/{id}"));
    assert_eq!(api.status, 200);
    assert_eq!(api.body, cli_json(&dir, &["show", &id]));
    assert_eq!(api.body["story"].as_array().map(Vec::len), Some(2));
}

#[test]
fn an_id_with_slashes_and_spaces_is_found() {
    let dir = Dir::new();
    let line = r#"{"id": "https://example.com/2017/01/a b", "title": "Odd id", "body": "Text with an odd id."}"#;
    let file = dir.file("a.jsonl", line);
    dir.run(&["index", file.to_str().unwrap()]).expect(0);
    let server = Server::start(&dir.index(), &[]);
    for path in [
        "/api/articles/https%3A%2F%2Fexample.com%2F2017%2F01%2Fa%20b",
        "/api/articles/https:%2F%2Fexample.com/2017/01/a%20b",
    ] {
        let api = get(&server, path);
        assert_eq!(api.status, 200, "{path}: {}", api.body);
        assert_eq!(api.body["title"], "Odd id");
    }
}

#[test]
fn export_formats_stream_every_match() {
    let dir = indexed_fixtures();
    let server = Server::start(&dir.index(), &[]);
    let csv = get(&server, "/api/search?q=putin&format=csv&fields=url");
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"));
    let text = csv.body.as_str().expect("text");
    let cli = dir.run(&["search", "putin", "--format", "csv", "--fields", "url"]);
    assert_eq!(text, cli.stdout());
    let jsonl = get(&server, "/api/search?q=putin&format=jsonl");
    assert!(jsonl.content_type.starts_with("application/x-ndjson"));
}

#[test]
fn bad_requests_get_json_errors_with_their_status() {
    let dir = indexed_fixtures();
    let server = Server::start(&dir.index(), &["--allow-writes", "--api-key", "s3cret"]);
    let cases: &[(&str, u16, &str)] = &[
        ("/api/search?q=%22unclosed", 400, "bad_query"),
        ("/api/search?q=title:(a", 400, "bad_query"),
        ("/api/search?q=putin&limt=3", 400, "bad_parameter"),
        ("/api/search?since=yesterday-ish", 400, "bad_parameter"),
        ("/api/search?limit=1000000", 400, "bad_parameter"),
        ("/api/search?limit=-1", 400, "bad_parameter"),
        ("/api/search?offset=1e9", 400, "bad_parameter"),
        ("/api/search?sort=best", 400, "bad_parameter"),
        ("/api/search?histogram=hour", 400, "bad_parameter"),
        ("/api/search?max_distance=101", 400, "bad_parameter"),
        ("/api/search?within=soon", 400, "bad_parameter"),
        ("/api/search?collapse=maybe", 400, "bad_parameter"),
        ("/api/search?count=words", 400, "bad_parameter"),
        ("/api/search?facets=animals", 400, "bad_parameter"),
        ("/api/search?fields=secret", 400, "bad_parameter"),
        ("/api/search?format=xml", 400, "bad_parameter"),
        (
            "/api/search?entity=person:Nobody+Atall",
            400,
            "unknown_entity",
        ),
        ("/api/entities?type=animal", 400, "bad_parameter"),
        ("/api/stats?verbose=1", 400, "bad_parameter"),
        ("/api/articles/no-such-article", 404, "not_found"),
        ("/api/nothing-here", 404, "not_found"),
        (
            "/api/search?histogram=day&since=0001-01-01&until=9999-12-31",
            400,
            "bad_parameter",
        ),
    ];
    for &(path, status, kind) in cases {
        let api = get(&server, path);
        assert_eq!(api.status, status, "{path}: {}", api.body);
        assert_eq!(error_kind(&api), kind, "{path}");
    }
    // Dates at the edges of what can be written are answered, not a panic.
    for path in [
        "/api/search?until=9999-12-31",
        "/api/search?since=0001-01-01",
        "/api/search?q=%00%FF%F0%9F%92%A9&limit=0",
        "/api/search?q=",
    ] {
        let api = get(&server, path);
        assert!(
            api.status == 200 || api.status == 400,
            "{path}: {}",
            api.body
        );
    }
    let method = answer(ureq::delete(&format!("{}/api/search", server.url)).call());
    assert_eq!(method.status, 405);
    assert_eq!(error_kind(&method), "method_not_allowed");

    let article = r#"[{"id": "k1", "body": "Keyed text."}]"#;
    let missing = post(&server, article, None);
    assert_eq!(missing.status, 401);
    assert_eq!(error_kind(&missing), "unauthorized");
    let wrong = post(&server, article, Some("guess"));
    assert_eq!(wrong.status, 401);
    let empty = post(&server, "  \n", Some("s3cret"));
    assert_eq!(empty.status, 400);
    assert_eq!(error_kind(&empty), "bad_body");
    let ok = post(&server, article, Some("s3cret"));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["added"], 1);

    let host = answer(
        ureq::get(&format!("{}/api/stats", server.url))
            .set("Host", "attacker.example")
            .call(),
    );
    assert_eq!(host.status, 403);
    assert_eq!(error_kind(&host), "bad_host");
}

/// The server keeps the stored entity names between requests; a write must not leave a filter on a
/// name it added unresolved.
#[test]
fn entity_filters_see_entities_written_after_the_first_filter() {
    let dir = indexed_fixtures();
    let server = Server::start(&dir.index(), &["--allow-writes"]);
    let path = "/api/search?q=*&entity=org:zorblat";
    let before = get(&server, path);
    assert_eq!(before.status, 400, "{}", before.body);
    assert_eq!(error_kind(&before), "unknown_entity");
    let article = r#"{"id": "z1", "title": "Zorblat Industries Inc to buy plant",
        "body": "Zorblat Industries Inc said on Monday it agreed to buy a plant in Ohio for 12 mln dlrs. Zorblat Industries Inc chairman Quentin Marsh said the deal would close in May."}"#;
    let ok = post(&server, article, None);
    assert_eq!(ok.status, 200, "{}", ok.body);
    let after = get(&server, path);
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(
        after.body["entity_filters"][0]["name"],
        "Zorblat Industries"
    );
    assert_eq!(after.body["hits"][0]["id"], "z1");
}

#[test]
fn writes_are_refused_unless_allowed_and_bodies_are_bounded() {
    let dir = indexed_fixtures();
    let read_only = Server::start(&dir.index(), &[]);
    let refused = post(&read_only, r#"{"id": "w", "body": "text"}"#, None);
    assert_eq!(refused.status, 403);
    assert_eq!(error_kind(&refused), "writes_disabled");
    drop(read_only);

    let server = Server::start(&dir.index(), &["--allow-writes", "--body-limit-mb", "1"]);
    let big = format!(r#"{{"id": "big", "body": "{}"}}"#, "word ".repeat(300_000));
    // The server answers 413 and closes without reading the rest of the body; a client still
    // sending may see the close (broken pipe, reset) before it reads the answer. Either is a
    // refusal; what must never happen is the article being indexed.
    let request = ureq::post(&format!("{}/api/articles", server.url)).send_string(&big);
    match request {
        Err(ureq::Error::Transport(err)) => {
            let text = err.to_string().to_lowercase();
            assert!(
                text.contains("broken pipe") || text.contains("reset"),
                "not a refusal: {err}"
            );
        }
        other => {
            let too_large = answer(other);
            assert_eq!(too_large.status, 413);
            assert_eq!(error_kind(&too_large), "too_large");
        }
    }
    assert_eq!(get(&server, "/api/health").body["articles"], 21);
}

#[test]
fn posted_articles_are_upserted_with_each_reject_named() {
    let dir = indexed_fixtures();
    let server = Server::start(&dir.index(), &["--allow-writes"]);
    let body = concat!(
        r#"{"id": "p1", "title": "Kremlin talks", "body": "Vladimir Putin spoke to Angela Merkel about Ukraine on Tuesday."}"#,
        "\n",
        r#"{"id": "p2", "title": "No text"}"#,
        "\n",
        "{not json\n",
        r#"{"id": "p3", "body": "A third article about harbour cranes.", "published": "2017-02-01"}"#,
        "\n"
    );
    let first = post(&server, body, None);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["added"], 2);
    assert_eq!(first.body["rejected"], 2);
    assert_eq!(first.body["articles"], 23);
    let rejects = first.body["rejects"].as_array().expect("rejects");
    let origins: Vec<&str> = rejects
        .iter()
        .filter_map(|r| r["origin"].as_str())
        .collect();
    assert_eq!(origins, ["request:2", "request:3"]);
    assert!(rejects
        .iter()
        .all(|r| r["reason"].as_str().is_some_and(|s| !s.is_empty())));

    // The same ids again, as a JSON array: replaced, not duplicated.
    let again = r#"[{"id": "p1", "title": "Kremlin talks, updated", "body": "Vladimir Putin spoke to Angela Merkel."},
                    {"id": "p3", "body": "A third article about harbour cranes, corrected."}]"#;
    let second = post(&server, again, None);
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body["updated"], 2);
    assert_eq!(second.body["added"], 0);
    assert_eq!(second.body["articles"], 23);
    let found = get(&server, "/api/search?q=title:updated");
    assert_eq!(found.body["hits"][0]["id"], "p1");
    let entities = &found.body["hits"][0]["entities"];
    assert!(
        entities
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x["name"] == "Vladimir Putin")),
        "{entities}"
    );
}

#[test]
fn readers_keep_reading_while_articles_are_posted() {
    let dir = indexed_fixtures();
    let server = Server::start(&dir.index(), &["--allow-writes"]);
    let lines: Vec<String> = (0..400)
        .map(|i| {
            format!(
                r#"{{"id": "bulk-{i}", "title": "Bulk item {i}", "body": "Harbour report number {i} on container traffic in Rotterdam and Hamburg."}}"#
            )
        })
        .collect();
    let body = lines.join("\n");
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut answered = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let api = get(&server, "/api/search?q=putin&facets=&histogram=month");
                        assert_eq!(api.status, 200, "{}", api.body);
                        answered += 1;
                    }
                    answered
                })
            })
            .collect();
        let posted = post(&server, &body, None);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(posted.status, 200, "{}", posted.body);
        assert_eq!(posted.body["added"], 400);
        for reader in readers {
            assert!(reader.join().expect("reader") > 0);
        }
    });
    let found = get(
        &server,
        "/api/search?q=harbour+rotterdam&limit=0&collapse=false",
    );
    assert_eq!(found.body["total_hits"], 400);
}

#[test]
fn the_searcher_follows_commits_from_another_process_and_a_missing_index_is_503() {
    let dir = Dir::new();
    let server = Server::start(&dir.index(), &[]);
    let none = get(&server, "/api/search?q=putin");
    assert_eq!(none.status, 503);
    assert_eq!(error_kind(&none), "index_unavailable");
    assert_eq!(get(&server, "/api/health").status, 503);

    let file = dir.file(
        "late.jsonl",
        r#"{"id": "late", "title": "Late arrival", "body": "An article indexed while the server runs."}"#,
    );
    dir.run(&["index", file.to_str().unwrap()]).expect(0);
    assert!(
        wait_for(&server, "/api/search?q=arrival", 1),
        "the new index was not picked up"
    );

    let more = dir.file(
        "more.jsonl",
        r#"{"id": "later", "title": "Later arrival", "body": "A second article, from a second run."}"#,
    );
    dir.run(&["index", more.to_str().unwrap()]).expect(0);
    assert!(
        wait_for(&server, "/api/search?q=arrival", 2),
        "the new commit was not picked up"
    );
}

/// Polls `path` for up to 10 s until it finds `hits` articles.
fn wait_for(server: &Server, path: &str, hits: u64) -> bool {
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        let api = get(server, path);
        if api.status == 200 && api.body["total_hits"] == hits {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn the_page_is_small_and_served_with_a_policy_that_forbids_inline_scripts() {
    let dir = indexed_fixtures();
    let server = Server::start(&dir.index(), &[]);
    let page = get(&server, "/");
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    let csp = page.csp.clone().expect("a Content-Security-Policy");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = page.body.as_str().expect("html");
    assert!(!html.contains("<script>"), "an inline script in the page");
    let mut total = page.bytes;
    for asset in ["/app.js", "/style.css"] {
        let answer = get(&server, asset);
        assert_eq!(answer.status, 200, "{asset}");
        assert!(answer.csp.is_some());
        total += answer.bytes;
    }
    assert!(total < 200 * 1024, "first load is {total} bytes");
    // No CORS unless asked for.
    let api = ureq::get(&format!("{}/api/stats", server.url))
        .set("Origin", "https://elsewhere.example")
        .call()
        .expect("stats");
    assert!(api.header("access-control-allow-origin").is_none());
}

#[test]
fn cors_is_granted_to_the_named_origin_only() {
    let dir = indexed_fixtures();
    let server = Server::start(&dir.index(), &["--cors", "https://newsroom.example"]);
    let api = ureq::get(&format!("{}/api/stats", server.url))
        .set("Origin", "https://newsroom.example")
        .call()
        .expect("stats");
    assert_eq!(
        api.header("access-control-allow-origin"),
        Some("https://newsroom.example")
    );
    let preflight = answer(ureq::request("OPTIONS", &format!("{}/api/search", server.url)).call());
    assert_eq!(preflight.status, 204);
}
