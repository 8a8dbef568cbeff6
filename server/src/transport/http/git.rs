//! Git smart HTTP: `info/refs`, `git-upload-pack`, `git-receive-pack`, streamed through the
//! shared service runner. Authentication first (401 asks git for credentials, 403 refuses),
//! then the repository by name (404), then the authorization decision.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use async_compression::tokio::bufread::GzipDecoder;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, EXPIRES, HOST, PRAGMA, WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, TryStreamExt};
use tokio::io::{AsyncRead, BufReader};
use tokio::process::ChildStdout;
use tokio_util::io::{ReaderStream, StreamReader};
use tracing::Instrument;

use super::basic::{self, BasicAuth};
use crate::auth::keys::{self, StoreKeys};
use crate::auth::{AuthFailure, git_credentials, git_sigv4};
use crate::git::service::{self, GitService, Mode};
use crate::principal::Principal;
use crate::secret::Secret;
use crate::transport::state::TransportState;
use axum::Extension;

use crate::authz::Origin;
use crate::transport::git_access::{self, Granted, Refused};
use crate::transport::git_session::{self, GitSession};

const REALM: &str = "Basic realm=\"codecommit-local\"";

fn plain(status: StatusCode, message: &str) -> Response {
    (status, format!("{message}\n")).into_response()
}

/// Why a Git request is refused, rendered in one place as git expects it: 401 with a Basic
/// challenge makes git ask its credential helper; 403 and 404 end the command.
#[derive(Debug)]
enum Refusal {
    Unauthorized,
    Forbidden,
    /// IAM denied the action: AWS's message, which git prints as `remote: …`.
    Denied(String),
    NotFound(String),
    Internal,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                [(WWW_AUTHENTICATE, REALM)],
                "Unauthorized\n",
            )
                .into_response(),
            Refusal::Forbidden => plain(StatusCode::FORBIDDEN, "Forbidden"),
            Refusal::Denied(message) => (
                StatusCode::FORBIDDEN,
                [(CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("{message}\n"),
            )
                .into_response(),
            Refusal::NotFound(name) => plain(
                StatusCode::NOT_FOUND,
                &format!("Repository {name} does not exist"),
            ),
            Refusal::Internal => plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        }
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> Refusal {
    tracing::error!("{what}: {e}");
    Refusal::Internal
}

/// The repository URL path a credential helper signed: the request path without git's
/// service suffix.
fn signed_path(uri: &Uri) -> &str {
    let path = uri.path();
    ["/info/refs", "/git-upload-pack", "/git-receive-pack"]
        .iter()
        .find_map(|suffix| path.strip_suffix(suffix))
        .unwrap_or(path)
}

/// What the client presented, read from the request before any store work.
struct Presented {
    user: String,
    password: Secret,
    /// `Host` (or the HTTP/2 authority), for SigV4 passwords.
    host: String,
    /// The repository path a SigV4 helper signed.
    signed_path: String,
}

/// Checks Basic credentials: a Git credential, or a SigV4-signed password.
fn authenticate(ctx: &TransportState, p: &Presented) -> Result<Principal, AuthFailure> {
    if !git_sigv4::is_sigv4_user(&p.user) {
        return git_credentials::authenticate(ctx, &p.user, &p.password);
    }
    let request = git_sigv4::GitSigV4Request {
        user: &p.user,
        password: &p.password,
        path: &p.signed_path,
        host: &p.host,
        server_region: &ctx.region,
    };
    let principal = git_sigv4::verify(
        &request,
        chrono::Utc::now(),
        &StoreKeys { store: &ctx.store },
    )?;
    keys::record_use(&ctx.key_use, ctx, &principal, "codecommit", &ctx.region);
    Ok(principal)
}

/// Authenticates the request and finds the repository the caller may `action`, on a
/// blocking thread (every step reads the store).
async fn authorize(
    ctx: &Arc<TransportState>,
    origin: Origin,
    headers: &HeaderMap,
    uri: &Uri,
    name: &str,
    service: GitService,
) -> Result<Granted, Refusal> {
    let (user, password) = match basic::parse(headers) {
        BasicAuth::Missing => return Err(Refusal::Unauthorized),
        BasicAuth::Malformed => {
            tracing::warn!(repository = name, "refused: malformed Basic credentials");
            return Err(Refusal::Forbidden);
        }
        BasicAuth::Present { user, password } => (user, password),
    };
    let presented = Presented {
        user,
        password,
        host: headers
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| uri.authority().map(|a| a.as_str()))
            .unwrap_or_default()
            .to_owned(),
        signed_path: signed_path(uri).to_owned(),
    };
    let delay = ctx.auth_throttle.delay_for(origin.source_ip);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let ctx = ctx.clone();
    let name = name.to_owned();
    tokio::task::spawn_blocking(move || {
        authorize_blocking(&ctx, &origin, &presented, &name, service)
    })
    .await
    .map_err(|e| internal("authorizing a Git request", e))?
}

fn authorize_blocking(
    ctx: &TransportState,
    origin: &Origin,
    presented: &Presented,
    name: &str,
    service: GitService,
) -> Result<Granted, Refusal> {
    let principal = authenticate(ctx, presented).map_err(|reason| {
        tracing::warn!(repository = name, "refused: {reason}");
        if reason != AuthFailure::Store {
            ctx.auth_throttle.failed(origin.source_ip);
        }
        Refusal::Forbidden
    })?;
    git_access::authorize(ctx, &principal, origin, name, service).map_err(|refused| match refused {
        Refused::NotFound => Refusal::NotFound(name.to_owned()),
        Refused::Denied(message) => Refusal::Denied(message),
        Refused::Internal(detail) => internal("authorizing a Git request", detail),
    })
}

fn git_protocol(headers: &HeaderMap) -> Option<String> {
    headers
        .get("git-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(service::sanitize_git_protocol)
}

fn no_cache(content_type: String) -> [(axum::http::HeaderName, HeaderValue); 4] {
    [
        (
            CONTENT_TYPE,
            HeaderValue::from_str(&content_type).expect("ascii content type"),
        ),
        (
            CACHE_CONTROL,
            HeaderValue::from_static("no-cache, max-age=0, must-revalidate"),
        ),
        (PRAGMA, HeaderValue::from_static("no-cache")),
        (
            EXPIRES,
            HeaderValue::from_static("Fri, 01 Jan 1980 00:00:00 GMT"),
        ),
    ]
}

/// A pkt-line holding `payload`.
fn pkt_line(payload: &str) -> String {
    format!("{:04x}{payload}", payload.len() + 4)
}

/// The response body: an optional prefix, then the child's stdout as it comes, then
/// `finish` (wait for the child, post-push work) before the body ends, so a client that
/// sees the end of the response sees the finished repository.
fn stream_body(
    prefix: Option<Bytes>,
    stdout: ChildStdout,
    finish: impl Future<Output = ()> + Send + 'static,
) -> Body {
    let head = futures_util::stream::iter(prefix.map(Ok::<_, std::io::Error>));
    let out = ReaderStream::with_capacity(stdout, 64 * 1024);
    let tail = futures_util::stream::once(finish)
        .filter_map(|()| async { None::<std::io::Result<Bytes>> });
    Body::from_stream(head.chain(out).chain(tail))
}

pub async fn info_refs(
    State(ctx): State<Arc<TransportState>>,
    Extension(origin): Extension<Origin>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(service) = query
        .get("service")
        .and_then(|s| GitService::from_wire_name(s))
    else {
        return plain(
            StatusCode::FORBIDDEN,
            "Only Git's smart HTTP protocol is supported; update your git client",
        );
    };
    let repo = match authorize(&ctx, origin, &headers, &uri, &name, service).await {
        Ok(granted) => granted.repo,
        Err(refusal) => return refusal.into_response(),
    };
    let git_protocol = git_protocol(&headers);
    let v2 = service == GitService::UploadPack && service::is_protocol_v2(git_protocol.as_deref());
    let request = git_session::advertisement(&ctx, service, &repo, git_protocol);
    let mut process = match request.spawn() {
        Ok(p) => p,
        Err(e) => return internal("starting git", e).into_response(),
    };
    service::log_stderr(process.stderr.take(), service);
    // Protocol v0 announces the service first; v2 starts with its capability advertisement.
    let prefix = (!v2).then(|| {
        Bytes::from(format!(
            "{}0000",
            pkt_line(&format!("# service={}\n", service.wire_name()))
        ))
    });
    let mut child = process.child;
    let finish = async move {
        if let Err(e) = child.wait().await {
            tracing::error!("waiting for git: {e}");
        }
    };
    let body = stream_body(prefix, process.stdout, finish);
    (
        no_cache(format!(
            "application/x-{}-advertisement",
            service.wire_name()
        )),
        body,
    )
        .into_response()
}

pub async fn upload_pack(
    State(ctx): State<Arc<TransportState>>,
    Extension(origin): Extension<Origin>,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    rpc(
        ctx,
        origin,
        name,
        uri,
        headers,
        body,
        GitService::UploadPack,
    )
    .await
}

pub async fn receive_pack(
    State(ctx): State<Arc<TransportState>>,
    Extension(origin): Extension<Origin>,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    rpc(
        ctx,
        origin,
        name,
        uri,
        headers,
        body,
        GitService::ReceivePack,
    )
    .await
}

async fn rpc(
    ctx: Arc<TransportState>,
    origin: Origin,
    name: String,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
    service: GitService,
) -> Response {
    let granted = match authorize(&ctx, origin, &headers, &uri, &name, service).await {
        Ok(granted) => granted,
        Err(refusal) => return refusal.into_response(),
    };
    let session = match GitSession::open(ctx.clone(), granted, service) {
        Ok(s) => s,
        Err(e) => return internal("preparing the push's ref checks", e).into_response(),
    };
    let expected = format!("application/x-{}-request", service.wire_name());
    if headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("Expected Content-Type {expected}"),
        );
    }
    let gzip = match headers.get(CONTENT_ENCODING).and_then(|v| v.to_str().ok()) {
        None | Some("identity") => false,
        Some("gzip") | Some("x-gzip") => true,
        Some(other) => {
            return plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &format!("Unsupported Content-Encoding {other}"),
            );
        }
    };
    let limit = service::request_limit(service, ctx.max_push_bytes);
    let declared = crate::transport::declared_length(&headers);
    if declared.is_some_and(|n| n > limit) {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("Request body exceeds {limit} bytes"),
        );
    }
    let mut process = match session.spawn(Mode::StatelessRpc, git_protocol(&headers)) {
        Ok(p) => p,
        Err(e) => return internal("starting git", e).into_response(),
    };
    if gzip {
        tracing::debug!(service = service.wire_name(), "gzip request body");
    }
    service::log_stderr(process.stderr.take(), service);
    let mut stdin = process.stdin.take().expect("stateless-rpc has stdin");
    let reader = StreamReader::new(body.into_data_stream().map_err(std::io::Error::other));
    let feeder = session.feeder();
    // The feeder and the end of the body outlive the handler: they log in its span.
    let span = tracing::Span::current();
    let feed = async move {
        let input: Box<dyn AsyncRead + Send + Unpin> = if gzip {
            Box::new(GzipDecoder::new(BufReader::new(reader)))
        } else {
            Box::new(reader)
        };
        let input = service::Capped::new(input, limit);
        // On a broken or truncated body git sees EOF early and fails without touching refs.
        if let Err(e) = feeder.feed(input, &mut stdin).await {
            tracing::warn!("request body for git ended early: {e}");
        }
    };
    tokio::spawn(feed.instrument(span.clone()));
    let finish = async move {
        session.finish(process.child).await;
    }
    .instrument(span);
    let body = stream_body(None, process.stdout, finish);
    (
        no_cache(format!("application/x-{}-result", service.wire_name())),
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn pkt_line_length_counts_itself() {
        assert_eq!(
            super::pkt_line("# service=git-upload-pack\n"),
            "001e# service=git-upload-pack\n"
        );
    }
}
