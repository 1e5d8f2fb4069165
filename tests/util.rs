//! Helpers for the integration tests: a temp dir with an index path, a runner for the binary, the
//! index of `index-fixtures/` (built once per process, copied per test) and the commands every module
//! runs, with their JSON output decoded.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

/// A scratch directory holding an index and input files; removed on drop.
pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Default for Dir {
    fn default() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }
}

impl Dir {
    pub fn new() -> Dir {
        Dir::default()
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn index(&self) -> PathBuf {
        self.tmp.path().join("index")
    }

    /// Writes `contents` to `name` inside the dir and returns its path.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.tmp.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, contents).expect("write");
        path
    }

    /// `newsidx ARGS --index <dir>/index`.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_stdin(args, None)
    }

    /// `newsidx ARGS` without `--index`, for commands that take none.
    pub fn run_bare(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut cmd = newsidx();
        cmd.args(args);
        run(cmd, stdin)
    }

    pub fn run_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut cmd = newsidx();
        cmd.args(args).arg("--index").arg(self.index());
        run(cmd, stdin)
    }
}

/// The binary under test, run from the repository root with no index env var.
pub fn newsidx() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsidx"));
    cmd.current_dir(repo_root())
        .env_remove("NEWSIDX_INDEX")
        .env("NO_COLOR", "1");
    cmd
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo_root().join("index-fixtures")
}

/// The three seed captures of one story in `index-fixtures/seeds/`, in name order.
pub fn seed_files() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(fixtures().join("seeds"))
        .expect("index-fixtures/seeds")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

/// The ids of the [`seed_files`] in `dir`'s index, in the same order.
pub fn seed_ids(dir: &Dir) -> Vec<String> {
    let all = search(dir, &["Putin call", "--no-collapse", "--limit", "50"]);
    seed_files()
        .iter()
        .map(|file| {
            let name = file.file_name().unwrap().to_str().unwrap();
            all.hits
                .iter()
                .find(|h| h.origin.as_deref().is_some_and(|o| o.contains(name)))
                .unwrap_or_else(|| panic!("no hit from {name}: {all:?}"))
                .id
                .clone()
        })
        .collect()
}

/// Whether a hit's origin is one of the seed captures.
pub fn is_seed(origin: &Option<String>) -> bool {
    origin.as_deref().unwrap_or_default().contains("seeds")
}

/// A dir whose index is a fresh copy of the index of `index-fixtures/`. The index is built once per
/// test process by `newsidx index`; each test gets its own copy and may change it.
pub fn indexed_fixtures() -> Dir {
    let dir = Dir::new();
    copy_index(fixture_index(), &dir.index());
    dir
}

/// The index of `index-fixtures/`, built on first use in a directory that outlives the process (a
/// static is never dropped): `<target>/tmp/fixture-index/<pid>`. Directories left by runs more than a
/// day old are removed first; `cargo clean` removes the rest.
fn fixture_index() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-index");
        remove_stale(&parent, Duration::from_secs(24 * 60 * 60));
        let dir = parent.join(std::process::id().to_string());
        // A directory of an earlier process with the same pid.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir fixture index");
        let index = dir.join("index");
        let mut cmd = newsidx();
        cmd.arg("index").arg("--index").arg(&index).arg(fixtures());
        run(cmd, None).expect(0);
        index
    })
}

/// Removes the entries of `parent` last modified more than `age` ago.
fn remove_stale(parent: &Path, age: Duration) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|elapsed| elapsed > age);
        if old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Copies the index directory `from` to `to` (created): its regular files, which are all an index
/// holds (tantivy's segment files, `meta.json`, `.managed.json` and lock files; `newsidx.json`;
/// `newsidx-stories.json`). Anything else in it fails the test, as the copy would be incomplete.
pub fn copy_index(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir index copy");
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("entry");
        let kind = entry.file_type().expect("file type");
        assert!(kind.is_file(), "not a regular file in an index: {entry:?}");
        std::fs::copy(entry.path(), to.join(entry.file_name()))
            .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
    }
}

/// `search --json ARGS`, which must find something (exit 0).
pub fn search(dir: &Dir, args: &[&str]) -> Results {
    let results: Results = search_run(dir, args).expect(0).json();
    assert!(!results.hits.is_empty(), "exit 0 without hits: {results:?}");
    results
}

/// `search --json ARGS` that finds matches but shows no hit (`--limit 0`): exit 0.
pub fn search_counts(dir: &Dir, args: &[&str]) -> Results {
    let results: Results = search_run(dir, args).expect(0).json();
    assert!(results.hits.is_empty(), "hits with --limit 0? {results:?}");
    results
}

/// `search --format FORMAT ARGS` (an export), which must find something: its stdout.
pub fn export(dir: &Dir, format: &str, args: &[&str]) -> String {
    let mut all = vec!["search", "--format", format];
    all.extend_from_slice(args);
    dir.run(&all).expect(0).stdout()
}

/// `search --json ARGS`, which must find nothing (exit 1): no hits on this page.
pub fn search_none(dir: &Dir, args: &[&str]) -> Results {
    let results: Results = search_run(dir, args).expect(1).json();
    assert!(results.hits.is_empty(), "exit 1 with hits: {results:?}");
    results
}

fn search_run(dir: &Dir, args: &[&str]) -> Run {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    dir.run(&all)
}

/// `stats --json`.
pub fn stats(dir: &Dir) -> Stats {
    dir.run(&["stats", "--json"]).expect(0).json()
}

/// `duplicates --json ARGS`; exit 0 when it lists a group, 1 when none.
pub fn duplicates(dir: &Dir, args: &[&str]) -> Clusters {
    let mut all = vec!["duplicates", "--json"];
    all.extend_from_slice(args);
    let run = dir.run(&all);
    let clusters: Clusters = run.json();
    let code = if clusters.clusters.is_empty() { 1 } else { 0 };
    run.expect(code);
    clusters
}

/// Whether the tests that index tens of thousands of articles run: only with `NEWSIDX_SLOW_TESTS=1`
/// (CI runs them in a release build, see `.ci/run`). Says so when they do not.
pub fn slow_tests(test: &str) -> bool {
    let on = std::env::var_os("NEWSIDX_SLOW_TESTS").is_some_and(|v| v == "1");
    if !on {
        eprintln!("skipped {test}: set NEWSIDX_SLOW_TESTS=1 to run it (best in a release build)");
    }
    on
}

/// What `newsidx ARGS` writes to a terminal (stdout and stderr together, as the screen gets them), run
/// under util-linux `script` with `NO_COLOR` set to `no_color` or unset; `None` (and a note) when there is
/// no `script` to run it with.
pub fn on_terminal(args: &[&str], no_color: Option<&str>) -> Option<String> {
    let mut command = format!("'{}'", env!("CARGO_BIN_EXE_newsidx"));
    for arg in args {
        assert!(!arg.contains('\''), "quote {arg} for the shell");
        command.push_str(&format!(" '{arg}'"));
    }
    let mut script = Command::new("script");
    script
        .args(["-qefc", &command, "/dev/null"])
        .current_dir(repo_root())
        .env_remove("NEWSIDX_INDEX")
        .env_remove("NO_COLOR");
    if let Some(value) = no_color {
        script.env("NO_COLOR", value);
    }
    match script.output() {
        Ok(out) => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Err(e) => {
            eprintln!("skipped: no `script` to run newsidx on a terminal ({e})");
            None
        }
    }
}

/// Runs `cmd`, feeding `stdin`, and captures everything.
pub fn run(mut cmd: Command, stdin: Option<&[u8]>) -> Run {
    use std::io::Write;
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn newsidx");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input).expect("write stdin");
    }
    Run(child.wait_with_output().expect("wait"))
}

/// The outcome of one run.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Asserts the exit code, showing the output when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code(),
            code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        assert!(
            !self.stderr().contains("panicked"),
            "panic: {}",
            self.stderr()
        );
        self
    }
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.0.stdout)
            .unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}", self.stdout()))
    }
}

/// `index --json` summary.
#[derive(Debug, serde::Deserialize)]
pub struct Summary {
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub articles: u64,
}

/// `stats --json`.
#[derive(Debug, serde::Deserialize, PartialEq)]
pub struct Stats {
    pub articles: u64,
    pub segments: u64,
    pub bytes: u64,
    pub oldest: Option<String>,
    pub newest: Option<String>,
    pub stories: Option<StoriesStats>,
}

/// `stats --json`'s `stories`.
#[derive(Debug, serde::Deserialize, PartialEq)]
pub struct StoriesStats {
    pub groups: u64,
    pub articles: u64,
}

/// `search --json`.
#[derive(Debug, serde::Deserialize)]
pub struct Results {
    pub query: String,
    pub total_hits: u64,
    pub total_stories: Option<u64>,
    pub sort: String,
    pub hits: Vec<Hit>,
    pub facets: std::collections::BTreeMap<String, Vec<Count>>,
    pub entity_filters: Vec<EntityFilter>,
    pub histogram: Option<Vec<Bucket>>,
}

/// One bucket of `search --json --histogram`.
#[derive(Debug, serde::Deserialize, PartialEq, Eq)]
pub struct Bucket {
    pub start: String,
    pub count: u64,
}

/// One element of `search --json`'s `entity_filters`: what was typed, the entity it stands for
/// (`type`, `name`, `articles`, `match` beside `query`) and the others that fit.
#[derive(Debug, serde::Deserialize, PartialEq, Eq)]
pub struct EntityFilter {
    pub query: String,
    #[serde(flatten)]
    pub entity: EntityMatch,
    pub others: Vec<EntityMatch>,
}

/// Another entity that fits a filter.
#[derive(Debug, serde::Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EntityMatch {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub articles: u64,
    #[serde(rename = "match")]
    pub evidence: String,
}

/// One hit of `search --json`; every key must be present.
#[derive(Debug, serde::Deserialize)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    pub title: Option<String>,
    pub source: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    pub snippet: String,
    pub highlights: Vec<[usize; 2]>,
    pub entities: Vec<EntityRef>,
    pub duplicates: Vec<Duplicate>,
    pub origin: Option<String>,
    /// Only with `--fields body`.
    pub body: Option<String>,
}

#[derive(Debug, Clone, serde::Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntityRef {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct Duplicate {
    pub id: String,
    pub title: Option<String>,
    pub source: Option<String>,
    pub published: Option<String>,
    pub distance: u32,
}

/// `duplicates --json`.
#[derive(Debug, serde::Deserialize)]
pub struct Clusters {
    pub clusters: Vec<Cluster>,
}

/// One group of `duplicates --json`.
#[derive(Debug, serde::Deserialize)]
pub struct Cluster {
    pub ids: Vec<String>,
    pub size: usize,
}

#[derive(Debug, serde::Deserialize)]
pub struct Count {
    pub name: String,
    pub count: u64,
}

/// `show --json`; every key must be present, and no other.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub id: String,
    pub title: Option<String>,
    pub body: String,
    pub source: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    pub origin: Option<String>,
    pub entities: Vec<EntityRef>,
    pub mentions: Vec<Mention>,
    pub max_distance: u32,
    pub story: Vec<Duplicate>,
}

/// One element of `show --json`'s `mentions`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mention {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub field: String,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// One line of `index --rejects FILE`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejected {
    pub origin: String,
    pub reason: String,
}

/// A running `newsidx serve` on a free loopback port, stopped (killed) on drop.
pub struct Server {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    child: std::process::Child,
}

impl Server {
    /// Starts `newsidx serve --index INDEX --addr 127.0.0.1:0 ARGS` and waits (at most 60 s) for
    /// the address it prints on the first line of stdout.
    pub fn start(index: &Path, args: &[&str]) -> Server {
        use std::io::BufRead;
        let mut cmd = newsidx();
        cmd.arg("serve")
            .arg("--index")
            .arg(index)
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("start newsidx serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            // Keep reading so that the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Some(Ok(line))) => line,
            other => {
                let _ = child.kill();
                panic!("newsidx serve printed no address: {other:?}");
            }
        };
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Server { url, child }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
