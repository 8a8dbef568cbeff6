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

/// The response body of `output`: serde_json's compact form, but for blob members (a
/// field serialised with `serialize_bytes`), which the protocol sends as base64 strings.
pub fn encode<T: Serialize>(output: &T) -> Result<Vec<u8>, String> {
    let mut body = Vec::with_capacity(256);
    let mut serializer = serde_json::Serializer::with_formatter(&mut body, AwsJson);
    output
        .serialize(&mut serializer)
        .map_err(|e| e.to_string())?;
    Ok(body)
}

/// serde_json's compact formatter, writing bytes as a base64 string. Encoded straight into
/// the body, a blob is read once: a 5 MB GetFile no longer builds a 6.7 MB string that
/// serde_json then scans for characters to escape (base64 has none) and copies again.
struct AwsJson;

impl serde_json::ser::Formatter for AwsJson {
    fn write_byte_array<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: &[u8],
    ) -> std::io::Result<()> {
        // A multiple of 3 bytes: only the last chunk is padded. Chunks of 48 KiB stay in the
        // cache between the encoder and the copy into the body.
        const CHUNK: usize = 48 << 10;
        let b64 = base64_simd::STANDARD;
        let mut encoded = vec![0u8; b64.encoded_length(value.len().min(CHUNK))];
        writer.write_all(b"\"")?;
        for chunk in value.chunks(CHUNK) {
            let written = b64.encode(chunk, base64_simd::Out::from_slice(&mut encoded));
            writer.write_all(written)?;
        }
        writer.write_all(b"\"")
    }
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

#[cfg(test)]
mod tests {
    use base64::Engine;

    #[test]
    fn bytes_are_one_base64_string_and_text_is_still_escaped() {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            path: &'a str,
            #[serde(serialize_with = "crate::codecommit::content::as_blob")]
            content: Vec<u8>,
        }
        // Empty, one padded chunk, and three chunks with the last one padded (padding
        // mid-string would not decode).
        for size in [0, 1, 100_003] {
            let content: Vec<u8> = (0..=255u8).cycle().take(size).collect();
            let body = super::encode(&Out {
                path: "a\"b\n",
                content: content.clone(),
            })
            .unwrap();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["path"], "a\"b\n");
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(v["content"].as_str().unwrap())
                .unwrap();
            assert_eq!(decoded, content, "{size} bytes");
        }
    }
}
