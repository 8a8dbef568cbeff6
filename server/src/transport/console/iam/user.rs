//! One IAM user's page: what it shows is read as the viewer (a part the viewer may not
//! read says so), in one card per kind of credential.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::json;

use super::{CODECOMMIT, request, user_link, users_link};
use crate::iam::ops::access_keys::{AccessKeyMetadata, ListAccessKeys};
use crate::iam::ops::attached::{AttachedPolicy, ListAttachedPolicies};
use crate::iam::ops::credentials::{
    ListServiceSpecificCredentials, ServiceSpecificCredentialMetadata,
};
use crate::iam::ops::groups::{Group, ListGroupsForUser};
use crate::iam::ops::inline::ListPolicies as ListInlinePolicies;
use crate::iam::ops::login_profiles::{GetLoginProfile, LoginProfile};
use crate::iam::ops::owners;
use crate::iam::ops::policies::{ListPolicies, PolicyInfo};
use crate::iam::ops::ssh_keys::{ListSSHPublicKeys, SshPublicKeyMetadata};
use crate::iam::ops::users::{GetUser, User};
use crate::operation::Operation;
use crate::transport::console::layout::{Section, csrf, page};
use crate::transport::console::{PageError, Viewer, call};
use crate::transport::state::TransportState;

/// `request` as the viewer: `None` if the viewer may not read it ([`unless_denied`]).
async fn read<T>(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    request: T,
) -> Result<Option<T::Output>, PageError>
where
    T: Operation,
    T::Output: Send + 'static,
{
    unless_denied(call(ctx, viewer, request).await)
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

pub async fn user(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    user_page(&ctx, &viewer, &name, None, StatusCode::OK).await
}

/// A table's row actions: small forms posting `op` (and `id`) to the user's action route.
pub(super) fn row_action(viewer: &Viewer, user: &str, op: &str, id: &str, label: &str) -> Markup {
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

/// What one user's page shows; `None` where the viewer may not read it.
struct UserView {
    user: Option<User>,
    arn: String,
    groups: Option<Vec<Group>>,
    attached: Option<Vec<AttachedPolicy>>,
    inline: Vec<String>,
    credentials: Credentials,
    /// The policies the viewer may attach.
    choices: Vec<PolicyInfo>,
}

/// The user's credentials, each `None` where the viewer may not list them.
struct Credentials {
    /// `Some(None)`: no console password.
    profile: Option<Option<LoginProfile>>,
    git: Option<Vec<ServiceSpecificCredentialMetadata>>,
    ssh: Option<Vec<SshPublicKeyMetadata>>,
    keys: Option<Vec<AccessKeyMetadata>>,
}

async fn load(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
) -> Result<UserView, PageError> {
    let user = read(
        ctx,
        viewer,
        GetUser {
            user_name: Some(name.to_owned()),
        },
    )
    .await?
    .map(|u| u.user);
    let arn = match &user {
        Some(u) => u.arn.clone(),
        None => format!("arn:aws:iam::{}:user/{name}", viewer.principal.account_id),
    };
    let groups = read(
        ctx,
        viewer,
        ListGroupsForUser {
            user_name: name.to_owned(),
            marker: None,
            max_items: Some(1000),
        },
    )
    .await?
    .map(|g| g.groups.member);
    let attached = read(
        ctx,
        viewer,
        request::<ListAttachedPolicies<owners::User>>(json!({"UserName": name, "MaxItems": 1000}))?,
    )
    .await?
    .map(|a| a.attached_policies.member);
    let inline = read(
        ctx,
        viewer,
        request::<ListInlinePolicies<owners::User>>(json!({"UserName": name, "MaxItems": 1000}))?,
    )
    .await?
    .map(|p| p.policy_names.member)
    .unwrap_or_default();
    let credentials = credentials(ctx, viewer, name).await?;
    let choices = attachable(ctx, viewer, &arn).await;
    Ok(UserView {
        user,
        arn,
        groups,
        attached,
        inline,
        credentials,
        choices,
    })
}

/// The user's console password, Git credentials, SSH keys and access keys.
async fn credentials(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
) -> Result<Credentials, PageError> {
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
    let git = read(
        ctx,
        viewer,
        ListServiceSpecificCredentials {
            user_name: Some(name.to_owned()),
            service_name: Some(CODECOMMIT.into()),
            marker: None,
            max_items: None,
        },
    )
    .await?
    .map(|c| c.service_specific_credentials.member);
    let ssh = read(
        ctx,
        viewer,
        ListSSHPublicKeys {
            user_name: Some(name.to_owned()),
            marker: None,
            max_items: Some(1000),
        },
    )
    .await?
    .map(|k| k.ssh_public_keys.member);
    let keys = read(
        ctx,
        viewer,
        ListAccessKeys {
            user_name: Some(name.to_owned()),
            marker: None,
            max_items: Some(1000),
        },
    )
    .await?
    .map(|k| k.access_key_metadata.member);
    Ok(Credentials {
        profile,
        git,
        ssh,
        keys,
    })
}

/// The policies the viewer may attach to the user (none without iam:AttachUserPolicy).
async fn attachable(ctx: &Arc<TransportState>, viewer: &Viewer, arn: &str) -> Vec<PolicyInfo> {
    if viewer.may(ctx, "iam:AttachUserPolicy", arn) {
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
    }
}

/// What every card needs: who looks, at whom, and where its forms post.
struct Card<'a> {
    ctx: &'a TransportState,
    viewer: &'a Viewer,
    name: &'a str,
    arn: &'a str,
    act: String,
}

impl Card<'_> {
    fn may(&self, action: &str) -> bool {
        self.viewer.may(self.ctx, action, self.arn)
    }
}

pub(super) async fn user_page(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
    notice: Option<Markup>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let v = load(ctx, viewer, name).await?;
    let (user, arn) = (&v.user, v.arn.as_str());
    let c = Card {
        ctx,
        viewer,
        name,
        arn,
        act: format!("{}/act", user_link(name)),
    };
    let body = html! {
        h1 data-testid="user-name" { (name) }
        p.meta {
            code { (arn) }
            @if let Some(u) = &user { " · created " (u.create_date) }
        }
        @if let Some(n) = notice { (n) }
        (permissions(&c, &v.groups, &v.attached, &v.inline, &v.choices))
        (console_password(&c, &v.credentials.profile))
        (git_credentials(&c, &v.credentials.git))
        (ssh_keys(&c, &v.credentials.ssh))
        (access_keys(&c, &v.credentials.keys))
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

/// Groups, attached and inline policies, and attaching one.
fn permissions(
    c: &Card<'_>,
    groups: &Option<Vec<Group>>,
    attached: &Option<Vec<AttachedPolicy>>,
    inline: &[String],
    choices: &[PolicyInfo],
) -> Markup {
    let (viewer, name, act) = (c.viewer, c.name, c.act.as_str());
    let may = |action: &str| c.may(action);
    html! {
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
                    ul { @for n in inline { li { (n) } } }
                }
                @if may("iam:AttachUserPolicy") && !choices.is_empty() {
                    form.inline-form method="post" action=(act) {
                        (csrf(viewer))
                        input type="hidden" name="op" value="attach";
                        label.inline for="policy" { "Attach" }
                        select #policy name="id" {
                            @for p in choices { option value=(p.arn) { (p.policy_name) } }
                        }
                        button.btn type="submit" { "Attach policy" }
                    }
                }
            }
        }
    }
}

/// The login profile: enable, set, require a reset, disable.
fn console_password(c: &Card<'_>, profile: &Option<Option<LoginProfile>>) -> Markup {
    let (viewer, name, act) = (c.viewer, c.name, c.act.as_str());
    let may = |action: &str| c.may(action);
    html! {
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
    }
}

/// HTTPS Git credentials for CodeCommit.
fn git_credentials(c: &Card<'_>, git: &Option<Vec<ServiceSpecificCredentialMetadata>>) -> Markup {
    let (viewer, name, act) = (c.viewer, c.name, c.act.as_str());
    let may = |action: &str| c.may(action);
    html! {
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
    }
}

/// SSH public keys, with the key ID to use as the SSH user name.
fn ssh_keys(c: &Card<'_>, ssh: &Option<Vec<SshPublicKeyMetadata>>) -> Markup {
    let (viewer, name, act) = (c.viewer, c.name, c.act.as_str());
    let may = |action: &str| c.may(action);
    html! {
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
    }
}

/// Access keys.
fn access_keys(c: &Card<'_>, keys: &Option<Vec<AccessKeyMetadata>>) -> Markup {
    let (viewer, name, act) = (c.viewer, c.name, c.act.as_str());
    let may = |action: &str| c.may(action);
    html! {
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
    }
}
