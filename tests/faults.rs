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
