//! IAM roles: stored with their trust policy, which STS AssumeRole evaluates.

use rusqlite::Connection;

use crate::iam::IamError;
use crate::iam::ids::IdKind;
use crate::iam::trust;
use crate::principal::{AuthMethod, Identity, Principal};
use crate::store::iam as iam_rows;
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

/// CreateRole. The trust policy must be a JSON object whose every statement names a
/// principal, and the users and roles of this account it names must exist (IAM refuses
/// `Invalid principal in policy` otherwise); AssumeRole evaluates it ([`super::trust`]).
pub fn create(c: &Connection, new: &NewRole<'_>) -> Result<RoleRow, IamError> {
    check_trust_policy(c, new.account_id, new.assume_role_policy)?;
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

/// UpdateAssumeRolePolicy: the same checks as CreateRole's; sessions already issued stay.
pub fn update_trust_policy(
    c: &Connection,
    account_id: &str,
    name: &str,
    policy: &str,
) -> Result<(), IamError> {
    let role = get(c, account_id, name)?;
    check_trust_policy(c, account_id, policy)?;
    rows::set_trust_policy(c, &role.role_id, policy)?;
    Ok(())
}

fn check_trust_policy(c: &Connection, account_id: &str, policy: &str) -> Result<(), IamError> {
    let policy = match serde_json::from_str::<serde_json::Value>(policy) {
        Ok(p @ serde_json::Value::Object(_)) => p,
        _ => {
            return Err(IamError::MalformedPolicyDocument(
                "This policy contains invalid Json".into(),
            ));
        }
    };
    let principals = trust::aws_principals(&policy).ok_or_else(|| {
        IamError::MalformedPolicyDocument(
            "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: \
             The passed in policy has a statement with no principals!"
                .into(),
        )
    })?;
    for arn in principals {
        if !principal_exists(c, account_id, &arn)? {
            return Err(IamError::MalformedPolicyDocument(format!(
                "Invalid principal in policy: \"AWS\":\"{arn}\""
            )));
        }
    }
    Ok(())
}

/// Whether an `AWS` principal of a trust policy names something that exists: a user or role
/// of this account must; accounts, `*`, sessions and other accounts' ARNs are taken as given.
fn principal_exists(c: &Connection, account_id: &str, arn: &str) -> rusqlite::Result<bool> {
    let Some(rest) = arn.strip_prefix(&format!("arn:aws:iam::{account_id}:")) else {
        return Ok(true);
    };
    let name = rest.rsplit('/').next().unwrap_or(rest);
    Ok(if rest.starts_with("user/") {
        iam_rows::find_user_by_name(c, account_id, name)?.is_some_and(|u| u.arn() == arn)
    } else if rest.starts_with("role/") {
        rows::find_role_by_name(c, account_id, name)?.is_some_and(|r| r.arn() == arn)
    } else {
        true
    })
}

pub fn get(c: &Connection, account_id: &str, name: &str) -> Result<RoleRow, IamError> {
    rows::find_role_by_name(c, account_id, name)?.ok_or_else(|| no_such_role(name))
}

/// DeleteRole. Sessions of the role stop working with it.
pub fn delete(c: &Connection, account_id: &str, name: &str) -> Result<(), IamError> {
    let role = get(c, account_id, name)?;
    if !crate::store::workloads::instance_profiles_for_role(c, &role.role_id)?.is_empty() {
        return Err(role_still_in_profile());
    }
    crate::iam::policies::refuse_delete_with_policies(
        c,
        crate::store::policies::OwnerKind::Role,
        &role.role_id,
    )?;
    rows::delete_role(c, &role.role_id)?;
    Ok(())
}

/// The principal of a session of `role` named `session_name`:
/// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
pub fn session_principal(role: &RoleRow, session_name: &str, method: AuthMethod) -> Principal {
    Principal {
        account_id: role.account_id.clone(),
        arn: format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            role.account_id, role.role_name, session_name
        ),
        identity: Identity::AssumedRole {
            role_id: role.role_id.clone(),
            role_name: role.role_name.clone(),
            session_name: session_name.to_owned(),
        },
        method,
    }
}

/// IAM's refusal to delete a role or a profile while one holds the other.
pub fn role_still_in_profile() -> IamError {
    IamError::DeleteConflict(
        "Cannot delete entity, must remove roles from instance profile first.".into(),
    )
}
