//! Console passwords (IAM login profiles) and the account password policy that governs them.
//!
//! A password is kept as a peppered hash, like a Git credential's. Without a policy of its
//! own, an account has AWS's default: at least 8 characters, three of the four character
//! kinds, and not the user's name. A custom policy replaces it with exactly what it says.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::crypto::passwords::PasswordHasher;
use crate::iam::IamError;
use crate::secret::Secret;
use crate::store::login_profiles::{self as rows, LoginProfileRow};
use crate::store::{UserRow, now_timestamp};

/// The symbols IAM counts (`RequireSymbols`).
pub const SYMBOLS: &str = "!@#$%^&*()_+-=[]{}|'";

/// An account's password policy, stored as GetAccountPasswordPolicy returns it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicy {
    pub minimum_password_length: i64,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    pub expire_passwords: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_password_age: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_reuse_prevention: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hard_expiry: Option<bool>,
}

/// The account's own policy, if it set one.
pub fn policy(c: &Connection, account_id: &str) -> Result<Option<PasswordPolicy>, IamError> {
    match rows::policy(c, account_id)? {
        None => Ok(None),
        Some(json) => serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| IamError::ServiceFailure(format!("stored password policy: {e}"))),
    }
}

pub fn set_policy(c: &Connection, account_id: &str, p: &PasswordPolicy) -> Result<(), IamError> {
    let json = serde_json::to_string(p).map_err(|e| IamError::ServiceFailure(e.to_string()))?;
    rows::set_policy(c, account_id, &json)?;
    Ok(())
}

pub fn delete_policy(c: &Connection, account_id: &str) -> Result<(), IamError> {
    if !rows::delete_policy(c, account_id)? {
        return Err(no_policy(account_id));
    }
    Ok(())
}

pub fn no_policy(account_id: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The Password Policy with domain name {account_id} cannot be found."
    ))
}

fn violation() -> IamError {
    IamError::PasswordPolicyViolation(
        "Password does not conform to the account password policy.".into(),
    )
}

/// Whether `password` satisfies the account's policy (or AWS's default without one).
pub fn check(
    policy: Option<&PasswordPolicy>,
    user_name: &str,
    password: &Secret,
) -> Result<(), IamError> {
    let p = password.expose();
    let kinds = [
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| SYMBOLS.contains(c)),
    ];
    let length = p.chars().count() as i64;
    let ok = match policy {
        None => {
            length >= 8
                && kinds.iter().filter(|k| **k).count() >= 3
                && !p.eq_ignore_ascii_case(user_name)
        }
        Some(policy) => {
            length >= policy.minimum_password_length
                && (!policy.require_uppercase_characters || kinds[0])
                && (!policy.require_lowercase_characters || kinds[1])
                && (!policy.require_numbers || kinds[2])
                && (!policy.require_symbols || kinds[3])
        }
    };
    if ok { Ok(()) } else { Err(violation()) }
}

fn not_found(user_name: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "Login Profile for User {user_name} cannot be found."
    ))
}

/// The user's login profile, or NoSuchEntity.
pub fn get(c: &Connection, user: &UserRow) -> Result<LoginProfileRow, IamError> {
    rows::find(c, &user.user_id)?.ok_or_else(|| not_found(&user.user_name))
}

/// CreateLoginProfile.
pub fn create(
    c: &Connection,
    hasher: &PasswordHasher,
    user: &UserRow,
    password: &Secret,
    reset_required: bool,
) -> Result<LoginProfileRow, IamError> {
    if rows::find(c, &user.user_id)?.is_some() {
        return Err(IamError::EntityAlreadyExists(format!(
            "Login Profile for user {} already exists.",
            user.user_name
        )));
    }
    check(
        policy(c, &user.account_id)?.as_ref(),
        &user.user_name,
        password,
    )?;
    let hash = hasher.hash(password.expose());
    let now = now_timestamp();
    let row = LoginProfileRow {
        user_id: user.user_id.clone(),
        password_salt: hash.salt,
        password_hash: hash.hash,
        password_reset_required: reset_required,
        created_at: now.clone(),
        password_changed_at: now,
        password_last_used: None,
    };
    rows::insert(c, &row)?;
    Ok(row)
}

/// UpdateLoginProfile: a new password and/or whether the user must choose a new one.
pub fn update(
    c: &Connection,
    hasher: &PasswordHasher,
    user: &UserRow,
    password: Option<&Secret>,
    reset_required: Option<bool>,
) -> Result<(), IamError> {
    get(c, user)?;
    if let Some(password) = password {
        check(
            policy(c, &user.account_id)?.as_ref(),
            &user.user_name,
            password,
        )?;
        let hash = hasher.hash(password.expose());
        rows::set_password(c, &user.user_id, &hash.salt, &hash.hash, &now_timestamp())?;
    }
    if let Some(required) = reset_required {
        rows::set_reset_required(c, &user.user_id, required)?;
    }
    Ok(())
}

/// DeleteLoginProfile (the user's console sessions end with it).
pub fn delete(c: &Connection, user: &UserRow) -> Result<(), IamError> {
    if !rows::delete(c, &user.user_id)? {
        return Err(not_found(&user.user_name));
    }
    Ok(())
}

/// ChangePassword: the user's own, with the old one. The new password must satisfy the policy
/// and not repeat the last `PasswordReusePrevention` ones; the reset flag is cleared.
pub fn change(
    c: &Connection,
    hasher: &PasswordHasher,
    user: &UserRow,
    old: &Secret,
    new: &Secret,
) -> Result<(), IamError> {
    let profile = get(c, user)?;
    if !hasher.verify(old.expose(), &profile.password_salt, &profile.password_hash) {
        return Err(IamError::InvalidUserType(
            "The old password provided is incorrect.".into(),
        ));
    }
    let policy = policy(c, &user.account_id)?;
    check(policy.as_ref(), &user.user_name, new)?;
    if let Some(n) = policy.as_ref().and_then(|p| p.password_reuse_prevention) {
        let mut earlier = rows::history(c, &user.user_id, (n as usize).saturating_sub(1))?;
        earlier.push((profile.password_salt.clone(), profile.password_hash.clone()));
        if earlier
            .iter()
            .any(|(salt, hash)| hasher.verify(new.expose(), salt, hash))
        {
            return Err(violation());
        }
    }
    let hash = hasher.hash(new.expose());
    rows::set_password(c, &user.user_id, &hash.salt, &hash.hash, &now_timestamp())?;
    rows::set_reset_required(c, &user.user_id, false)?;
    Ok(())
}

/// What a console sign-in finds once the password matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordState {
    Current,
    /// The user must choose a new password before anything else (PasswordResetRequired, or
    /// an expired password the policy lets them change).
    MustChange,
    /// Expired under `HardExpiry`: only an administrator can reset it.
    Expired,
}

/// The state of a profile's password under the account's policy at `now`.
pub fn state(
    profile: &LoginProfileRow,
    policy: Option<&PasswordPolicy>,
    now: DateTime<Utc>,
) -> PasswordState {
    let expired = policy
        .and_then(|p| p.max_password_age)
        .and_then(|days| {
            let changed = DateTime::parse_from_rfc3339(&profile.password_changed_at).ok()?;
            Some(changed.with_timezone(&Utc) + chrono::Duration::days(days) <= now)
        })
        .unwrap_or(false);
    if expired && policy.and_then(|p| p.hard_expiry).unwrap_or(false) {
        PasswordState::Expired
    } else if expired || profile.password_reset_required {
        PasswordState::MustChange
    } else {
        PasswordState::Current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_wants_eight_characters_of_three_kinds() {
        let ok = |p: &str| check(None, "alice", &Secret::new(p)).is_ok();
        assert!(ok("Passw0rd"));
        assert!(ok("passw0rd!"));
        assert!(!ok("Pass0rd"), "seven characters");
        assert!(!ok("password1"), "two kinds");
        assert!(!ok("ALICE"));
    }

    #[test]
    fn a_custom_policy_says_exactly_what_is_required() {
        let policy = PasswordPolicy {
            minimum_password_length: 6,
            require_symbols: true,
            ..Default::default()
        };
        let ok = |p: &str| check(Some(&policy), "alice", &Secret::new(p)).is_ok();
        assert!(ok("abcde!"));
        assert!(!ok("abcdef"));
        assert!(!ok("abc!"));
    }
}
