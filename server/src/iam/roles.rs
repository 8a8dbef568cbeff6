//! IAM roles: stored with their trust policy, which STS AssumeRole evaluates.

use rusqlite::Connection;

use crate::iam::IamError;
use crate::iam::ids::IdKind;
use crate::store::now_timestamp;
use crate::store::roles::{self as rows, RoleRow};

/// What CreateRole takes.
pub struct NewRole<'a> {
    pub account_id: &'a str,
    pub role_name: &'a str,
    pub path: &'a str,
    pub assume_role_policy: &'a str,
    pub description: Option<&'a str>,
    pub max_session_duration: Option<i64>,
    pub tags: &'a [(String, String)],
}

pub fn no_such_role(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The role with name {name} cannot be found."))
}

/// CreateRole. The trust policy must be a JSON object; AssumeRole evaluates it ([`super::trust`]).
pub fn create(c: &Connection, new: &NewRole<'_>) -> Result<RoleRow, IamError> {
    match serde_json::from_str::<serde_json::Value>(new.assume_role_policy) {
        Ok(serde_json::Value::Object(_)) => {}
        _ => {
            return Err(IamError::MalformedPolicyDocument(
                "This policy contains invalid Json".into(),
            ));
        }
    }
    if rows::find_role_by_name(c, new.account_id, new.role_name)?.is_some() {
        return Err(IamError::EntityAlreadyExists(format!(
            "Role with name {} already exists.",
            new.role_name
        )));
    }
    let role = RoleRow {
        role_id: IdKind::Role.generate(),
        account_id: new.account_id.to_owned(),
        role_name: new.role_name.to_owned(),
        path: new.path.to_owned(),
        assume_role_policy: new.assume_role_policy.to_owned(),
        description: new.description.map(str::to_owned),
        max_session_duration: new.max_session_duration.unwrap_or(3600),
        created_at: now_timestamp(),
    };
    rows::insert_role(c, &role)?;
    for (k, v) in new.tags {
        rows::insert_role_tag(c, &role.role_id, k, v)?;
    }
    Ok(role)
}

pub fn get(c: &Connection, account_id: &str, name: &str) -> Result<RoleRow, IamError> {
    rows::find_role_by_name(c, account_id, name)?.ok_or_else(|| no_such_role(name))
}

/// DeleteRole. Sessions of the role stop working with it.
pub fn delete(c: &Connection, account_id: &str, name: &str) -> Result<(), IamError> {
    let role = get(c, account_id, name)?;
    rows::delete_role(c, &role.role_id)?;
    Ok(())
}
