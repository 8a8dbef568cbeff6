//! CodeCommit's first auth path: HTTP Basic with a Git credential
//! (`<user>-at-<account>` and the IAM-generated password).
//!
//! Every request reads the store: there is no verification cache, so a credential that is
//! reset, made inactive or deleted stops working on the very next request.

use crate::auth::{AuthFailure, AuthMethod, Principal};
use crate::context::Context;
use crate::iam::CODECOMMIT_SERVICE;
use crate::secret::Secret;
use crate::store::{CredentialStatus, iam as rows};

pub fn authenticate(
    ctx: &Context,
    user_name: &str,
    password: &Secret,
) -> Result<Principal, AuthFailure> {
    let candidates = ctx
        .store
        .read(|c| rows::service_credentials_by_login(c, CODECOMMIT_SERVICE, user_name))
        .map_err(|e| {
            tracing::error!("reading Git credentials: {e}");
            AuthFailure::Store
        })?;
    if candidates.is_empty() {
        return Err(AuthFailure::UnknownUser(user_name.to_owned()));
    }
    // Check every candidate, so the time taken does not tell which one matched.
    let mut matched = None;
    for (cred, user) in candidates {
        let ok = ctx
            .hasher
            .verify(password.expose(), &cred.password_salt, &cred.password_hash);
        if ok && matched.is_none() {
            matched = Some((cred, user));
        }
    }
    let (cred, user) = matched.ok_or_else(|| AuthFailure::WrongPassword(user_name.to_owned()))?;
    if cred.status != CredentialStatus::Active {
        return Err(AuthFailure::Inactive(cred.credential_id));
    }
    Ok(crate::iam::users::principal(
        &user,
        AuthMethod::GitCredential {
            credential_id: cred.credential_id,
        },
    ))
}
