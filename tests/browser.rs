//! The page of `newsidx serve` in a real headless Chromium, driven over WebDriver: searching,
//! near-duplicates, facets, the histogram, paging state in the URL, the back button, the article
//! view, and article text that tries to be markup. Skipped (with a note) when Chromium or
//! ChromeDriver is missing, unless `NEWSIDX_BROWSER_TESTS=1`.
//!
//! Screenshots of the results and of an article go to `target/browser-artifacts/`; with
//! `NEWSIDX_UPDATE_SCREENSHOTS=1` they are also copied to `docs/screenshots/`.

use serde_json::{json, Value};

use crate::util::{indexed_fixtures, repo_root, Dir, Server};
use webdriver::{Driver, Element, Session, Tools, ENTER};

#[path = "support/webdriver.rs"]
mod webdriver;

/// A browser on the page of a server over the fixture index plus `tests/data/hostile.jsonl`.
/// Fields drop in order: the browser quits before its driver stops and the server ends.
struct Page {
    s: Session,
    _driver: Driver,
    server: Server,
    _dir: Dir,
}

impl Page {
    fn open(test: &str) -> Option<Page> {
        let tools: Tools = webdriver::tools(test)?;
        let dir = indexed_fixtures();
        let hostile = repo_root().join("tests/data/hostile.jsonl");
        dir.run(&["index", hostile.to_str().expect("UTF-8 path")])
            .expect(0);
        let server = Server::start(&dir.index(), &[]);
        let driver = Driver::start(&tools);
        let s = driver.session(&tools, 1280, 900);
        Some(Page {
            s,
            _driver: driver,
            server,
            _dir: dir,
        })
    }

    /// Loads the page at `path_and_query` (`/`, `/?q=...`).
    fn load(&self, path_and_query: &str) {
        self.s.goto(&format!("{}{path_and_query}", self.server.url));
    }

    /// `GET path` from the API, decoded; it must answer 200.
    fn api(&self, path: &str) -> Value {
        let addr = self.server.url.trim_start_matches("http://");
        let (status, body) = webdriver::request(addr, "GET", path, None)
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(
            status,
            200,
            "GET {path}: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// The page's query parameters now, decoded.
    fn params(&self) -> Params {
        Params(query_pairs(&self.s.url()))
    }

    /// Waits until the URL's parameters satisfy `check`, and returns them.
    fn wait_for_params(&self, what: &str, check: impl Fn(&Params) -> bool) -> Params {
        self.s.wait_until(what, || {
            let p = self.params();
            check(&p).then_some(p)
        })
    }

    /// Waits until the results drawn are those of the URL's state and `check` holds for the summary
    /// and the number of hits shown.
    fn wait_for_results(&self, what: &str, check: impl Fn(&str, usize) -> bool) -> (String, usize) {
        self.s.wait_until(what, || {
            if self.busy() {
                return None;
            }
            let summary = self.s.text(&self.s.wait_for("#summary"));
            let hits = self.visible("#hits > .hit").len();
            check(&summary, hits).then_some((summary, hits))
        })
    }

    /// Whether the page is waiting for an answer.
    fn busy(&self) -> bool {
        self.s.execute(
            "return document.getElementById('main').getAttribute('aria-busy') === 'true';",
            vec![],
        ) == json!(true)
    }

    fn visible(&self, selector: &str) -> Vec<Element> {
        self.s
            .find_all(selector)
            .into_iter()
            .filter(|e| self.s.displayed(e))
            .collect()
    }

    fn text_content(&self, element: &Element) -> String {
        self.s
            .property(element, "textContent")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Types `query` into the search box and presses Enter.
    fn search(&self, query: &str) {
        let input = self.s.wait_for("#q");
        self.s.clear(&input);
        self.s.type_text(&input, &format!("{query}{ENTER}"));
    }

    /// Waits for the article view of `id` to be drawn.
    fn wait_for_article(&self, id: &str) {
        self.wait_for_params(&format!("article={id} in the URL"), |p| {
            p.one("article") == Some(id)
        });
        self.s.wait_until("the article view", || {
            (!self.busy() && self.visible("#article-body").len() == 1).then_some(())
        });
    }

    /// The document's width beyond its viewport, in CSS pixels (0 when it does not scroll sideways).
    fn sideways_overflow(&self) -> i64 {
        self.s
            .execute(
                "const d = document.documentElement; return d.scrollWidth - d.clientWidth;",
                vec![],
            )
            .as_i64()
            .expect("a number")
    }

    /// Fails on any error the browser logged since the last look: a script error, a blocked inline
    /// script or style (the CSP), a console error. Failed requests (the API's 4xx answers) are
    /// expected where a test asks for them.
    fn assert_no_browser_errors(&self) {
        let errors: Vec<Value> = self
            .s
            .browser_log()
            .into_iter()
            .filter(|e| e["level"] == "SEVERE" && e["source"] != "network")
            .collect();
        assert!(errors.is_empty(), "the browser logged errors: {errors:#?}");
    }

    fn screenshot(&self, name: &str) {
        let saved = self.s.save_screenshot(name);
        if std::env::var_os("NEWSIDX_UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
            let docs = repo_root().join("docs/screenshots");
            std::fs::create_dir_all(&docs).expect("mkdir docs/screenshots");
            std::fs::copy(&saved, docs.join(name)).expect("copy screenshot");
        }
    }
}

/// Query parameters in order, repeated names included.
struct Params(Vec<(String, String)>);

impl Params {
    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn one(&self, name: &str) -> Option<&str> {
        self.all(name).first().copied()
    }
}

/// The decoded `name=value` pairs of `url`'s query (`+` is a space, `%XX` a byte).
fn query_pairs(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let query = query.split('#').next().unwrap_or_default();
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `YYYY-MM-DD` of the last day of the month that starts on `start` (RFC 3339).
fn last_day_of_month(start: &str) -> String {
    let year: i32 = start[..4].parse().expect("year");
    let month: u32 = start[5..7].parse().expect("month");
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    format!("{year:04}-{month:02}-{days:02}")
}

/// "N articles in M stories" as the page writes it for a search answer.
fn summary_of(results: &Value) -> String {
    let n = |count: u64, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    let articles = n(
        results["total_hits"].as_u64().expect("total_hits"),
        "article",
        "articles",
    );
    match results["total_stories"].as_u64() {
        Some(stories) => format!("{articles} in {}", n(stories, "story", "stories")),
        None => articles,
    }
}

#[test]
fn search_filter_histogram_and_history() {
    let Some(page) = Page::open("search_filter_histogram_and_history") else {
        return;
    };
    let s = &page.s;

    // An empty query is every article, newest first.
    page.load("/");
    let everything = page.api("/api/search?q=*&limit=10&facets=person,org,place,source");
    page.wait_for_results("every article", |summary, hits| {
        summary == summary_of(&everything) && hits == 10
    });
    assert_eq!(s.property(&s.wait_for("#sort"), "value"), json!("newest"));

    // "/" focuses the search box.
    s.execute("document.activeElement.blur();", vec![]);
    s.press("/");
    let focused = s.execute("return document.activeElement.id;", vec![]);
    assert_eq!(focused, json!("q"), "/ focuses the search box");

    // Type a query and press Enter: one story of three articles.
    page.search("Putin call");
    let p = page.wait_for_params("q in the URL", |p| p.one("q") == Some("Putin call"));
    assert_eq!(p.all("offset"), Vec::<&str>::new());
    page.wait_for_results("the Putin call story", |summary, hits| {
        summary == "3 articles in 1 story" && hits == 1
    });
    assert!(s.title().starts_with("Putin call"), "{}", s.title());
    let hit = &page.visible("#hits > .hit")[0];
    let marks: Vec<String> = s
        .find_in(hit, ".snippet mark")
        .iter()
        .map(|m| page.text_content(m).to_lowercase())
        .collect();
    assert!(!marks.is_empty(), "highlighted words in the snippet");
    for word in &marks {
        assert!(
            word.starts_with("putin") || word.starts_with("call"),
            "highlight {word:?} is not a query word: the byte ranges were misread"
        );
    }

    // "+2 near-duplicates" opens the copies with their distances.
    let toggle = &s.find_in(hit, "button.dup-toggle")[0];
    assert_eq!(s.text(toggle), "+2 near-duplicates");
    assert_eq!(
        s.attribute(toggle, "aria-expanded").as_deref(),
        Some("false")
    );
    assert!(page.visible(".copy").is_empty(), "copies start folded");
    s.click(toggle);
    assert_eq!(
        s.attribute(toggle, "aria-expanded").as_deref(),
        Some("true")
    );
    let copies = page.visible(".hit .copy");
    assert_eq!(copies.len(), 2);
    let api = page.api("/api/search?q=Putin+call");
    let distances: Vec<String> = api["hits"][0]["duplicates"]
        .as_array()
        .expect("duplicates")
        .iter()
        .map(|d| format!("distance {}", d["distance"]))
        .collect();
    let shown: Vec<String> = copies
        .iter()
        .map(|c| s.text(&s.find_in(c, ".distance")[0]))
        .collect();
    assert_eq!(shown, distances);

    // The person facet filters: a chip, the URL, the button pressed.
    let putin = page
        .visible(".facet-item[data-type=person]")
        .into_iter()
        .find(|b| s.text(&s.find_in(b, ".facet-name")[0]) == "Vladimir Putin")
        .expect("a person facet Vladimir Putin");
    assert!(page.visible(".chip").is_empty());
    s.click(&putin);
    let p = page.wait_for_params("the entity filter in the URL", |p| {
        p.all("entity") == ["person:Vladimir Putin"]
    });
    assert_eq!(p.one("q"), Some("Putin call"));
    let chip = s.wait_for(".chip");
    assert!(
        s.text(&chip).contains("Vladimir Putin"),
        "{}",
        s.text(&chip)
    );
    page.wait_for_results("the filtered story", |summary, hits| {
        summary == "3 articles in 1 story" && hits == 1
    });
    let pressed = s.find_all(".facet-item[data-type=person][aria-pressed=true]");
    assert_eq!(pressed.len(), 1);
    let focused = s.execute(
        "return document.activeElement.dataset.focusKey || null;",
        vec![],
    );
    assert_eq!(
        focused,
        json!("facet:person:Vladimir Putin"),
        "the redrawn facet keeps the focus"
    );

    // Back: no filter.
    s.back();
    page.wait_for_params("no entity after Back", |p| {
        p.all("entity").is_empty() && p.one("q") == Some("Putin call")
    });
    s.wait_until("the chip gone after Back", || {
        (!page.busy() && page.visible(".chip").is_empty()).then_some(())
    });
    assert_eq!(s.property(&s.wait_for("#q"), "value"), json!("Putin call"));

    // "*" with its histogram: clicking a bar filters by that month.
    page.search("*");
    page.wait_for_params("q=* in the URL", |p| p.one("q") == Some("*"));
    let (all_summary, _) = page.wait_for_results("every article", |summary, _| {
        summary == summary_of(&everything)
    });
    let months = page.api("/api/search?q=*&limit=0&histogram=month");
    let buckets = months["histogram"].as_array().expect("a histogram");
    let first = buckets
        .iter()
        .position(|b| b["count"].as_u64() > Some(0))
        .expect("a month with articles");
    let start = buckets[first]["start"].as_str().expect("start");
    assert_eq!(
        s.text(&s.wait_for("#histogram-interval")),
        "(per month)",
        "21 months of articles are shown by month"
    );
    let bars = page.visible("#bars .bar");
    assert_eq!(bars.len(), buckets.len());
    // Each bar's height is its count over the highest count.
    let heights = s.execute(
        "return [...document.querySelectorAll('#bars .bar')].map(b => \
         b.querySelector('.fill').getBoundingClientRect().height / b.getBoundingClientRect().height);",
        vec![],
    );
    let max = buckets.iter().filter_map(|b| b["count"].as_u64()).max();
    for (bucket, height) in buckets.iter().zip(heights.as_array().expect("heights")) {
        let want = bucket["count"].as_u64().expect("count") as f64 / max.expect("max") as f64;
        let got = height.as_f64().expect("a height");
        assert!(
            (got - want).abs() < 0.05,
            "bar of {bucket}: {got} of the height"
        );
    }
    s.click(&bars[first]);
    let p = page.wait_for_params("since and until in the URL", |p| {
        p.one("since").is_some() && p.one("until").is_some()
    });
    assert_eq!(p.one("since"), Some(&start[..10]));
    assert_eq!(p.one("until"), Some(last_day_of_month(start).as_str()));
    let month = page.api(&format!(
        "/api/search?q=*&since={}&until={}",
        &start[..10],
        last_day_of_month(start)
    ));
    let (month_summary, _) = page.wait_for_results("the month's articles", |summary, _| {
        summary == summary_of(&month)
    });
    assert_ne!(month_summary, all_summary, "the bar narrowed the results");
    assert!(s.text(&s.wait_for(".chip")).contains(&start[..10]));
    assert_eq!(s.text(&s.wait_for("#histogram-interval")), "(per day)");

    // Dragging across bars filters by the range of months.
    s.back();
    page.wait_for_results("every article again", |summary, _| summary == all_summary);
    let bars = page.visible("#bars .bar");
    let last = buckets.len() - 1;
    s.drag(&bars[first], &bars[last]);
    let end = buckets[last]["start"].as_str().expect("start");
    let p = page.wait_for_params("a brushed range in the URL", |p| p.one("since").is_some());
    assert_eq!(p.one("since"), Some(&start[..10]));
    assert_eq!(p.one("until"), Some(last_day_of_month(end).as_str()));

    // From the keyboard: one bar is in the Tab order, End moves to the last, Enter picks it.
    s.back();
    page.wait_for_params("no dates after Back", |p| p.one("since").is_none());
    page.wait_for_results("every article again", |summary, _| summary == all_summary);
    let tabbable = page.visible("#bars .bar[tabindex='0']");
    assert_eq!(tabbable.len(), 1, "one bar in the Tab order");
    s.execute("arguments[0].focus();", vec![tabbable[0].to_json()]);
    s.press(webdriver::END);
    let index = s.execute("return document.activeElement.dataset.index;", vec![]);
    assert_eq!(index, json!(last.to_string()));
    s.press(ENTER);
    let p = page.wait_for_params("the last month in the URL", |p| p.one("since").is_some());
    assert_eq!(p.one("since"), Some(&end[..10]));
    assert_eq!(p.one("until"), Some(last_day_of_month(end).as_str()));
    page.wait_for_results("the last month's articles", |_, hits| hits > 0);
    let focused = s.execute("return document.activeElement.className;", vec![]);
    assert!(
        focused.as_str().unwrap_or_default().contains("bar"),
        "the focus stays in the histogram: {focused}"
    );

    // Sort and paging are in the URL too.
    s.back();
    page.wait_for_results("every article again", |summary, _| summary == all_summary);
    s.click(&s.wait_for("#sort"));
    s.click(&s.wait_for("#sort option[value=oldest]"));
    page.wait_for_params("sort=oldest", |p| p.one("sort") == Some("oldest"));
    let next = s.wait_for("#next");
    page.wait_for_results("the oldest first", |_, hits| hits == 10);
    s.click(&next);
    let p = page.wait_for_params("offset=10", |p| p.one("offset") == Some("10"));
    assert_eq!(p.one("sort"), Some("oldest"));
    let second = page.api("/api/search?q=*&sort=oldest&offset=10");
    let expected: Vec<String> = second["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().expect("id").to_string())
        .collect();
    s.wait_until("the second page", || {
        let shown: Vec<String> = page
            .visible("#hits .hit-title a")
            .iter()
            .map(|a| {
                let href = s.attribute(a, "href").unwrap_or_default();
                Params(query_pairs(&href))
                    .one("article")
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        (!page.busy() && shown == expected).then_some(())
    });

    // A URL loaded directly renders its state.
    page.load("/?q=Putin+call&sort=newest");
    page.wait_for_results("the Putin call story", |summary, hits| {
        summary == "3 articles in 1 story" && hits == 1
    });
    assert_eq!(s.property(&s.wait_for("#sort"), "value"), json!("newest"));
    assert_eq!(s.property(&s.wait_for("#q"), "value"), json!("Putin call"));

    page.assert_no_browser_errors();

    // An API error shows its message in the alert region.
    page.load("/?q=title%3A%28");
    let alert = s.wait_for("#error[role=alert]");
    assert!(s.text(&alert).contains("query"), "{}", s.text(&alert));
    assert!(page.visible("#hits > .hit").is_empty(), "no stale results");

    // A filter the API refuses keeps its chip, which takes it away (and the alert with it).
    page.load("/?q=*&entity=person%3ANobody+Anywhere");
    let alert = s.wait_for("#error[role=alert]");
    assert!(
        s.text(&alert).contains("Nobody Anywhere"),
        "{}",
        s.text(&alert)
    );
    s.click(&s.wait_for(".chip"));
    page.wait_for_results("every article", |summary, _| {
        summary == summary_of(&everything)
    });
    assert!(page.visible("#error").is_empty(), "the alert is gone");

    // The results screenshot: a query with a story opened, facets and the histogram.
    page.load("/?q=putin");
    page.wait_for_results("putin", |_, hits| hits > 1);
    if let Some(toggle) = page.visible("button.dup-toggle").first() {
        s.click(toggle);
    }
    page.screenshot("results.png");
    page.assert_no_browser_errors();
}

#[test]
fn article_view_and_its_links() {
    let Some(page) = Page::open("article_view_and_its_links") else {
        return;
    };
    let s = &page.s;

    // Open the newest article from every article's results.
    page.load("/?q=*");
    let everything = page.api("/api/search?q=*");
    page.wait_for_results("every article", |summary, _| {
        summary == summary_of(&everything)
    });
    let id = everything["hits"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let link = &page.visible("#hits .hit-title a")[0];
    s.click(link);
    page.wait_for_article(&id);
    let p = page.params();
    assert_eq!(p.one("q"), Some("*"), "the search state is kept");

    // Headline, body and the entities highlighted where the API says they are.
    let article = page.api(&format!("/api/articles/{id}"));
    assert_eq!(
        page.text_content(&s.wait_for("#article-title")),
        article["title"].as_str().expect("a title")
    );
    let body = s.wait_for("#article-body");
    assert_eq!(
        page.text_content(&body),
        article["body"].as_str().expect("body")
    );
    let marked: Vec<String> = s
        .find_in(&body, "mark.entity")
        .iter()
        .map(|m| page.text_content(m))
        .collect();
    let mentions: Vec<String> = article["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .filter(|m| m["field"] == "body")
        .map(|m| m["text"].as_str().expect("text").to_string())
        .collect();
    assert!(!mentions.is_empty());
    assert_eq!(marked, mentions);
    let meta = s.text(&s.wait_for("#article-meta"));
    assert!(
        meta.contains(article["source"].as_str().expect("source")),
        "{meta}"
    );
    let external = s.find_all("#article-meta a.external");
    assert_eq!(external.len(), 1, "the article's http(s) address is a link");
    assert_eq!(
        s.attribute(&external[0], "rel").as_deref(),
        Some("noopener noreferrer")
    );

    // One of its entities goes back to the results, filtered by it.
    let entity = &page.visible("#article-entities a.entity-link")[0];
    let name = s.text(entity);
    s.click(entity);
    let p = page.wait_for_params("an entity filter", |p| p.one("article").is_none());
    let filter = p.all("entity");
    assert_eq!(filter.len(), 1);
    assert!(filter[0].ends_with(&format!(":{name}")), "{filter:?}");
    assert_eq!(p.one("q"), Some("*"));
    page.wait_for_results("the entity's articles", |_, hits| hits > 0);
    assert!(s.text(&s.wait_for(".chip")).contains(&name));

    // Its chip removes the filter.
    s.click(&s.wait_for(".chip"));
    page.wait_for_params("no entity filter", |p| {
        p.all("entity").is_empty() && p.one("q") == Some("*")
    });
    page.wait_for_results("every article again", |summary, _| {
        summary == summary_of(&everything)
    });
    assert!(page.visible(".chip").is_empty());

    // The source facet filters with source=NAME.
    let facet = &page.visible(".facet-item[data-type=source]")[0];
    let source = s.text(&s.find_in(facet, ".facet-name")[0]);
    s.click(facet);
    page.wait_for_params("a source filter", |p| p.all("source") == [source.as_str()]);
    let (_, hits) = page.wait_for_results("the source's articles", |summary, hits| {
        summary != summary_of(&everything) && hits > 0
    });
    let sources: Vec<String> = page
        .visible("#hits > .hit > .meta .source")
        .iter()
        .map(|e| s.text(e))
        .collect();
    assert_eq!(sources.len(), hits);
    assert!(sources.iter().all(|s| *s == source), "{sources:?}");
    let chip = page.text_content(&s.wait_for(".chip .chip-text"));
    assert_eq!(chip, format!("Source: {source}"));

    // "Back to results" keeps the search; the story's copies link to their own views.
    let seeds = page.api("/api/search?q=Putin+call");
    let leader = seeds["hits"][0]["id"].as_str().expect("id").to_string();
    page.load(&format!("/?q=Putin+call&sort=newest&article={leader}"));
    page.wait_for_article(&leader);
    let copies = page.visible("#story .copy a");
    assert_eq!(copies.len(), 2, "the story's other copies");
    let copy = Params(query_pairs(
        &s.attribute(&copies[0], "href").unwrap_or_default(),
    ))
    .one("article")
    .expect("a link to an article view")
    .to_string();
    s.click(&copies[0]);
    page.wait_for_article(&copy);
    s.click(&s.wait_for("#back"));
    let p = page.wait_for_params("the results again", |p| p.one("article").is_none());
    assert_eq!(
        (p.one("q"), p.one("sort")),
        (Some("Putin call"), Some("newest"))
    );
    page.wait_for_results("the Putin call story", |summary, hits| {
        summary == "3 articles in 1 story" && hits == 1
    });

    // The screenshot: a headline, its entities, and a copy of the story from another source.
    page.load("/?q=battery+plant&article=wire-06");
    page.wait_for_article("wire-06");
    let copies = page.visible("#story .copy");
    assert_eq!(copies.len(), 1, "the syndicated copy");
    assert!(s.text(&copies[0]).contains("The Harbour Herald"));
    page.screenshot("article.png");
    page.assert_no_browser_errors();

    // A missing article is an error in the alert region.
    page.load("/?article=no-such-article");
    let alert = s.wait_for("#error[role=alert]");
    assert!(
        s.text(&alert).contains("no-such-article"),
        "{}",
        s.text(&alert)
    );
}

#[test]
fn article_text_is_never_markup() {
    let Some(page) = Page::open("article_text_is_never_markup") else {
        return;
    };
    let s = &page.s;
    let title_before = "newsidx";
    let injected = "return document.querySelectorAll('[id^=pwned], script:not([src]), iframe, svg, img, style').length;";

    page.load("/?q=mongoose");
    page.wait_for_results("the hostile articles", |_, hits| hits == 2);
    let titles: Vec<String> = page
        .visible("#hits .hit-title a")
        .iter()
        .map(|a| page.text_content(a))
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("<script>alert(1)</script>")),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.contains("<a id=\"pwned-link\"")),
        "an untitled article is headed by its opening words: {titles:?}"
    );
    for mark in s.find_all("#hits .snippet mark") {
        assert_eq!(page.text_content(&mark).to_lowercase(), "mongoose");
    }
    assert_eq!(s.execute(injected, vec![]), json!(0), "nothing injected");
    let javascript_links =
        "return [...document.querySelectorAll('a')].filter(a => !/^https?:/.test(a.href)).length;";
    assert_eq!(s.execute(javascript_links, vec![]), json!(0));

    // The article view shows the payloads as text.
    page.load("/?q=mongoose&article=hostile-1");
    page.wait_for_article("hostile-1");
    let article = page.api("/api/articles/hostile-1");
    let title = page.text_content(&s.wait_for("#article-title"));
    assert_eq!(title, article["title"].as_str().expect("title"));
    assert!(title.contains("<script>alert(1)</script>"), "{title}");
    let body = s.wait_for("#article-body");
    let text = page.text_content(&body);
    assert!(
        text.contains("<script>document.title='pwned'</script>"),
        "{text}"
    );
    assert!(text.contains("<img id=\"pwned-img\""), "{text}");
    let marked: Vec<String> = s
        .find_in(&body, "mark.entity")
        .iter()
        .map(|m| page.text_content(m))
        .collect();
    assert_eq!(
        marked,
        [
            "Café Zürich",
            "Angela Merkel",
            "Berlin",
            "Berlin",
            "Angela Merkel"
        ],
        "mentions after multi-byte characters land on their words"
    );
    let source = page.text_content(&s.wait_for("#article-meta .source"));
    assert_eq!(source, "<i id=\"pwned-source\">Mongoose Gazette</i>");
    assert!(
        s.find_all("#article-meta a").is_empty(),
        "a javascript: url is not a link"
    );
    assert_eq!(s.execute(injected, vec![]), json!(0), "nothing injected");
    let doc_title = s.title();
    assert_ne!(doc_title, "pwned");
    assert!(doc_title.ends_with(title_before), "{doc_title}");
    let alert = s.alert_text();
    assert!(
        matches!(&alert, Err(e) if e.error == "no such alert"),
        "an alert is open: {alert:?}"
    );

    // The second one has no headline: the page heads it with the body's opening words, as text.
    page.load("/?q=mongoose&article=hostile-2");
    page.wait_for_article("hostile-2");
    let heading = page.text_content(&s.wait_for("#article-title"));
    assert!(heading.starts_with("<a id=\"pwned-link\""), "{heading}");
    assert_eq!(s.execute(injected, vec![]), json!(0), "nothing injected");
    assert!(s.find_all("#article-meta a").is_empty());
    assert_ne!(s.title(), "pwned");

    page.assert_no_browser_errors();

    // 360 px wide: no sideways scrolling; the facets sit under the results.
    s.set_window_size(360, 800);
    let width = s.execute("return window.innerWidth;", vec![]);
    assert!(width.as_i64() <= Some(400), "the window is narrow: {width}");
    page.load("/?q=putin");
    page.wait_for_results("putin", |_, hits| hits > 1);
    assert!(
        page.sideways_overflow() <= 1,
        "{}",
        page.sideways_overflow()
    );
    let stacked = "const h = document.getElementById('hits').getBoundingClientRect(); \
                   const f = document.getElementById('facets').getBoundingClientRect(); \
                   return f.top >= h.bottom;";
    assert_eq!(
        s.execute(stacked, vec![]),
        json!(true),
        "facets under the results"
    );
    page.load("/?q=mongoose&article=hostile-1");
    page.wait_for_article("hostile-1");
    assert!(
        page.sideways_overflow() <= 1,
        "{}",
        page.sideways_overflow()
    );
    page.assert_no_browser_errors();
}
