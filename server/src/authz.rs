//! Authorization: the one policy decision point every Git operation and API call passes
//! after authentication, before any object or ref lands.
//!
//! For now it allows every authenticated principal within its own account; IAM policy
//! evaluation (explicit Deny > Allow > implicit deny) replaces [`decide`] alone.

use crate::auth::Principal;

/// What a caller wants to do, named as IAM names the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    GitPull,
    GitPush,
    /// An API operation, e.g. `iam:CreateUser`.
    Api {
        service: &'static str,
        operation: &'static str,
    },
}

impl Action {
    pub fn iam_name(self) -> String {
        match self {
            Action::GitPull => "codecommit:GitPull".into(),
            Action::GitPush => "codecommit:GitPush".into(),
            Action::Api { service, operation } => format!("{service}:{operation}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

/// Decides whether `principal` may do `action` on the resource `resource_arn` owned by
/// `resource_account`.
pub fn decide(
    principal: &Principal,
    action: Action,
    resource_account: &str,
    resource_arn: &str,
) -> Decision {
    let decision = if principal.account_id == resource_account {
        Decision::Allow
    } else {
        Decision::Deny
    };
    tracing::debug!(principal = %principal.arn, action = %action.iam_name(), resource = resource_arn, ?decision, "authorization");
    decision
}
