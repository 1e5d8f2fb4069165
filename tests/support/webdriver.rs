//! A small W3C WebDriver client for the browser tests: starts ChromeDriver on a free loopback port,
//! opens a headless Chromium session and speaks JSON over plain HTTP/1.1 (std's `TcpStream`, one
//! connection per request). Only what the tests use is here.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long a wait for the page polls before it fails (generous: CI runs the other tests beside
/// these on two cores).
pub const WAIT: Duration = Duration::from_secs(30);

/// The key WebDriver sends for Enter.
pub const ENTER: &str = "\u{E007}";

/// The key WebDriver sends for End.
pub const END: &str = "\u{E010}";

/// The W3C key under which an element reference travels.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where the browser and its driver are, when both are installed.
pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

/// Finds Chromium and ChromeDriver (`/usr/bin`, then `PATH`). Without them the browser tests skip
/// with a note on stderr, or fail when `NEWSIDX_BROWSER_TESTS=1` (CI), naming what to install.
pub fn tools(test: &str) -> Option<Tools> {
    let chromium = find(&["chromium", "chromium-browser", "google-chrome"]);
    let chromedriver = find(&["chromedriver"]);
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) => Some(Tools {
            chromium,
            chromedriver,
        }),
        (chromium, chromedriver) => {
            let missing: Vec<&str> = [
                chromium.is_none().then_some("chromium"),
                chromedriver.is_none().then_some("chromedriver"),
            ]
            .into_iter()
            .flatten()
            .collect();
            let note = format!(
                "{test}: no {} found; install them with `apt-get install chromium chromium-driver`",
                missing.join(" or ")
            );
            let required = std::env::var_os("NEWSIDX_BROWSER_TESTS").is_some_and(|v| v == "1");
            assert!(!required, "{note} (NEWSIDX_BROWSER_TESTS=1 requires them)");
            eprintln!("skipped {note}");
            None
        }
    }
}

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::iter::once(PathBuf::from("/usr/bin"))
        .chain(std::env::split_paths(&path))
        .collect();
    names
        .iter()
        .flat_map(|name| dirs.iter().map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// A ChromeDriver process, killed on drop.
pub struct Driver {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
}

impl Driver {
    /// Starts `chromedriver` on a free loopback port and waits until it answers `/status`.
    pub fn start(tools: &Tools) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", tools.chromedriver.display()));
        let mut driver = Driver {
            child,
            addr: format!("127.0.0.1:{port}"),
        };
        let start = Instant::now();
        loop {
            if let Ok((200, body)) = request(&driver.addr, "GET", "/status", None) {
                let ready = serde_json::from_slice::<Value>(&body)
                    .is_ok_and(|v| v["value"]["ready"] == json!(true));
                if ready {
                    return driver;
                }
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            assert!(
                start.elapsed() < WAIT,
                "chromedriver did not answer on {}",
                driver.addr
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A new headless Chromium session with a fresh profile, its window `width` x `height`.
    pub fn session(&self, tools: &Tools, width: u32, height: u32) -> Session {
        let profile = tempfile::tempdir().expect("profile dir");
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "unhandledPromptBehavior": "ignore",
                    "goog:loggingPrefs": { "browser": "ALL" },
                    "goog:chromeOptions": {
                        "binary": tools.chromium.to_str().expect("UTF-8 path"),
                        "args": args,
                    },
                },
            },
        });
        let value = call(&self.addr, "POST", "/session", Some(&capabilities))
            .unwrap_or_else(|e| panic!("new session: {e}"));
        let id = value["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {value}"))
            .to_string();
        Session {
            addr: self.addr.clone(),
            id,
            _profile: profile,
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser session; closed (the browser quits) on drop.
pub struct Session {
    addr: String,
    id: String,
    _profile: tempfile::TempDir,
}

/// A WebDriver error: its `error` code (`no such alert`, `no such element`, ...) and message.
#[derive(Debug)]
pub struct WebDriverError {
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.message)
    }
}

/// An element of the page.
#[derive(Clone, Debug)]
pub struct Element(String);

impl Element {
    /// The element as a script argument.
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

impl Session {
    fn path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.id)
    }

    /// A command that must succeed: its `value`.
    pub fn cmd(&self, method: &str, rest: &str, body: Option<Value>) -> Value {
        self.try_cmd(method, rest, body)
            .unwrap_or_else(|e| panic!("{method} {rest}: {e}"))
    }

    /// A command that may fail with a WebDriver error.
    pub fn try_cmd(
        &self,
        method: &str,
        rest: &str,
        body: Option<Value>,
    ) -> Result<Value, WebDriverError> {
        let body = match (method, body) {
            ("POST", None) => Some(json!({})),
            (_, body) => body,
        };
        call(&self.addr, method, &self.path(rest), body.as_ref())
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn title(&self) -> String {
        self.cmd("GET", "/title", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn back(&self) {
        self.cmd("POST", "/back", None);
    }

    /// The text of the open alert, confirm or prompt, or the error (`no such alert`) when none is open.
    pub fn alert_text(&self) -> Result<Value, WebDriverError> {
        self.try_cmd("GET", "/alert/text", None)
    }

    /// The browser's console and security messages since the last call (ChromeDriver's log):
    /// `{"level", "source", "message"}` objects.
    pub fn browser_log(&self) -> Vec<Value> {
        match self.cmd("POST", "/se/log", Some(json!({ "type": "browser" }))) {
            Value::Array(entries) => entries,
            other => panic!("browser log: {other}"),
        }
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns what it returns.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// The elements matching the CSS `selector` now.
    pub fn find_all(&self, selector: &str) -> Vec<Element> {
        let found = self.cmd(
            "POST",
            "/elements",
            Some(json!({ "using": "css selector", "value": selector })),
        );
        found
            .as_array()
            .map(|all| all.iter().filter_map(element_of).collect())
            .unwrap_or_default()
    }

    /// The first element matching `selector`, waiting for one that is displayed.
    pub fn wait_for(&self, selector: &str) -> Element {
        self.wait_until(&format!("a displayed {selector}"), || {
            self.find_all(selector)
                .into_iter()
                .find(|e| self.displayed(e))
        })
    }

    /// Polls `check` until it gives something, or fails after [`WAIT`] with `what`, the page's address
    /// and a screenshot in `target/browser-artifacts/failure.png`.
    pub fn wait_until<T>(&self, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(found) = check() {
                return found;
            }
            if start.elapsed() > WAIT {
                let shot = artifacts().join("failure.png");
                let saved = std::fs::write(&shot, self.screenshot()).is_ok();
                let error = self.execute(
                    "const e = document.getElementById('error'); return e ? e.textContent : null;",
                    vec![],
                );
                panic!(
                    "waited {WAIT:?} for {what} on {} (alert region: {error}; screenshot {}saved to {})",
                    self.url(),
                    if saved { "" } else { "not " },
                    shot.display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn text(&self, element: &Element) -> String {
        self.cmd("GET", &format!("/element/{}/text", element.0), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The element's DOM property `name` (`textContent`, `value`, ...).
    pub fn property(&self, element: &Element, name: &str) -> Value {
        self.cmd(
            "GET",
            &format!("/element/{}/property/{name}", element.0),
            None,
        )
    }

    /// The element's attribute `name`, when it has one.
    pub fn attribute(&self, element: &Element, name: &str) -> Option<String> {
        self.cmd(
            "GET",
            &format!("/element/{}/attribute/{name}", element.0),
            None,
        )
        .as_str()
        .map(str::to_string)
    }

    pub fn displayed(&self, element: &Element) -> bool {
        self.try_cmd("GET", &format!("/element/{}/displayed", element.0), None)
            .is_ok_and(|v| v == json!(true))
    }

    pub fn click(&self, element: &Element) {
        self.cmd("POST", &format!("/element/{}/click", element.0), None);
    }

    pub fn clear(&self, element: &Element) {
        self.cmd("POST", &format!("/element/{}/clear", element.0), None);
    }

    /// Types `text` into the element (a key such as [`ENTER`] included).
    pub fn type_text(&self, element: &Element, text: &str) {
        self.cmd(
            "POST",
            &format!("/element/{}/value", element.0),
            Some(json!({ "text": text })),
        );
    }

    /// Elements within `element` matching `selector`.
    pub fn find_in(&self, element: &Element, selector: &str) -> Vec<Element> {
        let found = self.cmd(
            "POST",
            &format!("/element/{}/elements", element.0),
            Some(json!({ "using": "css selector", "value": selector })),
        );
        found
            .as_array()
            .map(|all| all.iter().filter_map(element_of).collect())
            .unwrap_or_default()
    }

    /// Presses the left mouse button on `from`, moves to `to` and releases it there (a drag).
    pub fn drag(&self, from: &Element, to: &Element) {
        let origin = |e: &Element| e.to_json();
        let actions = json!({ "actions": [{
            "type": "pointer",
            "id": "mouse",
            "parameters": { "pointerType": "mouse" },
            "actions": [
                { "type": "pointerMove", "duration": 0, "origin": origin(from), "x": 0, "y": 0 },
                { "type": "pointerDown", "button": 0 },
                { "type": "pointerMove", "duration": 100, "origin": origin(to), "x": 0, "y": 0 },
                { "type": "pointerUp", "button": 0 },
            ],
        }]});
        self.cmd("POST", "/actions", Some(actions));
        self.cmd("DELETE", "/actions", None);
    }

    /// Sends one key (`"/"`, [`ENTER`]) to whatever has the focus.
    pub fn press(&self, key: &str) {
        let actions = json!({ "actions": [{
            "type": "key",
            "id": "keyboard",
            "actions": [
                { "type": "keyDown", "value": key },
                { "type": "keyUp", "value": key },
            ],
        }]});
        self.cmd("POST", "/actions", Some(actions));
    }

    pub fn set_window_size(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> Vec<u8> {
        let encoded = self.cmd("GET", "/screenshot", None);
        base64_decode(encoded.as_str().expect("screenshot as base64"))
    }

    /// Saves a screenshot as `target/browser-artifacts/NAME`, and returns its path.
    pub fn save_screenshot(&self, name: &str) -> PathBuf {
        let path = artifacts().join(name);
        std::fs::write(&path, self.screenshot())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = call(&self.addr, "DELETE", &format!("/session/{}", self.id), None);
    }
}

/// `target/browser-artifacts`, created.
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&dir).expect("mkdir target/browser-artifacts");
    dir
}

fn element_of(value: &Value) -> Option<Element> {
    value[ELEMENT_KEY]
        .as_str()
        .map(|id| Element(id.to_string()))
}

/// One WebDriver command: the `value` of its answer, or the WebDriver error it reports.
fn call(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, WebDriverError> {
    let body = body.map(|b| b.to_string());
    let (status, answer) =
        request(addr, method, path, body.as_deref()).map_err(|e| WebDriverError {
            error: "transport".into(),
            message: format!("{method} {path}: {e}"),
        })?;
    let mut value: Value = serde_json::from_slice(&answer).map_err(|e| WebDriverError {
        error: "bad answer".into(),
        message: format!("{e}: {}", String::from_utf8_lossy(&answer)),
    })?;
    let value = value["value"].take();
    if status == 200 {
        return Ok(value);
    }
    Err(WebDriverError {
        error: value["error"]
            .as_str()
            .unwrap_or("unknown error")
            .to_string(),
        message: value["message"].as_str().unwrap_or_default().to_string(),
    })
}

/// A plain HTTP/1.1 request to `addr` (`127.0.0.1:PORT`): the status and the body. The connection
/// is closed after the answer, so the body runs to the end of the stream unless a length or
/// chunking says otherwise.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            }
        }
    }
    let mut answer = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16)
                .map_err(|e| std::io::Error::other(format!("chunk size {line:?}: {e}")))?;
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk)?;
            answer.extend_from_slice(&chunk);
            line.clear();
            reader.read_line(&mut line)?;
        }
    } else if let Some(length) = length {
        answer.resize(length, 0);
        reader.read_exact(&mut answer)?;
    } else {
        reader.read_to_end(&mut answer)?;
    }
    Ok((status, answer))
}

/// Standard base64 (with or without padding); other characters are skipped.
fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut bits = 0u32;
    let mut count = 0;
    for byte in text.bytes() {
        let sextet = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        bits = (bits << 6) | u32::from(sextet);
        count += 1;
        if count == 4 {
            out.extend_from_slice(&[(bits >> 16) as u8, (bits >> 8) as u8, bits as u8]);
            bits = 0;
            count = 0;
        }
    }
    match count {
        2 => out.push((bits >> 4) as u8),
        3 => out.extend_from_slice(&[(bits >> 10) as u8, (bits >> 2) as u8]),
        _ => {}
    }
    out
}

#[test]
fn base64_decodes_padded_and_unpadded() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGVsbG8"), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("aGV5"), b"hey");
    assert_eq!(base64_decode(""), b"");
}
