//! Sign-in as the AWS sign-in page does it for an IAM user (account ID, user name, console
//! password), the new password a reset or an expired password asks for, and sign-out.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};

use super::layout::{bare, flash};
use super::{PageError, Viewer, checked, cookie, cookie_token, session_cookie};
use crate::auth::console::{self as sessions, SignInError};
use crate::authz::Origin;
use crate::iam::ops::login_profiles::ChangePassword;
use crate::principal::AuthMethod;
use crate::secret::Secret;
use crate::transport::state::TransportState;

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(|s| s.trim()).unwrap_or_default()
}

/// The sign-in forms' own CSRF token, before there is a session: a random value in a cookie
/// only the sign-in pages receive, and the same value in the form (a cross-site post can
/// send the cookie but cannot read it to fill in the field).
const SIGNIN_COOKIE: &str = "ccl_signin";

fn signin_cookie(token: &str, secure: bool) -> (header::HeaderName, HeaderValue) {
    let secure = if secure { "; Secure" } else { "" };
    let value = format!(
        "{SIGNIN_COOKIE}={token}; Path=/console/signin; HttpOnly; SameSite=Strict; Max-Age=3600{secure}"
    );
    (
        header::SET_COOKIE,
        HeaderValue::from_str(&value).expect("hex and ASCII"),
    )
}

/// The token a sign-in post must carry: the cookie's, if the form's field matches it.
fn signin_checked(headers: &HeaderMap, form: &HashMap<String, String>) -> Option<String> {
    let token = cookie(headers, SIGNIN_COOKIE)?;
    let field = Secret::new(form.get("_csrf").cloned().unwrap_or_default());
    field.ct_eq(&token).then_some(token)
}

/// A sign-in page (`markup` built with `token`) with its cookie set.
fn with_token(status: StatusCode, markup: Markup, token: &str, secure: bool) -> Response {
    (
        status,
        [signin_cookie(token, secure)],
        Html(markup.into_string()),
    )
        .into_response()
}

/// A sign-in post without the token of a sign-in page: a fresh page, nothing checked.
fn stale(ctx: &TransportState, secure: bool) -> Response {
    let token = sessions::new_token();
    let page = sign_in_page(
        &ctx.account_id,
        "",
        Some("This sign-in form has expired or did not come from this console. Sign in again."),
        &token,
    );
    with_token(StatusCode::FORBIDDEN, page, &token, secure)
}

fn sign_in_page(account: &str, user: &str, problem: Option<&str>, csrf: &str) -> Markup {
    bare(
        "Sign in",
        html! {
            h1 { "Sign in as IAM user" }
            @if let Some(p) = problem { (flash("error", p, "")) }
            form method="post" action="/console/signin" {
                input type="hidden" name="_csrf" value=(csrf);
                label for="account" { "Account ID (12 digits) or account alias" }
                input #account type="text" name="account" value=(account) autocomplete="organization" required;
                label for="username" { "IAM user name" }
                input #username type="text" name="username" value=(user) autocomplete="username" required autofocus[user.is_empty()];
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required autofocus[!user.is_empty()];
                div.submit { button.btn.primary type="submit" { "Sign in" } }
            }
            p.hint { "The console password is an IAM login profile: CreateLoginProfile, or "
                code { "console_password" } " in a fixture." }
        },
    )
}

fn change_page(account: &str, user: &str, problem: Option<&str>, csrf: &str) -> Markup {
    bare(
        "Change password",
        html! {
            h1 { "Change your password" }
            (flash("info", "You must change your password to continue.",
                &format!("IAM user {user} in account {account}.")))
            @if let Some(p) = problem { (flash("error", p, "")) }
            form method="post" action="/console/signin/change-password" {
                input type="hidden" name="_csrf" value=(csrf);
                input type="hidden" name="account" value=(account);
                input type="hidden" name="username" value=(user);
                label for="old" { "Old password" }
                input #old type="password" name="old_password" autocomplete="current-password" required;
                label for="new" { "New password" }
                input #new type="password" name="new_password" autocomplete="new-password" required;
                label for="confirm" { "Retype new password" }
                input #confirm type="password" name="confirm_password" autocomplete="new-password" required;
                div.submit { button.btn.primary type="submit" { "Confirm password change" } }
            }
        },
    )
}

pub async fn form(
    State(ctx): State<Arc<TransportState>>,
    Extension(origin): Extension<Origin>,
) -> Response {
    let token = sessions::new_token();
    let page = sign_in_page(&ctx.account_id, "", None, &token);
    with_token(StatusCode::OK, page, &token, origin.secure_transport)
}

/// Signed in: the cookie and the way in.
fn signed_in(token: &Secret, secure: bool) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (
                header::LOCATION,
                "/console/repositories".parse().expect("a path"),
            ),
            (
                header::SET_COOKIE,
                session_cookie(Some(token.expose()), secure),
            ),
        ],
    )
        .into_response()
}

fn refused(page: Markup) -> Response {
    (StatusCode::UNAUTHORIZED, Html(page.into_string())).into_response()
}

fn rejected(page: Markup) -> Response {
    (StatusCode::BAD_REQUEST, Html(page.into_string())).into_response()
}

const INCORRECT: &str = "Your authentication information is incorrect. Please try again.";

pub async fn submit(
    State(ctx): State<Arc<TransportState>>,
    Extension(origin): Extension<Origin>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(csrf) = signin_checked(&headers, &form) else {
        return stale(&ctx, origin.secure_transport);
    };
    let account = field(&form, "account").to_owned();
    let user = field(&form, "username").to_owned();
    let password = Secret::new(form.get("password").cloned().unwrap_or_default());
    // A source that keeps failing waits longer for each try, as Git passwords do.
    let delay = ctx.auth_throttle.delay_for(origin.source_ip);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (c, a, u) = (ctx.clone(), account.clone(), user.clone());
    let outcome = tokio::task::spawn_blocking(move || {
        let user = sessions::check_password(&c, &a, &u, &password)?;
        sessions::begin(&c, &user)
    })
    .await;
    match outcome {
        Ok(Ok(token)) => signed_in(&token, origin.secure_transport),
        Ok(Err(SignInError::MustChange(_))) => {
            Html(change_page(&account, &user, None, &csrf).into_string()).into_response()
        }
        Ok(Err(SignInError::Expired)) => refused(sign_in_page(
            &account,
            &user,
            Some("Your password has expired. Ask your administrator to reset it."),
            &csrf,
        )),
        Ok(Err(SignInError::Incorrect)) => {
            ctx.auth_throttle.failed(origin.source_ip);
            tracing::info!(account = ?account, user = ?user, "console sign-in refused");
            refused(sign_in_page(&account, &user, Some(INCORRECT), &csrf))
        }
        Ok(Err(SignInError::Store(e))) => {
            tracing::error!("console sign-in: {e}");
            PageError::internal().into_response()
        }
        Err(_) => PageError::internal().into_response(),
    }
}

/// The new password a reset asks for: the old one again, then ChangePassword as that user
/// (so the account's policy and the user's permissions apply as on AWS), then a session.
pub async fn change_password(
    State(ctx): State<Arc<TransportState>>,
    Extension(origin): Extension<Origin>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(csrf) = signin_checked(&headers, &form) else {
        return stale(&ctx, origin.secure_transport);
    };
    let account = field(&form, "account").to_owned();
    let user = field(&form, "username").to_owned();
    let secret = |name: &str| Secret::new(form.get(name).cloned().unwrap_or_default());
    let (old, new, confirm) = (
        secret("old_password"),
        secret("new_password"),
        secret("confirm_password"),
    );
    if !new.ct_eq(confirm.expose()) {
        let page = change_page(
            &account,
            &user,
            Some("The new passwords do not match."),
            &csrf,
        );
        return rejected(page);
    }
    let (c, a, u) = (ctx.clone(), account.clone(), user.clone());
    let outcome = tokio::task::spawn_blocking(move || {
        let row = match sessions::check_password(&c, &a, &u, &old) {
            Ok(row) | Err(SignInError::MustChange(row)) => row,
            Err(e) => return Err(Err(e)),
        };
        let principal = crate::iam::users::principal(&row, AuthMethod::ConsolePassword);
        let request = ChangePassword {
            old_password: old,
            new_password: new,
        };
        c.authorizer
            .invoke(&c, &principal, &origin, request)
            .map_err(Ok)?;
        sessions::begin(&c, &row).map_err(Err)
    })
    .await;
    match outcome {
        Ok(Ok(token)) => signed_in(&token, origin.secure_transport),
        Ok(Err(Ok(refusal))) => {
            let page = change_page(&account, &user, Some(&refusal.to_string()), &csrf);
            rejected(page)
        }
        Ok(Err(Err(SignInError::Incorrect | SignInError::Expired))) => {
            ctx.auth_throttle.failed(origin.source_ip);
            refused(sign_in_page(&account, &user, Some(INCORRECT), &csrf))
        }
        _ => PageError::internal().into_response(),
    }
}

pub async fn sign_out(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    checked(&viewer, form)?;
    if let Some(token) = cookie_token(&headers) {
        let c = ctx.clone();
        let _ = tokio::task::spawn_blocking(move || sessions::end(&c, &token)).await;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/console/signin".parse().expect("a path")),
            (
                header::SET_COOKIE,
                session_cookie(None, viewer.origin.secure_transport),
            ),
        ],
    )
        .into_response())
}
