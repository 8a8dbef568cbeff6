//! IAM SSH public keys for CodeCommit: upload, read, list, activate, delete.

use rusqlite::Connection;

use crate::iam::ids::IdKind;
use crate::iam::ssh_keys::{self, RsaPublicKey, SshKeyError};
use crate::iam::{IamError, MAX_SSH_KEYS_PER_USER};
use crate::store::iam as rows;
use crate::store::{CredentialStatus, SshKeyRow, UserRow, now_timestamp};

fn no_such_key(id: &str) -> IamError {
    IamError::NoSuchEntity(format!("The Public Key with id {id} cannot be found."))
}

impl From<SshKeyError> for IamError {
    fn from(e: SshKeyError) -> Self {
        match e {
            SshKeyError::UnrecognizedEncoding => IamError::UnrecognizedPublicKeyEncoding(
                "The public key encoding format is unsupported or unrecognized.".into(),
            ),
            SshKeyError::Invalid(why) => {
                IamError::InvalidPublicKey(format!("The public key is not valid: {why}"))
            }
        }
    }
}

/// UploadSSHPublicKey: RSA 2048–16384 bits, OpenSSH or PEM, at most five per user.
pub fn upload(c: &Connection, user: &UserRow, body: &str) -> Result<SshKeyRow, IamError> {
    let key = ssh_keys::parse_any(body)?;
    let fingerprint = key.md5_fingerprint();
    let existing = rows::list_ssh_keys(c, &user.user_id)?;
    if existing.iter().any(|k| k.fingerprint == fingerprint) {
        return Err(IamError::DuplicateSshPublicKey(
            "The public key is already associated with the user.".into(),
        ));
    }
    if existing.len() >= MAX_SSH_KEYS_PER_USER {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for PublicKeysPerUser: {MAX_SSH_KEYS_PER_USER}"
        )));
    }
    let trimmed = body.trim();
    let row = SshKeyRow {
        ssh_key_id: IdKind::SshKey.generate(),
        user_id: user.user_id.clone(),
        // An OpenSSH key is kept as uploaded (with its comment); PEM is kept as OpenSSH.
        body: if trimmed.starts_with("ssh-rsa ") {
            trimmed.to_owned()
        } else {
            key.openssh()
        },
        fingerprint,
        status: CredentialStatus::Active,
        uploaded_at: now_timestamp(),
    };
    rows::insert_ssh_key(c, &row)?;
    Ok(row)
}

/// The key `id` of `user`, or NoSuchEntity.
pub fn owned(c: &Connection, user: &UserRow, id: &str) -> Result<SshKeyRow, IamError> {
    rows::find_ssh_key(c, id)?
        .filter(|k| k.user_id == user.user_id)
        .ok_or_else(|| no_such_key(id))
}

/// The key parsed from a stored row.
pub fn parsed(row: &SshKeyRow) -> Result<RsaPublicKey, IamError> {
    Ok(ssh_keys::parse_any(&row.body)?)
}

pub fn list(c: &Connection, user: &UserRow) -> Result<Vec<SshKeyRow>, IamError> {
    Ok(rows::list_ssh_keys(c, &user.user_id)?)
}

pub fn set_status(
    c: &Connection,
    user: &UserRow,
    id: &str,
    status: CredentialStatus,
) -> Result<(), IamError> {
    owned(c, user, id)?;
    rows::set_ssh_key_status(c, id, status)?;
    Ok(())
}

pub fn delete(c: &Connection, user: &UserRow, id: &str) -> Result<(), IamError> {
    owned(c, user, id)?;
    rows::delete_ssh_key(c, id)?;
    Ok(())
}
