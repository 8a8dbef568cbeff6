//! IAM users.

use rusqlite::Connection;

use crate::store::policies::{self as policy_rows, OwnerKind};

use crate::iam::IamError;
use crate::iam::ids::IdKind;
use crate::principal::{AuthMethod, Identity, Principal};
use crate::store::iam as rows;
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

/// CreateUser.
pub fn create(
    c: &Connection,
    account_id: &str,
    user_name: &str,
    path: &str,
    tags: &[(String, String)],
) -> Result<UserRow, IamError> {
    if rows::find_user_by_name(c, account_id, user_name)?.is_some() {
        return Err(IamError::EntityAlreadyExists(format!(
            "User with name {user_name} already exists."
        )));
    }
    let user = new_user(account_id, user_name, path);
    rows::insert_user(c, &user)?;
    for (k, v) in tags {
        rows::insert_user_tag(c, &user.user_id, k, v)?;
    }
    Ok(user)
}

/// The user named `user_name`, or NoSuchEntity.
pub fn get(c: &Connection, account_id: &str, user_name: &str) -> Result<UserRow, IamError> {
    rows::find_user_by_name(c, account_id, user_name)?
        .ok_or_else(|| IamError::no_such_user(user_name))
}

/// UpdateUser: rename and/or move. Git credentials keep their user name and password.
pub fn update(
    c: &Connection,
    account_id: &str,
    user_name: &str,
    new_name: Option<&str>,
    new_path: Option<&str>,
) -> Result<UserRow, IamError> {
    let mut user = get(c, account_id, user_name)?;
    if let Some(new_name) = new_name
        && !new_name.eq_ignore_ascii_case(&user.user_name)
        && rows::find_user_by_name(c, account_id, new_name)?.is_some()
    {
        return Err(IamError::EntityAlreadyExists(format!(
            "User with name {new_name} already exists."
        )));
    }
    if let Some(n) = new_name {
        user.user_name = n.to_owned();
    }
    if let Some(p) = new_path {
        user.path = p.to_owned();
    }
    rows::update_user(c, &user.user_id, &user.user_name, &user.path)?;
    Ok(user)
}

/// DeleteUser: refused while credentials, keys or policies are attached.
pub fn delete(c: &Connection, account_id: &str, user_name: &str) -> Result<(), IamError> {
    let user = get(c, account_id, user_name)?;
    if crate::store::login_profiles::find(c, &user.user_id)?.is_some() {
        return Err(IamError::DeleteConflict(
            "Cannot delete entity, must delete login profile first.".into(),
        ));
    }
    if rows::user_has_attachments(c, &user.user_id)? {
        return Err(IamError::DeleteConflict(
            "Cannot delete entity, must remove referenced objects first.".into(),
        ));
    }
    crate::iam::policies::refuse_delete_with_policies(c, OwnerKind::User, &user.user_id)?;
    if !policy_rows::groups_of_user(c, &user.user_id)?.is_empty() {
        return Err(IamError::DeleteConflict(
            "Cannot delete entity, must remove users from group first.".into(),
        ));
    }
    rows::delete_user(c, &user.user_id)?;
    Ok(())
}

/// The principal a user's credential signs in as.
pub fn principal(user: &UserRow, method: AuthMethod) -> Principal {
    Principal {
        account_id: user.account_id.clone(),
        arn: user.arn(),
        identity: Identity::User {
            user_id: user.user_id.clone(),
            user_name: user.user_name.clone(),
        },
        method,
    }
}
