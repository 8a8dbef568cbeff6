//! The IAM domain: users, Git credentials (service-specific credentials), access keys and
//! SSH public keys, with IAM's ID formats, name rules and limits.

pub mod access_keys;
pub mod aws_policies;
pub mod credentials;
pub mod error;
pub mod groups;
pub mod ids;
pub mod instance_profiles;
pub mod login_profiles;
pub mod names;
pub mod oidc_providers;
pub mod ops;
pub mod policies;
pub mod public_keys;
pub mod roles;
pub mod ssh_keys;
pub mod trust;
pub mod users;

pub use error::IamError;

/// The service name of CodeCommit's Git credentials.
pub const CODECOMMIT_SERVICE: &str = "codecommit.amazonaws.com";
/// Services that IAM issues service-specific credentials for.
pub const SUPPORTED_SERVICES: &[&str] = &[CODECOMMIT_SERVICE, "cassandra.amazonaws.com"];

/// At most two service-specific credentials per user and service.
pub const MAX_SERVICE_CREDENTIALS_PER_SERVICE: usize = 2;
/// At most two access keys per user.
pub const MAX_ACCESS_KEYS_PER_USER: usize = 2;
/// At most five SSH public keys per user.
pub const MAX_SSH_KEYS_PER_USER: usize = 5;

/// The user name a Git credential signs in with: `<user>-at-<account>`, fixed at creation.
pub fn service_user_name(user_name: &str, account_id: &str) -> String {
    format!("{user_name}-at-{account_id}")
}
