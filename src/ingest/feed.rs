//! News feeds: RSS 2.0, RSS 1.0 (RDF) and Atom, read by `feed-rs`. One article per item or entry:
//! the full content (`content:encoded`, Atom `content`) before the summary (`description`,
//! `summary`), its HTML turned into text; the date from `pubDate`, `dc:date`, `published` or else
//! `updated`; the source from the feed's title. Origins are `FILE[N]`, N counting items from 0.

use super::html::fragment_text;
use super::{Article, Reading, RecordFields};
use crate::{Error, Result};

/// The articles of one feed document.
pub(super) fn parse(bytes: &[u8], origin: &str, reading: &Reading) -> Vec<Result<Article>> {
    let feed = match feed_rs::parser::parse(bytes) {
        Ok(feed) => feed,
        Err(err) => {
            return vec![Err(Error::Input {
                origin: origin.to_string(),
                message: format!("not a readable RSS or Atom feed: {err}"),
            })]
        }
    };
    let source = feed.title.as_ref().map(|t| fragment_text(&t.content));
    if feed.entries.is_empty() {
        return vec![Err(Error::Input {
            origin: origin.to_string(),
            message: "a feed without items".into(),
        })];
    }
    feed.entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let mut fields = RecordFields::new(reading);
            let link = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(entry.links.first())
                .map(|l| l.href.trim().to_string());
            // The item's address is its id (stable across fetches); else its guid.
            match &link {
                Some(link) => fields.set("url", link.clone()),
                None => fields.set("id", entry.id.clone()),
            }
            if let Some(title) = &entry.title {
                fields.set("title", fragment_text(&title.content));
            }
            if let Some(body) = entry.content.as_ref().and_then(|c| c.body.as_deref()) {
                fields.set("body", fragment_text(body));
            }
            if let Some(summary) = &entry.summary {
                fields.set("summary", fragment_text(&summary.content));
            }
            let authors: Vec<&str> = entry
                .authors
                .iter()
                .map(|p| p.name.trim())
                .filter(|n| !n.is_empty())
                .collect();
            if !authors.is_empty() {
                fields.set("author", authors.join(", "));
            }
            if let Some(date) = entry.published.or(entry.updated) {
                fields.set("published", date.to_rfc3339());
            }
            if let Some(source) = &source {
                fields.set("source", source.clone());
            }
            let raw = format!("{}\n{}", entry.id, link.as_deref().unwrap_or(""));
            fields.into_article(raw.as_bytes(), format!("{origin}[{i}]"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(xml: &str) -> Vec<Result<Article>> {
        parse(xml.as_bytes(), "f.rss", &Reading::default())
    }

    #[test]
    fn rss_items_prefer_the_full_content() {
        let out = read(
            r#"<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
            xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>The Herald: World</title>
            <item><title>Storm closes ports</title><link>https://herald.example/storm</link>
            <description>Short &lt;b&gt;summary&lt;/b&gt;.</description>
            <content:encoded><![CDATA[<p>The full text.</p><p>Second paragraph.</p>]]></content:encoded>
            <pubDate>Fri, 03 Feb 2017 10:00:00 +0000</pubDate><dc:creator>Jane Doe</dc:creator></item>
            <item><title>Only a summary</title><link>https://herald.example/b</link>
            <description>&lt;p&gt;Just the summary.&lt;/p&gt;</description></item>
            </channel></rss>"#,
        );
        assert_eq!(out.len(), 2);
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.body, "The full text.\n\nSecond paragraph.");
        assert_eq!(a.title.as_deref(), Some("Storm closes ports"));
        assert_eq!(a.source.as_deref(), Some("The Herald: World"));
        assert_eq!(a.id, "https://herald.example/storm");
        assert!(a.published.is_some());
        assert_eq!(a.origin, "f.rss[0]");
        assert_eq!(out[1].as_ref().unwrap().body, "Just the summary.");
    }

    #[test]
    fn atom_entries_are_read() {
        let out = read(
            r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
            <title>Wire</title><id>urn:wire</id><updated>2017-02-03T10:00:00Z</updated>
            <entry><title>Talks resume</title><id>urn:wire:1</id>
            <link rel="alternate" href="https://wire.example/1"/><updated>2017-02-03T09:00:00Z</updated>
            <author><name>A. Writer</name></author>
            <content type="html">&lt;p&gt;Talks resumed in Geneva.&lt;/p&gt;</content></entry></feed>"#,
        );
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.body, "Talks resumed in Geneva.");
        assert_eq!(a.author.as_deref(), Some("A. Writer"));
        assert_eq!(a.url.as_deref(), Some("https://wire.example/1"));
    }

    #[test]
    fn a_broken_feed_is_one_error() {
        let out = read("<rss><channel><item><title>cut");
        assert_eq!(out.len(), 1);
        assert!(out[0].is_err());
    }
}
