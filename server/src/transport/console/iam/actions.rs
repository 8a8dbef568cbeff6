//! What can be done on a user's page: every change posts `op` (and `id`) to one route.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::json;

use super::user::user_page;
use super::{CODECOMMIT, request, user_link};
use crate::iam::ops::access_keys::{CreateAccessKey, DeleteAccessKey, UpdateAccessKey};
use crate::iam::ops::attached::{AttachPolicy, DetachPolicy};
use crate::iam::ops::credentials::{
    CreateServiceSpecificCredential, DeleteServiceSpecificCredential,
    ResetServiceSpecificCredential, UpdateServiceSpecificCredential,
};
use crate::iam::ops::login_profiles::{
    CreateLoginProfile, DeleteLoginProfile, GetLoginProfile, UpdateLoginProfile,
};
use crate::iam::ops::owners;
use crate::iam::ops::ssh_keys::{DeleteSSHPublicKey, UpdateSSHPublicKey, UploadSSHPublicKey};
use crate::secret::Secret;
use crate::transport::console::{CheckedForm, PageError, Viewer, call, checked, see_other};
use crate::transport::state::TransportState;

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

/// One change on a user's page, by the kind of thing `op` is about.
async fn act_on(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
    form: &CheckedForm,
) -> Result<Done, PageError> {
    match form.get("op").unwrap_or_default() {
        "attach" | "detach" | "password" | "password-delete" => {
            access(ctx, viewer, name, form).await
        }
        op if op.starts_with("git-") => git_credential(ctx, viewer, name, form).await,
        op if op.starts_with("ssh-") => ssh_key(ctx, viewer, name, form).await,
        op if op.starts_with("key-") => access_key(ctx, viewer, name, form).await,
        _ => Err(PageError::bad_request("Unknown action.")),
    }
}

/// Policies and the console password.
async fn access(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
    form: &CheckedForm,
) -> Result<Done, PageError> {
    let id = form.get("id").unwrap_or_default().to_owned();
    let user = Some(name.to_owned());
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
        _ => return Err(PageError::bad_request("Unknown action.")),
    }
    Ok(Done::Back)
}

/// HTTPS Git credentials: a new or reset password is shown once.
async fn git_credential(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
    form: &CheckedForm,
) -> Result<Done, PageError> {
    let id = form.get("id").unwrap_or_default().to_owned();
    let user = Some(name.to_owned());
    match form.get("op").unwrap_or_default() {
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
        _ => return Err(PageError::bad_request("Unknown action.")),
    }
    Ok(Done::Back)
}

/// SSH public keys.
async fn ssh_key(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
    form: &CheckedForm,
) -> Result<Done, PageError> {
    let id = form.get("id").unwrap_or_default().to_owned();
    match form.get("op").unwrap_or_default() {
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
        _ => return Err(PageError::bad_request("Unknown action.")),
    }
    Ok(Done::Back)
}

/// Access keys: a new secret is shown once.
async fn access_key(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
    form: &CheckedForm,
) -> Result<Done, PageError> {
    let id = form.get("id").unwrap_or_default().to_owned();
    let user = Some(name.to_owned());
    match form.get("op").unwrap_or_default() {
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
    Ok(Done::Back)
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
    State(ctx): State<Arc<TransportState>>,
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
