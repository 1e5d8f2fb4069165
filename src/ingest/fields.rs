//! The fields of one input record, before validation: every format hands each key (a JSON key, a
//! nested `source.name`, a CSV column) and its text to [`RecordFields::set`], which knows the names
//! news data uses for each field. When a record has several names for one field, the one listed
//! first below wins, whatever their order in the record.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::{content_id, parse_date_in, Article, DateOrder, ReadOptions};
use crate::{Error, Result};

/// The names of the fields, as `--map` takes them.
const FIELD_NAMES: [&str; FIELDS] = [
    "id",
    "title",
    "body",
    "author",
    "source",
    "url",
    "published",
];

/// `--map FIELD=KEY`: the record key (a JSON key, a dotted path into nested objects, a CSV column;
/// any case) that holds `FIELD`, before any name newsidx knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    field: usize,
    key: String,
}

impl std::str::FromStr for FieldMap {
    type Err = Error;
    fn from_str(s: &str) -> Result<FieldMap> {
        let bad = |why: &str| {
            Error::Invalid(format!(
                "--map {s:?}: {why} (expected FIELD=KEY, FIELD one of {})",
                FIELD_NAMES.join(", ")
            ))
        };
        let (field, key) = s.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let field = field.trim().to_ascii_lowercase();
        let field = FIELD_NAMES
            .iter()
            .position(|f| *f == field)
            .ok_or_else(|| bad("unknown field"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(bad("no key"));
        }
        Ok(FieldMap {
            field,
            key: key.to_ascii_lowercase(),
        })
    }
}

/// How one input's records are read: the options, and what has been said about the input once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reading {
    options: Arc<ReadOptions>,
    /// An ambiguous numeric date was reported for this input.
    told_ambiguous: Arc<AtomicBool>,
}

impl Reading {
    /// The reading of one input with `options`.
    pub(crate) fn new(options: &ReadOptions) -> Reading {
        Reading {
            options: Arc::new(options.clone()),
            told_ambiguous: Arc::default(),
        }
    }

    /// The field and rank of `name`: a `--map` key first (rank 0), then the names newsidx knows.
    fn field_of(&self, name: &str) -> Option<(usize, usize)> {
        let lower = name.trim().to_ascii_lowercase();
        if let Some(map) = self.options.map.iter().find(|m| m.key == lower) {
            return Some((map.field, 0));
        }
        field_of(&lower).map(|(field, rank)| (field, rank + 1))
    }

    /// Whether `name` (a JSON key or CSV column) holds the body.
    pub(crate) fn is_body(&self, name: &str) -> bool {
        self.field_of(name).is_some_and(|(field, _)| field == BODY)
    }
}

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
#[derive(Debug)]
pub(crate) struct RecordFields<'r> {
    reading: &'r Reading,
    /// Per field, the rank of the name it came under (its place in [`NAMES`]) and the text.
    values: [Option<(usize, String)>; FIELDS],
    /// The record's keys, for the message when there is no body.
    keys: Vec<String>,
}

/// The field and rank of `name` (lower case) among the names newsidx knows.
fn field_of(lower: &str) -> Option<(usize, usize)> {
    NAMES.iter().enumerate().find_map(|(field, names)| {
        names
            .iter()
            .position(|n| *n == lower)
            .map(|rank| (field, rank))
    })
}

impl<'r> RecordFields<'r> {
    /// No fields yet, read as `reading` says.
    pub(crate) fn new(reading: &'r Reading) -> RecordFields<'r> {
        RecordFields {
            reading,
            values: Default::default(),
            keys: Vec::new(),
        }
    }

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
        let Some((field, rank)) = self.reading.field_of(name) else {
            return;
        };
        let slot = &mut self.values[field];
        if slot.as_ref().is_none_or(|(held, _)| rank < *held) {
            *slot = Some((rank, value.to_string()));
        }
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
                "record has no body (expected a field named {BODY_NAMES}{keys}; \
                 --map body=KEY names another)"
            )));
        };
        let mut warnings = Vec::new();
        let options = &self.reading.options;
        let published = match self.take(PUBLISHED) {
            Some(value) => match parse_date_in(&value, options.date_order) {
                // The index stores times as nanoseconds in 64 bits: 1677-09-21 to 2262-04-11.
                Some(date) if i64::try_from(date.at.unix_timestamp_nanos()).is_err() => {
                    let message = format!(
                        "date {value:?} is outside what the index can store (1677-09-21 to \
                         2262-04-11)"
                    );
                    if options.strict_dates {
                        return Err(fail(message));
                    }
                    warnings.push(format!("{message}: indexed without a date"));
                    None
                }
                Some(date) => {
                    if date.ambiguous && !self.reading.told_ambiguous.swap(true, Ordering::Relaxed)
                    {
                        warnings.push(format!(
                            "date {value:?} could be day/month or month/day: read as {} \
                             (--date-order {}); said once per file",
                            date.at.date(),
                            match options.date_order {
                                DateOrder::Mdy => "mdy",
                                DateOrder::Dmy => "dmy",
                                DateOrder::Ymd => "ymd",
                            }
                        ));
                    }
                    Some(date.at)
                }
                None => {
                    let message = format!(
                        "unrecognised date {value:?} (expected RFC 3339, RFC 2822, YYYY-MM-DD, \
                         Unix time, 30.12.2016, 12/30/2016 or forms like \"Feb 3, 2017\")"
                    );
                    if options.strict_dates {
                        return Err(fail(message));
                    }
                    warnings.push(format!("{message}: indexed without a date"));
                    None
                }
            },
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
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(pairs: &[(&str, &str)]) -> Result<Article> {
        read(pairs, &ReadOptions::default())
    }

    fn read(pairs: &[(&str, &str)], options: &ReadOptions) -> Result<Article> {
        let reading = Reading::new(options);
        let mut fields = RecordFields::new(&reading);
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
        let reading = Reading::default();
        let mut bare = RecordFields::new(&reading);
        bare.set("body", "b".into());
        let a = bare.into_article(b"raw one", "t:1".into()).unwrap();
        assert_eq!(a.id, content_id(b"raw one"));
        assert_ne!(content_id(b"raw one"), content_id(b"raw two"));
        assert_eq!(content_id(b""), "cbf29ce484222325");
    }

    #[test]
    fn a_record_without_body_names_its_keys() {
        let reading = Reading::default();
        let mut fields = RecordFields::new(&reading);
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
    fn a_bad_date_is_a_warning_unless_strict() {
        let a = article(&[("body", "b"), ("date", "yesterday-ish")]).unwrap();
        assert_eq!(a.published, None);
        assert!(
            a.warnings[0].contains("\"yesterday-ish\""),
            "{:?}",
            a.warnings
        );
        let strict = ReadOptions {
            strict_dates: true,
            ..ReadOptions::default()
        };
        let err = read(&[("body", "b"), ("date", "yesterday-ish")], &strict).unwrap_err();
        assert!(err.to_string().contains("\"yesterday-ish\""), "{err}");
    }

    #[test]
    fn a_date_the_index_cannot_store_is_left_out_not_clamped() {
        for date in ["1600-01-01", "3000-01-01", "1677-09-20"] {
            let a = article(&[("body", "b"), ("date", date)]).unwrap();
            assert_eq!(a.published, None, "{date}");
            assert!(
                a.warnings[0].contains("outside what the index can store"),
                "{:?}",
                a.warnings
            );
        }
        let a = article(&[("body", "b"), ("date", "1700-01-01")]).unwrap();
        assert_eq!(a.published.map(|p| p.year()), Some(1700));
    }

    #[test]
    fn an_ambiguous_date_is_told_once_per_input() {
        let dmy = ReadOptions {
            date_order: DateOrder::Dmy,
            ..ReadOptions::default()
        };
        let reading = Reading::new(&dmy);
        let mut warned = 0;
        for _ in 0..3 {
            let mut fields = RecordFields::new(&reading);
            fields.set("body", "b".into());
            fields.set("date", "03/04/2017".into());
            let a = fields.into_article(b"x", "t:1".into()).unwrap();
            assert_eq!(
                a.published.map(|p| p.date().to_string()).as_deref(),
                Some("2017-04-03")
            );
            warned += a.warnings.len();
        }
        assert_eq!(warned, 1);
    }

    #[test]
    fn a_mapped_key_comes_first() {
        let options = ReadOptions {
            map: vec![
                "body=story_text".parse().unwrap(),
                "source=meta.site".parse().unwrap(),
            ],
            ..ReadOptions::default()
        };
        let a = read(
            &[
                ("text", "not this"),
                ("Story_Text", "this"),
                ("source", "S"),
                ("meta.site", "M"),
            ],
            &options,
        )
        .unwrap();
        assert_eq!((a.body.as_str(), a.source.as_deref()), ("this", Some("M")));
        assert!("nobody=x".parse::<FieldMap>().is_err());
        assert!("body=".parse::<FieldMap>().is_err());
    }
}
