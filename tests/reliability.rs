//! Reliability: a killed indexer leaves a usable index with everything committed, a re-run completes it
//! without duplicates; concurrent readers work while a writer runs and a second writer is refused at once;
//! read-only commands leave the index untouched; foreign or newer indexes are refused.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::util::{fixtures, indexed_fixtures, search, Dir, Summary};

/// The two tests that index 60,000 articles: a minute or more with the debug binary, so they run only
/// with `NEWSIDX_SLOW_TESTS=1`; CI runs them in a release build (`cargo test --release --test
/// integration reliability::slow::`, see `.ci/run`).
mod slow {
    use std::path::Path;
    use std::process::{Child, Stdio};
    use std::time::{Duration, Instant};

    use crate::util::{fixtures, newsidx, search, slow_tests, Dir, Stats, Summary};

    /// A JSON Lines feed of `n` distinct small articles.
    fn big_feed(dir: &Dir, n: usize) -> std::path::PathBuf {
        let mut text = String::with_capacity(n * 220);
        for i in 0..n {
            text.push_str(&format!(
                "{{\"id\":\"a{i}\",\"title\":\"Harbour report {i}\",\"body\":\"Dock workers in port {} loaded {} containers of grain and steel on shift {} while cranes {} stood idle.\"}}\n",
                i % 97,
                i * 7 % 1000,
                i % 3,
                i % 11
            ));
        }
        dir.file("big.jsonl", text)
    }

    fn spawn_index(dir: &Dir, feed: &Path, commit_every: usize, extra: &[&str]) -> Child {
        let mut cmd = newsidx();
        cmd.args(["index", "--commit-every", &commit_every.to_string()])
            .args(extra)
            .arg("--index")
            .arg(dir.index())
            .arg(feed)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cmd.spawn().expect("spawn index")
    }

    /// Committed article count, or None while there is no readable index yet.
    fn committed(dir: &Dir) -> Option<u64> {
        let run = dir.run(&["stats", "--json"]);
        (run.code() == 0).then(|| run.json::<Stats>().articles)
    }

    fn wait_for_commit(dir: &Dir, child: &mut Child, at_least: u64) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(n) = committed(dir) {
                if n >= at_least {
                    return n;
                }
            }
            assert!(
                child.try_wait().expect("try_wait").is_none(),
                "indexer ended before the first commit was seen"
            );
            assert!(Instant::now() < deadline, "no commit within 120 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn sigkill_mid_run_keeps_commits_and_rerun_completes_without_duplicates() {
        if !slow_tests("sigkill_mid_run_keeps_commits_and_rerun_completes_without_duplicates") {
            return;
        }
        const TOTAL: usize = 60_000;
        const BATCH: usize = 1_000;
        let dir = Dir::new();
        let feed = big_feed(&dir, TOTAL);
        let mut child = spawn_index(&dir, &feed, BATCH, &[]);
        wait_for_commit(&dir, &mut child, BATCH as u64);
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");

        let after_kill = committed(&dir).expect("index opens after SIGKILL");
        assert!(after_kill >= BATCH as u64, "{after_kill}");
        assert!(
            after_kill < TOTAL as u64,
            "the indexer finished before it was killed; the test proves nothing"
        );
        assert_eq!(
            after_kill % BATCH as u64,
            0,
            "only whole batches are durable"
        );
        // Every article's headline says "Harbour": the committed ones are all searchable.
        assert_eq!(search(&dir, &["harbour"]).total_hits, after_kill);

        let rerun: Summary = dir
            .run(&["index", "--json", feed.to_str().unwrap()])
            .expect(0)
            .json();
        assert_eq!(rerun.rejected, 0);
        assert_eq!(rerun.added + rerun.updated, TOTAL as u64);
        assert_eq!(
            rerun.updated, after_kill,
            "the committed articles are replaced, not repeated"
        );
        assert_eq!(rerun.articles, TOTAL as u64);
        assert_eq!(committed(&dir), Some(TOTAL as u64));
    }

    /// SIGKILL at 20 moments (a fixed seed) of a 20,000-article run: after each kill the index
    /// opens, checks healthy and holds whole batches only; a last run completes it, and the ids in
    /// the index are exactly the input's.
    #[test]
    fn sigkill_at_twenty_moments_then_a_rerun_holds_exactly_the_input() {
        if !slow_tests("sigkill_at_twenty_moments_then_a_rerun_holds_exactly_the_input") {
            return;
        }
        const TOTAL: usize = 20_000;
        const BATCH: usize = 500;
        let dir = Dir::new();
        let feed = big_feed(&dir, TOTAL);
        // Whole runs on a scratch index, a first one and one that rewrites everything, set the span
        // the kill moments are drawn from: the shorter of the two, so that a kill of a run that
        // rewrites everything lands while it runs.
        let scratch = Dir::new();
        let timed = |extra: &[&str]| {
            let started = Instant::now();
            let mut args = vec!["index", "--commit-every", "500"];
            args.extend_from_slice(extra);
            args.push(feed.to_str().unwrap());
            scratch.run(&args).expect(0);
            started.elapsed().as_millis() as u64
        };
        let span_ms = timed(&[]).min(timed(&["--rewrite-all"])).max(50);
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        // Kills that hit a running indexer, of runs that rewrite everything and of the others.
        let mut kills_mid_run = [0usize; 2];
        for moment in 0..20 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = Duration::from_millis(seed % span_ms);
            // A re-run leaves the committed articles alone and is soon done, so every other run
            // rewrites everything (as long as a first run): kills land in both kinds.
            let extra: &[&str] = if moment % 2 == 0 {
                &["--rewrite-all"]
            } else {
                &[]
            };
            let mut child = spawn_index(&dir, &feed, BATCH, extra);
            std::thread::sleep(at);
            let running = child.try_wait().expect("try_wait").is_none();
            child.kill().ok();
            child.wait().expect("reap");
            kills_mid_run[moment % 2] += usize::from(running);
            if !dir.index().join("newsidx.json").exists() {
                continue; // killed before the index was made
            }
            let held = committed(&dir)
                .unwrap_or_else(|| panic!("moment {moment} ({at:?}): the index does not open"));
            assert!(held <= TOTAL as u64, "moment {moment}: {held} articles");
            let check = dir.run(&["check", "--json"]);
            assert_eq!(check.code(), 0, "moment {moment}: {}", check.stdout());
            // Every committed article is searchable, and each once (ids are upserted).
            if held > 0 {
                assert_eq!(
                    search(&dir, &["harbour"]).total_hits,
                    held,
                    "moment {moment}"
                );
            }
        }
        // A run that leaves committed articles alone may be done before its kill; one that
        // rewrites everything takes about the span.
        assert!(
            kills_mid_run[0] >= 5,
            "only {} of 10 kills hit a running indexer that rewrites everything ({} of the other 10)",
            kills_mid_run[0],
            kills_mid_run[1]
        );

        let last: Summary = dir
            .run(&["index", "--json", feed.to_str().unwrap()])
            .expect(0)
            .json();
        assert_eq!(last.added + last.updated, TOTAL as u64);
        assert_eq!(last.articles, TOTAL as u64);
        let exported = dir
            .run(&["search", "*", "--no-collapse", "--format", "jsonl"])
            .expect(0)
            .stdout();
        let ids: std::collections::BTreeSet<String> = exported
            .lines()
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).expect("jsonl");
                value["id"].as_str().expect("id").to_string()
            })
            .collect();
        assert_eq!(exported.lines().count(), TOTAL, "an id appears twice");
        let expected: std::collections::BTreeSet<String> =
            (0..TOTAL).map(|i| format!("a{i}")).collect();
        assert_eq!(ids, expected);
    }

    #[test]
    fn readers_work_during_indexing_and_a_second_writer_is_refused_at_once() {
        if !slow_tests("readers_work_during_indexing_and_a_second_writer_is_refused_at_once") {
            return;
        }
        let dir = Dir::new();
        let feed = big_feed(&dir, 60_000);
        let mut first = spawn_index(&dir, &feed, 1_000, &[]);
        let seen = wait_for_commit(&dir, &mut first, 1_000);

        // Every body says "grain"; commits only add articles.
        let found = search(&dir, &["grain"]).total_hits;
        assert!(found >= seen, "{found} found, {seen} committed before");

        let started = Instant::now();
        let second = dir.run(&["index", fixtures().to_str().unwrap()]);
        let waited = started.elapsed();
        let still_running = first.try_wait().expect("try_wait").is_none();
        first.kill().ok();
        first.wait().ok();
        assert!(
            still_running,
            "the first indexer ended before the second started; nothing was tested"
        );
        assert_eq!(second.code(), 2, "{}", second.stderr());
        assert!(
            second.stderr().contains(".tantivy-writer.lock"),
            "{}",
            second.stderr()
        );
        assert!(waited < Duration::from_secs(10), "refusal took {waited:?}");
    }
}

/// Names, sizes and modification times of every file in the index directory.
fn snapshot(dir: &Path) -> BTreeMap<String, (u64, SystemTime)> {
    std::fs::read_dir(dir)
        .expect("read index dir")
        .map(|e| {
            let e = e.expect("entry");
            let meta = e.metadata().expect("metadata");
            (
                e.file_name().to_string_lossy().into_owned(),
                (meta.len(), meta.modified().expect("mtime")),
            )
        })
        .collect()
}

#[test]
fn read_only_commands_leave_the_index_untouched() {
    let dir = indexed_fixtures();
    let before = snapshot(&dir.index());
    std::thread::sleep(Duration::from_millis(20));
    dir.run(&["search", "putin"]).expect(0);
    dir.run(&["search", "--json", "xylophonequartet"]).expect(1);
    dir.run(&["stats", "--json"]).expect(0);
    dir.run(&["entities", "--json"]).expect(0);
    dir.run(&["duplicates", "--json"]).expect(0);
    dir.run(&["search", "putin", "--facets", "--entity", "person:putin"])
        .expect(0);
    let queries = dir.file("queries.txt", "putin\ncall\n");
    let bench: serde_json::Value = dir
        .run(&[
            "bench",
            "--repeat",
            "3",
            "--json",
            "--queries",
            queries.to_str().unwrap(),
        ])
        .expect(0)
        .json();
    // Every mode keeps its timed runs (2 queries x 3), so that several processes' runs can be pooled.
    let modes = bench["modes"].as_array().expect("modes");
    assert_eq!(modes.len(), 6);
    for mode in modes {
        let samples = mode["samples_ms"].as_array().expect("samples_ms");
        assert_eq!(samples.len(), 6, "{mode}");
        let mut sorted: Vec<f64> = samples.iter().map(|v| v.as_f64().unwrap()).collect();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(mode["p50_ms"].as_f64(), Some(sorted[2]), "{mode}");
    }
    assert_eq!(before, snapshot(&dir.index()));
}

#[test]
fn a_folder_with_binary_junk_and_empty_files_keeps_every_good_article() {
    let dir = Dir::new();
    dir.file(
        "in/good.txt",
        "Storm shuts rail lines\n\nTrains stopped across the north.",
    );
    dir.file(
        "in/junk.txt",
        b"\x7fELF\x02\x01\x01\x00\x00\x00binary".as_slice(),
    );
    dir.file("in/empty.jsonl", "");
    dir.file("in/blank.csv", "");
    dir.file("in/noise.json", b"\x00\x01\x02".as_slice());
    dir.file(
        "in/more.jsonl",
        "{\"id\":\"m1\",\"body\":\"Trains run again in the north.\"}\n",
    );
    let run = dir
        .run(&["index", "--json", dir.path().join("in").to_str().unwrap()])
        .expect(1);
    let summary: Summary = run.json();
    assert_eq!(
        (summary.added, summary.rejected),
        (2, 4),
        "{}",
        run.stderr()
    );
    let err = run.stderr();
    assert!(err.contains("junk.txt: binary file"), "{err}");
    assert!(err.contains("noise.json: binary file"), "{err}");
    assert!(err.contains("blank.csv:1: empty file"), "{err}");
    assert!(err.contains("empty.jsonl: empty input"), "{err}");
}

#[test]
fn an_index_with_signatures_of_another_version_is_refused() {
    let dir = indexed_fixtures();
    let marker = dir.index().join("newsidx.json");
    let text = std::fs::read_to_string(&marker).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["signatures"] = serde_json::json!(0);
    std::fs::write(&marker, value.to_string()).unwrap();
    let run = dir.run(&["search", "putin"]).expect(2);
    assert!(
        run.stderr().contains("fingerprints are version 0"),
        "{}",
        run.stderr()
    );
}

#[test]
fn an_index_from_a_newer_newsidx_is_refused() {
    let dir = indexed_fixtures();
    let marker = dir.index().join("newsidx.json");
    std::fs::write(&marker, r#"{"format": 99, "created_by": "newsidx 9.0.0"}"#).unwrap();
    for args in [
        &["search", "putin"][..],
        &["stats"],
        &["index", fixtures().to_str().unwrap()],
    ] {
        let run = dir.run(args).expect(2);
        assert!(run.stderr().contains("index format 99"), "{}", run.stderr());
        assert!(run.stderr().contains("Upgrade newsidx"), "{}", run.stderr());
    }
}

#[test]
fn excluding_a_phrase_neither_panics_nor_loses_hits() {
    // tantivy 0.27 trips a debug assertion on these (see Cargo.toml); users must get the right hits.
    let dir = indexed_fixtures();
    let ids = |query: &str| -> Vec<String> {
        let results = search(&dir, &["--no-collapse", "--limit", "50", query]);
        let mut ids: Vec<String> = results.hits.into_iter().map(|h| h.id).collect();
        ids.sort();
        ids
    };
    let putin = ids("putin");
    assert_eq!(ids("putin -so-storm"), putin);
    assert_eq!(ids("putin -\"so storm\""), putin);
    let without = ids("putin -\"kremlin spokesman\"");
    assert!(
        !without.is_empty() && without.len() < putin.len(),
        "{without:?}"
    );
    assert_eq!(ids("putin OR trump -\"so storm\""), ids("putin OR trump"));
}

/// Issue 16: scraped text with terminal control sequences is shown, never obeyed, in human output.
#[test]
fn control_sequences_in_article_text_never_reach_the_terminal() {
    let dir = crate::util::Dir::new();
    let file = dir.file(
        "evil.jsonl",
        "{\"id\": \"e1\", \"title\": \"Pwned \\u001b]0;owned\\u0007 title\", \"source\": \"Src\\u001b[2J\", \"body\": \"Putin spoke \\u001b[31mred\\u001b[0m and \\u009b2J here.\", \"published\": \"2017-01-01\"}\n",
    );
    dir.run(&["index", file.to_str().unwrap()]).expect(0);
    for args in [
        vec![
            "search",
            "putin",
            "--fields",
            "body,source",
            "--facets",
            "person,source",
            "--color",
            "never",
        ],
        vec!["show", "e1", "--color", "never"],
        vec!["entities"],
    ] {
        let run = dir.run(&args);
        let out = run.stdout();
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{9b}') && !out.contains('\u{7}'),
            "{args:?}: {out:?}"
        );
        if args[0] != "entities" {
            assert!(
                out.contains("\\u{1b}"),
                "{args:?}: the escape is shown: {out}"
            );
        }
    }
}

/// Issue 16: `--commit-every 0` and a heap too small are refused with the valid range.
#[test]
fn writer_settings_out_of_range_are_refused() {
    let dir = crate::util::Dir::new();
    let file = dir.file("a.jsonl", "{\"id\": \"a\", \"body\": \"text\"}\n");
    for args in [["--commit-every", "0"], ["--heap-mb", "8"]] {
        let run = dir.run(&["index", args[0], args[1], file.to_str().unwrap()]);
        assert_eq!(run.code(), 2, "{args:?}");
        assert!(run.stderr().contains("is not in"), "{}", run.stderr());
    }
    dir.run(&["index", "--heap-mb", "16", file.to_str().unwrap()])
        .expect(0);
}

/// Issue 16: `--until` of the last day there is, and dates outside what the index stores.
#[test]
fn extreme_dates_neither_panic_nor_clamp() {
    let dir = crate::util::Dir::new();
    let file = dir.file(
        "old.jsonl",
        "{\"id\": \"o\", \"body\": \"An old text.\", \"published\": \"1600-05-01\"}\n{\"id\": \"n\", \"body\": \"A new text.\", \"published\": \"2017-05-01\"}\n",
    );
    let run = dir.run(&["index", file.to_str().unwrap()]).expect(0);
    assert!(
        run.stderr().contains("outside what the index can store"),
        "{}",
        run.stderr()
    );
    let all = crate::util::search(
        &dir,
        &["*", "--until", "9999-12-31", "--since", "0001-01-01"],
    );
    assert_eq!(
        all.total_hits, 1,
        "the undated article falls outside a date range"
    );
    let old = crate::util::search(&dir, &["old"]);
    assert_eq!(old.hits[0].published, None, "1600 is not stored as 1677");
}

/// Issue 16: an id longer than tantivy's longest term (65,530 bytes) is still an upsert key.
#[test]
fn an_id_longer_than_a_term_is_upserted_not_duplicated() {
    let dir = crate::util::Dir::new();
    let long = format!("https://example.com/{}", "a".repeat(70_000));
    let line = serde_json::json!({"id": long, "body": "A text with a very long id."}).to_string();
    let short = serde_json::json!({"id": "short", "body": "Another text."}).to_string();
    let file = dir.file("long.jsonl", format!("{line}\n{short}\n"));
    for _ in 0..3 {
        dir.run(&["index", file.to_str().unwrap()]).expect(0);
    }
    assert_eq!(crate::util::stats(&dir).articles, 2);
    let shown = dir.run(&["show", &long, "--json"]).expect(0);
    let article: serde_json::Value = serde_json::from_str(&shown.stdout()).unwrap();
    assert_eq!(article["id"].as_str().map(str::len), Some(long.len()));
}
