//! The JSON endpoints. Each one reads its parameters, makes one [`NewsIndex`] call on tokio's
//! blocking pool (searches use the CPU; a panic there becomes a 500, never a dead server) and
//! answers with the CLI's `--json` for the same request.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::error::ApiError;
use super::params::{self, Params, MAX_LIMIT, MAX_OFFSET};
use crate::writer::{Event, WriterOptions};
use crate::{Enricher, Error, NewsIndex};

/// What every handler shares.
pub struct App {
    /// The index directory.
    pub path: PathBuf,
    /// The open index; `None` until there is one at `path`.
    index: RwLock<Option<Arc<NewsIndex>>>,
    /// `meta.json`'s modification time and length when the searcher was last reloaded.
    seen: Mutex<Option<(SystemTime, u64)>>,
    /// Entity extraction for `POST /api/articles` and resolution of `entity=` filters.
    pub enricher: Enricher,
    /// Write options: `None` when writes are off.
    pub writes: Option<Writes>,
    /// One write at a time (tantivy allows one writer per index).
    write_turn: tokio::sync::Mutex<()>,
}

/// How `POST /api/articles` writes.
pub struct Writes {
    /// `Authorization: Bearer KEY` needed when set.
    pub api_key: Option<String>,
    /// The writer's memory and threads.
    pub writer: WriterOptions,
}

impl App {
    /// The shared state over the index at `path` (opened now if it exists).
    pub fn new(path: PathBuf, enricher: Enricher, writes: Option<Writes>) -> App {
        let app = App {
            index: RwLock::new(None),
            seen: Mutex::new(None),
            path,
            enricher,
            writes,
            write_turn: tokio::sync::Mutex::new(()),
        };
        let _ = app.refresh();
        app
    }

    /// The open index, or a 503 that says why there is none.
    pub fn index(&self) -> Result<Arc<NewsIndex>, ApiError> {
        if let Some(index) = self.index.read().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(index);
        }
        self.refresh()?;
        self.index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| self.unavailable("no index"))
    }

    fn unavailable(&self, why: &str) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "index_unavailable",
            format!(
                "{why} at {}: index articles with `newsidx index --index {} FILES` or POST \
                 /api/articles (with --allow-writes); the server picks it up without a restart",
                self.path.display(),
                self.path.display()
            ),
        )
    }

    /// Opens the index if it is not open yet, and reloads the searcher when `meta.json` changed
    /// (a commit from this server or another process). Called by the reload task and on demand.
    pub fn refresh(&self) -> Result<(), ApiError> {
        let meta = meta_stamp(&self.path);
        let open = self.index.read().unwrap_or_else(|e| e.into_inner()).clone();
        match open {
            None => {
                if meta.is_none() {
                    return Err(self.unavailable("no index yet"));
                }
                let index = match NewsIndex::open(&self.path) {
                    Ok(index) => index,
                    Err(Error::Index { message, .. }) => return Err(self.unavailable(&message)),
                    Err(_) => return Err(self.unavailable("no index")),
                };
                *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = meta;
                *self.index.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(index));
            }
            Some(index) => {
                let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
                if *seen != meta {
                    index.reload()?;
                    *seen = meta;
                }
            }
        }
        Ok(())
    }

    /// Reloads `index`'s searcher after this server's own commit and records `meta.json` as seen,
    /// so the reload task does not reload it again.
    fn reload_after_commit(&self, index: &NewsIndex) -> Result<(), ApiError> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        index.reload()?;
        *seen = meta_stamp(&self.path);
        Ok(())
    }

    /// The index to write to: the open one, else one created (and kept) at `path`.
    fn index_for_writes(&self) -> Result<Arc<NewsIndex>, ApiError> {
        if let Ok(index) = self.index() {
            return Ok(index);
        }
        let mut open = self.index.write().unwrap_or_else(|e| e.into_inner());
        if let Some(index) = open.as_ref() {
            return Ok(index.clone());
        }
        let index = Arc::new(NewsIndex::open_or_create(&self.path)?);
        *open = Some(index.clone());
        Ok(index)
    }
}

/// `meta.json`'s modification time and length: it changes with every commit.
fn meta_stamp(path: &std::path::Path) -> Option<(SystemTime, u64)> {
    std::fs::metadata(path.join("meta.json"))
        .ok()
        .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()))
}

/// Runs `work` on the blocking pool; a panic inside is a 500.
async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("the request's worker failed: {e}")))?
}

type Shared = State<Arc<App>>;

/// `GET /api/health`: 200 `{"status": "ok", "articles": N}` when the index can be searched.
pub async fn health(State(app): Shared) -> Result<Response, ApiError> {
    #[derive(Serialize)]
    struct Health {
        status: &'static str,
        articles: u64,
    }
    blocking(move || {
        let index = app.index()?;
        let articles = index.searcher()?.num_docs();
        Ok(Json(Health {
            status: "ok",
            articles,
        })
        .into_response())
    })
    .await
}

/// `GET /api/search`: as `newsidx search --json`, or an export with `format=jsonl|csv`.
pub async fn search(State(app): Shared, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(query.as_deref(), params::SEARCH)?;
    blocking(move || {
        let index = app.index()?;
        let request = params::search_request(&params, &index, app.enricher.extractor())?;
        if let Some(format) = params::export_format(&params)? {
            let mut out = Vec::new();
            index.export(&request, format, &request.fields, &mut out)?;
            let kind = match format {
                crate::search::ExportFormat::JsonLines => "application/x-ndjson; charset=utf-8",
                crate::search::ExportFormat::Csv => "text/csv; charset=utf-8",
            };
            return Ok(([(header::CONTENT_TYPE, kind)], out).into_response());
        }
        Ok(Json(index.search(&request)?).into_response())
    })
    .await
}

/// `GET /api/articles/{id}`: as `newsidx show --json ID`; 404 when there is no such article.
pub async fn article(
    State(app): Shared,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_parameter(format!("article id: {e}")))?;
    let params = Params::parse(query.as_deref(), &["max_distance"])?;
    let max_distance = params.story_rule()?.max_distance;
    blocking(move || {
        let index = app.index()?;
        match index.article(&id, app.enricher.extractor(), max_distance)? {
            Some(view) => Ok(Json(view).into_response()),
            None => Err(ApiError::not_found(format!("no article with id {id:?}"))),
        }
    })
    .await
}

/// `GET /api/entities?type=&limit=`: as `newsidx entities --json`.
pub async fn entities(State(app): Shared, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(query.as_deref(), &["type", "limit"])?;
    let kind = params::entity_kind(&params)?;
    let limit = params.number("limit", 20, MAX_LIMIT)?;
    blocking(move || Ok(Json(app.index()?.top_entities(kind, limit)?).into_response())).await
}

/// `GET /api/stats`: as `newsidx stats --json`.
pub async fn stats(State(app): Shared, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    Params::parse(query.as_deref(), &[])?;
    blocking(move || Ok(Json(app.index()?.stats()?).into_response())).await
}

/// `GET /api/duplicates?max_distance=&within=&limit=&offset=`: as `newsidx duplicates --json`,
/// a page of 20 stories unless `limit` says otherwise.
pub async fn duplicates(
    State(app): Shared,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(
        query.as_deref(),
        &["max_distance", "within", "limit", "offset"],
    )?;
    let rule = params.story_rule()?;
    let limit = params.number("limit", 20, MAX_LIMIT)?;
    let offset = params.number("offset", 0, MAX_OFFSET)?;
    blocking(
        move || Ok(Json(app.index()?.stories_page(rule, offset, Some(limit))?).into_response()),
    )
    .await
}

/// The answer to `POST /api/articles`: `newsidx index --json`'s summary with every rejected record.
#[derive(Serialize)]
struct Posted {
    added: u64,
    updated: u64,
    /// Of the updated, those the index held unchanged (left alone).
    unchanged: u64,
    rejected: u64,
    /// Articles written with a warning (a date left out, say): see `rejects` for the records that
    /// were not written.
    warnings: u64,
    /// Articles in the index after the commit.
    articles: u64,
    seconds: f64,
    /// Each rejected record: where it was in the body (`request[N]`, `request:LINE`) and why.
    rejects: Vec<Reject>,
}

#[derive(Serialize)]
struct Reject {
    origin: String,
    reason: String,
}

/// `POST /api/articles`: upserts the articles of a JSON array or JSON Lines body and commits before
/// answering. Needs `--allow-writes`, and `Authorization: Bearer KEY` when `--api-key` is set.
pub async fn post_articles(
    State(app): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Some(writes) = &app.writes else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "writes_disabled",
            "this server is read-only: start it with `newsidx serve --allow-writes` to accept articles",
        ));
    };
    if let Some(key) = &writes.api_key {
        check_key(&headers, key)?;
    }
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        let kind = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "bad_body"
        };
        ApiError::new(status, kind, rejection.body_text())
    })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_body",
            "empty body: send a JSON array of articles or JSON Lines",
        ));
    }
    let options = writes.writer.clone();
    let _turn = app.write_turn.lock().await;
    let app = app.clone();
    blocking(move || {
        let started = Instant::now();
        let index = app.index_for_writes()?;
        let mut writer = index.writer(&options).map_err(|err| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "index_busy",
                format!("cannot write now (is `newsidx index` running on it?): {err}"),
            )
        })?;
        let records = crate::ingest::read_body(body.to_vec(), "request");
        let mut rejects = Vec::new();
        let report = writer.index_all(records, &app.enricher, false, |event| {
            if let Event::Rejected(err) = event {
                rejects.push(reject(err));
            }
        })?;
        writer.finish()?;
        app.reload_after_commit(&index)?;
        let articles = index.searcher()?.num_docs();
        Ok(Json(Posted {
            added: report.added,
            updated: report.updated,
            unchanged: report.unchanged,
            rejected: report.rejected,
            warnings: report.warnings,
            articles,
            seconds: started.elapsed().as_secs_f64(),
            rejects,
        })
        .into_response())
    })
    .await
}

fn reject(err: &Error) -> Reject {
    let (origin, reason) = err.origin_and_reason();
    Reject {
        origin: origin.unwrap_or_else(|| "request".to_string()),
        reason,
    }
}

/// 401 unless `Authorization: Bearer KEY` carries `key` (compared in constant time).
fn check_key(headers: &HeaderMap, key: &str) -> Result<(), ApiError> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(given) = given else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "writes need the header `Authorization: Bearer KEY` with the server's --api-key",
        ));
    };
    let same = given.len() == key.len()
        && given
            .bytes()
            .zip(key.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the API key is wrong",
        ))
    }
}
