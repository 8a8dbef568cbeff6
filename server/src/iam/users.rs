//! IAM users.

use crate::iam::ids::IdKind;
use crate::store::{UserRow, now_timestamp};

/// A new user row with a fresh `AIDA…` ID.
pub fn new_user(account_id: &str, user_name: &str, path: &str) -> UserRow {
    UserRow {
        user_id: IdKind::User.generate(),
        account_id: account_id.to_owned(),
        user_name: user_name.to_owned(),
        path: path.to_owned(),
        created_at: now_timestamp(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeleteUserError {
    #[error("The user with name {0} cannot be found.")]
    NoSuchEntity(String),
    #[error("Cannot delete entity, must remove referenced objects first.")]
    DeleteConflict,
    #[error(transparent)]
    Store(#[from] rusqlite::Error),
}

/// Deletes a user as IAM's DeleteUser does: refused while credentials, keys or policies
/// are attached.
pub fn delete(
    c: &rusqlite::Connection,
    account_id: &str,
    user_name: &str,
) -> Result<(), DeleteUserError> {
    use crate::store::iam as rows;
    let user = rows::find_user_by_name(c, account_id, user_name)?
        .ok_or_else(|| DeleteUserError::NoSuchEntity(user_name.to_owned()))?;
    if rows::user_has_attachments(c, &user.user_id)? {
        return Err(DeleteUserError::DeleteConflict);
    }
    rows::delete_user(c, &user.user_id)?;
    Ok(())
}
