//! The fields of one input record, before validation: every format hands each key (a JSON key, a
//! nested `source.name`, a CSV column) and its text to [`RecordFields::set`], which knows the names
//! news data uses for each field. When a record has several names for one field, the one listed
//! first below wins, whatever their order in the record.

use super::{content_id, parse_date, Article};
use crate::{Error, Result};

/// The fields of an article, in [`NAMES`] order.
const FIELDS: usize = 7;
const ID: usize = 0;
const TITLE: usize = 1;
const BODY: usize = 2;
const AUTHOR: usize = 3;
const SOURCE: usize = 4;
const URL: usize = 5;
const PUBLISHED: usize = 6;

/// Each field's names (lower case), best first: newsidx's own, then those of common exports (NewsAPI
/// `publishedAt`, `source.name`; news-please `maintext`, `date_publish`; Kaggle's `article`;
/// HuffPost's `short_description`, `headline`, `link`, `authors`; RSS-like `pubDate`; the Guardian's
/// `webTitle`, `webUrl`, `webPublicationDate`, `fields.bodyText`; Elasticsearch's `_id`).
const NAMES: [&[&str]; FIELDS] = [
    &["id", "_id", "uuid", "guid", "article_id", "doc_id"],
    &["title", "headline", "webtitle", "heading"],
    &[
        "body",
        "text",
        "content",
        "article",
        "maintext",
        "fields.bodytext",
        "full_text",
        "article_text",
        "content.text",
        "short_description",
        "description",
        "summary",
        "abstract",
    ],
    &[
        "author",
        "byline",
        "authors",
        "author.name",
        "authors.name",
        "creator",
        "dc:creator",
    ],
    &[
        "source",
        "publication",
        "site",
        "source.name",
        "source_name",
        "site_name",
        "publisher",
        "publisher.name",
        "source_domain",
        "outlet",
    ],
    &[
        "url",
        "link",
        "weburl",
        "canonical_url",
        "source_url",
        "web_url",
        "href",
    ],
    &[
        "published",
        "date",
        "publishedat",
        "published_at",
        "pubdate",
        "pub_date",
        "date_publish",
        "datepublished",
        "webpublicationdate",
        "publication_date",
        "published_date",
        "datetime",
        "created_at",
        "timestamp",
    ],
];

/// What the names of the body are, for messages.
pub(super) const BODY_NAMES: &str = "body, text, content, article, maintext or description";

/// Most keys remembered for the message of a record without a body.
const KEYS_KEPT: usize = 12;

/// One record's fields as its format found them.
#[derive(Debug, Default)]
pub(crate) struct RecordFields {
    /// Per field, the rank of the name it came under (its place in [`NAMES`]) and the text.
    values: [Option<(usize, String)>; FIELDS],
    /// The record's keys, for the message when there is no body.
    keys: Vec<String>,
}

/// The field and rank of `name`, if it names a field.
fn field_of(name: &str) -> Option<(usize, usize)> {
    let lower = name.trim().to_ascii_lowercase();
    NAMES.iter().enumerate().find_map(|(field, names)| {
        names
            .iter()
            .position(|n| *n == lower)
            .map(|rank| (field, rank))
    })
}

impl RecordFields {
    /// Stores `value` under the field that `name` stands for, unless a better name of that field
    /// was already set. Unknown names are remembered only for messages; empty values are ignored.
    pub(crate) fn set(&mut self, name: &str, value: String) {
        if self.keys.len() < KEYS_KEPT && !self.keys.iter().any(|k| k == name) {
            self.keys.push(name.to_string());
        }
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let Some((field, rank)) = field_of(name) else {
            return;
        };
        let slot = &mut self.values[field];
        if slot.as_ref().is_none_or(|(held, _)| rank < *held) {
            *slot = Some((rank, value.to_string()));
        }
    }

    /// Whether `name` (a JSON key or CSV column) names the body.
    pub(crate) fn is_body(name: &str) -> bool {
        field_of(name).is_some_and(|(field, _)| field == BODY)
    }

    fn take(&mut self, field: usize) -> Option<String> {
        self.values[field].take().map(|(_, value)| value)
    }

    /// Validates the record and makes it an article; `raw` is the record's bytes, hashed for its id
    /// when it has neither an id nor a url.
    pub(crate) fn into_article(mut self, raw: &[u8], origin: String) -> Result<Article> {
        let fail = |message: String| Error::Input {
            origin: origin.clone(),
            message,
        };
        let Some(body) = self.take(BODY) else {
            let keys = if self.keys.is_empty() {
                String::new()
            } else {
                format!("; it has {}", self.keys.join(", "))
            };
            return Err(fail(format!(
                "record has no body (expected a field named {BODY_NAMES}{keys})"
            )));
        };
        let published = match self.take(PUBLISHED) {
            Some(value) => Some(parse_date(&value).ok_or_else(|| {
                fail(format!(
                    "unrecognised date {value:?} (expected RFC 3339, RFC 2822, YYYY-MM-DD, \
                     YYYY-MM-DD HH:MM[:SS] or forms like \"Feb 3, 2017\" and \"3 February 2017\")"
                ))
            })?),
            None => None,
        };
        let url = self.take(URL);
        let id = match (self.take(ID), &url) {
            (Some(id), _) => id,
            (None, Some(url)) => url.clone(),
            (None, None) => content_id(raw),
        };
        Ok(Article {
            id,
            title: self.take(TITLE),
            body,
            author: self.take(AUTHOR),
            source: self.take(SOURCE),
            url,
            published,
            origin,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(pairs: &[(&str, &str)]) -> Result<Article> {
        let mut fields = RecordFields::default();
        for (k, v) in pairs {
            fields.set(k, v.to_string());
        }
        fields.into_article(b"x", "t:1".into())
    }

    #[test]
    fn the_best_name_wins_in_any_order() {
        let a = article(&[
            ("text", "alias body"),
            ("body", "real body"),
            ("content", "other alias"),
        ])
        .unwrap();
        assert_eq!(a.body, "real body");
        let a = article(&[("description", "summary"), ("content", "the text")]).unwrap();
        assert_eq!(a.body, "the text");
        let a = article(&[("Headline", "H"), ("TITLE", "T"), ("text", "b")]).unwrap();
        assert_eq!(a.title.as_deref(), Some("T"));
    }

    #[test]
    fn common_export_names_map_to_fields() {
        let a = article(&[
            ("publishedAt", "2017-01-28T12:00:00Z"),
            ("source.name", "Reuters"),
            ("source.id", "reuters"),
            ("author.name", "Jane Doe"),
            ("maintext", "Body text."),
            ("link", "https://example.com/a"),
        ])
        .unwrap();
        assert_eq!(a.source.as_deref(), Some("Reuters"));
        assert_eq!(a.author.as_deref(), Some("Jane Doe"));
        assert_eq!(a.body, "Body text.");
        assert_eq!(a.id, "https://example.com/a");
        assert!(a.published.is_some());
    }

    #[test]
    fn id_falls_back_to_url_then_content_hash() {
        let a = article(&[("body", "b"), ("url", "https://example.com/a")]).unwrap();
        assert_eq!(a.id, "https://example.com/a");
        let mut bare = RecordFields::default();
        bare.set("body", "b".into());
        let a = bare.into_article(b"raw one", "t:1".into()).unwrap();
        assert_eq!(a.id, content_id(b"raw one"));
        assert_ne!(content_id(b"raw one"), content_id(b"raw two"));
        assert_eq!(content_id(b""), "cbf29ce484222325");
    }

    #[test]
    fn a_record_without_body_names_its_keys() {
        let mut fields = RecordFields::default();
        fields.set("title", "Only a headline".into());
        fields.set("body", "   ".into());
        fields.set(
            "story_text",
            "the text under a name newsidx does not know".into(),
        );
        let err = fields
            .into_article(b"x", "feed.jsonl:7".into())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("feed.jsonl:7: record has no body"), "{err}");
        assert!(err.contains("it has title, body, story_text"), "{err}");
    }

    #[test]
    fn bad_date_is_rejected_with_value() {
        let err = article(&[("body", "b"), ("date", "yesterday-ish")]).unwrap_err();
        assert!(err.to_string().contains("\"yesterday-ish\""), "{err}");
    }
}
