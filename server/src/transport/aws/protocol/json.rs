//! AWS's JSON 1.1 protocol (CodeCommit): `X-Amz-Target: CodeCommit_20150413.<Operation>`, a
//! JSON body decoded by serde into the operation's request type, errors as
//! `{"__type": …, "message": …}` with `x-amzn-ErrorType`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::operation::ServiceError;

pub const CODECOMMIT_TARGET_PREFIX: &str = "CodeCommit_20150413.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The request body as `T` (an empty body is `{}`).
pub fn decode<T: DeserializeOwned, E: ServiceError>(body: &[u8]) -> Result<T, E> {
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        E::malformed(if e.is_syntax() || e.is_eof() {
            format!("The request body is not valid JSON: {e}")
        } else {
            format!("The request body does not match the operation's input: {e}")
        })
    })
}

pub fn encode<T: Serialize>(output: &T) -> Result<Vec<u8>, String> {
    serde_json::to_vec(output).map_err(|e| e.to_string())
}

fn respond(status: StatusCode, request_id: &str, body: Vec<u8>) -> Response {
    let mut resp = (status, [("content-type", CONTENT_TYPE)], body).into_response();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

pub fn success(request_id: &str, body: Vec<u8>) -> Response {
    respond(StatusCode::OK, request_id, body)
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    #[serde(rename = "__type")]
    kind: &'a str,
    message: String,
}

/// Every JSON-protocol error, rendered here and nowhere else.
pub fn error(request_id: &str, e: &impl ServiceError) -> Response {
    let body = serde_json::to_vec(&ErrorBody {
        kind: e.code(),
        message: e.to_string(),
    })
    .unwrap_or_default();
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = respond(status, request_id, body);
    if let Ok(v) = HeaderValue::from_str(e.code()) {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    resp
}
