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
use tracing::Instrument;

use crate::authz::Origin;
use crate::transport::state::TransportState;
use crate::transport::{RequestId, aws};

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

/// One span per request, carrying its ID, method and path (the Git route and repository;
/// never the query or any header; the API's operation is recorded once it is known), so
/// the lines logged meanwhile need not repeat them; and one line when it ends: status and
/// time.
async fn log_request(mut req: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = req.uri().path(),
        operation = tracing::field::Empty,
    );
    req.extensions_mut().insert(RequestId(request_id));
    let started = Instant::now();
    async move {
        let response = next.run(req).await;
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request"
        );
        response
    }
    .instrument(span)
    .await
}
