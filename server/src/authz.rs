//! Authorization: the one policy decision point every Git operation and API call passes
//! after authentication, before any object or ref lands.
//!
//! For now it allows every authenticated principal within its own account; IAM policy
//! evaluation (explicit Deny > Allow > implicit deny) replaces [`decide`] alone.

use crate::principal::Principal;

/// `git fetch` / `git clone`, as IAM names it.
pub const GIT_PULL: &str = "codecommit:GitPull";
/// `git push`, as IAM names it.
pub const GIT_PUSH: &str = "codecommit:GitPush";

/// What a caller asks to do: one IAM action on one resource, with the condition keys the
/// request carries (e.g. `codecommit:References`).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `service:Action`, e.g. `iam:CreateUser`.
    pub action: &'a str,
    /// The resource's ARN, or `*`.
    pub resource: &'a str,
    pub context: &'a [(&'static str, Vec<String>)],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

/// The account an ARN names (`arn:partition:service:region:account:…`), if any.
fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    (parts.next() == Some("arn")).then_some(())?;
    parts.nth(3).filter(|a| !a.is_empty())
}

/// Decides whether `principal` may do `request`. A resource without an account (`*`, or a
/// global ARN) is the caller's own account's.
pub fn decide(principal: &Principal, request: &Request<'_>) -> Decision {
    let account = arn_account(request.resource).unwrap_or(&principal.account_id);
    let decision = if principal.account_id == account {
        Decision::Allow
    } else {
        Decision::Deny
    };
    tracing::debug!(principal = %principal.arn, action = request.action, resource = request.resource, ?decision, "authorization");
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_accounts() {
        assert_eq!(
            arn_account("arn:aws:iam::123456789012:user/a"),
            Some("123456789012")
        );
        assert_eq!(
            arn_account("arn:aws:codecommit:us-east-1:111111111111:demo"),
            Some("111111111111")
        );
        assert_eq!(arn_account("*"), None);
        assert_eq!(
            arn_account("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            Some("aws")
        );
    }
}
