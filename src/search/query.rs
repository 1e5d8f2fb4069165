//! From a request to a tantivy query: the user's query parsed over title and body (title boosted, all
//! words required unless OR is written, `word~1` and `word~2` fuzzy), combined with entity, source and
//! date filters.

use std::ops::Bound;

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::query_grammar::{Delimiter, UserInputAst, UserInputLeaf};
use tantivy::schema::IndexRecordOption;
use tantivy::{DateTime, Term};

use super::SearchRequest;
use crate::store::columns::entity_facet;
use crate::store::Store;
use crate::{Error, Result};

/// Weight of a title match relative to a body match.
const TITLE_BOOST: f32 = 2.0;

/// Longest query accepted: 16 KiB of UTF-8. A longer one is refused, naming the limit.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// Most terms a query may hold (words, phrases, ranges, `field:value` pairs, `*`): 1024. A query
/// with more is refused, naming the limit.
pub const MAX_QUERY_CLAUSES: usize = 1024;
/// Deepest nesting of parentheses in a query: 32. A deeper one is refused, naming the limit (the
/// parser recurses once a level, and the server's threads have small stacks).
pub const MAX_QUERY_DEPTH: usize = 32;

/// The deepest nesting of parentheses outside quotes in `text`.
fn depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut quoted, mut escaped) = (false, false);
    for c in text.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '(' if !quoted => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The terms of a parsed query.
fn clauses(ast: &UserInputAst) -> usize {
    match ast {
        UserInputAst::Clause(children) => children.iter().map(|(_, c)| clauses(c)).sum(),
        UserInputAst::Boost(inner, _) => clauses(inner),
        UserInputAst::Leaf(_) => 1,
    }
}

/// The tantivy query for `request` over `index`.
pub fn build_query(store: &Store, request: &SearchRequest) -> Result<Box<dyn Query>> {
    let f = store.fields();
    let text = request.query.trim();
    if request.query.len() > MAX_QUERY_BYTES {
        return Err(Error::Query {
            query: request.query.clone(),
            message: format!(
                "the query is {} bytes long; a query may be 1 to {MAX_QUERY_BYTES} bytes \
                 (MAX_QUERY_BYTES)",
                request.query.len()
            ),
        });
    }
    if depth(text) > MAX_QUERY_DEPTH {
        return Err(Error::Query {
            query: request.query.clone(),
            message: format!(
                "parentheses nested {} deep; a query may nest them 0 to {MAX_QUERY_DEPTH} deep \
                 (MAX_QUERY_DEPTH)",
                depth(text)
            ),
        });
    }
    if text.is_empty() {
        return Err(Error::Query {
            query: request.query.clone(),
            message: "the query is empty (use * to match every article)".into(),
        });
    }
    let parsed = parse(store, text).map_err(|message| Error::Query {
        query: request.query.clone(),
        message,
    })?;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, parsed)];
    if !request.sources.is_empty() {
        let mut analyzer = store.index().tokenizer_for_field(f.source)?;
        let any: Vec<(Occur, Box<dyn Query>)> = request
            .sources
            .iter()
            .map(|source| {
                // The keyword analyzer gives one token, the value lower-cased, as it was indexed.
                let mut term = String::new();
                analyzer
                    .token_stream(source)
                    .process(&mut |t| term.push_str(&t.text));
                let term = Term::from_field_text(f.source, &term);
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                (Occur::Should, query)
            })
            .collect();
        clauses.push((Occur::Must, filter(BooleanQuery::new(any))));
    }
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

/// The parser for the user's query: title and body, title boosted, all words required; fuzzy on
/// title and body at `fuzzy` edits when given.
fn parser(store: &Store, fuzzy: Option<u8>) -> QueryParser {
    let f = store.fields();
    let mut parser = QueryParser::for_index(store.index(), vec![f.title, f.body]);
    parser.set_field_boost(f.title, TITLE_BOOST);
    parser.set_conjunction_by_default();
    if let Some(distance) = fuzzy {
        for field in [f.title, f.body] {
            parser.set_field_fuzzy(field, false, distance, true);
        }
    }
    parser
}

/// Most edits a fuzzy word may take (`word~2`): more would match most of the dictionary.
const MAX_FUZZY: u32 = 2;

/// Parses the user's query. tantivy's grammar reads `word~1` as one word, tilde and all (which the
/// analyzer cuts into the phrase `word 1`); here such a bare word becomes a fuzzy term (within 1 or
/// 2 edits, a transposition counting one) on title and body, or the field named. A query without
/// one is tantivy's parse unchanged.
fn parse(store: &Store, text: &str) -> std::result::Result<Box<dyn Query>, String> {
    let plain = parser(store, None);
    let ast = tantivy::query_grammar::parse_query(text)
        .map_err(|_| explain(&tantivy::query::QueryParserError::SyntaxError(text.into())))?;
    let terms = clauses(&ast);
    if terms > MAX_QUERY_CLAUSES {
        return Err(format!(
            "the query has {terms} terms; a query may have 1 to {MAX_QUERY_CLAUSES} \
             (MAX_QUERY_CLAUSES)"
        ));
    }
    if !has_fuzzy(&ast) {
        return plain.parse_query(text).map_err(|e| explain(&e));
    }
    let fuzzy = [parser(store, Some(1)), parser(store, Some(2))];
    convert(&plain, &fuzzy, ast)
}

/// The word and the edits of a bare (unquoted) `word~N`.
fn fuzzy_word(leaf: &UserInputLeaf) -> Option<(&str, u32)> {
    let UserInputLeaf::Literal(literal) = leaf else {
        return None;
    };
    if !matches!(literal.delimiter, Delimiter::None) {
        return None;
    }
    let (word, edits) = literal.phrase.rsplit_once('~')?;
    if word.is_empty() || edits.is_empty() || !edits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((word, edits.parse().unwrap_or(u32::MAX)))
}

fn has_fuzzy(ast: &UserInputAst) -> bool {
    match ast {
        UserInputAst::Clause(children) => children.iter().any(|(_, c)| has_fuzzy(c)),
        UserInputAst::Boost(inner, _) => has_fuzzy(inner),
        UserInputAst::Leaf(leaf) => fuzzy_word(leaf).is_some(),
    }
}

/// The query for `ast`, as tantivy's parser builds it (a clause's unmarked words required, a clause
/// of exclusions only refused), with fuzzy words built by the fuzzy parsers.
fn convert(
    plain: &QueryParser,
    fuzzy: &[QueryParser; 2],
    ast: UserInputAst,
) -> std::result::Result<Box<dyn Query>, String> {
    match ast {
        UserInputAst::Clause(children) => {
            let all_excluded =
                !children.is_empty() && children.iter().all(|(o, _)| *o == Some(Occur::MustNot));
            if all_excluded {
                return Err(explain(
                    &tantivy::query::QueryParserError::AllButQueryForbidden,
                ));
            }
            let mut clauses = Vec::with_capacity(children.len());
            for (occur, child) in children {
                clauses.push((occur.unwrap_or(Occur::Must), convert(plain, fuzzy, child)?));
            }
            Ok(Box::new(BooleanQuery::new(clauses)))
        }
        UserInputAst::Boost(inner, boost) => Ok(Box::new(BoostQuery::new(
            convert(plain, fuzzy, *inner)?,
            boost.0 as f32,
        ))),
        UserInputAst::Leaf(mut leaf) => {
            let mut parser = plain;
            if let Some((word, edits)) = fuzzy_word(&leaf) {
                if !(1..=MAX_FUZZY).contains(&edits) {
                    return Err(format!(
                        "{word}~{edits}: a word may take 1 or 2 edits (word~1, word~2)"
                    ));
                }
                parser = &fuzzy[edits as usize - 1];
                let word = word.to_string();
                if let UserInputLeaf::Literal(literal) = &mut *leaf {
                    literal.phrase = word;
                }
            }
            parser
                .build_query_from_user_input_ast(UserInputAst::Leaf(leaf))
                .map_err(|e| explain(&e))
        }
    }
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
