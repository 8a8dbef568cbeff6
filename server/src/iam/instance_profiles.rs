//! IAM instance profiles: a named holder of one role, which the instance-metadata listener
//! serves credentials of (as EC2 does for an instance launched with the profile).

use rusqlite::Connection;

use crate::iam::IamError;
use crate::iam::ids::IdKind;
use crate::iam::roles;
use crate::store::now_timestamp;
use crate::store::roles::RoleRow;
use crate::store::workloads::{self as rows, InstanceProfileRow};

pub fn no_such_profile(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("Instance Profile {name} cannot be found."))
}

/// An instance profile with its role (if it holds one) and tags.
pub struct Profile {
    pub row: InstanceProfileRow,
    pub role: Option<RoleRow>,
    pub tags: Vec<(String, String)>,
}

pub fn create(
    c: &Connection,
    account_id: &str,
    name: &str,
    path: &str,
    tags: &[(String, String)],
) -> Result<InstanceProfileRow, IamError> {
    if rows::find_instance_profile(c, account_id, name)?.is_some() {
        return Err(IamError::EntityAlreadyExists(format!(
            "Instance Profile {name} already exists."
        )));
    }
    let row = InstanceProfileRow {
        instance_profile_id: IdKind::InstanceProfile.generate(),
        account_id: account_id.to_owned(),
        name: name.to_owned(),
        path: path.to_owned(),
        created_at: now_timestamp(),
    };
    rows::insert_instance_profile(c, &row)?;
    for (k, v) in tags {
        rows::insert_profile_tag(c, &row.instance_profile_id, k, v)?;
    }
    Ok(row)
}

pub fn get_row(
    c: &Connection,
    account_id: &str,
    name: &str,
) -> Result<InstanceProfileRow, IamError> {
    rows::find_instance_profile(c, account_id, name)?.ok_or_else(|| no_such_profile(name))
}

/// The profile with its role and tags.
pub fn load(c: &Connection, row: InstanceProfileRow) -> Result<Profile, IamError> {
    let role = match rows::profile_role_id(c, &row.instance_profile_id)? {
        Some(id) => crate::store::roles::find_role_by_id(c, &id)?,
        None => None,
    };
    let tags = rows::profile_tags(c, &row.instance_profile_id)?;
    Ok(Profile { row, role, tags })
}

/// The profile and the role a request names, both of which must exist.
fn profile_and_role(
    c: &Connection,
    account_id: &str,
    profile_name: &str,
    role_name: &str,
) -> Result<(InstanceProfileRow, RoleRow), IamError> {
    Ok((
        get_row(c, account_id, profile_name)?,
        roles::get(c, account_id, role_name)?,
    ))
}

/// AddRoleToInstanceProfile: a profile holds at most one role.
pub fn add_role(
    c: &Connection,
    account_id: &str,
    profile_name: &str,
    role_name: &str,
) -> Result<(), IamError> {
    let (profile, role) = profile_and_role(c, account_id, profile_name, role_name)?;
    if rows::profile_role_id(c, &profile.instance_profile_id)?.is_some() {
        return Err(IamError::LimitExceeded(
            "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1".into(),
        ));
    }
    rows::set_profile_role(c, &profile.instance_profile_id, &role.role_id)?;
    Ok(())
}

pub fn remove_role(
    c: &Connection,
    account_id: &str,
    profile_name: &str,
    role_name: &str,
) -> Result<(), IamError> {
    let (profile, role) = profile_and_role(c, account_id, profile_name, role_name)?;
    if !rows::remove_profile_role(c, &profile.instance_profile_id, &role.role_id)? {
        return Err(IamError::NoSuchEntity(format!(
            "The role with name {role_name} cannot be found."
        )));
    }
    Ok(())
}

/// DeleteInstanceProfile: refused while it holds a role.
pub fn delete(c: &Connection, account_id: &str, name: &str) -> Result<(), IamError> {
    let profile = get_row(c, account_id, name)?;
    if rows::profile_role_id(c, &profile.instance_profile_id)?.is_some() {
        return Err(roles::role_still_in_profile());
    }
    rows::delete_instance_profile(c, &profile.instance_profile_id)?;
    Ok(())
}

/// Creates the profile if it does not exist and makes it hold `role` (fixtures).
pub fn ensure_holding(
    c: &Connection,
    account_id: &str,
    name: &str,
    role: &RoleRow,
) -> Result<InstanceProfileRow, IamError> {
    let profile = match rows::find_instance_profile(c, account_id, name)? {
        Some(p) => p,
        None => create(c, account_id, name, "/", &[])?,
    };
    match rows::profile_role_id(c, &profile.instance_profile_id)? {
        Some(id) if id == role.role_id => {}
        Some(other) => {
            rows::remove_profile_role(c, &profile.instance_profile_id, &other)?;
            rows::set_profile_role(c, &profile.instance_profile_id, &role.role_id)?;
        }
        None => rows::set_profile_role(c, &profile.instance_profile_id, &role.role_id)?,
    }
    Ok(profile)
}
