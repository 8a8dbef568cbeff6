//! Authentication: who is calling. Each transport extracts what the client presented and
//! asks this module; the answer is a [`Principal`] or an [`AuthFailure`] whose reason goes
//! to the server log only (clients see the protocol's plain refusal).

pub mod console;
pub mod git_credentials;
pub mod git_sigv4;
pub mod keys;
pub mod sigv4;
pub mod ssh_keys;
pub mod throttle;

pub use crate::principal::{AuthMethod, Identity, Principal};

/// Why authentication failed. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    // Names a client sent are printed escaped ({:?}): a log line cannot be forged with them.
    #[error("no Git credential signs in as {0:?}")]
    UnknownUser(String),
    #[error("wrong password for {0:?}")]
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
