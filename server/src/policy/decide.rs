//! The decision on one request, as IAM makes it, as pure functions of the principal's
//! parsed policies: identity policies and (for a role session issued with them) session
//! policies are each evaluated by the one evaluator ([`super::eval`]); an explicit `Deny` in
//! either wins, then both must allow, else the request is implicitly denied. The condition
//! keys a request carries (the principal's, the origin's, the time, the resource's tags and
//! the request's own) and AWS's AccessDenied wording are made here too. Nothing here reads
//! the store: `authz` loads and caches the policies, the policy simulator passes its own.

use std::net::IpAddr;

use super::eval::{self, Evaluation, Matched};
use super::{Decision as Eval, Keys, Policy};
use crate::principal::Principal;

/// `git fetch` / `git clone`, as IAM names it.
pub const GIT_PULL: &str = "codecommit:GitPull";
/// `git push`, as IAM names it.
pub const GIT_PUSH: &str = "codecommit:GitPush";

/// Where a request came from, for `aws:SourceIp` and `aws:SecureTransport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin {
    pub source_ip: Option<IpAddr>,
    /// HTTPS or SSH (plain HTTP is not).
    pub secure_transport: bool,
}

/// What a caller asks to do: one IAM action on one resource, with the condition keys the
/// request carries (e.g. `codecommit:References`).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `service:Action`, e.g. `iam:CreateUser`.
    pub action: &'a str,
    /// The resource's ARN, or `*`.
    pub resource: &'a str,
    pub context: &'a [(String, Vec<String>)],
    /// The resource's tags, when it has tags this server knows (`aws:ResourceTag/…`).
    pub resource_tags: Option<&'a [(String, String)]>,
}

impl<'a> Request<'a> {
    pub fn new(action: &'a str, resource: &'a str) -> Request<'a> {
        Request {
            action,
            resource,
            context: &[],
            resource_tags: None,
        }
    }
}

/// Why a request was denied: AWS's wording ends the message with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    ExplicitIdentity,
    ImplicitIdentity,
    ExplicitSession,
    ImplicitSession,
    /// A resource of another account.
    OtherAccount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(Denial),
}

impl Decision {
    pub fn allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// AWS's AccessDenied message: "User: ARN is not authorized to perform: ACTION on resource:
/// RESOURCE because no identity-based policy allows the ACTION action".
pub fn denial_message(principal: &Principal, action: &str, resource: &str, why: Denial) -> String {
    let head = format!(
        "User: {} is not authorized to perform: {action} on resource: {resource}",
        principal.arn
    );
    match why {
        Denial::ExplicitIdentity => {
            format!("{head} with an explicit deny in an identity-based policy")
        }
        Denial::ImplicitIdentity => {
            format!("{head} because no identity-based policy allows the {action} action")
        }
        Denial::ExplicitSession => format!("{head} with an explicit deny in a session policy"),
        Denial::ImplicitSession => {
            format!("{head} because no session policy allows the {action} action")
        }
        Denial::OtherAccount => head,
    }
}

/// Where a policy in a principal's set comes from, as the policy simulator names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The inline policy's name, or the managed policy's name.
    pub id: String,
    /// `user`, `group`, `role` (inline), `aws-managed`, `user-managed`, or `session`.
    pub kind: &'static str,
}

/// A principal's parsed policies (identity, and session policies for a session issued
/// with them).
pub struct PolicySet {
    pub identity: Vec<(Source, Policy)>,
    pub session: Option<Vec<(Source, Policy)>>,
    pub role_arn: Option<String>,
}

/// The account an ARN names (`arn:partition:service:region:account:…`), if any.
fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    (parts.next() == Some("arn")).then_some(())?;
    parts.nth(3).filter(|a| !a.is_empty())
}

/// Whether `request` names a resource of another account than the principal's (this server
/// has no resource-based policies for them, so such a request is denied).
pub fn other_account(principal: &Principal, request: &Request<'_>) -> bool {
    let account = arn_account(request.resource).unwrap_or(&principal.account_id);
    account != principal.account_id && account != "aws"
}

/// The request's condition keys: the principal's, the origin's, the time, the resource's
/// tags and the request's own.
pub fn keys(
    principal: &Principal,
    role_arn: Option<&str>,
    origin: &Origin,
    request: &Request<'_>,
) -> Keys {
    let mut keys = Keys::of_principal(principal, role_arn);
    set_origin_keys(&mut keys, origin);
    // No request reaches this server through another AWS service.
    keys.set("aws:ViaAWSService", vec!["false".into()]);
    if let Some(tags) = request.resource_tags {
        keys.resource_tags_known();
        for (k, v) in tags {
            keys.set(&format!("aws:ResourceTag/{k}"), vec![v.clone()]);
        }
    }
    for (k, v) in request.context {
        keys.set(k, v.clone());
    }
    keys
}

/// The keys every request carries, whatever it asks: where it came from (`aws:SourceIp`,
/// `aws:SecureTransport`) and when (`aws:CurrentTime`, `aws:EpochTime`). Trust policies get
/// them too.
pub fn set_origin_keys(keys: &mut Keys, origin: &Origin) {
    if let Some(ip) = origin.source_ip {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        keys.set("aws:SourceIp", vec![ip.to_string()]);
    }
    keys.set(
        "aws:SecureTransport",
        vec![origin.secure_transport.to_string()],
    );
    set_time_keys(keys);
}

/// `aws:RequestedRegion` of a request for `action` to a server in `region`: IAM is a
/// global service whose requests AWS counts as us-east-1's; the rest are this region's.
pub fn requested_region(action: &str, region: &str) -> (String, Vec<String>) {
    let requested = if action.starts_with("iam:") {
        "us-east-1"
    } else {
        region
    };
    ("aws:RequestedRegion".to_owned(), vec![requested.to_owned()])
}

/// `aws:CurrentTime` and `aws:EpochTime`: now.
pub fn set_time_keys(keys: &mut Keys) {
    let now = chrono::Utc::now();
    keys.set(
        "aws:CurrentTime",
        vec![now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)],
    );
    keys.set("aws:EpochTime", vec![now.timestamp().to_string()]);
}

/// What the identity side (identity and session policies) says of a request, for an
/// operation whose resource-based policy decides with it (AssumeRole's trust policy,
/// ChangePassword's account password policy): AWS combines them so that an explicit deny
/// always wins, and a session's policies still bound what a resource-based policy naming
/// the role or user grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentitySide {
    pub decision: Decision,
    /// Whether the session policies allow the request (true where there are none).
    pub session_allows: bool,
}

impl IdentitySide {
    /// Every authenticated request, with authorization off.
    pub const ALLOWED: IdentitySide = IdentitySide {
        decision: Decision::Allow,
        session_allows: true,
    };

    /// Refused before any policy is read (another account's resource, a store failure).
    pub fn refused(why: Denial) -> IdentitySide {
        IdentitySide {
            decision: Decision::Deny(why),
            session_allows: false,
        }
    }

    /// Whether an explicit `Deny` (identity or session policy) refused it: nothing else can
    /// then allow it.
    pub fn explicitly_denied(self) -> bool {
        matches!(
            self.decision,
            Decision::Deny(Denial::ExplicitIdentity | Denial::ExplicitSession)
        )
    }
}

/// The full outcome for the simulator and the log: the decision and the statements behind it.
pub struct Outcome {
    pub decision: Decision,
    /// Whether the session policies allow the request on their own (true without any).
    pub session_allows: bool,
    /// `(source, statement)` of the statements that decided.
    pub matched: Vec<(Source, Matched)>,
}

impl Outcome {
    pub fn identity_side(&self) -> IdentitySide {
        IdentitySide {
            decision: self.decision,
            session_allows: self.session_allows,
        }
    }
}

fn matched_of(set: &[(Source, Policy)], e: &Evaluation) -> Vec<(Source, Matched)> {
    e.matched
        .iter()
        .map(|m| (set[m.policy].0.clone(), m.clone()))
        .collect()
}

/// Evaluates `request` against a policy set (no account or on/off check).
pub fn evaluate(
    set: &PolicySet,
    principal: &Principal,
    origin: &Origin,
    request: &Request<'_>,
) -> Outcome {
    evaluate_with(set, principal, origin, request, &[])
}

/// [`evaluate`], with condition keys given by name (the policy simulator's context entries).
pub fn evaluate_with(
    set: &PolicySet,
    principal: &Principal,
    origin: &Origin,
    request: &Request<'_>,
    extra: &[(String, Vec<String>)],
) -> Outcome {
    let mut keys = keys(principal, set.role_arn.as_deref(), origin, request);
    for (k, v) in extra {
        keys.set(k, v.clone());
    }
    let question = eval::Request {
        action: request.action,
        resource: request.resource,
        keys: &keys,
    };
    let identity = eval::evaluate(set.identity.iter().map(|(_, p)| p), &question);
    let session = set
        .session
        .as_ref()
        .map(|s| (s, eval::evaluate(s.iter().map(|(_, p)| p), &question)));
    let session_allows = session
        .as_ref()
        .is_none_or(|(_, e)| e.decision == Eval::Allowed);
    if identity.decision == Eval::ExplicitDeny {
        return Outcome {
            decision: Decision::Deny(Denial::ExplicitIdentity),
            session_allows,
            matched: matched_of(&set.identity, &identity),
        };
    }
    if let Some((s, e)) = &session
        && e.decision == Eval::ExplicitDeny
    {
        return Outcome {
            decision: Decision::Deny(Denial::ExplicitSession),
            session_allows,
            matched: matched_of(s, e),
        };
    }
    if identity.decision != Eval::Allowed {
        return Outcome {
            decision: Decision::Deny(Denial::ImplicitIdentity),
            session_allows,
            matched: Vec::new(),
        };
    }
    let mut matched = matched_of(&set.identity, &identity);
    if let Some((s, e)) = &session {
        if e.decision != Eval::Allowed {
            return Outcome {
                decision: Decision::Deny(Denial::ImplicitSession),
                session_allows,
                matched: Vec::new(),
            };
        }
        matched.extend(matched_of(s, e));
    }
    Outcome {
        decision: Decision::Allow,
        session_allows,
        matched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::principal::{AuthMethod, Identity};

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

    #[test]
    fn messages_say_why() {
        let p = Principal {
            account_id: "123456789012".into(),
            arn: "arn:aws:iam::123456789012:user/bob".into(),
            identity: Identity::User {
                user_id: "AIDAEXAMPLEEXAMPLE001".into(),
                user_name: "bob".into(),
            },
            method: AuthMethod::AccessKey {
                access_key_id: "AKIAEXAMPLE".into(),
            },
        };
        assert_eq!(
            denial_message(
                &p,
                GIT_PUSH,
                "arn:aws:codecommit:us-east-1:123456789012:demo",
                Denial::ImplicitIdentity
            ),
            "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: codecommit:GitPush on resource: arn:aws:codecommit:us-east-1:123456789012:demo because no identity-based policy allows the codecommit:GitPush action"
        );
    }
}
