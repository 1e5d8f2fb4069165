//! The web page: three files embedded in the binary (`page/`), served with their types. Debug
//! builds read them from `$NEWSIDX_PAGE_DIR` when it is set, so the page can be edited without a
//! rebuild; release builds only ever serve the embedded copies.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const INDEX_HTML: &str = include_str!("page/index.html");
const APP_JS: &str = include_str!("page/app.js");
const STYLE_CSS: &str = include_str!("page/style.css");

/// `GET /`: the page (its state is in the query string, which the script reads).
pub async fn index_html() -> Response {
    asset("index.html", INDEX_HTML, "text/html; charset=utf-8")
}

/// `GET /app.js`.
pub async fn app_js() -> Response {
    asset("app.js", APP_JS, "text/javascript; charset=utf-8")
}

/// `GET /style.css`.
pub async fn style_css() -> Response {
    asset("style.css", STYLE_CSS, "text/css; charset=utf-8")
}

fn asset(name: &str, embedded: &'static str, kind: &'static str) -> Response {
    let body = dev_copy(name).unwrap_or_else(|| embedded.to_string());
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

#[cfg(debug_assertions)]
fn dev_copy(name: &str) -> Option<String> {
    let dir = std::env::var_os("NEWSIDX_PAGE_DIR")?;
    std::fs::read_to_string(std::path::Path::new(&dir).join(name)).ok()
}

#[cfg(not(debug_assertions))]
fn dev_copy(_name: &str) -> Option<String> {
    None
}
