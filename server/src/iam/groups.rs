//! IAM groups: CreateGroup, membership (at most ten groups per user) and DeleteGroup, with
//! IAM's errors.

use rusqlite::Connection;

use crate::iam::IamError;
use crate::iam::ids::IdKind;
use crate::iam::policies;
use crate::store::now_timestamp;
use crate::store::policies::{self as rows, GroupRow, OwnerKind};

/// Groups one user may be in.
pub const MAX_GROUPS_PER_USER: usize = 10;

pub fn no_such_group(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The group with name {name} cannot be found."))
}

pub fn get(c: &Connection, account_id: &str, name: &str) -> Result<GroupRow, IamError> {
    rows::find_group_by_name(c, account_id, name)?.ok_or_else(|| no_such_group(name))
}

pub fn create(
    c: &Connection,
    account_id: &str,
    name: &str,
    path: &str,
) -> Result<GroupRow, IamError> {
    if rows::find_group_by_name(c, account_id, name)?.is_some() {
        return Err(IamError::EntityAlreadyExists(format!(
            "Group with name {name} already exists."
        )));
    }
    crate::store::iam::ensure_account(c, account_id, &now_timestamp())?;
    let row = GroupRow {
        group_id: IdKind::Group.generate(),
        account_id: account_id.to_owned(),
        group_name: name.to_owned(),
        path: path.to_owned(),
        created_at: now_timestamp(),
    };
    rows::insert_group(c, &row)?;
    Ok(row)
}

pub fn add_user(c: &Connection, group: &GroupRow, user_id: &str) -> Result<(), IamError> {
    let groups = rows::groups_of_user(c, user_id)?;
    if groups.iter().any(|g| g.group_id == group.group_id) {
        return Ok(());
    }
    if groups.len() >= MAX_GROUPS_PER_USER {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for GroupsPerUser: {MAX_GROUPS_PER_USER}"
        )));
    }
    rows::add_member(c, &group.group_id, user_id)?;
    Ok(())
}

pub fn remove_user(
    c: &Connection,
    group: &GroupRow,
    user_id: &str,
    user_name: &str,
) -> Result<(), IamError> {
    if !rows::remove_member(c, &group.group_id, user_id)? {
        return Err(IamError::NoSuchEntity(format!(
            "The user with name {user_name} cannot be found."
        )));
    }
    Ok(())
}

/// DeleteGroup: refused while it has members or policies.
pub fn delete(c: &Connection, account_id: &str, name: &str) -> Result<(), IamError> {
    let group = get(c, account_id, name)?;
    if !rows::members(c, &group.group_id)?.is_empty() {
        return Err(IamError::DeleteConflict(
            "Cannot delete entity, must remove users from group first.".into(),
        ));
    }
    policies::refuse_delete_with_policies(c, OwnerKind::Group, &group.group_id)?;
    rows::delete_group(c, &group.group_id)?;
    Ok(())
}
