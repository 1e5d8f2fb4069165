//! Faults met while indexing: Ctrl-C and SIGTERM commit what was read and say so; a full disk ends
//! the run with one line naming the cause and what the index holds, and the index still opens.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{newsidx, stats, Dir, Summary};

fn record(i: usize) -> String {
    format!(
        "{{\"id\":\"s{i}\",\"title\":\"Harbour report {i}\",\"body\":\"Dock workers in port {i} loaded grain and steel.\"}}\n"
    )
}

/// Waits for `child` at most `limit`, killing it (and failing) past that.
fn wait_with_limit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("the process did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[derive(Debug, serde::Deserialize)]
struct Interrupted {
    added: u64,
    articles: u64,
    interrupted: bool,
}

/// `index -` reading a stream that stays open (as `tail -f` or a slow download would): the signal
/// stops it, what was read is committed, the summary says so, and a re-run completes the stream
/// without duplicates.
#[test]
fn ctrl_c_and_sigterm_commit_what_was_read_and_a_rerun_continues() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let dir = Dir::new();
        let mut child = newsidx()
            .args(["index", "--json", "--commit-every", "1000000", "--index"])
            .arg(dir.index())
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn index");
        let mut stdin = child.stdin.take().expect("stdin");
        let feed: String = (0..300).map(record).collect();
        stdin.write_all(feed.as_bytes()).expect("write");
        stdin.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(1500));
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        let status = wait_with_limit(&mut child, Duration::from_secs(60));
        drop(stdin);
        let output = child.wait_with_output().expect("output");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(status.code(), Some(code), "SIG{signal}: {stderr}");
        let summary: Interrupted = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
        assert!(summary.interrupted);
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert!(stderr.contains("re-run the same command"), "{stderr}");
        // Nothing was committed before the signal (one commit per million): what the index holds
        // is what the interrupted run committed on its way out.
        assert_eq!(summary.articles, summary.added);
        assert_eq!(stats(&dir).articles, summary.articles);
        assert!(summary.added <= 300);

        let rerun: Summary = dir
            .run_stdin(&["index", "--json", "-"], Some(feed.as_bytes()))
            .expect(0)
            .json();
        assert_eq!(rerun.added + rerun.updated, 300);
        assert_eq!(
            rerun.updated, summary.added,
            "committed articles are not repeated"
        );
        assert_eq!(rerun.articles, 300);
    }
}

/// A small tmpfs, mounted for the test; unmounted when dropped.
struct SmallDisk {
    dir: Dir,
}

impl SmallDisk {
    /// A 1 MiB tmpfs, or `None` where mounting is not allowed (not root, no tmpfs).
    fn mount() -> Option<SmallDisk> {
        let dir = Dir::new();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(SmallDisk { dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// A disk that fills up mid-run: one line with the cause, the index and what it holds, exit 2, no
/// mention of --strict; the index opens and a run with room completes it.
#[test]
fn a_full_disk_ends_the_run_with_the_cause_and_the_index_still_opens() {
    let Some(disk) = SmallDisk::mount() else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    let dir = &disk.dir;
    let feed: String = (0..5_000).map(record).collect();
    let feed_path =
        std::env::temp_dir().join(format!("newsidx-full-disk-{}.jsonl", std::process::id()));
    std::fs::write(&feed_path, &feed).expect("write feed");
    let run = dir.run(&[
        "index",
        "--commit-every",
        "2000",
        feed_path.to_str().unwrap(),
    ]);
    let stderr = run.stderr();
    assert_eq!(run.code(), 2, "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(
        stderr.contains(&dir.index().display().to_string()),
        "{stderr}"
    );
    assert!(stderr.contains("as of its last commit"), "{stderr}");
    assert!(!stderr.contains("strict"), "{stderr}");
    assert!(!stderr.contains("IoError"), "debug text: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let held = stats(dir).articles;
    assert!(held < 5_000);
    assert!(
        stderr.contains(&format!("holds {held} article")),
        "{stderr}"
    );

    // With room again (a copy of the index on the normal disk), the same run completes.
    let roomy = Dir::new();
    crate::util::copy_index(&dir.index(), &roomy.index());
    let rerun: Summary = roomy
        .run(&["index", "--json", feed_path.to_str().unwrap()])
        .expect(0)
        .json();
    std::fs::remove_file(&feed_path).ok();
    assert_eq!(rerun.updated, held);
    assert_eq!(rerun.articles, 5_000);
}

/// An index of three segments: three files of 50 articles, each indexed by one thread.
fn three_segments() -> (Dir, Vec<std::path::PathBuf>) {
    let dir = Dir::new();
    let mut files = Vec::new();
    for part in 0..3 {
        let feed: String = (part * 50..part * 50 + 50).map(record).collect();
        let path = dir.file(&format!("part{part}.jsonl"), feed);
        dir.run(&["index", "--heap-mb", "16", path.to_str().unwrap()])
            .expect(0);
        files.push(path);
    }
    assert_eq!(stats(&dir).segments, 3);
    (dir, files)
}

/// The index's files with this extension.
fn files_ending(dir: &Dir, extension: &str) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir.index())
        .expect("read index")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(extension))
        .collect();
    found.sort();
    found
}

#[derive(Debug, serde::Deserialize)]
struct Health {
    healthy: bool,
    segments: u64,
    articles: u64,
    damaged: Vec<Damage>,
}

#[derive(Debug, serde::Deserialize)]
struct Damage {
    segment: String,
    articles: u64,
    problems: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
struct Repaired {
    quarantine: Option<String>,
    articles_removed: u64,
    lost: Vec<LostArticle>,
    articles: u64,
}

#[derive(Debug, serde::Deserialize)]
struct LostArticle {
    id: String,
    origin: String,
}

/// Bytes flipped inside a file, its footer intact: only the checksum tells.
#[test]
fn check_finds_a_flipped_byte_and_repair_sets_the_segment_aside_listing_its_articles() {
    let (dir, _) = three_segments();
    let healthy: Health = dir.run(&["check", "--json"]).expect(0).json();
    assert!(healthy.healthy);
    assert_eq!((healthy.segments, healthy.articles), (3, 150));

    let victim = files_ending(&dir, ".pos").remove(1);
    let mut bytes = std::fs::read(&victim).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&victim, bytes).expect("write");
    let segment = victim.file_name().unwrap().to_string_lossy()[..32].to_string();

    let damaged: Health = dir.run(&["check", "--json"]).expect(1).json();
    assert!(!damaged.healthy);
    assert_eq!(damaged.damaged.len(), 1);
    assert_eq!(damaged.damaged[0].segment, segment);
    assert_eq!(damaged.damaged[0].articles, 50);
    assert!(
        damaged.damaged[0].problems[0].contains("checksum"),
        "{damaged:?}"
    );
    assert_eq!(damaged.articles, 100);
    let human = dir.run(&["check"]).expect(1).stdout();
    assert!(
        human.contains(&segment) && human.contains("newsidx repair"),
        "{human}"
    );

    let repaired: Repaired = dir.run(&["repair", "--json"]).expect(0).json();
    assert_eq!(repaired.articles_removed, 50);
    assert_eq!(repaired.articles, 100);
    assert_eq!(repaired.lost.len(), 50, "the stored fields were intact");
    let quarantine = std::path::PathBuf::from(repaired.quarantine.expect("quarantine"));
    assert!(quarantine.join(victim.file_name().unwrap()).exists());
    assert!(!victim.exists());
    let listed = std::fs::read_to_string(quarantine.join("lost.jsonl")).expect("lost.jsonl");
    assert_eq!(listed.lines().count(), 50);
    assert!(repaired
        .lost
        .iter()
        .all(|l| l.origin.contains("part") && l.id.starts_with('s')));

    let after: Health = dir.run(&["check", "--json"]).expect(0).json();
    assert!(after.healthy);
    assert_eq!(stats(&dir).articles, 100);
    // Indexing the listed origins' files again restores every article, once.
    let parts: std::collections::BTreeSet<&str> = repaired
        .lost
        .iter()
        .map(|l| l.origin.rsplit_once(':').expect("file:line").0)
        .collect();
    for part in parts {
        dir.run(&["index", part]).expect(0);
    }
    assert_eq!(stats(&dir).articles, 150);
    // The writers that ran since (and their garbage collection) left the quarantine alone.
    assert!(quarantine.join(victim.file_name().unwrap()).exists());
    assert!(quarantine.join("lost.jsonl").exists());
}

/// A truncated file (its footer gone): every command says which segment, in one line without
/// tantivy's debug text, and points at `newsidx check`; repair makes the index usable again.
#[test]
fn a_truncated_segment_file_is_named_and_repair_recovers_the_rest() {
    let (dir, _) = three_segments();
    let victim = files_ending(&dir, ".term").remove(0);
    let segment = victim.file_name().unwrap().to_string_lossy()[..32].to_string();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&victim)
        .expect("open");
    file.set_len(100).expect("truncate");
    drop(file);
    let more = dir.file("more.jsonl", record(999));
    for args in [
        vec!["search", "harbour"],
        vec!["stats"],
        vec!["index", more.to_str().unwrap()],
    ] {
        let run = dir.run(&args);
        let stderr = run.stderr();
        assert_eq!(run.code(), 2, "{args:?}: {stderr}");
        assert!(stderr.contains(&segment), "{args:?}: {stderr}");
        assert!(stderr.contains("newsidx check"), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("IoError") && !stderr.contains("Custom {"),
            "{stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
    let damaged: Health = dir.run(&["check", "--json"]).expect(1).json();
    assert_eq!(damaged.damaged.len(), 1);
    let repaired: Repaired = dir.run(&["repair", "--json"]).expect(0).json();
    assert_eq!(repaired.articles, 100);
    // The segment does not open, but it has no deletes: its stored fields still list its ids.
    assert_eq!(repaired.lost.len(), 50);
    assert_eq!(search_total(&dir, "harbour"), 100);
    dir.run(&["index", more.to_str().unwrap()]).expect(0);
    assert_eq!(stats(&dir).articles, 101);
}

fn search_total(dir: &Dir, query: &str) -> u64 {
    crate::util::search(dir, &[query]).total_hits
}

/// Two `index` runs started together on a new folder: each either indexes or names the writer
/// lock; neither sees a half-made index ("not a newsidx index"), and the index ends whole.
#[test]
fn two_index_runs_started_together_on_a_new_folder_never_see_a_half_made_index() {
    let dir = Dir::new();
    let feed: String = (0..200).map(record).collect();
    let feed = dir.file("feed.jsonl", feed);
    for round in 0..6 {
        let index = dir.path().join(format!("index{round}"));
        let spawn = || {
            newsidx()
                .args(["index", "--index"])
                .arg(&index)
                .arg(&feed)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        };
        let (first, second) = (spawn(), spawn());
        let mut succeeded = 0;
        for child in [first, second] {
            let output = child.wait_with_output().expect("wait");
            let stderr = String::from_utf8_lossy(&output.stderr);
            match output.status.code() {
                Some(0) => succeeded += 1,
                Some(2) => assert!(stderr.contains(".tantivy-writer.lock"), "{stderr}"),
                other => panic!("exit {other:?}: {stderr}"),
            }
        }
        assert!(succeeded >= 1);
        let run = newsidx()
            .args(["stats", "--json", "--index"])
            .arg(&index)
            .output()
            .expect("stats");
        let stats: crate::util::Stats = serde_json::from_slice(&run.stdout).expect("stats json");
        assert_eq!(stats.articles, 200);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".new-"))
            .collect();
        assert!(leftovers.is_empty(), "staging folders left: {leftovers:?}");
    }
}

/// Random bytes written inside every kind of segment file, footers intact (tantivy reads them
/// without checking the checksum): whatever a search then does, it says so in at most one line
/// without Rust's panic text, and `check` finds every damaged segment.
#[test]
fn bytes_damaged_inside_segment_files_never_print_a_raw_panic_and_check_finds_them() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for extension in [".idx", ".pos", ".term", ".store", ".fast", ".fieldnorm"] {
        let (dir, _) = three_segments();
        for victim in files_ending(&dir, extension) {
            let mut bytes = std::fs::read(&victim).expect("read");
            // The footer (its last few dozen bytes) is left alone.
            let body = bytes.len().saturating_sub(64).max(1);
            for _ in 0..16 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % body as u64) as usize;
                bytes[at] = (seed >> 32) as u8;
            }
            std::fs::write(&victim, bytes).expect("write");
        }
        for args in [
            vec!["search", "harbour"],
            vec!["search", "\"harbour report\"", "--facets"],
            vec!["search", "*", "--sort", "newest"],
            vec!["stats"],
        ] {
            let run = dir.run(&args);
            let stderr = run.stderr();
            assert!(
                [0, 1, 2, 101].contains(&run.code()),
                "{extension} {args:?}: exit {}: {stderr}",
                run.code()
            );
            assert!(
                !stderr.contains("panicked at") && !stderr.contains("RUST_BACKTRACE"),
                "{extension} {args:?}: {stderr}"
            );
            assert!(
                stderr.trim().lines().count() <= 1,
                "{extension} {args:?}: {stderr}"
            );
            if run.code() == 101 {
                assert!(stderr.contains("newsidx check"), "{stderr}");
            }
        }
        let check: Health = dir.run(&["check", "--json"]).expect(1).json();
        assert_eq!(check.damaged.len(), 3, "{extension}: {check:?}");
    }
}

/// Searches in a loop while `repair` sets a segment aside: every one answers (from the commit
/// before the repair or the one after), none fails.
#[test]
fn searches_during_a_repair_never_fail() {
    let (dir, _) = three_segments();
    // Positions: a one-word search never reads them, so only the repair can make it fail.
    let victim = files_ending(&dir, ".pos").remove(2);
    let mut bytes = std::fs::read(&victim).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&victim, bytes).expect("write");
    let stop = std::sync::atomic::AtomicBool::new(false);
    let failures = std::thread::scope(|scope| {
        let searching = scope.spawn(|| {
            let mut failures = Vec::new();
            let mut runs = 0;
            while runs < 400 && (runs < 5 || !stop.load(std::sync::atomic::Ordering::Relaxed)) {
                let run = dir.run(&["search", "grain", "--json"]);
                if run.code() != 0 {
                    failures.push(run.stderr());
                }
                runs += 1;
            }
            failures
        });
        let repaired: Repaired = dir.run(&["repair", "--json"]).expect(0).json();
        assert_eq!(repaired.articles, 100);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        searching.join().expect("searches")
    });
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(search_total(&dir, "grain"), 100);
}
