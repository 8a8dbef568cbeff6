//! The AWS APIs on `POST /`: IAM and STS (Query protocol, XML) and CodeCommit (JSON 1.1),
//! routed by the SigV4 credential scope's service.
//!
//! One request's path: [`api`] reads the body (a large one only once the `Authorization`
//! header names a key the store holds), then everything that touches the store runs
//! in one blocking task ([`pipeline`]; on the request's own task for an operation the
//! registry marks light): authenticate (SigV4 against the store) → find the
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
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::auth::keys::StoreKeys;
use crate::auth::sigv4::{self, KeyLookup};
use crate::authz::Origin;
use crate::transport::RequestId;
use crate::transport::state::TransportState;

/// The largest API request body (CodeCommit's PutFile takes up to 6 MB, base64-encoded).
pub const BODY_LIMIT: usize = 16 << 20;

/// A body this small is read before anything is checked: every unsigned request AWS serves
/// (AssumeRoleWithWebIdentity: a token of at most 20,000 characters and a session policy)
/// fits, and buffering it costs less than a store lookup would.
const SMALL_BODY: usize = 64 << 10;

/// How long a request waits for a place among the API requests in flight before it is told
/// to slow down.
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// `POST /`: every IAM, STS and CodeCommit API call.
pub async fn api(
    State(ctx): State<Arc<TransportState>>,
    Extension(origin): Extension<Origin>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    // The place is held while the body is read and the handler runs.
    let slots = ctx.clone();
    let _slot = match tokio::time::timeout(SLOT_WAIT, slots.api_slots.acquire()).await {
        Ok(Ok(slot)) => slot,
        _ => {
            tracing::warn!("API request throttled: every place for requests in flight is taken");
            return pipeline::throttled(&parts.headers, &request_id);
        }
    };
    let declared = crate::transport::declared_length(&parts.headers);
    // A larger body is read only for a well-formed signature by a key the store knows;
    // a signature by an unknown key is refused (in its protocol's form) without it.
    let limit = match declared {
        Some(n) if n <= SMALL_BODY as u64 => SMALL_BODY,
        _ => large_body_limit(&ctx, &parts.headers).await,
    };
    let body = if limit == 0 {
        Bytes::new()
    } else if declared.is_some_and(|n| n > limit as u64) {
        return pipeline::too_large(&parts.headers, &request_id, limit);
    } else {
        match axum::body::to_bytes(body, limit).await {
            Ok(body) => body,
            Err(_) => return pipeline::too_large(&parts.headers, &request_id, limit),
        }
    };
    let request = pipeline::ApiRequest {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body,
        origin,
    };
    if pipeline::is_light(&request) {
        return pipeline::handle(&ctx, &request_id, &request);
    }
    let rid = request_id.clone();
    let span = tracing::Span::current();
    let handled = move || span.in_scope(|| pipeline::handle(&ctx, &rid, &request));
    match tokio::task::spawn_blocking(handled).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!("API request task failed: {e}");
            pipeline::internal_failure(&request_id)
        }
    }
}

/// How much of a body larger than [`SMALL_BODY`] to read: all of it ([`BODY_LIMIT`]) when the
/// `Authorization` header is a SigV4 header naming an access key (or STS session) the store
/// holds, none when it names one it does not, [`SMALL_BODY`] when the request is unsigned.
async fn large_body_limit(ctx: &Arc<TransportState>, headers: &HeaderMap) -> usize {
    let Ok(auth) = sigv4::parse_authorization(headers) else {
        return SMALL_BODY;
    };
    let ctx = ctx.clone();
    let lookup = move || {
        StoreKeys { store: &ctx.store }
            .lookup(&auth.access_key_id)
            .is_ok_and(|k| k.is_some())
    };
    match tokio::task::spawn_blocking(lookup).await {
        Ok(true) => BODY_LIMIT,
        _ => 0,
    }
}
