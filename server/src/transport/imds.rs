//! The instance-metadata listener (`--imds-addr`): IMDSv2 as EC2 answers it, for the SDKs'
//! instance-role credential provider (`AWS_EC2_METADATA_SERVICE_ENDPOINT`). A session token
//! from `PUT /latest/api/token` (TTL 1–21600 s) must accompany every read; a read without
//! one is refused unless `--imds-v1` allows IMDSv1. The credentials are the instance
//! profile role's (`crate::sts::workloads`).
//!
//! Tokens are stateless: their expiry and an HMAC under a key that lives only in this
//! process, so they die with it (the SDKs fetch a new one on 401).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::sts::workloads::{self, Instance, WorkloadError};
use crate::transport::state::TransportState;

const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const MAX_TTL: u64 = 21_600;

struct Imds {
    ctx: Arc<TransportState>,
    key: [u8; 32],
    allow_v1: bool,
}

pub fn router(ctx: Arc<TransportState>, allow_v1: bool) -> Router {
    let mut key = [0u8; 32];
    key.copy_from_slice(&crate::crypto::random_bytes(32));
    Router::new()
        .fallback(handle)
        .with_state(Arc::new(Imds { ctx, key, allow_v1 }))
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut r = (status, body.into()).into_response();
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static("text/plain"));
    h.insert("server", HeaderValue::from_static("EC2ws"));
    r
}

fn not_found() -> Response {
    text(
        StatusCode::NOT_FOUND,
        "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<html><head><title>404 - Not Found</title></head><body><h1>404 - Not Found</h1></body></html>\n",
    )
}

impl Imds {
    fn mac(&self, expiry: u64) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(&expiry.to_be_bytes());
        mac.finalize().into_bytes()[..24].to_vec()
    }

    fn issue(&self, ttl: u64) -> String {
        let expiry = now() + ttl;
        let mut raw = expiry.to_be_bytes().to_vec();
        raw.extend(self.mac(expiry));
        URL_SAFE_NO_PAD.encode(raw)
    }

    fn valid(&self, token: &str) -> bool {
        let Ok(raw) = URL_SAFE_NO_PAD.decode(token) else {
            return false;
        };
        if raw.len() != 32 {
            return false;
        }
        let expiry = u64::from_be_bytes(raw[..8].try_into().expect("8 bytes"));
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(&expiry.to_be_bytes());
        mac.verify_truncated_left(&raw[8..]).is_ok() && now() < expiry
    }
}

fn now() -> u64 {
    chrono::Utc::now().timestamp().max(0) as u64
}

async fn handle(
    State(imds): State<Arc<Imds>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path();
    // A browser page (DNS rebinding makes it same-origin with this listener) names itself:
    // an `Origin` on anything but a simple GET, `Sec-Fetch-*` on every request of a current
    // browser. The SDKs send neither; EC2's own answer is a hop limit this server lacks.
    if headers.contains_key(axum::http::header::ORIGIN)
        || headers.keys().any(|k| k.as_str().starts_with("sec-fetch-"))
    {
        tracing::warn!(path, "instance metadata request from a browser refused");
        return text(StatusCode::FORBIDDEN, "Forbidden\n");
    }
    if path == "/latest/api/token" {
        if method != Method::PUT {
            return text(StatusCode::METHOD_NOT_ALLOWED, "");
        }
        // EC2 refuses token requests that went through a proxy.
        if headers.contains_key("x-forwarded-for") {
            return text(StatusCode::FORBIDDEN, "Forbidden\n");
        }
        let ttl = headers
            .get(TTL_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|t| (1..=MAX_TTL).contains(t));
        let Some(ttl) = ttl else {
            return text(StatusCode::BAD_REQUEST, "Bad Request\n");
        };
        let mut r = text(StatusCode::OK, imds.issue(ttl));
        r.headers_mut().insert(
            TTL_HEADER,
            HeaderValue::from_str(&ttl.to_string()).expect("digits"),
        );
        return r;
    }
    if method != Method::GET && method != Method::HEAD {
        return text(StatusCode::METHOD_NOT_ALLOWED, "");
    }
    match headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()) {
        Some(token) if imds.valid(token) => {}
        Some(_) => return text(StatusCode::UNAUTHORIZED, "Unauthorized\n"),
        None if imds.allow_v1 => {}
        None => {
            tracing::info!(
                path,
                "IMDSv1 read refused (no session token; --imds-v1 allows it)"
            );
            return text(StatusCode::UNAUTHORIZED, "Unauthorized\n");
        }
    }
    let path = path.to_owned();
    let ctx = imds.ctx.clone();
    match tokio::task::spawn_blocking(move || read(&ctx, &path)).await {
        Ok(r) => r,
        Err(_) => text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n"),
    }
}

/// `2026-12-02T05:11:01Z`.
fn date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn read(ctx: &TransportState, path: &str) -> Response {
    let instance = match workloads::instance(ctx) {
        Ok(Some(i)) => i,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!("instance metadata: {e}");
            return text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n");
        }
    };
    let region = &ctx.region;
    let role_name = instance.role.as_ref().map(|r| r.role_name.clone());
    let rest = path.strip_prefix("/latest/").unwrap_or("");
    match rest {
        "" => text(StatusCode::OK, "dynamic\nmeta-data\n"),
        "meta-data" | "meta-data/" => text(StatusCode::OK, "iam/\ninstance-id\nplacement/\n"),
        "meta-data/instance-id" => text(StatusCode::OK, instance.instance_id.clone()),
        "meta-data/placement" | "meta-data/placement/" => {
            text(StatusCode::OK, "availability-zone\nregion\n")
        }
        "meta-data/placement/region" => text(StatusCode::OK, region.clone()),
        "meta-data/placement/availability-zone" => text(StatusCode::OK, format!("{region}a")),
        "dynamic/instance-identity/document" => text(
            StatusCode::OK,
            serde_json::to_string_pretty(&json!({
                "accountId": instance.profile.account_id,
                "architecture": "x86_64",
                "availabilityZone": format!("{region}a"),
                "instanceId": instance.instance_id,
                "instanceType": "t3.micro",
                "region": region,
                "version": "2017-09-30",
            }))
            .expect("JSON"),
        ),
        "meta-data/iam" | "meta-data/iam/" if role_name.is_some() => {
            text(StatusCode::OK, "info\nsecurity-credentials/\n")
        }
        "meta-data/iam/info" if role_name.is_some() => text(
            StatusCode::OK,
            serde_json::to_string_pretty(&json!({
                "Code": "Success",
                "LastUpdated": date(chrono::Utc::now()),
                "InstanceProfileArn": instance.profile.arn(),
                "InstanceProfileId": instance.profile.instance_profile_id,
            }))
            .expect("JSON"),
        ),
        "meta-data/iam/security-credentials" | "meta-data/iam/security-credentials/" => {
            match role_name {
                Some(name) => text(StatusCode::OK, name),
                None => not_found(),
            }
        }
        other => match other.strip_prefix("meta-data/iam/security-credentials/") {
            Some(name) if Some(name) == role_name.as_deref() => credentials(ctx, &instance),
            _ => not_found(),
        },
    }
}

/// The role's credentials, in EC2's field order.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceCredentials<'a> {
    code: &'static str,
    last_updated: String,
    #[serde(rename = "Type")]
    kind: &'static str,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    token: &'a str,
    expiration: String,
}

fn credentials(ctx: &TransportState, instance: &Instance) -> Response {
    let body = match workloads::instance_credentials(ctx, &ctx.workloads, instance) {
        Ok(served) => {
            let c = &served.credentials;
            let body = InstanceCredentials {
                code: "Success",
                last_updated: date(served.issued),
                kind: "AWS-HMAC",
                access_key_id: &c.access_key_id,
                secret_access_key: c.secret_access_key.expose(),
                token: c.session_token.expose(),
                expiration: date(c.expiration),
            };
            return text(
                StatusCode::OK,
                serde_json::to_string_pretty(&body).expect("JSON"),
            );
        }
        Err(WorkloadError::Untrusted(message)) => {
            tracing::warn!("instance metadata: {message}");
            json!({
                "Code": "AssumeRoleUnauthorizedAccess",
                "Message": message,
                "LastUpdated": date(chrono::Utc::now()),
            })
        }
        Err(WorkloadError::NotFound(_)) => return not_found(),
        Err(e) => {
            tracing::error!("instance metadata credentials: {e}");
            return text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n");
        }
    };
    text(
        StatusCode::OK,
        serde_json::to_string_pretty(&body).expect("JSON"),
    )
}
