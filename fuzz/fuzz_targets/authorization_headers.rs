//! The `Authorization` header as the HTTP transport reads it: Basic (Git) and SigV4 (APIs).
#![no_main]

use axum::http::{HeaderMap, HeaderValue};
use codecommit_local::auth::sigv4;
use codecommit_local::transport::http::basic;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert("authorization", value);
    let _ = basic::parse(&headers);
    let _ = sigv4::parse_authorization(&headers);
});
