//! The AWS APIs on `POST /`: IAM and STS (Query protocol, XML) and CodeCommit (JSON 1.1),
//! routed by the SigV4 credential scope's service.
//!
//! One request's path: [`api`] reads the body, then everything that touches the store runs
//! in one blocking task ([`pipeline`]): authenticate (SigV4 against the store) → find the
//! operation in the [`registry`] → decode its typed request → derive its target →
//! `authz::decide` → the handler → encode. Errors are rendered once per protocol
//! ([`protocol::query::error`], [`protocol::json::error`]) and logged here, not where they
//! are made.

pub mod pipeline;
pub mod protocol;
pub mod registry;

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;

use crate::authz::Origin;
use crate::context::Context;

/// `POST /`: every IAM, STS and CodeCommit API call.
pub async fn api(
    State(ctx): State<Arc<Context>>,
    Extension(origin): Extension<Origin>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let request = pipeline::ApiRequest {
        method,
        uri,
        headers,
        body,
        origin,
    };
    let rid = request_id.clone();
    match tokio::task::spawn_blocking(move || pipeline::handle(&ctx, &rid, &request)).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(request_id, "API request task failed: {e}");
            pipeline::internal_failure(&request_id)
        }
    }
}
