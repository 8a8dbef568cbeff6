//! AWS's JSON 1.1 protocol (CodeCommit): `X-Amz-Target: CodeCommit_20150413.<Operation>`,
//! errors as `{"__type": …, "message": …}` with `x-amzn-ErrorType`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub const CODECOMMIT_TARGET_PREFIX: &str = "CodeCommit_20150413.";

/// A JSON-protocol error response.
pub fn error(request_id: &str, status: u16, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        [("content-type", "application/x-amz-json-1.1")],
        body,
    )
        .into_response();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(code) {
        headers.insert("x-amzn-errortype", v);
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    resp
}

/// A JSON-protocol success response.
pub fn success(request_id: &str, value: &serde_json::Value) -> Response {
    let mut resp = (
        StatusCode::OK,
        [("content-type", "application/x-amz-json-1.1")],
        value.to_string(),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}
