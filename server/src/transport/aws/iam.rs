//! IAM's Query API (version 2010-05-08): one [`Op`] variant per operation, one handler each.

use rusqlite::Connection;

use super::query::{self, NAME, PATH, PATH_PREFIX, Params, Spec, TEXT, WORD, Xml, aws_date};
use crate::auth::{Identity, Principal};
use crate::context::Context;
use crate::iam::{IamError, access_keys, credentials, public_keys, roles, users};
use crate::store::roles::RoleRow;
use crate::store::{CredentialStatus, UserRow, iam as rows, roles as role_rows};

pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
pub const VERSION: &str = "2010-05-08";

super::operations! {
    CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser,
    CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed,
    CreateServiceSpecificCredential, ListServiceSpecificCredentials,
    ResetServiceSpecificCredential, UpdateServiceSpecificCredential,
    DeleteServiceSpecificCredential,
    UploadSSHPublicKey, GetSSHPublicKey, ListSSHPublicKeys, UpdateSSHPublicKey,
    DeleteSSHPublicKey,
    CreateRole, GetRole, ListRoles, DeleteRole, UpdateAssumeRolePolicy,
}

const USER_NAME: Spec = Spec {
    member: "UserName",
    min: 1,
    max: 64,
    pattern: Some(NAME),
};
const EXISTING_USER_NAME: Spec = Spec {
    member: "UserName",
    min: 1,
    max: 128,
    pattern: Some(NAME),
};
const NEW_USER_NAME: Spec = Spec {
    member: "NewUserName",
    min: 1,
    max: 64,
    pattern: Some(NAME),
};
const USER_PATH: Spec = Spec {
    member: "Path",
    min: 1,
    max: 512,
    pattern: Some(PATH),
};
const NEW_PATH: Spec = Spec {
    member: "NewPath",
    min: 1,
    max: 512,
    pattern: Some(PATH),
};
const PREFIX: Spec = Spec {
    member: "PathPrefix",
    min: 1,
    max: 512,
    pattern: Some(PATH_PREFIX),
};
const MARKER: Spec = Spec {
    member: "Marker",
    min: 1,
    max: 320,
    pattern: None,
};
const ACCESS_KEY_ID: Spec = Spec {
    member: "AccessKeyId",
    min: 16,
    max: 128,
    pattern: Some(WORD),
};
const CREDENTIAL_ID: Spec = Spec {
    member: "ServiceSpecificCredentialId",
    min: 20,
    max: 128,
    pattern: Some(WORD),
};
const SERVICE_NAME: Spec = Spec {
    member: "ServiceName",
    min: 0,
    max: usize::MAX,
    pattern: None,
};
const SSH_KEY_ID: Spec = Spec {
    member: "SSHPublicKeyId",
    min: 20,
    max: 128,
    pattern: Some(WORD),
};
const SSH_KEY_BODY: Spec = Spec {
    member: "SSHPublicKeyBody",
    min: 1,
    max: 16384,
    pattern: Some(TEXT),
};
const ROLE_NAME: Spec = Spec {
    member: "RoleName",
    min: 1,
    max: 64,
    pattern: Some(NAME),
};
const ROLE_PATH: Spec = Spec {
    member: "Path",
    min: 1,
    max: 512,
    pattern: Some(PATH),
};
const TRUST_POLICY: Spec = Spec {
    member: "AssumeRolePolicyDocument",
    min: 1,
    max: 131072,
    pattern: Some(TEXT),
};
const UPDATED_TRUST_POLICY: Spec = Spec {
    member: "PolicyDocument",
    ..TRUST_POLICY
};
const DESCRIPTION: Spec = Spec {
    member: "Description",
    min: 0,
    max: 1000,
    pattern: None,
};
const STATUSES: &[&str] = &["Active", "Inactive", "Expired"];

fn status(p: &mut Params) -> Option<String> {
    p.one_of("Status", STATUSES, true)
}

/// A status a caller may set: Active or Inactive (the model's `Expired` is IAM's to set).
fn settable(status: Option<String>) -> Result<CredentialStatus, IamError> {
    let status = status.unwrap_or_default();
    CredentialStatus::parse(&status)
        .ok_or_else(|| IamError::InvalidInput(format!("Invalid status {status}")))
}

/// A List* call over one user's items: the user (named, or the caller), a page of items,
/// each rendered as a `member` of `wrapper`, and the truncation marker.
fn list_for_user<T>(
    ctx: &Context,
    principal: &Principal,
    p: &mut Params,
    name: Option<String>,
    list: impl FnOnce(&Connection, &UserRow) -> Result<Vec<T>, IamError>,
    wrapper: &str,
    member: impl Fn(&mut Xml, &UserRow, &T),
) -> Result<Xml, IamError> {
    let (marker, max) = list_params(p);
    p.finish()?;
    let (user, items) = ctx.store.read(|c| {
        let user = target_user(c, principal, name)?;
        let items = list(c, &user)?;
        Ok::<_, IamError>((user, items))
    })?;
    let (page, next) = query::page(items, marker.as_deref(), max)?;
    let mut x = Xml::new();
    x.open(wrapper);
    for item in &page {
        x.open("member");
        member(&mut x, &user, item);
        x.close("member");
    }
    x.close(wrapper);
    truncation(&mut x, next);
    Ok(x)
}

/// The user a call names, or the calling user when it names none.
fn target_user(
    c: &Connection,
    principal: &Principal,
    name: Option<String>,
) -> Result<UserRow, IamError> {
    match (name, &principal.identity) {
        (Some(name), _) => users::get(c, &principal.account_id, &name),
        (None, Identity::User { user_name, .. }) => users::get(c, &principal.account_id, user_name),
        (None, Identity::AssumedRole { .. }) => Err(IamError::Validation(
            "Must specify userName when calling with non-User credentials".into(),
        )),
    }
}

fn user_xml(x: &mut Xml, tag: &str, u: &UserRow, tags: Option<&[(String, String)]>) {
    x.open(tag)
        .leaf("Path", &u.path)
        .leaf("UserName", &u.user_name)
        .leaf("UserId", &u.user_id)
        .leaf("Arn", u.arn())
        .leaf("CreateDate", aws_date(&u.created_at));
    if let Some(tags) = tags.filter(|t| !t.is_empty()) {
        tags_xml(x, tags);
    }
    x.close(tag);
}

fn tags_xml(x: &mut Xml, tags: &[(String, String)]) {
    x.open("Tags");
    for (k, v) in tags {
        x.open("member")
            .leaf("Key", k)
            .leaf("Value", v)
            .close("member");
    }
    x.close("Tags");
}

fn role_xml(x: &mut Xml, tag: &str, r: &RoleRow, tags: Option<&[(String, String)]>) {
    x.open(tag)
        .leaf("Path", &r.path)
        .leaf("RoleName", &r.role_name)
        .leaf("RoleId", &r.role_id)
        .leaf("Arn", r.arn())
        .leaf("CreateDate", aws_date(&r.created_at))
        .leaf(
            "AssumeRolePolicyDocument",
            encode_policy(&r.assume_role_policy),
        )
        .leaf_opt("Description", r.description.as_deref())
        .leaf("MaxSessionDuration", r.max_session_duration.to_string());
    if let Some(tags) = tags.filter(|t| !t.is_empty()) {
        tags_xml(x, tags);
    }
    x.close(tag);
}

/// IAM returns policy documents URL-encoded (SDKs decode them).
fn encode_policy(doc: &str) -> String {
    form_urlencoded::byte_serialize(doc.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn truncation(x: &mut Xml, next: Option<String>) {
    x.leaf("IsTruncated", if next.is_some() { "true" } else { "false" });
    x.leaf_opt("Marker", next);
}

fn list_params(p: &mut Params) -> (Option<String>, Option<i64>) {
    (p.opt(&MARKER), p.int("MaxItems", 1, 1000))
}

fn credential_xml(
    x: &mut Xml,
    tag: &str,
    cred: &crate::store::ServiceCredentialRow,
    user_name: &str,
    password: Option<&str>,
) {
    x.open(tag)
        .leaf("CreateDate", aws_date(&cred.created_at))
        .leaf("ServiceName", &cred.service_name)
        .leaf("ServiceUserName", &cred.service_user_name)
        .leaf_opt("ServicePassword", password)
        .leaf("ServiceSpecificCredentialId", &cred.credential_id)
        .leaf("UserName", user_name)
        .leaf("Status", cred.status.as_str())
        .close(tag);
}

/// Runs one IAM operation in one store transaction.
pub fn handle(
    ctx: &Context,
    principal: &Principal,
    op: Op,
    p: &mut Params,
) -> Result<Option<Xml>, IamError> {
    let account = principal.account_id.as_str();
    let mut x = Xml::new();
    match op {
        Op::CreateUser => {
            let name = p.req(&USER_NAME);
            let path = p.opt(&USER_PATH).unwrap_or_else(|| "/".into());
            let tags = p.tags();
            p.finish()?;
            let user = ctx
                .store
                .write(|c| users::create(c, account, &name, &path, &tags))?;
            user_xml(&mut x, "User", &user, Some(&tags));
        }
        Op::GetUser => {
            let name = p.opt(&EXISTING_USER_NAME);
            p.finish()?;
            let (user, tags) = ctx.store.read(|c| {
                let user = target_user(c, principal, name)?;
                let tags = rows::user_tags(c, &user.user_id)?;
                Ok::<_, IamError>((user, tags))
            })?;
            user_xml(&mut x, "User", &user, Some(&tags));
        }
        Op::ListUsers => {
            let prefix = p.opt(&PREFIX).unwrap_or_else(|| "/".into());
            let (marker, max) = list_params(p);
            p.finish()?;
            let all = ctx.store.read(|c| rows::list_users(c, account, &prefix))?;
            let (page, next) = query::page(all, marker.as_deref(), max)?;
            x.open("Users");
            for u in &page {
                user_xml(&mut x, "member", u, None);
            }
            x.close("Users");
            truncation(&mut x, next);
        }
        Op::UpdateUser => {
            let name = p.req(&EXISTING_USER_NAME);
            let new_name = p.opt(&NEW_USER_NAME);
            let new_path = p.opt(&NEW_PATH);
            p.finish()?;
            ctx.store.write(|c| {
                users::update(c, account, &name, new_name.as_deref(), new_path.as_deref())
            })?;
            return Ok(None);
        }
        Op::DeleteUser => {
            let name = p.req(&EXISTING_USER_NAME);
            p.finish()?;
            ctx.store.write(|c| users::delete(c, account, &name))?;
            return Ok(None);
        }
        Op::CreateAccessKey => {
            let name = p.opt(&EXISTING_USER_NAME);
            p.finish()?;
            let (user, key) = ctx.store.write(|c| {
                let user = target_user(c, principal, name)?;
                let key = access_keys::create(c, &user)?;
                Ok::<_, IamError>((user, key))
            })?;
            x.open("AccessKey")
                .leaf("UserName", &user.user_name)
                .leaf("AccessKeyId", &key.access_key_id)
                .leaf("Status", key.status.as_str())
                .leaf("SecretAccessKey", key.secret_access_key.expose())
                .leaf("CreateDate", aws_date(&key.created_at))
                .close("AccessKey");
        }
        Op::ListAccessKeys => {
            let name = p.opt(&EXISTING_USER_NAME);
            let list = |c: &Connection, u: &UserRow| access_keys::list(c, u);
            return list_for_user(
                ctx,
                principal,
                p,
                name,
                list,
                "AccessKeyMetadata",
                |x, u, k| {
                    x.leaf("UserName", &u.user_name)
                        .leaf("AccessKeyId", &k.access_key_id)
                        .leaf("Status", k.status.as_str())
                        .leaf("CreateDate", aws_date(&k.created_at));
                },
            )
            .map(Some);
        }
        Op::UpdateAccessKey => {
            let name = p.opt(&EXISTING_USER_NAME);
            let id = p.req(&ACCESS_KEY_ID);
            let status = status(p);
            p.finish()?;
            let status = settable(status)?;
            ctx.store.write(|c| {
                let user = target_user(c, principal, name)?;
                access_keys::set_status(c, &user, &id, status)
            })?;
            return Ok(None);
        }
        Op::DeleteAccessKey => {
            let name = p.opt(&EXISTING_USER_NAME);
            let id = p.req(&ACCESS_KEY_ID);
            p.finish()?;
            ctx.store.write(|c| {
                let user = target_user(c, principal, name)?;
                access_keys::delete(c, &user, &id)
            })?;
            return Ok(None);
        }
        Op::GetAccessKeyLastUsed => {
            let id = p.req(&ACCESS_KEY_ID);
            p.finish()?;
            let (user_name, used) = ctx
                .store
                .read(|c| access_keys::last_used(c, account, &id))?;
            x.leaf("UserName", user_name).open("AccessKeyLastUsed");
            match used {
                Some(used) => {
                    x.leaf("LastUsedDate", aws_date(&used.date))
                        .leaf("ServiceName", used.service)
                        .leaf("Region", used.region);
                }
                None => {
                    x.leaf("ServiceName", "N/A").leaf("Region", "N/A");
                }
            }
            x.close("AccessKeyLastUsed");
        }
        Op::CreateServiceSpecificCredential => {
            let name = p.req(&USER_NAME);
            let service = p.req(&SERVICE_NAME);
            p.int("CredentialAgeDays", 1, 36600);
            p.finish()?;
            let password = credentials::generate_password();
            let (user, cred) = ctx.store.write(|c| {
                let user = users::get(c, account, &name)?;
                let cred = credentials::create(
                    c,
                    &ctx.hasher,
                    &user,
                    &service,
                    &password,
                    CredentialStatus::Active,
                )?;
                Ok::<_, IamError>((user, cred))
            })?;
            credential_xml(
                &mut x,
                "ServiceSpecificCredential",
                &cred,
                &user.user_name,
                Some(password.expose()),
            );
        }
        Op::ListServiceSpecificCredentials => {
            let name = p.opt(&USER_NAME);
            let service = p.opt(&SERVICE_NAME);
            let list = |c: &Connection, u: &UserRow| {
                if let Some(s) = &service {
                    credentials::check_service(s)?;
                }
                Ok(rows::list_service_credentials(
                    c,
                    &u.user_id,
                    service.as_deref(),
                )?)
            };
            let wrapper = "ServiceSpecificCredentials";
            return list_for_user(ctx, principal, p, name, list, wrapper, |x, u, cred| {
                x.leaf("UserName", &u.user_name)
                    .leaf("Status", cred.status.as_str())
                    .leaf("ServiceUserName", &cred.service_user_name)
                    .leaf("CreateDate", aws_date(&cred.created_at))
                    .leaf("ServiceSpecificCredentialId", &cred.credential_id)
                    .leaf("ServiceName", &cred.service_name);
            })
            .map(Some);
        }
        Op::ResetServiceSpecificCredential => {
            let name = p.opt(&USER_NAME);
            let id = p.req(&CREDENTIAL_ID);
            p.finish()?;
            let (user, cred, password) = ctx.store.write(|c| {
                let user = target_user(c, principal, name)?;
                let (cred, password) = credentials::reset(c, &ctx.hasher, &user, &id)?;
                Ok::<_, IamError>((user, cred, password))
            })?;
            credential_xml(
                &mut x,
                "ServiceSpecificCredential",
                &cred,
                &user.user_name,
                Some(password.expose()),
            );
        }
        Op::UpdateServiceSpecificCredential => {
            let name = p.opt(&USER_NAME);
            let id = p.req(&CREDENTIAL_ID);
            let status = status(p);
            p.finish()?;
            let status = settable(status)?;
            ctx.store.write(|c| {
                let user = target_user(c, principal, name)?;
                credentials::owned(c, &user, &id)?;
                credentials::set_status(c, &id, status)?;
                Ok::<_, IamError>(())
            })?;
            return Ok(None);
        }
        Op::DeleteServiceSpecificCredential => {
            let name = p.opt(&USER_NAME);
            let id = p.req(&CREDENTIAL_ID);
            p.finish()?;
            ctx.store.write(|c| {
                let user = target_user(c, principal, name)?;
                credentials::owned(c, &user, &id)?;
                credentials::delete(c, &id)?;
                Ok::<_, IamError>(())
            })?;
            return Ok(None);
        }
        Op::UploadSSHPublicKey => {
            let name = p.req(&USER_NAME);
            let body = p.req(&SSH_KEY_BODY);
            p.finish()?;
            let (user, key) = ctx.store.write(|c| {
                let user = users::get(c, account, &name)?;
                let key = public_keys::upload(c, &user, &body)?;
                Ok::<_, IamError>((user, key))
            })?;
            ssh_key_xml(&mut x, &user, &key, &key.body);
        }
        Op::GetSSHPublicKey => {
            let name = p.req(&USER_NAME);
            let id = p.req(&SSH_KEY_ID);
            let encoding = p.one_of("Encoding", &["SSH", "PEM"], true);
            p.finish()?;
            let (user, key) = ctx.store.read(|c| {
                let user = users::get(c, account, &name)?;
                let key = public_keys::owned(c, &user, &id)?;
                Ok::<_, IamError>((user, key))
            })?;
            let body = match encoding.as_deref() {
                Some("PEM") => public_keys::parsed(&key)?.pem(),
                _ => key.body.clone(),
            };
            ssh_key_xml(&mut x, &user, &key, &body);
        }
        Op::ListSSHPublicKeys => {
            let name = p.opt(&USER_NAME);
            let list = |c: &Connection, u: &UserRow| public_keys::list(c, u);
            return list_for_user(ctx, principal, p, name, list, "SSHPublicKeys", |x, u, k| {
                x.leaf("UserName", &u.user_name)
                    .leaf("SSHPublicKeyId", &k.ssh_key_id)
                    .leaf("Status", k.status.as_str())
                    .leaf("UploadDate", aws_date(&k.uploaded_at));
            })
            .map(Some);
        }
        Op::UpdateSSHPublicKey => {
            let name = p.req(&USER_NAME);
            let id = p.req(&SSH_KEY_ID);
            let status = status(p);
            p.finish()?;
            let status = settable(status)?;
            ctx.store.write(|c| {
                let user = users::get(c, account, &name)?;
                public_keys::set_status(c, &user, &id, status)
            })?;
            return Ok(None);
        }
        Op::DeleteSSHPublicKey => {
            let name = p.req(&USER_NAME);
            let id = p.req(&SSH_KEY_ID);
            p.finish()?;
            ctx.store.write(|c| {
                let user = users::get(c, account, &name)?;
                public_keys::delete(c, &user, &id)
            })?;
            return Ok(None);
        }
        Op::CreateRole => {
            let name = p.req(&ROLE_NAME);
            let path = p.opt(&ROLE_PATH).unwrap_or_else(|| "/".into());
            let doc = p.req(&TRUST_POLICY);
            let description = p.opt(&DESCRIPTION);
            let max = p.int("MaxSessionDuration", 3600, 43200);
            let tags = p.tags();
            p.finish()?;
            let role = ctx.store.write(|c| {
                roles::create(
                    c,
                    &roles::NewRole {
                        account_id: account,
                        role_name: &name,
                        path: &path,
                        assume_role_policy: &doc,
                        description: description.as_deref(),
                        max_session_duration: max,
                        tags: &tags,
                    },
                )
            })?;
            role_xml(&mut x, "Role", &role, Some(&tags));
        }
        Op::GetRole => {
            let name = p.req(&ROLE_NAME);
            p.finish()?;
            let (role, tags) = ctx.store.read(|c| {
                let role = roles::get(c, account, &name)?;
                let tags = role_rows::role_tags(c, &role.role_id)?;
                Ok::<_, IamError>((role, tags))
            })?;
            role_xml(&mut x, "Role", &role, Some(&tags));
        }
        Op::ListRoles => {
            let prefix = p.opt(&PREFIX).unwrap_or_else(|| "/".into());
            let (marker, max) = list_params(p);
            p.finish()?;
            let all = ctx
                .store
                .read(|c| role_rows::list_roles(c, account, &prefix))?;
            let (page, next) = query::page(all, marker.as_deref(), max)?;
            x.open("Roles");
            for r in &page {
                role_xml(&mut x, "member", r, None);
            }
            x.close("Roles");
            truncation(&mut x, next);
        }
        Op::UpdateAssumeRolePolicy => {
            let name = p.req(&ROLE_NAME);
            let doc = p.req(&UPDATED_TRUST_POLICY);
            p.finish()?;
            ctx.store
                .write(|c| roles::update_trust_policy(c, account, &name, &doc))?;
            return Ok(None);
        }
        Op::DeleteRole => {
            let name = p.req(&ROLE_NAME);
            p.finish()?;
            ctx.store.write(|c| roles::delete(c, account, &name))?;
            return Ok(None);
        }
    }
    Ok(Some(x))
}

fn ssh_key_xml(x: &mut Xml, user: &UserRow, key: &crate::store::SshKeyRow, body: &str) {
    x.open("SSHPublicKey")
        .leaf("UserName", &user.user_name)
        .leaf("SSHPublicKeyId", &key.ssh_key_id)
        .leaf("Fingerprint", &key.fingerprint)
        .leaf("SSHPublicKeyBody", body)
        .leaf("Status", key.status.as_str())
        .leaf("UploadDate", aws_date(&key.uploaded_at))
        .close("SSHPublicKey");
}
