//! Who is calling: the authenticated principal every layer above the store passes around.
//! A leaf module: it depends on nothing else in the crate, so the domain (IAM, STS,
//! CodeCommit), authorization and the transports can all name a caller without depending on
//! each other.

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
    /// The web console, signed in with the user's console password.
    ConsolePassword,
    /// SigV4 with a long-term access key.
    AccessKey {
        access_key_id: String,
    },
    /// SigV4 with temporary credentials from STS, minted from `parent_access_key_id`, or
    /// for a workload (an instance profile, a container, a web identity) when `None`.
    SessionToken {
        access_key_id: String,
        parent_access_key_id: Option<String>,
        /// When the session was issued (`aws:TokenIssueTime`), as the store writes times.
        issued_at: String,
    },
}

impl Principal {
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
