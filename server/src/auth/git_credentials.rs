//! CodeCommit's first auth path: HTTP Basic with a Git credential
//! (`<user>-at-<account>` and the IAM-generated password).
//!
//! Every request reads the store: there is no verification cache, so a credential that is
//! reset, made inactive or deleted stops working on the very next request.

use crate::auth::{AuthFailure, AuthMethod, Principal};
use crate::context::Context;
use crate::iam::{CODECOMMIT_SERVICE, MAX_SERVICE_CREDENTIALS_PER_SERVICE};
use crate::secret::Secret;
use crate::store::{CredentialStatus, iam as rows};

/// What padding checks hash against: no password matches it (no digest is all zeroes).
const DUMMY_SALT: [u8; 16] = [0; 16];
const DUMMY_HASH: [u8; 32] = [0; 32];

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
    // Every login costs the same hashes, known or not and whichever credential matches: each
    // candidate is checked, and a login with fewer than a user's maximum of credentials is
    // padded with checks against a dummy, so the time taken tells nothing.
    let known = !candidates.is_empty();
    let padding = MAX_SERVICE_CREDENTIALS_PER_SERVICE.saturating_sub(candidates.len());
    let mut matched = None;
    for (cred, user) in candidates {
        let ok = ctx
            .hasher
            .verify(password.expose(), &cred.password_salt, &cred.password_hash);
        if ok && matched.is_none() {
            matched = Some((cred, user));
        }
    }
    for _ in 0..padding {
        let _ = ctx
            .hasher
            .verify(password.expose(), &DUMMY_SALT, &DUMMY_HASH);
    }
    if !known {
        return Err(AuthFailure::UnknownUser(user_name.to_owned()));
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
