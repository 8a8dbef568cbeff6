//! The server's own OpenID Connect issuer, under `/oidc`: the discovery document and the
//! JWKS (`crate::sts::issuer`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::transport::state::TransportState;

fn json(body: serde_json::Value) -> Response {
    ([("content-type", "application/json")], body.to_string()).into_response()
}

pub async fn discovery(State(ctx): State<Arc<TransportState>>) -> Response {
    match ctx.issuer.get() {
        Some(issuer) => json(issuer.discovery()),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub async fn jwks(State(ctx): State<Arc<TransportState>>) -> Response {
    match ctx.issuer.get() {
        Some(issuer) => json(issuer.jwks()),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
