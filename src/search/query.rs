//! From a request to a tantivy query: the user's query parsed over title and body (title boosted, all
//! words required unless OR is written), combined with date bounds.

use std::ops::Bound;

use tantivy::query::{
    BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DateTime, Term};

use super::SearchRequest;
use crate::store::columns::entity_facet;
use crate::store::Store;
use crate::{Error, Result};

/// Weight of a title match relative to a body match.
const TITLE_BOOST: f32 = 2.0;

/// The tantivy query for `request` over `index`.
pub fn build_query(store: &Store, request: &SearchRequest) -> Result<Box<dyn Query>> {
    let f = store.fields();
    let text = request.query.trim();
    if text.is_empty() {
        return Err(Error::Query {
            query: request.query.clone(),
            message: "the query is empty (use * to match every article)".into(),
        });
    }
    let mut parser = QueryParser::for_index(store.index(), vec![f.title, f.body]);
    parser.set_field_boost(f.title, TITLE_BOOST);
    parser.set_conjunction_by_default();
    let parsed = parser.parse_query(text).map_err(|e| Error::Query {
        query: request.query.clone(),
        message: explain(&e),
    })?;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, parsed)];
    for entity in request.entities.iter().map(|e| &e.entity) {
        let term = Term::from_facet(f.entities, &entity_facet(entity.kind, &entity.name));
        clauses.push((
            Occur::Must,
            filter(TermQuery::new(term, IndexRecordOption::Basic)),
        ));
    }
    if request.since.is_some() || request.until.is_some() {
        let bound = |t: Option<time::OffsetDateTime>, inclusive: bool| match t {
            Some(t) => {
                let term = Term::from_field_date(f.published, DateTime::from_utc(t));
                if inclusive {
                    Bound::Included(term)
                } else {
                    Bound::Excluded(term)
                }
            }
            None => Bound::Unbounded,
        };
        let range = RangeQuery::new(bound(request.since, true), bound(request.until, true));
        clauses.push((Occur::Must, filter(range)));
    }
    Ok(if clauses.len() == 1 {
        clauses
            .pop()
            .map(|(_, q)| q)
            .unwrap_or_else(|| unreachable!())
    } else {
        Box::new(BooleanQuery::new(clauses))
    })
}

/// A clause that restricts the matches without changing their scores.
fn filter(query: impl Query) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(Box::new(query), 0.0))
}

/// The fields a query may name; the schema's others are newsidx's own (fingerprints, origin).
const SEARCHABLE: &[&str] = &["title", "body", "id", "author", "source", "published"];

fn unknown_field(field: &str) -> String {
    format!(
        "unknown field {field:?} (searchable fields: {})",
        SEARCHABLE.join(", ")
    )
}

/// Some queries parse but name a field wrongly only when they run (`nosuchfield:*`, or `title:*`,
/// which needs a fast field): those are the user's query errors, not the index's.
pub(crate) fn run_error(store: &Store, query: &str, error: Error) -> Error {
    use tantivy::TantivyError as T;
    let message = match &error {
        Error::Tantivy(T::FieldNotFound(field)) => unknown_field(field),
        Error::Tantivy(T::SchemaError(message)) => {
            let schema = store.index().schema();
            let fast: Vec<&str> = SEARCHABLE
                .iter()
                .copied()
                .filter(|name| {
                    schema
                        .get_field(name)
                        .is_ok_and(|f| schema.get_field_entry(f).is_fast())
                })
                .collect();
            format!("{message} (FIELD:* works on {})", fast.join(", "))
        }
        _ => return error,
    };
    Error::Query {
        query: query.to_string(),
        message,
    }
}

/// tantivy's parse error, with a hint at the usual cause.
fn explain(error: &tantivy::query::QueryParserError) -> String {
    use tantivy::query::QueryParserError as E;
    match error {
        E::FieldDoesNotExist(field) => unknown_field(field),
        E::SyntaxError(detail) => format!(
            "syntax error near {detail:?} (check quotes, parentheses and field:value pairs)"
        ),
        E::AllButQueryForbidden => "the query only excludes words; add a word to look for".into(),
        E::FieldNotIndexed(field) => format!("field {field:?} is stored but not searchable"),
        other => other.to_string(),
    }
}
