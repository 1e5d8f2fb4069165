//! `newsidx serve`: the HTTP JSON API and the web page, on axum and tokio (behind the `serve`
//! feature). Every endpoint is one [`crate::NewsIndex`] call, so the API answers what the CLI
//! answers. The server listens on loopback unless told otherwise, refuses requests whose `Host` is
//! not the loopback it listens on (DNS rebinding), sends a Content-Security-Policy that forbids
//! inline scripts with every response, and allows other origins only with `--cors ORIGIN`. The
//! searcher follows the index's commits (from this server or from `newsidx index` in another
//! process) without a restart.

mod api;
mod error;
mod page;
mod params;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub use error::ApiError;
pub use params::{MAX_LIMIT, MAX_OFFSET};

use crate::writer::WriterOptions;
use crate::{Enricher, Error, Result};

/// The address `newsidx serve` listens on by default: loopback only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7700";
/// The largest `POST /api/articles` body by default, in bytes (64 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024 * 1024;
/// How often the server looks for new commits of the index.
pub const RELOAD_EVERY: Duration = Duration::from_millis(500);

/// The Content-Security-Policy of every response: only this server's own script, styles and
/// requests; no inline script or style, no frames, no plugins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The index directory (it may not exist yet: reads answer 503 until it does).
    pub index: PathBuf,
    /// Where to listen.
    pub addr: SocketAddr,
    /// Accept `POST /api/articles`.
    pub allow_writes: bool,
    /// With writes: require `Authorization: Bearer KEY`.
    pub api_key: Option<String>,
    /// Let pages of this origin call the API (`Access-Control-Allow-Origin`).
    pub cors: Option<String>,
    /// The largest request body, in bytes.
    pub body_limit: usize,
    /// The writer's options for `POST /api/articles`.
    pub writer: WriterOptions,
}

impl ServeOptions {
    /// Options for the index at `index`, on the default address, read-only.
    pub fn new(index: PathBuf) -> ServeOptions {
        ServeOptions {
            index,
            addr: DEFAULT_ADDR.parse().expect("the default address parses"),
            allow_writes: false,
            api_key: None,
            cors: None,
            body_limit: DEFAULT_BODY_LIMIT,
            writer: WriterOptions::default(),
        }
    }
}

/// What the middleware needs to know.
#[derive(Clone)]
struct Guard {
    /// Listening on loopback: only loopback `Host` names are served.
    loopback: bool,
    cors: Option<HeaderValue>,
}

/// The router of every endpoint over the index of `options`, with `enricher` for entity filters and
/// writes. [`serve`] runs it; tests and embedders may serve it themselves.
pub fn router(options: &ServeOptions, enricher: Enricher) -> Result<Router> {
    router_for(app(options, enricher), options)
}

fn app(options: &ServeOptions, enricher: Enricher) -> Arc<api::App> {
    let writes = options.allow_writes.then(|| api::Writes {
        api_key: options.api_key.clone(),
        writer: options.writer.clone(),
    });
    Arc::new(api::App::new(options.index.clone(), enricher, writes))
}

fn router_for(app: Arc<api::App>, options: &ServeOptions) -> Result<Router> {
    let cors = match &options.cors {
        Some(origin) => Some(
            HeaderValue::from_str(origin)
                .map_err(|_| Error::Invalid(format!("--cors: {origin:?} is not a valid origin")))?,
        ),
        None => None,
    };
    let guard = Guard {
        loopback: options.addr.ip().is_loopback(),
        cors,
    };
    let api = Router::new()
        .route("/api/health", get(api::health))
        .route("/api/search", get(api::search))
        .route("/api/articles/{*id}", get(api::article))
        .route(
            "/api/articles",
            axum::routing::post(api::post_articles)
                .layer(DefaultBodyLimit::max(options.body_limit)),
        )
        .route("/api/entities", get(api::entities))
        .route("/api/stats", get(api::stats))
        .route("/api/duplicates", get(api::duplicates))
        .route("/", get(page::index_html))
        .route("/app.js", get(page::app_js))
        .route("/style.css", get(page::style_css))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app);
    Ok(api.layer(axum::middleware::from_fn_with_state(guard, guard_layer)))
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no such endpoint: {} (the API is under /api/: search, articles/ID, entities, stats, \
         duplicates, health)",
        request.uri().path()
    ))
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
}

/// Refuses foreign `Host` names on loopback, answers CORS preflights, and adds the security headers.
async fn guard_layer(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    if guard.loopback && !loopback_host(&request) {
        return with_headers(
            ApiError::new(
                StatusCode::FORBIDDEN,
                "bad_host",
                "this server answers only to localhost, 127.0.0.1 or [::1] (it listens on loopback)",
            )
            .into_response(),
            &guard,
        );
    }
    let response = if request.method() == Method::OPTIONS {
        if guard.cors.is_some() {
            StatusCode::NO_CONTENT.into_response()
        } else {
            method_not_allowed(request).await.into_response()
        }
    } else {
        next.run(request).await
    };
    with_headers(response, &guard)
}

fn loopback_host(request: &Request) -> bool {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().host());
    let Some(host) = host else {
        // HTTP/1.0 without Host: only a local client reaches a loopback socket.
        return true;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn with_headers(mut response: Response, guard: &Guard) -> Response {
    let headers = response.headers_mut();
    let fixed = [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, value);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(origin) = &guard.cors {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// Serves `options` until Ctrl-C or SIGTERM: binds, calls `ready` with the address it listens on
/// (the port is chosen when `options.addr` has port 0), follows the index's commits every
/// [`RELOAD_EVERY`], and finishes the requests in flight before returning.
pub fn serve(
    options: &ServeOptions,
    enricher: Enricher,
    ready: impl FnOnce(SocketAddr),
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(async {
        let app = app(options, enricher);
        let router = router_for(app.clone(), options)?;
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|e| Error::Invalid(format!("cannot listen on {}: {e}", options.addr)))?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::Invalid(format!("cannot listen on {}: {e}", options.addr)))?;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RELOAD_EVERY);
            loop {
                tick.tick().await;
                let app = app.clone();
                let _ = tokio::task::spawn_blocking(move || app.refresh()).await;
            }
        });
        ready(local);
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|e| Error::Invalid(format!("the server failed: {e}")))
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
