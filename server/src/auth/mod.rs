//! Authentication: who is calling. Each transport extracts what the client presented and
//! asks this module; the answer is a [`Principal`] or an [`AuthFailure`] whose reason goes
//! to the server log only (clients see the protocol's plain refusal).

pub mod git_credentials;

use crate::store::UserRow;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: String,
    pub user_id: String,
    pub user_name: String,
    pub arn: String,
    pub method: AuthMethod,
}

/// How the caller proved who they are (for the log and for later policy conditions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    GitCredential { credential_id: String },
}

impl Principal {
    pub fn for_user(user: &UserRow, method: AuthMethod) -> Self {
        Principal {
            account_id: user.account_id.clone(),
            user_id: user.user_id.clone(),
            user_name: user.user_name.clone(),
            arn: user.arn(),
            method,
        }
    }
}

/// Why authentication failed. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    #[error("no Git credential signs in as {0}")]
    UnknownUser(String),
    #[error("wrong password for {0}")]
    WrongPassword(String),
    #[error("Git credential {0} is inactive")]
    Inactive(String),
    #[error("malformed credentials: {0}")]
    Malformed(&'static str),
    #[error("credential store unavailable")]
    Store,
}
