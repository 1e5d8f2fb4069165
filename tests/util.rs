//! Helpers for the integration tests: a temp dir with an index path, and a runner for the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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
    pub hits: Vec<Hit>,
    pub facets: std::collections::BTreeMap<String, Vec<Count>>,
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
}

#[derive(Debug, serde::Deserialize, PartialEq, Eq, PartialOrd, Ord)]
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

#[derive(Debug, serde::Deserialize)]
pub struct Count {
    pub name: String,
    pub count: u64,
}
