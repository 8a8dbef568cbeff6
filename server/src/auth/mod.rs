//! Authentication: who is calling. Each transport extracts what the client presented and
//! asks this module; the answer is a [`Principal`] or an [`AuthFailure`] whose reason goes
//! to the server log only (clients see the protocol's plain refusal).

pub mod git_credentials;
pub mod git_sigv4;
pub mod keys;
pub mod sigv4;
pub mod ssh_keys;

use crate::store::UserRow;
use crate::store::roles::RoleRow;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: String,
    /// The caller's ARN: a user, or an assumed-role session.
    pub arn: String,
    pub identity: Identity,
    pub method: AuthMethod,
}

/// Who the caller is, as IAM sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    User {
        user_id: String,
        user_name: String,
    },
    AssumedRole {
        role_id: String,
        role_name: String,
        session_name: String,
    },
}

/// How the caller proved who they are (for the log and for later policy conditions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    GitCredential {
        credential_id: String,
    },
    /// An IAM SSH public key, by its ID (the SSH user name).
    SshKey {
        ssh_key_id: String,
    },
    /// SigV4 with a long-term access key.
    AccessKey {
        access_key_id: String,
    },
    /// SigV4 with temporary credentials from STS, minted from `parent_access_key_id`.
    SessionToken {
        access_key_id: String,
        parent_access_key_id: String,
    },
}

impl Principal {
    pub fn for_user(user: &UserRow, method: AuthMethod) -> Self {
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

    pub fn for_role_session(role: &RoleRow, session_name: &str, method: AuthMethod) -> Self {
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

    /// The `UserId` GetCallerIdentity reports: `AIDA…`, or `AROA…:session`.
    pub fn caller_id(&self) -> String {
        match &self.identity {
            Identity::User { user_id, .. } => user_id.clone(),
            Identity::AssumedRole {
                role_id,
                session_name,
                ..
            } => format!("{role_id}:{session_name}"),
        }
    }

    /// The IAM user name, when the caller is a user.
    pub fn user_name(&self) -> Option<&str> {
        match &self.identity {
            Identity::User { user_name, .. } => Some(user_name),
            Identity::AssumedRole { .. } => None,
        }
    }

    /// Whether the caller signed with temporary credentials.
    pub fn is_session(&self) -> bool {
        matches!(self.method, AuthMethod::SessionToken { .. })
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
    #[error("SigV4 Git password refused: {0}")]
    SigV4(String),
    #[error("SSH key refused: {0}")]
    SshKey(String),
    #[error("credential store unavailable")]
    Store,
}
