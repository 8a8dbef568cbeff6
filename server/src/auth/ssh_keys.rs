//! CodeCommit's third auth path: SSH with the IAM SSH public key ID as the user name. The
//! key the client proved it holds must be that key, Active, of an existing user. Every
//! check reads the store, so a key made inactive or deleted stops working at once.

use subtle::ConstantTimeEq;

use crate::auth::{AuthFailure, AuthMethod, Principal};
use crate::context::Context;
use crate::iam::ids::IdKind;
use crate::iam::ssh_keys;
use crate::store::{CredentialStatus, iam as rows};

/// `key_id` is the SSH user name; `presented` the SSH wire blob of the verified key.
pub fn authenticate(
    ctx: &Context,
    key_id: &str,
    presented: &[u8],
) -> Result<Principal, AuthFailure> {
    if !IdKind::SshKey.matches(key_id) {
        return Err(AuthFailure::SshKey(format!(
            "user name {key_id:?} is not an SSH key ID"
        )));
    }
    let found = ctx
        .store
        .read(|c| {
            let Some(key) = rows::find_ssh_key(c, key_id)? else {
                return Ok(None);
            };
            let user = rows::find_user_by_id(c, &key.user_id)?;
            Ok::<_, rusqlite::Error>(user.map(|u| (key, u)))
        })
        .map_err(|e| {
            tracing::error!("reading SSH keys: {e}");
            AuthFailure::Store
        })?;
    let Some((key, user)) = found else {
        return Err(AuthFailure::SshKey(format!("no SSH key {key_id:?}")));
    };
    let stored = ssh_keys::parse_any(&key.body)
        .map_err(|e| AuthFailure::SshKey(format!("stored key {key_id:?} unreadable: {e}")))?;
    if !bool::from(stored.blob.as_slice().ct_eq(presented)) {
        return Err(AuthFailure::SshKey(format!(
            "the offered key is not {key_id:?}"
        )));
    }
    if key.status != CredentialStatus::Active {
        return Err(AuthFailure::SshKey(format!("{key_id:?} is inactive")));
    }
    Ok(crate::iam::users::principal(
        &user,
        AuthMethod::SshKey {
            ssh_key_id: key.ssh_key_id,
        },
    ))
}
