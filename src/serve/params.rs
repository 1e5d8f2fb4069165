//! Query-string parameters: read once, checked against the names an endpoint takes (a misspelt
//! parameter is a 400 that lists the right ones, not silently ignored), and turned into library
//! requests with the CLI's defaults.

use std::str::FromStr;

use serde::de::{DeserializeOwned, IntoDeserializer};

use super::error::ApiError;
use crate::entities::{EntityKind, Extractor};
use crate::fingerprint::{parse_within, StoryRule, DEFAULT_MAX_DISTANCE, DEFAULT_WITHIN_DAYS};
use crate::ingest::{parse_date, parse_until};
use crate::search::{Collapse, CountMode, ExportFormat, FieldFacet, Interval, Sort, StoredField};
use crate::{NewsIndex, SearchRequest};

/// Most hits (or stories, entities) one request may ask for.
pub const MAX_LIMIT: usize = 1000;
/// Most hits one request may skip: deeper pages are an export (`format=jsonl`).
pub const MAX_OFFSET: usize = 100_000;

/// The decoded `key=value` pairs of a query string, in order.
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Decodes `query` (`a=1&b=x+y`) and checks every key is one of `known`.
    pub fn parse(query: Option<&str>, known: &[&str]) -> Result<Params, ApiError> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if let Some((key, _)) = pairs.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            return Err(ApiError::bad_parameter(format!(
                "unknown parameter {key:?}; this endpoint takes: {}",
                known.join(", ")
            )));
        }
        Ok(Params(pairs))
    }

    /// The last value of `key`, if given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable `key`, in order (empty values dropped).
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A whole number in `0..=max`, or `default` when absent or empty.
    pub fn number(&self, key: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.get(key).map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(ApiError::bad_parameter(format!(
                    "{key}: expected a whole number from 0 to {max}, not {v:?}"
                ))),
            },
        }
    }

    /// One of an enum's lower-case names (`sort=newest`), or `None` when absent or empty.
    fn choice<T: DeserializeOwned>(&self, key: &str, names: &str) -> Result<Option<T>, ApiError> {
        let Some(value) = self.get(key).map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let lower = value.to_ascii_lowercase();
        let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            lower.as_str().into_deserializer();
        T::deserialize(de)
            .map(Some)
            .map_err(|_| ApiError::bad_parameter(format!("{key}: expected {names}, not {value:?}")))
    }

    /// A date (`since`), or a range's upper bound (`until`: a bare date is the whole day).
    fn date(&self, key: &str, upper: bool) -> Result<Option<time::OffsetDateTime>, ApiError> {
        let Some(value) = self.get(key).map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let parsed = if upper {
            parse_until(value)
        } else {
            parse_date(value)
        };
        parsed.map(Some).ok_or_else(|| {
            ApiError::bad_parameter(format!(
                "{key}: unrecognised date {value:?} (try 2017-01-28 or 2017-01-28T12:00:00Z)"
            ))
        })
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`), or `default`.
    fn flag(&self, key: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(key).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if v.is_empty() => Ok(default),
            Some(v) if ["true", "1", "yes", "on"].contains(&v.as_str()) => Ok(true),
            Some(v) if ["false", "0", "no", "off"].contains(&v.as_str()) => Ok(false),
            Some(v) => Err(ApiError::bad_parameter(format!(
                "{key}: expected true or false, not {v:?}"
            ))),
        }
    }

    /// The story rule of `max_distance` and `within` (days or `any`), with the CLI's defaults.
    pub fn story_rule(&self) -> Result<StoryRule, ApiError> {
        let max_distance = self.number("max_distance", DEFAULT_MAX_DISTANCE as usize, 100)? as u32;
        let within_days = match self.get("within").map(str::trim) {
            None | Some("") => Some(DEFAULT_WITHIN_DAYS),
            Some(value) => {
                parse_within(value).map_err(|e| ApiError::bad_parameter(format!("within: {e}")))?
            }
        };
        Ok(StoryRule {
            max_distance,
            within_days,
        })
    }
}

/// The parameters of `GET /api/search`.
pub const SEARCH: &[&str] = &[
    "q",
    "limit",
    "offset",
    "since",
    "until",
    "entity",
    "source",
    "facets",
    "facet_limit",
    "sort",
    "histogram",
    "max_distance",
    "within",
    "collapse",
    "count",
    "fields",
    "format",
];

/// A search request as `newsidx search` would make it from the same flags: `q` (default `*`),
/// `limit` (10), `offset`, `since`, `until`, `entity` and `source` (repeatable), `facets` (a comma
/// list; empty = person,org,place), `facet_limit` (10), `sort`, `histogram`, `max_distance`,
/// `within`, `collapse` (true), `count` (stories), `fields`. Entity filters are resolved as the CLI
/// resolves them.
pub fn search_request(
    params: &Params,
    index: &NewsIndex,
    extractor: &Extractor,
) -> Result<SearchRequest, ApiError> {
    let query = params
        .get("q")
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .unwrap_or("*");
    let mut entities = Vec::new();
    for spec in params.all("entity") {
        entities.push(index.resolve_entity(&spec, extractor).map_err(|err| {
            ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "unknown_entity",
                format!("entity: {err}"),
            )
        })?);
    }
    let (facets, field_facets) = facet_kinds(params.get("facets"))?;
    let fields = match params.get("fields") {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| {
                StoredField::from_str(f)
                    .map_err(|e| ApiError::bad_parameter(format!("fields: {e}")))
            })
            .collect::<Result<_, _>>()?,
    };
    let count = match params.get("count").map(|c| c.trim().to_ascii_lowercase()) {
        None => CountMode::Stories,
        Some(c) if c.is_empty() || c == "stories" => CountMode::Stories,
        Some(c) if c == "articles" => CountMode::Articles,
        Some(c) => {
            return Err(ApiError::bad_parameter(format!(
                "count: expected stories or articles, not {c:?}"
            )))
        }
    };
    let rule = params.story_rule()?;
    let collapse = params.flag("collapse", true)?.then_some(Collapse {
        max_distance: rule.max_distance,
        within_days: rule.within_days,
        count,
    });
    Ok(SearchRequest {
        entities,
        facets,
        field_facets,
        facet_limit: params.number("facet_limit", 10, MAX_LIMIT)?,
        sort: params.choice::<Sort>("sort", "relevance, newest or oldest")?,
        sources: params.all("source"),
        histogram: params.choice::<Interval>("histogram", "day, week, month or year")?,
        fields,
        collapse,
        limit: params.number("limit", 10, MAX_LIMIT)?,
        offset: params.number("offset", 0, MAX_OFFSET)?,
        since: params.date("since", false)?,
        until: params.date("until", true)?,
        ..SearchRequest::new(query)
    })
}

/// `format=jsonl|csv`: the search is an export of every match.
pub fn export_format(params: &Params) -> Result<Option<ExportFormat>, ApiError> {
    match params.get("format").map(|f| f.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(f) if f.is_empty() || f == "json" => Ok(None),
        Some(f) if f == "jsonl" => Ok(Some(ExportFormat::JsonLines)),
        Some(f) if f == "csv" => Ok(Some(ExportFormat::Csv)),
        Some(f) => Err(ApiError::bad_parameter(format!(
            "format: expected json, jsonl or csv, not {f:?}"
        ))),
    }
}

/// The entity kinds and fields of `facets=` (an empty value means person, org and place).
fn facet_kinds(list: Option<&str>) -> Result<(Vec<EntityKind>, Vec<FieldFacet>), ApiError> {
    let Some(list) = list else {
        return Ok((Vec::new(), Vec::new()));
    };
    if list.trim().is_empty() {
        return Ok((EntityKind::ALL.to_vec(), Vec::new()));
    }
    let (mut kinds, mut fields) = (Vec::new(), Vec::new());
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match name.to_ascii_lowercase().as_str() {
            "source" | "sources" => fields.push(FieldFacet::Source),
            "author" | "authors" => fields.push(FieldFacet::Author),
            _ => kinds.push(EntityKind::from_str(name).map_err(|_| {
                ApiError::bad_parameter(format!(
                    "facets: unknown facet {name:?} (expected person, org, place, source or author)"
                ))
            })?),
        }
    }
    Ok((kinds, fields))
}

/// `type=person|org|place` of `GET /api/entities`.
pub fn entity_kind(params: &Params) -> Result<Option<EntityKind>, ApiError> {
    match params.get("type").map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => EntityKind::from_str(t).map(Some).map_err(|_| {
            ApiError::bad_parameter(format!("type: expected person, org or place, not {t:?}"))
        }),
    }
}
