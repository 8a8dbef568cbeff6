//! IAM: users, and on one user's page their groups and policies, console password, HTTPS
//! Git credentials (a new or reset password is shown once, as AWS does), SSH public keys
//! (with the key ID to use as the SSH user name) and access keys (the secret shown once).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::layout::{Section, csrf, page};
use super::{CheckedForm, PageError, Viewer, call, checked, enc, see_other};
use crate::context::Context;
use crate::iam::ops::access_keys::{
    CreateAccessKey, DeleteAccessKey, ListAccessKeys, UpdateAccessKey,
};
use crate::iam::ops::attached::{AttachPolicy, DetachPolicy, ListAttachedPolicies};
use crate::iam::ops::credentials::{
    CreateServiceSpecificCredential, DeleteServiceSpecificCredential,
    ListServiceSpecificCredentials, ResetServiceSpecificCredential,
    UpdateServiceSpecificCredential,
};
use crate::iam::ops::groups::ListGroupsForUser;
use crate::iam::ops::inline::ListPolicies as ListInlinePolicies;
use crate::iam::ops::login_profiles::{
    CreateLoginProfile, DeleteLoginProfile, GetLoginProfile, UpdateLoginProfile,
};
use crate::iam::ops::owners;
use crate::iam::ops::policies::ListPolicies;
use crate::iam::ops::ssh_keys::{
    DeleteSSHPublicKey, ListSSHPublicKeys, UpdateSSHPublicKey, UploadSSHPublicKey,
};
use crate::iam::ops::users::{CreateUser, GetUser, ListUsers};
use crate::secret::Secret;

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

/// A part of a page the viewer may not read is left out rather than failing the page
/// (AWSCodeCommitPowerUser lists its own keys but may not GetUser, say).
fn unless_denied<T>(r: Result<T, PageError>) -> Result<Option<T>, PageError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.status == StatusCode::FORBIDDEN => Ok(None),
        Err(e) => Err(e),
    }
}

fn denied() -> Markup {
    html! { p.empty { "Your permissions do not allow viewing this." } }
}

#[derive(serde::Deserialize, Default)]
pub struct Paging {
    marker: Option<String>,
}

pub async fn users(
    State(ctx): State<Arc<Context>>,
    viewer: Viewer,
    Query(paging): Query<Paging>,
) -> Result<Response, PageError> {
    users_page(&ctx, &viewer, paging.marker, None, StatusCode::OK).await
}

async fn users_page(
    ctx: &Arc<Context>,
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
    State(ctx): State<Arc<Context>>,
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

pub async fn user(
    State(ctx): State<Arc<Context>>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    user_page(&ctx, &viewer, &name, None, StatusCode::OK).await
}

/// A table's row actions: small forms posting `op` (and `id`) to the user's action route.
fn row_action(viewer: &Viewer, user: &str, op: &str, id: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action={(user_link(user)) "/act"} {
            (csrf(viewer))
            input type="hidden" name="op" value=(op);
            input type="hidden" name="id" value=(id);
            button.link.dark type="submit" data-testid=(op) { (label) }
        }
    }
}

fn toggle_label(status: &str) -> (&'static str, &'static str) {
    match status {
        "Active" => ("Inactive", "Deactivate"),
        _ => ("Active", "Activate"),
    }
}

async fn user_page(
    ctx: &Arc<Context>,
    viewer: &Viewer,
    name: &str,
    notice: Option<Markup>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let user = unless_denied(
        call(
            ctx,
            viewer,
            GetUser {
                user_name: Some(name.to_owned()),
            },
        )
        .await,
    )?
    .map(|u| u.user);
    let arn = match &user {
        Some(u) => u.arn.clone(),
        None => format!("arn:aws:iam::{}:user/{name}", viewer.principal.account_id),
    };
    let groups = unless_denied(
        call(
            ctx,
            viewer,
            ListGroupsForUser {
                user_name: name.to_owned(),
                marker: None,
                max_items: Some(1000),
            },
        )
        .await,
    )?
    .map(|g| g.groups.member);
    let attached = unless_denied(
        call(
            ctx,
            viewer,
            request::<ListAttachedPolicies<owners::User>>(
                json!({"UserName": name, "MaxItems": 1000}),
            )?,
        )
        .await,
    )?
    .map(|a| a.attached_policies.member);
    let inline = unless_denied(
        call(
            ctx,
            viewer,
            request::<ListInlinePolicies<owners::User>>(
                json!({"UserName": name, "MaxItems": 1000}),
            )?,
        )
        .await,
    )?
    .map(|p| p.policy_names.member)
    .unwrap_or_default();
    let profile = match call(
        ctx,
        viewer,
        GetLoginProfile {
            user_name: Some(name.to_owned()),
        },
    )
    .await
    {
        Ok(p) => Some(Some(p.login_profile)),
        Err(e) if e.code == "NoSuchEntity" => Some(None),
        Err(e) if e.status == StatusCode::FORBIDDEN => None,
        Err(e) => return Err(e),
    };
    let git = unless_denied(
        call(
            ctx,
            viewer,
            ListServiceSpecificCredentials {
                user_name: Some(name.to_owned()),
                service_name: Some(CODECOMMIT.into()),
                marker: None,
                max_items: None,
            },
        )
        .await,
    )?
    .map(|c| c.service_specific_credentials.member);
    let ssh = unless_denied(
        call(
            ctx,
            viewer,
            ListSSHPublicKeys {
                user_name: Some(name.to_owned()),
                marker: None,
                max_items: Some(1000),
            },
        )
        .await,
    )?
    .map(|k| k.ssh_public_keys.member);
    let keys = unless_denied(
        call(
            ctx,
            viewer,
            ListAccessKeys {
                user_name: Some(name.to_owned()),
                marker: None,
                max_items: Some(1000),
            },
        )
        .await,
    )?
    .map(|k| k.access_key_metadata.member);
    let may = |action: &str| viewer.may(ctx, action, &arn);
    let may_attach = may("iam:AttachUserPolicy");
    let choices = if may_attach {
        call(
            ctx,
            viewer,
            ListPolicies {
                scope: None,
                only_attached: None,
                path_prefix: None,
                marker: None,
                max_items: Some(1000),
            },
        )
        .await
        .map(|p| p.policies.member)
        .unwrap_or_default()
    } else {
        Vec::new()
    };
    let act = format!("{}/act", user_link(name));
    let body = html! {
        h1 data-testid="user-name" { (name) }
        p.meta {
            code { (arn) }
            @if let Some(u) = &user { " · created " (u.create_date) }
        }
        @if let Some(n) = notice { (n) }
        section.card #permissions {
            header { h2 { "Permissions" } }
            div.body {
                h3 { "Groups" }
                @match &groups {
                    None => (denied()),
                    Some(g) if g.is_empty() => p.empty { "In no group." },
                    Some(groups) => ul data-testid="groups" { @for g in groups { li { (g.group_name) } } },
                }
                h3 { "Attached policies" }
                @if let Some(attached) = &attached {
                  @if attached.is_empty() { p.empty { "None attached." } }
                  @else {
                    table data-testid="attached-policies" {
                        tbody {
                            @for p in attached {
                                tr {
                                    td { (p.policy_name) }
                                    td { code { (p.policy_arn) } }
                                    td { @if may("iam:DetachUserPolicy") { (row_action(viewer, name, "detach", &p.policy_arn, "Detach")) } }
                                }
                            }
                        }
                    }
                  }
                } @else { (denied()) }
                @if !inline.is_empty() {
                    h3 { "Inline policies" }
                    ul { @for n in &inline { li { (n) } } }
                }
                @if may_attach && !choices.is_empty() {
                    form.inline-form method="post" action=(act) {
                        (csrf(viewer))
                        input type="hidden" name="op" value="attach";
                        label.inline for="policy" { "Attach" }
                        select #policy name="id" {
                            @for p in &choices { option value=(p.arn) { (p.policy_name) } }
                        }
                        button.btn type="submit" { "Attach policy" }
                    }
                }
            }
        }
        section.card #console-password {
            header { h2 { "Console password" } }
            div.body {
                @match &profile {
                    Some(Some(p)) => p { "Enabled since " (p.create_date)
                        @if p.password_reset_required { " · a new password is required at the next sign-in" } },
                    Some(None) => p.empty { "No console password: this user cannot sign in to the console." },
                    None => (denied()),
                }
                @let has_profile = matches!(profile, Some(Some(_)));
                @if profile.is_some() && may(if has_profile { "iam:UpdateLoginProfile" } else { "iam:CreateLoginProfile" }) {
                    form method="post" action=(act) {
                        (csrf(viewer))
                        input type="hidden" name="op" value="password";
                        label for="new-console-password" { @if has_profile { "New password" } @else { "Password" } }
                        input #new-console-password type="password" name="password" autocomplete="new-password" required;
                        label.radio { input type="checkbox" name="reset" value="1"; " Require a new password at the next sign-in" }
                        div.submit { button.btn type="submit" { @if has_profile { "Set password" } @else { "Enable console access" } } }
                    }
                }
                @if has_profile && may("iam:DeleteLoginProfile") {
                    (row_action(viewer, name, "password-delete", "", "Disable console access"))
                }
            }
        }
        section.card #git-credentials {
            header {
                h2 { "HTTPS Git credentials for AWS CodeCommit" }
                @if may("iam:CreateServiceSpecificCredential") {
                    form.inline method="post" action=(act) {
                        (csrf(viewer))
                        input type="hidden" name="op" value="git-create";
                        button.btn.primary type="submit" data-testid="git-create" { "Generate credentials" }
                    }
                }
            }
            @match &git {
              None => div.body { (denied()) },
              Some(v) if v.is_empty() => p.empty { "No Git credentials." },
              Some(git) => {
                table data-testid="git-credentials" {
                    thead { tr { th { "User name" } th { "Credential ID" } th { "Created" } th { "Status" } th { "Actions" } } }
                    tbody {
                        @for c in git {
                            tr {
                                td { code { (c.service_user_name) } }
                                td { code { (c.service_specific_credential_id) } }
                                td.num { (c.create_date) }
                                td { (c.status) }
                                td.actions {
                                    @if may("iam:ResetServiceSpecificCredential") { (row_action(viewer, name, "git-reset", &c.service_specific_credential_id, "Reset password")) }
                                    @if may("iam:UpdateServiceSpecificCredential") { (row_action(viewer, name, &format!("git-{}", toggle_label(c.status).0.to_lowercase()), &c.service_specific_credential_id, toggle_label(c.status).1)) }
                                    @if may("iam:DeleteServiceSpecificCredential") { (row_action(viewer, name, "git-delete", &c.service_specific_credential_id, "Delete")) }
                                }
                            }
                        }
                    }
                }
            }
              }
        }
        section.card #ssh-keys {
            header { h2 { "SSH public keys for AWS CodeCommit" } }
            @match &ssh {
              None => div.body { (denied()) },
              Some(v) if v.is_empty() => p.empty { "No SSH public keys." },
              Some(ssh) => {
                table data-testid="ssh-keys" {
                    thead { tr { th { "SSH key ID (the SSH user name)" } th { "Uploaded" } th { "Status" } th { "Actions" } } }
                    tbody {
                        @for k in ssh {
                            tr {
                                td { code { (k.ssh_public_key_id) } }
                                td.num { (k.upload_date) }
                                td { (k.status) }
                                td.actions {
                                    @if may("iam:UpdateSSHPublicKey") { (row_action(viewer, name, &format!("ssh-{}", toggle_label(k.status).0.to_lowercase()), &k.ssh_public_key_id, toggle_label(k.status).1)) }
                                    @if may("iam:DeleteSSHPublicKey") { (row_action(viewer, name, "ssh-delete", &k.ssh_public_key_id, "Delete")) }
                                }
                            }
                        }
                    }
                }
            }
              }
            @if may("iam:UploadSSHPublicKey") {
                div.body {
                    form #ssh-upload method="post" action=(act) {
                        (csrf(viewer))
                        input type="hidden" name="op" value="ssh-upload";
                        label for="ssh-key" { "Upload an SSH public key (RSA, OpenSSH or PEM format)" }
                        textarea #ssh-key name="key" rows="4" required placeholder="ssh-rsa AAAA…" {}
                        div.submit { button.btn type="submit" { "Upload SSH public key" } }
                    }
                }
            }
        }
        section.card #access-keys {
            header {
                h2 { "Access keys" }
                @if may("iam:CreateAccessKey") {
                    form.inline method="post" action=(act) {
                        (csrf(viewer))
                        input type="hidden" name="op" value="key-create";
                        button.btn type="submit" data-testid="key-create" { "Create access key" }
                    }
                }
            }
            @match &keys {
              None => div.body { (denied()) },
              Some(v) if v.is_empty() => p.empty { "No access keys." },
              Some(keys) => {
                table data-testid="access-keys" {
                    thead { tr { th { "Access key ID" } th { "Created" } th { "Status" } th { "Actions" } } }
                    tbody {
                        @for k in keys {
                            tr {
                                td { code { (k.access_key_id) } }
                                td.num { (k.create_date) }
                                td { (k.status) }
                                td.actions {
                                    @if may("iam:UpdateAccessKey") { (row_action(viewer, name, &format!("key-{}", toggle_label(k.status).0.to_lowercase()), &k.access_key_id, toggle_label(k.status).1)) }
                                    @if may("iam:DeleteAccessKey") { (row_action(viewer, name, "key-delete", &k.access_key_id, "Delete")) }
                                }
                            }
                        }
                    }
                }
            }
              }
        }
    };
    let mut response = page(
        viewer,
        Section::Iam,
        &[
            ("IAM", None),
            ("Users", Some(users_link().to_owned())),
            (name, None),
        ],
        body,
    );
    *response.status_mut() = status;
    Ok(response)
}

/// What an action leaves to show: nothing (back to the page), or a secret shown once.
enum Done {
    Back,
    Shown(Markup),
}

fn shown_once(title: &str, rows: &[(&str, &str)], testid: &str) -> Markup {
    html! {
        div.flash.success role="status" data-testid=(testid) {
            strong { (title) }
            p { "This is the only time the password or secret is shown: copy it now." }
            dl.secret {
                @for (k, v) in rows { dt { (k) } dd { code { (v) } } }
            }
        }
    }
}

async fn act_on(
    ctx: &Arc<Context>,
    viewer: &Viewer,
    name: &str,
    form: &CheckedForm,
) -> Result<Done, PageError> {
    let id = form.get("id").unwrap_or_default().to_owned();
    let user = Some(name.to_owned());
    let done = Done::Back;
    match form.get("op").unwrap_or_default() {
        "attach" => {
            let r: AttachPolicy<owners::User> =
                request(json!({"UserName": name, "PolicyArn": id}))?;
            call(ctx, viewer, r).await?;
        }
        "detach" => {
            let r: DetachPolicy<owners::User> =
                request(json!({"UserName": name, "PolicyArn": id}))?;
            call(ctx, viewer, r).await?;
        }
        "password" => {
            let password = form.get("password").map(Secret::new);
            let reset = form.get("reset") == Some("1");
            let existing = call(
                ctx,
                viewer,
                GetLoginProfile {
                    user_name: user.clone(),
                },
            )
            .await;
            match existing {
                Ok(_) => {
                    call(
                        ctx,
                        viewer,
                        UpdateLoginProfile {
                            user_name: name.to_owned(),
                            password,
                            password_reset_required: Some(reset),
                        },
                    )
                    .await?;
                }
                Err(e) if e.code == "NoSuchEntity" => {
                    call(
                        ctx,
                        viewer,
                        CreateLoginProfile {
                            user_name: user.clone(),
                            password,
                            password_reset_required: reset,
                        },
                    )
                    .await?;
                }
                Err(e) => return Err(e),
            }
        }
        "password-delete" => {
            call(ctx, viewer, DeleteLoginProfile { user_name: user }).await?;
        }
        "git-create" => {
            let c = call(
                ctx,
                viewer,
                CreateServiceSpecificCredential {
                    user_name: name.to_owned(),
                    service_name: CODECOMMIT.into(),
                },
            )
            .await?
            .service_specific_credential;
            return Ok(Done::Shown(shown_once(
                "Git credentials generated",
                &[
                    ("User name", &c.service_user_name),
                    ("Password", c.service_password.expose()),
                ],
                "new-git-credential",
            )));
        }
        "git-reset" => {
            let c = call(
                ctx,
                viewer,
                ResetServiceSpecificCredential {
                    user_name: user,
                    service_specific_credential_id: id,
                },
            )
            .await?
            .service_specific_credential;
            return Ok(Done::Shown(shown_once(
                "Password reset",
                &[
                    ("User name", &c.service_user_name),
                    ("Password", c.service_password.expose()),
                ],
                "new-git-credential",
            )));
        }
        op @ ("git-active" | "git-inactive") => {
            call(
                ctx,
                viewer,
                UpdateServiceSpecificCredential {
                    user_name: user,
                    service_specific_credential_id: id,
                    status: status_of(op),
                },
            )
            .await?;
        }
        "git-delete" => {
            call(
                ctx,
                viewer,
                DeleteServiceSpecificCredential {
                    user_name: user,
                    service_specific_credential_id: id,
                },
            )
            .await?;
        }
        "ssh-upload" => {
            let k = call(
                ctx,
                viewer,
                UploadSSHPublicKey {
                    user_name: name.to_owned(),
                    ssh_public_key_body: form.get("key").unwrap_or_default().trim().to_owned(),
                },
            )
            .await?
            .ssh_public_key;
            return Ok(Done::Shown(html! {
                div.flash.success role="status" data-testid="new-ssh-key" {
                    strong { "SSH public key uploaded" }
                    p { "Use its SSH key ID as the user name: " code { (k.ssh_public_key_id) } " (fingerprint " code { (k.fingerprint) } ")." }
                }
            }));
        }
        op @ ("ssh-active" | "ssh-inactive") => {
            call(
                ctx,
                viewer,
                UpdateSSHPublicKey {
                    user_name: name.to_owned(),
                    ssh_public_key_id: id,
                    status: status_of(op),
                },
            )
            .await?;
        }
        "ssh-delete" => {
            call(
                ctx,
                viewer,
                DeleteSSHPublicKey {
                    user_name: name.to_owned(),
                    ssh_public_key_id: id,
                },
            )
            .await?;
        }
        "key-create" => {
            let k = call(ctx, viewer, CreateAccessKey { user_name: user })
                .await?
                .access_key;
            return Ok(Done::Shown(shown_once(
                "Access key created",
                &[
                    ("Access key ID", &k.access_key_id),
                    ("Secret access key", k.secret_access_key.expose()),
                ],
                "new-access-key",
            )));
        }
        op @ ("key-active" | "key-inactive") => {
            call(
                ctx,
                viewer,
                UpdateAccessKey {
                    user_name: user,
                    access_key_id: id,
                    status: status_of(op),
                },
            )
            .await?;
        }
        "key-delete" => {
            call(
                ctx,
                viewer,
                DeleteAccessKey {
                    user_name: user,
                    access_key_id: id,
                },
            )
            .await?;
        }
        _ => return Err(PageError::bad_request("Unknown action.")),
    }
    Ok(done)
}

/// `git-active` → `Active`.
fn status_of(op: &str) -> String {
    match op.ends_with("-active") {
        true => "Active".into(),
        false => "Inactive".into(),
    }
}

/// Every change on a user's page: `op` names it, `id` what it is about.
pub async fn act(
    State(ctx): State<Arc<Context>>,
    viewer: Viewer,
    Path(name): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let form = checked(&viewer, form)?;
    match act_on(&ctx, &viewer, &name, &form).await {
        Ok(Done::Back) => Ok(see_other(&user_link(&name))),
        Ok(Done::Shown(secret)) => {
            user_page(&ctx, &viewer, &name, Some(secret), StatusCode::OK).await
        }
        Err(e) => {
            e.shown_on(|n, status| user_page(&ctx, &viewer, &name, Some(n), status))
                .await
        }
    }
}
