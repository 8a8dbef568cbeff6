//! `GET /container-credentials/{name}`: the container credentials endpoint the SDKs reach
//! through `AWS_CONTAINER_CREDENTIALS_FULL_URI`, as the ECS agent and CodeBuild serve it.
//! The `Authorization` header must carry the endpoint's token
//! (`AWS_CONTAINER_AUTHORIZATION_TOKEN`); the answer is the task role's credentials.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::sts::workloads::{self, WorkloadError};
use crate::transport::state::TransportState;

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub async fn credentials(
    State(ctx): State<Arc<TransportState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let result = tokio::task::spawn_blocking(move || {
        workloads::container_credentials(&ctx, &ctx.workloads, &name, token.as_deref())
    })
    .await;
    let date =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    match result {
        Ok(Ok(served)) => answer(
            StatusCode::OK,
            json!({
                "AccessKeyId": served.credentials.access_key_id,
                "SecretAccessKey": served.credentials.secret_access_key.expose(),
                "Token": served.credentials.session_token.expose(),
                "Expiration": date(served.credentials.expiration),
                "RoleArn": served.role_arn,
            }),
        ),
        Ok(Err(WorkloadError::Unauthorized)) => {
            tracing::info!("container credentials refused: missing or wrong token");
            answer(
                StatusCode::UNAUTHORIZED,
                json!({"code": "AccessDenied", "message": "Authorization token is missing or invalid"}),
            )
        }
        Ok(Err(WorkloadError::NotFound(message))) => answer(
            StatusCode::NOT_FOUND,
            json!({"code": "NotFound", "message": message}),
        ),
        Ok(Err(e)) => {
            tracing::error!("container credentials: {e}");
            answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"code": "InternalError", "message": "cannot serve credentials"}),
            )
        }
        Err(_) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"code": "InternalError", "message": "cannot serve credentials"}),
        ),
    }
}
