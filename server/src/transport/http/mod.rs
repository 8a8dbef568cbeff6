//! The HTTP(S) listener's routes: Git smart HTTP under `/v1/repos/{name}/…`, the APIs on
//! `POST /`, container credentials and the server's own OpenID Connect issuer. The same
//! router serves the HTTPS and the plain HTTP port.

pub mod basic;
mod container;
mod git;
mod oidc;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::authz::Origin;
use crate::transport::aws;
use crate::transport::state::TransportState;

/// The routes, for the HTTPS listener (`secure`) or the plain HTTP one.
pub fn router(ctx: Arc<TransportState>, secure: bool) -> Router {
    Router::new()
        .route("/v1/repos/{name}/info/refs", get(git::info_refs))
        .route("/v1/repos/{name}/git-upload-pack", post(git::upload_pack))
        .route("/v1/repos/{name}/git-receive-pack", post(git::receive_pack))
        // The API reads its body itself, within its own limits.
        .route("/", post(aws::api).layer(DefaultBodyLimit::disable()))
        .route("/container-credentials/{name}", get(container::credentials))
        .route(
            "/oidc/.well-known/openid-configuration",
            get(oidc::discovery),
        )
        .route("/oidc/jwks", get(oidc::jwks))
        .route("/_health", get(|| async { "ok\n" }))
        .route(
            "/console/",
            get(|| async { axum::response::Redirect::to("/console") }),
        )
        .nest("/console", crate::transport::console::router())
        .fallback(not_found)
        .layer(middleware::from_fn(log_request))
        .layer(middleware::from_fn_with_state(secure, set_origin))
        .with_state(ctx)
}

/// Records where the request came from (`aws:SourceIp`, `aws:SecureTransport`) for the
/// handlers' authorization.
async fn set_origin(State(secure): State<bool>, mut req: Request, next: Next) -> Response {
    let source_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    req.extensions_mut().insert(Origin {
        source_ip,
        secure_transport: secure,
    });
    next.run(req).await
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not Found\n").into_response()
}

/// One log line per request: method, path (never the query or any header), status, time.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}
