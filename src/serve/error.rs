//! The API's errors: a status and `{"error": {"kind", "message"}}`. Bad input is a 4xx that says
//! what to change; a 5xx means the index or the machine failed, never the request.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::Error;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable, machine-readable word: `bad_query`, `bad_parameter`, `not_found`, ...
    pub kind: &'static str,
    /// What was wrong, for a person.
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    kind: &'a str,
    message: &'a str,
}

impl ApiError {
    /// An error with `status`, `kind` and `message`.
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            message: message.into(),
        }
    }

    /// 400: a parameter the API does not take or cannot read.
    pub fn bad_parameter(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_parameter", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500: the server failed (a worker panicked or was cancelled).
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> ApiError {
        let message = err.to_string();
        let (status, kind) = match &err {
            Error::Query { .. } => (StatusCode::BAD_REQUEST, "bad_query"),
            Error::Invalid(_) => (StatusCode::BAD_REQUEST, "bad_parameter"),
            Error::Input { .. } => (StatusCode::BAD_REQUEST, "bad_input"),
            Error::Strict(_) => (StatusCode::BAD_REQUEST, "bad_input"),
            Error::NoIndex { .. } | Error::Index { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "index_unavailable")
            }
            Error::Write { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "write_failed"),
            Error::Io { .. } | Error::Gazetteer { .. } | Error::Tantivy(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        ApiError::new(status, kind, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                kind: self.kind,
                message: &self.message,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
