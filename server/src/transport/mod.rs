//! The protocols clients speak. Each submodule speaks one protocol and calls the domain.

pub mod aws;
pub mod console;
pub mod git_access;
pub mod git_session;
pub mod http;
pub mod imds;
pub mod limits;
pub mod ssh;
pub mod state;
pub mod tls;

/// The body length a request declares (`Content-Length`), if it is a number.
pub fn declared_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// A request's ID: the API's `x-amzn-RequestId`, and the field every log line of the
/// request carries through its span (set by the HTTP router's logging layer).
#[derive(Clone)]
pub struct RequestId(pub String);
