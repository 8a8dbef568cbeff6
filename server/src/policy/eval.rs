//! Evaluation, with IAM's documented logic: a matching explicit `Deny` wins, then a matching
//! `Allow`, else the request is implicitly denied.
//!
//! Never fail open: a condition whose outcome cannot be known — a key this server does not
//! model, or a policy value of the wrong type for its operator — counts as *not matching*
//! for an `Allow` and as *matching* for a `Deny`.

use super::condition;
use super::document::{Effect, Patterns, Policy, Statement};
use super::glob;
use crate::principal::{AuthMethod, Identity, Principal};

/// The condition keys this server models: when one is missing from a request's context it
/// is absent (as IAM treats it), not unknown.
const MODELLED: &[&str] = &[
    "aws:username",
    "aws:userid",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:sourceip",
    "aws:currenttime",
    "aws:epochtime",
    "aws:securetransport",
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
    "codecommit:references",
    "aws:requestedregion",
    "aws:viaawsservice",
    "aws:tagkeys",
    "aws:tokenissuetime",
    "sts:externalid",
    "sts:rolesessionname",
];

/// A request's condition-key values (keys compare case-insensitively).
#[derive(Debug, Clone, Default)]
pub struct Keys {
    values: Vec<(String, Vec<String>)>,
    /// Whether `aws:ResourceTag/…` is known for this request's resource (a missing tag is
    /// then absent rather than unknown).
    resource_tags: bool,
    /// Key prefixes (lower case) whose every key is known: a web identity's claims
    /// (`host:sub`, `host:amr`, …), where a claim missing from the token is absent.
    known_prefixes: Vec<String>,
}

/// What a request's context says about one key.
enum Lookup<'a> {
    Present(&'a [String]),
    Absent,
    Unknown,
}

impl Keys {
    pub fn new() -> Keys {
        Keys::default()
    }

    /// Sets `key` (replacing any earlier value).
    pub fn set(&mut self, key: &str, values: Vec<String>) {
        let key = key.to_ascii_lowercase();
        self.values.retain(|(k, _)| *k != key);
        self.values.push((key, values));
    }

    pub fn with(mut self, key: &str, values: Vec<String>) -> Keys {
        self.set(key, values);
        self
    }

    /// The keys every request of `principal` carries: `aws:PrincipalArn` (the role's ARN
    /// for a role session, given as `role_arn`), `aws:PrincipalAccount`, `aws:PrincipalType`,
    /// `aws:userid`, `aws:username` (users only) and, for temporary credentials,
    /// `aws:MultiFactorAuthPresent` (false: this server has no MFA) and `aws:TokenIssueTime`.
    pub fn of_principal(principal: &Principal, role_arn: Option<&str>) -> Keys {
        let mut keys = Keys::new();
        let (kind, arn) = match &principal.identity {
            Identity::User { user_name, .. } => {
                keys.set("aws:username", vec![user_name.clone()]);
                ("User", principal.arn.as_str())
            }
            Identity::AssumedRole { .. } => ("AssumedRole", role_arn.unwrap_or(&principal.arn)),
        };
        keys.set("aws:PrincipalArn", vec![arn.to_owned()]);
        keys.set("aws:PrincipalAccount", vec![principal.account_id.clone()]);
        keys.set("aws:PrincipalType", vec![kind.to_owned()]);
        keys.set("aws:userid", vec![principal.caller_id()]);
        if principal.is_session() {
            keys.set("aws:MultiFactorAuthPresent", vec!["false".into()]);
        }
        // Temporary credentials only: absent for a long-term key, as on AWS.
        if let AuthMethod::SessionToken { issued_at, .. } = &principal.method {
            keys.set("aws:TokenIssueTime", vec![issued_at.clone()]);
        }
        keys
    }

    /// Marks the resource's tags as known: every `aws:ResourceTag/…` not set is absent.
    pub fn resource_tags_known(&mut self) {
        self.resource_tags = true;
    }

    /// Marks every key starting with `prefix` as known: one not set is absent.
    pub fn prefix_known(&mut self, prefix: &str) {
        self.known_prefixes.push(prefix.to_ascii_lowercase());
    }

    fn lookup(&self, key: &str) -> Lookup<'_> {
        let key = key.to_ascii_lowercase();
        if let Some((_, v)) = self.values.iter().find(|(k, _)| *k == key) {
            return Lookup::Present(v);
        }
        // Principals carry no tags on this server: every aws:PrincipalTag/… is absent. The
        // requests that carry tags name them all (aws:RequestTag/…, aws:TagKeys): a tag a
        // request does not carry is absent.
        let modelled = MODELLED.contains(&key.as_str())
            || key.starts_with("aws:principaltag/")
            || key.starts_with("aws:requesttag/")
            || (self.resource_tags && key.starts_with("aws:resourcetag/"))
            || self
                .known_prefixes
                .iter()
                .any(|p| key.starts_with(p.as_str()));
        if modelled {
            Lookup::Absent
        } else {
            Lookup::Unknown
        }
    }
}

/// One question for the evaluator.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `service:Action`.
    pub action: &'a str,
    /// The resource ARN, or `*`.
    pub resource: &'a str,
    pub keys: &'a Keys,
}

/// An evaluation's outcome, named as the policy simulator names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

impl Decision {
    /// `EvalDecision` in the simulator's response.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::ExplicitDeny => "explicitDeny",
            Decision::ImplicitDeny => "implicitDeny",
        }
    }
}

/// A statement that decided (or helped decide) an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    /// The index of the policy in the evaluated list.
    pub policy: usize,
    pub statement: usize,
    pub sid: Option<String>,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    /// The denying statements for an explicit deny; otherwise the allowing ones.
    pub matched: Vec<Matched>,
}

/// Evaluates `policies` (all of one kind: the identity policies, or the session policies)
/// for `request`.
pub fn evaluate<'p>(
    policies: impl IntoIterator<Item = &'p Policy>,
    request: &Request<'_>,
) -> Evaluation {
    let mut allows = Vec::new();
    let mut denies = Vec::new();
    for (i, policy) in policies.into_iter().enumerate() {
        for s in &policy.statements {
            let applies = match (s.effect, statement_matches(s, policy.variables, request)) {
                (Effect::Allow, m) => m == Some(true),
                (Effect::Deny, m) => m != Some(false),
            };
            if !applies {
                continue;
            }
            let m = Matched {
                policy: i,
                statement: s.index,
                sid: s.sid.clone(),
                effect: s.effect,
            };
            match s.effect {
                Effect::Allow => allows.push(m),
                Effect::Deny => denies.push(m),
            }
        }
    }
    if !denies.is_empty() {
        Evaluation {
            decision: Decision::ExplicitDeny,
            matched: denies,
        }
    } else if !allows.is_empty() {
        Evaluation {
            decision: Decision::Allowed,
            matched: allows,
        }
    } else {
        Evaluation {
            decision: Decision::ImplicitDeny,
            matched: Vec::new(),
        }
    }
}

/// Whether a statement's action, resource (when it names resources) and conditions all
/// match the request; `None` when that cannot be known. The `Principal` element is the
/// caller's to check (resource-based policies).
pub fn statement_matches(s: &Statement, variables: bool, request: &Request<'_>) -> Option<bool> {
    let action = s
        .action
        .values
        .iter()
        .any(|p| glob(p, request.action, true));
    if action == s.action.negated {
        return Some(false);
    }
    let mut unknown = false;
    if let Some(resource) = &s.resource {
        match resource_matches(resource, variables, request) {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    for c in &s.conditions {
        let actual = match request.keys.lookup(&c.key) {
            Lookup::Present(v) => Some(v),
            Lookup::Absent => None,
            Lookup::Unknown => {
                unknown = true;
                continue;
            }
        };
        let mut wanted = Vec::with_capacity(c.values.len());
        for v in &c.values {
            match substitute(v, variables, request.keys) {
                Substituted::Value(v) => wanted.push(v),
                Substituted::Missing => {}
                Substituted::Unknown => unknown = true,
            }
        }
        match condition::holds(c.operator, c.qualifier, c.if_exists, actual, &wanted) {
            Some(true) => {}
            Some(false) => return Some(false),
            None => unknown = true,
        }
    }
    if unknown { None } else { Some(true) }
}

fn resource_matches(r: &Patterns, variables: bool, request: &Request<'_>) -> Option<bool> {
    let mut unknown = false;
    let mut any = false;
    for p in &r.values {
        match substitute(p, variables, request.keys) {
            Substituted::Value(p) => any |= glob(&p, request.resource, false),
            Substituted::Missing => {}
            Substituted::Unknown => unknown = true,
        }
    }
    if any {
        Some(!r.negated)
    } else if unknown {
        None
    } else {
        Some(r.negated)
    }
}

enum Substituted {
    Value(String),
    /// A variable whose key the request lacks (and no default): the value matches nothing.
    Missing,
    /// A variable this server does not model.
    Unknown,
}

/// Replaces policy variables (`${aws:username}`, `${key, 'default'}`, `${*}`, `${?}`,
/// `${$}`) in a 2012-10-17 document's value. `${*}` and `${?}` are the characters
/// themselves, never wildcards (IAM policy variables, "Special characters"): they are
/// written as [`super::LITERAL_STAR`] / [`super::LITERAL_QUESTION`], which only the
/// matching reads.
fn substitute(value: &str, variables: bool, keys: &Keys) -> Substituted {
    if !variables || !value.contains("${") {
        return Substituted::Value(value.to_owned());
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = after[..end].trim();
        rest = &after[end + 1..];
        match inner {
            "*" => out.push(super::LITERAL_STAR),
            "?" => out.push(super::LITERAL_QUESTION),
            "$" => out.push('$'),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
                    None => (inner, None),
                };
                match keys.lookup(key) {
                    Lookup::Present(v) if !v.is_empty() => out.push_str(&v[0]),
                    Lookup::Unknown if default.is_none() => return Substituted::Unknown,
                    _ => match default {
                        Some(d) => out.push_str(d),
                        None => return Substituted::Missing,
                    },
                }
            }
        }
    }
    out.push_str(rest);
    Substituted::Value(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Kind, parse};

    fn policy(statements: &str) -> Policy {
        parse(
            &format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#),
            Kind::Identity,
        )
        .unwrap()
    }

    fn decide(p: &Policy, action: &str, resource: &str, keys: &Keys) -> Decision {
        evaluate(
            [p],
            &Request {
                action,
                resource,
                keys,
            },
        )
        .decision
    }

    const REPO: &str = "arn:aws:codecommit:us-east-1:123456789012:demo";

    #[test]
    fn deny_beats_allow_and_implicit_deny() {
        let p = policy(
            r#"{"Effect":"Allow","Action":"codecommit:*","Resource":"*"},
               {"Sid":"NoMain","Effect":"Deny","Action":"codecommit:GitPush","Resource":"*",
                "Condition":{"StringEqualsIfExists":{"codecommit:References":["refs/heads/main"]},"Null":{"codecommit:References":"false"}}}"#,
        );
        let main = Keys::new().with("codecommit:References", vec!["refs/heads/main".into()]);
        let feature = Keys::new().with("codecommit:References", vec!["refs/heads/f".into()]);
        assert_eq!(
            decide(&p, "codecommit:GitPush", REPO, &main),
            Decision::ExplicitDeny
        );
        assert_eq!(
            decide(&p, "codecommit:GitPush", REPO, &feature),
            Decision::Allowed
        );
        assert_eq!(
            decide(&p, "codecommit:GitPush", REPO, &Keys::new()),
            Decision::Allowed,
            "info/refs: no references yet, the Null condition keeps the deny out"
        );
        assert_eq!(
            decide(&p, "iam:GetUser", "*", &Keys::new()),
            Decision::ImplicitDeny
        );
        let e = evaluate(
            [&p],
            &Request {
                action: "codecommit:GitPush",
                resource: REPO,
                keys: &main,
            },
        );
        assert_eq!(e.matched[0].sid.as_deref(), Some("NoMain"));
    }

    #[test]
    fn not_action_not_resource() {
        let p = policy(
            r#"{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:codecommit:*:*:secret*"}"#,
        );
        let k = Keys::new();
        assert_eq!(
            decide(&p, "codecommit:GetRepository", REPO, &k),
            Decision::Allowed
        );
        assert_eq!(
            decide(&p, "iam:CreateUser", "*", &k),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(
                &p,
                "codecommit:GetRepository",
                "arn:aws:codecommit:us-east-1:123456789012:secret-1",
                &k
            ),
            Decision::ImplicitDeny
        );
    }

    /// IAM policy variables, "Special characters": `${*}`, `${?}`, `${$}` are the characters
    /// themselves, in resources and in conditions alike.
    #[test]
    fn special_characters_are_literal() {
        let p = policy(
            r#"{"Effect":"Allow","Action":"codecommit:GitPush","Resource":"arn:aws:codecommit:us-east-1:123456789012:a${*}b",
                "Condition":{"StringLike":{"codecommit:References":"refs/heads/${?}/*"},"StringEquals":{"aws:username":"$${$}"}}}"#,
        );
        let keys = |r: &str, u: &str| {
            Keys::new()
                .with("codecommit:References", vec![r.into()])
                .with("aws:username", vec![u.into()])
        };
        let push = |resource: &str, k: &Keys| decide(&p, "codecommit:GitPush", resource, k);
        let repo = "arn:aws:codecommit:us-east-1:123456789012:a*b";
        assert_eq!(push(repo, &keys("refs/heads/?/x", "$$")), Decision::Allowed);
        let other = "arn:aws:codecommit:us-east-1:123456789012:axb";
        assert_eq!(
            push(other, &keys("refs/heads/?/x", "$$")),
            Decision::ImplicitDeny
        );
        assert_eq!(
            push(repo, &keys("refs/heads/y/x", "$$")),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn variables() {
        let p = policy(
            r#"{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::*:user/${aws:username}"}"#,
        );
        let alice = Keys::new().with("aws:username", vec!["alice".into()]);
        assert_eq!(
            decide(
                &p,
                "iam:CreateAccessKey",
                "arn:aws:iam::123456789012:user/alice",
                &alice
            ),
            Decision::Allowed
        );
        assert_eq!(
            decide(
                &p,
                "iam:CreateAccessKey",
                "arn:aws:iam::123456789012:user/bob",
                &alice
            ),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(
                &p,
                "iam:CreateAccessKey",
                "arn:aws:iam::123456789012:user/alice",
                &Keys::new()
            ),
            Decision::ImplicitDeny,
            "a role session has no aws:username"
        );
    }

    #[test]
    fn unknown_keys_never_fail_open() {
        let deny = policy(
            r#"{"Effect":"Allow","Action":"*","Resource":"*"},
               {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1a2b3c4d"}}}"#,
        );
        assert_eq!(
            decide(&deny, "codecommit:GetRepository", REPO, &Keys::new()),
            Decision::ExplicitDeny
        );
        let allow = policy(
            r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1a2b3c4d"}}}"#,
        );
        assert_eq!(
            decide(&allow, "codecommit:GetRepository", REPO, &Keys::new()),
            Decision::ImplicitDeny
        );
        let tags = policy(
            r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"red"}}},
               {"Effect":"Allow","Action":"*","Resource":"*"}"#,
        );
        let mut known = Keys::new();
        assert_eq!(
            decide(&tags, "x:Y", REPO, &known),
            Decision::ExplicitDeny,
            "tags unknown"
        );
        known.resource_tags_known();
        assert_eq!(
            decide(&tags, "x:Y", REPO, &known),
            Decision::Allowed,
            "no such tag"
        );
        known.set("aws:ResourceTag/team", vec!["red".into()]);
        assert_eq!(decide(&tags, "x:Y", REPO, &known), Decision::ExplicitDeny);
    }
}
