//! IAM: users, and on one user's page their groups and policies, console password, HTTPS
//! Git credentials (a new or reset password is shown once, as AWS does), SSH public keys
//! (with the key ID to use as the SSH user name) and access keys (the secret shown once).
//! `user` is that page, `actions` what can be done on it.

mod actions;
mod user;

pub use actions::act;
pub use user::user;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::de::DeserializeOwned;

use super::layout::{Section, csrf, page};
use super::{PageError, Viewer, call, checked, enc, see_other};
use crate::iam::ops::users::{CreateUser, ListUsers};
use crate::transport::state::TransportState;

const CODECOMMIT: &str = "codecommit.amazonaws.com";
/// Users per list page.
const USERS_PAGE: i64 = 50;

fn users_link() -> &'static str {
    "/console/iam/users"
}

fn user_link(name: &str) -> String {
    format!("{}/{}", users_link(), enc(name))
}

/// A typed request from its API members, for the operations generic over their owner
/// (user, group, role), whose owner kind is not a public field.
fn request<T: DeserializeOwned>(members: serde_json::Value) -> Result<T, PageError> {
    serde_json::from_value(members).map_err(|e| PageError::bad_request(e.to_string()))
}

#[derive(serde::Deserialize, Default)]
pub struct Paging {
    marker: Option<String>,
}

pub async fn users(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Query(paging): Query<Paging>,
) -> Result<Response, PageError> {
    users_page(&ctx, &viewer, paging.marker, None, StatusCode::OK).await
}

async fn users_page(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    marker: Option<String>,
    notice: Option<Markup>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let listed = call(
        ctx,
        viewer,
        ListUsers {
            path_prefix: None,
            marker,
            max_items: Some(USERS_PAGE),
        },
    )
    .await?;
    let may_create = viewer.may(ctx, "iam:CreateUser", "*");
    let body = html! {
        h1 { "Users" }
        @if let Some(n) = notice { (n) }
        section.card {
            header { h2 { "Users" } }
            table data-testid="users" {
                thead { tr { th { "User name" } th { "Path" } th { "ARN" } th { "Created" } } }
                tbody {
                    @for u in &listed.users.member {
                        tr {
                            td { a href=(user_link(&u.user_name)) { (u.user_name) } }
                            td { code { (u.path) } }
                            td { code { (u.arn) } }
                            td.num { (u.create_date) }
                        }
                    }
                }
            }
            @if let Some(m) = listed.marker.as_ref().filter(|_| listed.is_truncated) {
                div.pager { a.btn href={(users_link()) "?marker=" (enc(m))} { "More users" } }
            }
        }
        @if may_create {
            section.card #create-user {
                header { h2 { "Create user" } }
                div.body {
                    form method="post" action=(users_link()) {
                        (csrf(viewer))
                        label for="user-name" { "User name" }
                        input #user-name type="text" name="name" required maxlength="64";
                        div.submit { button.btn.primary type="submit" { "Create user" } }
                    }
                }
            }
        }
    };
    let mut response = page(
        viewer,
        Section::Iam,
        &[("IAM", None), ("Users", None)],
        body,
    );
    *response.status_mut() = status;
    Ok(response)
}

pub async fn create_user(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let form = checked(&viewer, form)?;
    let name = form.get("name").unwrap_or_default().to_owned();
    let made = call(
        &ctx,
        &viewer,
        CreateUser {
            user_name: name.clone(),
            path: None,
            tags: Vec::new(),
        },
    )
    .await;
    match made {
        Ok(_) => Ok(see_other(&user_link(&name))),
        Err(e) => {
            e.shown_on(|n, status| users_page(&ctx, &viewer, None, Some(n), status))
                .await
        }
    }
}
