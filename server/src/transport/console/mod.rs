//! The web console under `/console`: server-rendered pages (maud), signed in with an IAM
//! user's console password, every read and write an operation run through
//! [`crate::authz::invoke`] as that user, so the console may do exactly what the API lets
//! the same user do. Forms need no JavaScript; each carries the session's CSRF token, and
//! the cookie is HttpOnly, SameSite=Strict and, on HTTPS, Secure.

mod code;
mod diff;
mod iam;
mod layout;
mod markdown;
mod pull_requests;
mod repo;
mod repositories;
mod signin;
mod triggers;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::auth::console::{self as sessions, Session};
use crate::authz::{self, Origin};
use crate::operation::{Operation, ServiceError};
use crate::principal::Principal;
use crate::transport::state::TransportState;

/// The session cookie. It holds a random token; the store keeps only its hash.
const COOKIE: &str = "ccl_console";

/// The console's routes, nested under `/console` by the HTTP router.
pub fn router() -> Router<Arc<TransportState>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console/repositories") }))
        .route("/assets/console.css", get(layout::stylesheet))
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signin/change-password", post(signin::change_password))
        .route("/signout", post(signin::sign_out))
        .route(
            "/repositories",
            get(repositories::list).post(repositories::create),
        )
        .route("/repositories/{name}", get(code::overview))
        .route("/repositories/{name}/delete", post(repositories::delete))
        .route("/repositories/{name}/code", get(code::browse))
        .route("/repositories/{name}/commits", get(code::history))
        .route("/repositories/{name}/commits/{id}", get(code::commit))
        .route("/repositories/{name}/branches", get(code::references))
        .route(
            "/repositories/{name}/triggers",
            get(triggers::show).post(triggers::act),
        )
        .route("/iam/users", get(iam::users).post(iam::create_user))
        .route("/iam/users/{name}", get(iam::user))
        .route("/iam/users/{name}/act", post(iam::act))
        .route(
            "/repositories/{name}/pull-requests",
            get(pull_requests::list).post(pull_requests::create),
        )
        .route(
            "/repositories/{name}/pull-requests/new",
            get(pull_requests::new_form),
        )
        .route(
            "/repositories/{name}/pull-requests/{id}",
            get(pull_requests::show),
        )
        .route(
            "/repositories/{name}/pull-requests/{id}/approval",
            post(pull_requests::approve),
        )
        .route(
            "/repositories/{name}/pull-requests/{id}/merge",
            post(pull_requests::merge),
        )
        .route(
            "/repositories/{name}/pull-requests/{id}/close",
            post(pull_requests::close),
        )
        .route(
            "/repositories/{name}/pull-requests/{id}/comments",
            post(pull_requests::comment),
        )
        .route(
            "/repositories/{name}/pull-requests/{id}/rules",
            post(pull_requests::create_rule),
        )
        .route(
            "/repositories/{name}/pull-requests/{id}/rules/delete",
            post(pull_requests::delete_rule),
        )
        .layer(axum::middleware::map_response(security_headers))
}

/// Every page forbids framing, inline script and styles from elsewhere.
async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The signed-in user of a request. A request without a live session is sent to the
/// sign-in page.
pub struct Viewer {
    pub principal: Principal,
    pub origin: Origin,
    pub csrf_token: crate::secret::Secret,
}

impl Viewer {
    pub fn user_name(&self) -> &str {
        self.principal.user_name().unwrap_or_default()
    }

    /// Whether the viewer's policies allow `action` on `resource` (to show or leave out a
    /// button; the operation behind it is decided again when it runs).
    pub fn may(&self, ctx: &TransportState, action: &str, resource: &str) -> bool {
        ctx.authorizer
            .decide(
                ctx,
                &self.principal,
                &self.origin,
                &authz::Request {
                    action,
                    resource,
                    context: &[],
                    resource_tags: None,
                },
            )
            .allowed()
    }
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
}

/// A cookie's value, if it is one of the console's tokens (64 hex digits).
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl FromRequestParts<Arc<TransportState>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &Arc<TransportState>,
    ) -> Result<Self, Self::Rejection> {
        let origin = parts
            .extensions
            .get::<Origin>()
            .copied()
            .unwrap_or_default();
        let to_sign_in = || Redirect::to("/console/signin").into_response();
        let Some(token) = cookie_token(&parts.headers) else {
            return Err(to_sign_in());
        };
        let ctx = ctx.clone();
        let session: Option<Session> =
            tokio::task::spawn_blocking(move || sessions::session(&ctx, &token))
                .await
                .ok()
                .flatten();
        match session {
            Some(s) => Ok(Viewer {
                principal: s.principal,
                origin,
                csrf_token: s.csrf_token,
            }),
            None => Err(to_sign_in()),
        }
    }
}

/// A page that could not be shown: the status and what to tell the user. A service's
/// refusal keeps its AWS code and message, as the AWS console shows them.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

impl PageError {
    fn of<E: ServiceError>(e: E) -> Self {
        if let Some(detail) = e.detail() {
            tracing::error!("console: {}: {detail}", e.code());
        }
        // CodeCommit answers a missing resource and a refusal with 400, as AWS does; a page
        // says what HTTP means by them.
        let code = e.code();
        let status = if code.ends_with("DoesNotExistException") || code == "NoSuchEntity" {
            StatusCode::NOT_FOUND
        } else if code.starts_with("AccessDenied") {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        };
        PageError {
            status,
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }

    pub fn internal() -> Self {
        PageError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "InternalFailure".into(),
            message: "The console could not complete the request.".into(),
        }
    }

    /// A refusal the user can act on (a client error other than access denied), as the
    /// message to show on the page the form was on; `None` for one that needs a page of its
    /// own.
    pub fn notice(&self) -> Option<maud::Markup> {
        (self.status.is_client_error() && self.status != StatusCode::FORBIDDEN)
            .then(|| layout::flash("error", &self.code, &self.message))
    }

    /// The answer to a refused form: `render` shows the form's page again with the
    /// refusal on it (and the refusal's status), where the user can act on it; any other
    /// error is a page of its own.
    pub async fn shown_on<F, Fut>(self, render: F) -> Result<Response, PageError>
    where
        F: FnOnce(maud::Markup, StatusCode) -> Fut,
        Fut: std::future::Future<Output = Result<Response, PageError>>,
    {
        match self.notice() {
            Some(notice) => render(notice, self.status).await,
            None => Err(self),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        PageError {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidRequest".into(),
            message: message.into(),
        }
    }
}

/// Runs `request` as the viewer, on a blocking thread (operations read the store and git).
pub async fn call<T>(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    request: T,
) -> Result<T::Output, PageError>
where
    T: Operation,
    T::Output: Send + 'static,
{
    let (ctx, principal, origin) = (ctx.clone(), viewer.principal.clone(), viewer.origin);
    tokio::task::spawn_blocking(move || {
        ctx.authorizer
            .invoke(&ctx, &principal, &origin, request)
            .map_err(PageError::of)
    })
    .await
    .map_err(|_| PageError::internal())?
}

/// A posted form, once its CSRF token matched the session's.
pub struct CheckedForm(pub HashMap<String, String>);

impl CheckedForm {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Checks a posted form's `_csrf` field against the session's token (constant time).
pub fn checked(viewer: &Viewer, form: HashMap<String, String>) -> Result<CheckedForm, PageError> {
    match form.get("_csrf") {
        Some(t) if viewer.csrf_token.ct_eq(t) => Ok(CheckedForm(form)),
        _ => Err(PageError {
            status: StatusCode::FORBIDDEN,
            code: "InvalidCsrfToken".into(),
            message:
                "This form did not come from your console session. Reload the page and try again."
                    .into(),
        }),
    }
}

/// Sets or clears the session cookie.
fn session_cookie(token: Option<&str>, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = match token {
        Some(t) => format!(
            "{COOKIE}={t}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            sessions::SESSION_HOURS * 3600
        ),
        None => format!("{COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).expect("a cookie of hex and ASCII")
}

/// After a form: see the result (303, so a reload does not post again).
pub fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

/// Percent-encodes a path or query component for a link.
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
