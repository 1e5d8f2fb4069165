//! Saved web pages: the article, not the page. Metadata comes from JSON-LD (`NewsArticle`,
//! `Article` and their kin), then OpenGraph and `<meta>` tags, then `<h1>`/`<title>`; the body from
//! JSON-LD's `articleBody` when it is there, else from the block of the page whose paragraphs carry
//! the most text that is not links, with scripts, styles, navigation, asides, forms, comments,
//! share bars, ads and captions left out (an element is left out with everything in it when its
//! tag or its class or id says it is one of those). Also turns an HTML fragment (a feed item's
//! content) into plain text.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use serde_json::Value;

use super::{Article, Reading, RecordFields};
use crate::Result;

/// Tags whose content is never article text.
const SKIPPED_TAGS: &[&str] = &[
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
    "iframe",
    "svg",
    "canvas",
    "figcaption",
    "figure",
    "menu",
    "dialog",
    "object",
    "embed",
    "video",
    "audio",
    "picture",
    "img",
    "input",
    "textarea",
    "label",
];

/// Class or id words of page furniture.
fn furniture() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)(^|[-_ ])(comments?|share|sharing|social|promo|related|advert\w*|ads?|adslot|sponsor\w*|newsletter|subscribe|signup|cookie\w*|consent|footer|masthead|navbar|nav|menu|sidebar|breadcrumbs?|byline|caption|credit|recommend\w*|popular|trending|outbrain|taboola|paywall|modal|popup|tags|toolbar|skip)($|[-_ ])",
        )
        .expect("furniture pattern")
    })
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("a fixed selector parses")
}

/// Whether `element` (with everything in it) is page furniture rather than article text.
fn is_furniture(element: &ElementRef<'_>) -> bool {
    let value = element.value();
    if SKIPPED_TAGS.contains(&value.name()) {
        return true;
    }
    if matches!(value.attr("aria-hidden"), Some("true")) || value.attr("hidden").is_some() {
        return true;
    }
    if matches!(
        value.attr("role"),
        Some("navigation" | "banner" | "contentinfo" | "complementary")
    ) {
        return true;
    }
    let re = furniture();
    value
        .attr("class")
        .is_some_and(|c| c.split_whitespace().any(|w| re.is_match(w)))
        || value.id().is_some_and(|id| re.is_match(id))
}

/// Whether `element` or one of its ancestors is furniture.
fn inside_furniture(element: &ElementRef<'_>) -> bool {
    is_furniture(element)
        || element
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| is_furniture(&a))
}

/// The text of `element` with whitespace runs folded to one space, leaving out furniture inside it;
/// and how many of its characters are link text.
fn block_text(element: &ElementRef<'_>) -> (String, usize) {
    let mut text = String::new();
    let mut links = 0;
    collect(element, &mut text, &mut links, false);
    let folded = fold_whitespace(&text);
    let links = links.min(folded.len());
    (folded, links)
}

fn collect(element: &ElementRef<'_>, out: &mut String, links: &mut usize, in_link: bool) {
    for child in element.children() {
        match child.value() {
            Node::Text(text) => {
                out.push_str(text);
                if in_link {
                    *links += text.trim().len();
                }
            }
            Node::Element(e) => {
                let Some(child) = ElementRef::wrap(child) else {
                    continue;
                };
                if is_furniture(&child) {
                    continue;
                }
                if e.name() == "br" {
                    out.push(' ');
                }
                collect(&child, out, links, in_link || e.name() == "a");
            }
            _ => {}
        }
    }
}

fn fold_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a page says about itself.
#[derive(Debug, Default)]
struct Meta {
    title: Option<String>,
    author: Option<String>,
    published: Option<String>,
    source: Option<String>,
    url: Option<String>,
    body: Option<String>,
}

/// The JSON-LD types that describe an article.
fn is_article_type(value: &Value) -> bool {
    let article = |t: &str| {
        let t = t.rsplit('/').next().unwrap_or(t);
        t.ends_with("Article") || t == "BlogPosting" || t == "Report"
    };
    match value {
        Value::String(t) => article(t),
        Value::Array(types) => types.iter().any(|t| t.as_str().is_some_and(article)),
        _ => false,
    }
}

/// A name: a string, `{"name": ...}`, or a list of them joined with ", ".
fn name_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Object(o) => o.get("name").and_then(name_of),
        Value::Array(items) => {
            let names: Vec<String> = items.iter().filter_map(name_of).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        _ => None,
    }
}

/// The article objects of a JSON-LD value (in `@graph`s and arrays too).
fn ld_articles<'v>(value: &'v Value, out: &mut Vec<&'v serde_json::Map<String, Value>>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| ld_articles(v, out)),
        Value::Object(o) => {
            if o.get("@type").is_some_and(is_article_type) {
                out.push(o);
            }
            if let Some(graph) = o.get("@graph") {
                ld_articles(graph, out);
            }
        }
        _ => {}
    }
}

fn json_ld(document: &Html, meta: &mut Meta) {
    let scripts = selector(r#"script[type="application/ld+json"]"#);
    for script in document.select(&scripts) {
        let text: String = script.text().collect();
        let Ok(value) = serde_json::from_str::<Value>(text.trim()) else {
            continue;
        };
        let mut articles = Vec::new();
        ld_articles(&value, &mut articles);
        let Some(a) = articles.first() else {
            continue;
        };
        let text_of = |key: &str| a.get(key).and_then(name_of);
        meta.title = meta
            .title
            .take()
            .or_else(|| text_of("headline"))
            .or_else(|| text_of("name"));
        meta.author = meta.author.take().or_else(|| text_of("author"));
        meta.published = meta
            .published
            .take()
            .or_else(|| text_of("datePublished"))
            .or_else(|| text_of("dateCreated"));
        meta.source = meta.source.take().or_else(|| text_of("publisher"));
        let url = a
            .get("url")
            .and_then(name_of)
            .or_else(|| match a.get("mainEntityOfPage") {
                Some(Value::Object(o)) => o.get("@id").and_then(name_of),
                Some(other) => name_of(other),
                None => None,
            });
        meta.url = meta.url.take().or(url);
        meta.body = meta.body.take().or_else(|| text_of("articleBody"));
    }
}

fn meta_tags(document: &Html, meta: &mut Meta) {
    let tags = selector("meta");
    let mut found: HashMap<String, String> = HashMap::new();
    for tag in document.select(&tags) {
        let value = tag.value();
        let key = value
            .attr("property")
            .or_else(|| value.attr("name"))
            .or_else(|| value.attr("itemprop"));
        if let (Some(key), Some(content)) = (key, value.attr("content")) {
            let content = fold_whitespace(content);
            if !content.is_empty() {
                found.entry(key.to_ascii_lowercase()).or_insert(content);
            }
        }
    }
    let first = |keys: &[&str]| keys.iter().find_map(|k| found.get(*k).cloned());
    meta.title = meta
        .title
        .take()
        .or_else(|| first(&["og:title", "twitter:title", "headline"]));
    // `article:author` is often a profile URL: a name only.
    let author = first(&[
        "author",
        "article:author",
        "byl",
        "parsely-author",
        "sailthru.author",
    ])
    .filter(|a| !a.starts_with("http"))
    .map(|a| {
        a.trim_start_matches("By ")
            .trim_start_matches("by ")
            .to_string()
    });
    meta.author = meta.author.take().or(author);
    meta.published = meta.published.take().or_else(|| {
        first(&[
            "article:published_time",
            "datepublished",
            "date",
            "pubdate",
            "publishdate",
            "dc.date",
            "dc.date.issued",
            "sailthru.date",
            "parsely-pub-date",
            "og:article:published_time",
        ])
    });
    meta.source = meta
        .source
        .take()
        .or_else(|| first(&["og:site_name", "application-name", "publisher"]));
    meta.url = meta.url.take().or_else(|| first(&["og:url"]));
    if meta.url.is_none() {
        let canonical = selector(r#"link[rel="canonical"]"#);
        meta.url = document
            .select(&canonical)
            .find_map(|l| l.value().attr("href").map(str::to_string));
    }
    if meta.published.is_none() {
        let time = selector("time[datetime]");
        meta.published = document
            .select(&time)
            .find(|t| !inside_furniture(t) || t.value().attr("pubdate").is_some())
            .and_then(|t| t.value().attr("datetime").map(str::to_string));
    }
    if meta.title.is_none() {
        let h1 = selector("h1");
        let title = selector("title");
        meta.title = document
            .select(&h1)
            .map(|h| fold_whitespace(&h.text().collect::<String>()))
            .find(|t| !t.is_empty())
            .or_else(|| {
                document
                    .select(&title)
                    .map(|t| fold_whitespace(&t.text().collect::<String>()))
                    .find(|t| !t.is_empty())
            });
    }
}

/// Paragraph-like blocks: the text a reader reads.
const BLOCKS: &str = "p, blockquote, pre, h2, h3, li";

/// The article's text: the paragraphs of the element that holds the most paragraph text that is
/// not links, joined by blank lines.
fn main_text(document: &Html) -> Option<String> {
    let blocks = selector(BLOCKS);
    let paragraphs = selector("p");
    // Each paragraph's text (minus its links) counts for its parent, and half for the parent's
    // parent: a story's paragraphs sit side by side.
    let mut scores = HashMap::new();
    for p in document.select(&paragraphs) {
        if inside_furniture(&p) {
            continue;
        }
        let (text, links) = block_text(&p);
        let own = text.len().saturating_sub(2 * links) as f64;
        if own < 20.0 {
            continue;
        }
        let mut weight = 1.0;
        for ancestor in p.ancestors().filter_map(ElementRef::wrap).take(2) {
            let entry = scores.entry(ancestor.id()).or_insert((0.0, ancestor));
            entry.0 += own * weight;
            weight /= 2.0;
        }
    }
    let (_, best) = scores
        .into_values()
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.id().cmp(&a.1.id())))?;
    let mut parts: Vec<String> = Vec::new();
    for block in best.select(&blocks) {
        // Nested blocks (a <p> in an <li>) are read once, with their outermost block.
        let nested = block
            .ancestors()
            .take_while(|a| a.id() != best.id())
            .filter_map(ElementRef::wrap)
            .any(|a| blocks.matches(&a));
        if nested || inside_furniture(&block) {
            continue;
        }
        let (text, links) = block_text(&block);
        if text.is_empty() || (links * 2 > text.len() && text.len() < 200) {
            continue;
        }
        parts.push(text);
    }
    let body = parts.join("\n\n");
    (!body.trim().is_empty()).then_some(body)
}

/// The plain text of an HTML fragment (a feed item's content): block elements end paragraphs,
/// scripts and styles are dropped, entities decoded.
pub(crate) fn fragment_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return html.trim().to_string();
    }
    let fragment = Html::parse_fragment(html);
    let mut out = String::new();
    fragment_collect(fragment.root_element(), &mut out);
    out.split("\n\n")
        .map(fold_whitespace)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn fragment_collect(element: ElementRef<'_>, out: &mut String) {
    for child in element.children() {
        match child.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(e) => {
                let name = e.name();
                if matches!(
                    name,
                    "script" | "style" | "noscript" | "template" | "iframe"
                ) {
                    continue;
                }
                let block = matches!(
                    name,
                    "p" | "div"
                        | "br"
                        | "li"
                        | "h1"
                        | "h2"
                        | "h3"
                        | "h4"
                        | "h5"
                        | "h6"
                        | "blockquote"
                        | "pre"
                        | "section"
                        | "article"
                        | "tr"
                        | "ul"
                        | "ol"
                );
                if block {
                    out.push_str("\n\n");
                }
                if let Some(child) = ElementRef::wrap(child) {
                    fragment_collect(child, out);
                }
                if block {
                    out.push_str("\n\n");
                }
            }
            _ => {}
        }
    }
}

/// One saved page as an article (its id, without an `og:url` or canonical link, is a hash of its
/// bytes).
pub(super) fn parse(bytes: Vec<u8>, origin: &str, reading: &Reading) -> Result<Article> {
    let html = String::from_utf8_lossy(&bytes);
    let mut fields = RecordFields::new(reading);
    page_fields(&html, &mut fields);
    fields.into_article(&bytes, origin.to_string())
}

/// A crawled page's article (a WARC response): id and url are the address it was fetched from;
/// `fetched` (the WARC-Date) is its date when the page gives none.
pub(super) fn crawled_article(
    html: &str,
    origin: &str,
    reading: &Reading,
    address: Option<&str>,
    fetched: Option<&str>,
) -> Result<Article> {
    let mut fields = RecordFields::new(reading);
    if let Some(address) = address {
        fields.set("id", address.to_string());
        fields.set("url", address.to_string());
    }
    page_fields(html, &mut fields);
    if let Some(date) = fetched {
        // The lowest-ranked name of the date: the page's own date wins.
        fields.set("timestamp", date.to_string());
    }
    fields.into_article(html.as_bytes(), origin.to_string())
}

/// Sets the fields a page gives (at equal rank, what was set before stays).
fn page_fields(html: &str, fields: &mut RecordFields<'_>) {
    let document = Html::parse_document(html);
    let mut meta = Meta::default();
    json_ld(&document, &mut meta);
    meta_tags(&document, &mut meta);
    let ld_body = meta
        .body
        .take()
        .map(|b| fragment_text(&b))
        .filter(|b| b.len() >= 200);
    let body = ld_body.or_else(|| main_text(&document));
    for (key, value) in [
        ("title", meta.title),
        ("author", meta.author),
        ("published", meta.published),
        ("source", meta.source),
        ("url", meta.url),
        ("body", body),
    ] {
        if let Some(value) = value {
            fields.set(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(html: &str) -> Article {
        parse(html.as_bytes().to_vec(), "p.html", &Reading::default()).unwrap()
    }

    #[test]
    fn the_article_is_read_and_the_page_left_out() {
        let a = read(
            r#"<!doctype html><html><head><title>Storm closes ports | The Herald</title>
            <meta property="og:title" content="Storm closes ports">
            <meta property="og:site_name" content="The Herald">
            <meta property="article:published_time" content="2017-02-03T10:00:00Z">
            <meta name="author" content="Jane Doe">
            <link rel="canonical" href="https://herald.example/storm"></head>
            <body><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
            <div class="share-bar">Share on Twitter Share on Facebook</div>
            <article><h1>Storm closes ports</h1>
            <p>A storm closed the ports of Rotterdam and Hamburg on Friday, stranding dozens of ships.</p>
            <figure><img src="x.jpg"><figcaption>Waves at the harbour wall.</figcaption></figure>
            <p>Forecasters said the wind would ease by Sunday, and the ports expect to reopen then.</p>
            <div class="ad-slot">Buy one get one free on all winter coats this week only.</div>
            </article>
            <aside class="related"><p>Related: another story about ships and their cargo here.</p></aside>
            <div id="comments"><p>Great article, thanks for sharing this with all of us readers!</p></div>
            <footer><p>Copyright The Herald 2017, all rights reserved, see our terms.</p></footer>
            <script>var x = "not text";</script></body></html>"#,
        );
        assert_eq!(a.title.as_deref(), Some("Storm closes ports"));
        assert_eq!(a.source.as_deref(), Some("The Herald"));
        assert_eq!(a.author.as_deref(), Some("Jane Doe"));
        assert_eq!(a.url.as_deref(), Some("https://herald.example/storm"));
        assert!(a.published.is_some());
        assert_eq!(
            a.body,
            "A storm closed the ports of Rotterdam and Hamburg on Friday, stranding dozens of \
             ships.\n\nForecasters said the wind would ease by Sunday, and the ports expect to \
             reopen then."
        );
    }

    #[test]
    fn json_ld_comes_first() {
        let a = read(
            r#"<html><head><script type="application/ld+json">{"@context": "https://schema.org",
            "@graph": [{"@type": "WebSite", "name": "Site"}, {"@type": ["NewsArticle"],
            "headline": "From JSON-LD", "datePublished": "2017-01-28T12:00:00+01:00",
            "author": [{"@type": "Person", "name": "A. One"}, {"name": "B. Two"}],
            "publisher": {"@type": "Organization", "name": "The Wire"},
            "mainEntityOfPage": {"@id": "https://wire.example/a"}}]}</script>
            <meta property="og:title" content="From OpenGraph"></head>
            <body><div><p>The body comes from the page when JSON-LD has no articleBody, as here.</p></div></body></html>"#,
        );
        assert_eq!(a.title.as_deref(), Some("From JSON-LD"));
        assert_eq!(a.author.as_deref(), Some("A. One, B. Two"));
        assert_eq!(a.source.as_deref(), Some("The Wire"));
        assert_eq!(a.url.as_deref(), Some("https://wire.example/a"));
        assert!(a.body.starts_with("The body comes from the page"));
    }

    #[test]
    fn fragments_become_paragraphs_of_text() {
        assert_eq!(
            fragment_text("<p>One &amp; two.</p><script>x()</script><p>Three<br>four.</p>"),
            "One & two.\n\nThree\n\nfour."
        );
        assert_eq!(fragment_text("plain text"), "plain text");
    }

    #[test]
    fn markup_in_the_text_stays_text() {
        let a = read(
            "<html><body><article><p>He wrote &lt;script&gt;alert(1)&lt;/script&gt; in the \
             comment box of the page, the court heard on Monday.</p></article></body></html>",
        );
        assert!(a.body.contains("<script>alert(1)</script>"), "{}", a.body);
    }
}
