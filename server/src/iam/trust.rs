//! A role's trust policy, evaluated for `sts:AssumeRole` by an IAM caller ([`evaluate`]), by
//! an AWS service for a workload ([`admits_service`]: EC2 for an instance profile) and for
//! `sts:AssumeRoleWithWebIdentity` by an OpenID Connect provider's token
//! ([`admits_web_identity`]). The README lists what is covered.
//!
//! IAM's rules for a caller in the role's own account: an explicit `Deny` that matches wins;
//! otherwise an `Allow` that names the caller (its user ARN, its role for a role session, or
//! the session ARN) lets it in; an `Allow` that names the account (`arn:aws:iam::ACCT:root`
//! or `ACCT`) hands the decision to the caller's own permissions (the authorization decision);
//! `"*"` matches everyone. A `Service` principal matches only that service, a `Federated`
//! one only that identity provider; `CanonicalUser` matches nothing here. Actions match
//! case-insensitively with `*` and `?` wildcards.
//!
//! Conditions go through the one policy evaluator (`crate::policy`), over the caller's
//! keys (`aws:PrincipalArn`, `aws:username`, …) and `sts:RoleSessionName`/`sts:ExternalId`,
//! or the token's claims (`HOST:sub`, `HOST:aud`, `HOST:amr`, …).

use serde_json::Value;

use crate::policy::decide::{self, Origin};
use crate::policy::document::Principals;
use crate::policy::eval::statement_matches;
use crate::policy::{Effect, Keys, Kind, Request};
use crate::principal::Principal;

/// What the caller asks for, as the trust policy's conditions see it.
pub struct AssumeRequest<'a> {
    pub caller: &'a Principal,
    /// The ARN of the role the caller is in, for a role session (`aws:PrincipalArn`).
    pub caller_role_arn: Option<&'a str>,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
    /// Where the request came from: trust policies may name `aws:SourceIp`,
    /// `aws:SecureTransport` and the time as identity policies do.
    pub origin: &'a Origin,
}

/// The trust policy's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// A statement names the calling role session's own ARN: what it grants is added after
    /// the session is made, so the session's policies do not bound it.
    Session,
    /// A statement names the caller (the user, the role of a session, or everyone).
    Caller,
    /// A statement names the caller's account: its own permissions decide.
    Account,
    /// No statement allows it, or one denies it.
    Denied,
}

/// Evaluates the trust policy for an IAM caller's AssumeRole.
pub fn evaluate(policy: &str, request: &AssumeRequest<'_>) -> Trust {
    let mut keys = Keys::of_principal(request.caller, request.caller_role_arn);
    decide::set_origin_keys(&mut keys, request.origin);
    keys.set("sts:RoleSessionName", vec![request.session_name.to_owned()]);
    if let Some(id) = request.external_id {
        keys.set("sts:ExternalId", vec![id.to_owned()]);
    }
    verdict(policy, "sts:AssumeRole", &keys, |p| {
        named(p, request.caller, request.caller_role_arn)
    })
}

/// Whether the trust policy lets the AWS service `service` (`ec2.amazonaws.com`) assume the
/// role for a workload.
pub fn admits_service(policy: &str, service: &str) -> bool {
    let keys = Keys::new();
    let named = |p: &Principals| {
        (p.everyone || p.service.iter().any(|s| s.eq_ignore_ascii_case(service)))
            .then_some(Trust::Caller)
    };
    verdict(policy, "sts:AssumeRole", &keys, named) == Trust::Caller
}

/// Whether the trust policy lets a web identity from the OpenID Connect provider
/// `provider_arn` in, over the token's claims as condition keys (`keys`).
pub fn admits_web_identity(policy: &str, provider_arn: &str, keys: &Keys) -> bool {
    let named = |p: &Principals| {
        (p.everyone || p.federated.iter().any(|f| f == provider_arn)).then_some(Trust::Caller)
    };
    verdict(policy, "sts:AssumeRoleWithWebIdentity", keys, named) == Trust::Caller
}

/// Evaluates the trust policy with the one policy evaluator: action, conditions (unknown
/// outcomes count against an `Allow` and for a `Deny`), then the `Principal` element, which
/// `named` matches against whoever asks.
fn verdict(
    policy: &str,
    action: &str,
    keys: &Keys,
    named: impl Fn(&Principals) -> Option<Trust>,
) -> Trust {
    let Ok(doc) = crate::policy::parse(policy, Kind::Trust) else {
        return Trust::Denied;
    };
    let question = Request {
        action,
        resource: "*",
        keys,
    };
    let mut verdict = Trust::Denied;
    for s in &doc.statements {
        let matches = statement_matches(s, doc.variables, &question);
        let principal = s
            .principal
            .as_ref()
            .and_then(|p| principal_match(p, &named));
        match s.effect {
            Effect::Deny if matches != Some(false) && principal.is_some() => {
                return Trust::Denied;
            }
            Effect::Allow if matches == Some(true) => match principal {
                // The session's own ARN outranks the caller, which outranks the account.
                Some(Trust::Session) => verdict = Trust::Session,
                Some(Trust::Caller) if verdict != Trust::Session => verdict = Trust::Caller,
                Some(Trust::Account) if verdict == Trust::Denied => verdict = Trust::Account,
                _ => {}
            },
            _ => {}
        }
    }
    verdict
}

/// The `AWS` principals a trust policy names (in `Principal` and `NotPrincipal`), for
/// CreateRole's checks; `None` when a statement names no principal at all.
pub fn aws_principals(policy: &Value) -> Option<Vec<String>> {
    let statements: Vec<&Value> = match policy.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for s in statements {
        let p = s.get("Principal").or_else(|| s.get("NotPrincipal"))?;
        match p.get("AWS") {
            Some(Value::String(a)) => out.push(a.clone()),
            Some(Value::Array(a)) => {
                out.extend(a.iter().filter_map(Value::as_str).map(str::to_owned))
            }
            _ => {}
        }
    }
    Some(out)
}

/// How a `Principal` (or, negated, `NotPrincipal`) element names the caller, if it does.
fn principal_match(p: &Principals, named: &impl Fn(&Principals) -> Option<Trust>) -> Option<Trust> {
    let named = named(p);
    if p.negated {
        return match named {
            Some(_) => None,
            None => Some(Trust::Caller),
        };
    }
    named
}

fn named(p: &Principals, caller: &Principal, role_arn: Option<&str>) -> Option<Trust> {
    if p.everyone {
        return Some(Trust::Caller);
    }
    let root = format!("arn:aws:iam::{}:root", caller.account_id);
    let mut found = None;
    for entry in &p.aws {
        if *entry == caller.arn && caller.is_session() {
            return Some(Trust::Session);
        }
        if entry == "*" || *entry == caller.arn || Some(entry.as_str()) == role_arn {
            return Some(Trust::Caller);
        }
        if *entry == root || *entry == caller.account_id {
            found = Some(Trust::Account);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::principal::{AuthMethod, Identity};

    fn user(name: &str) -> Principal {
        Principal {
            account_id: "123456789012".into(),
            arn: format!("arn:aws:iam::123456789012:user/{name}"),
            identity: Identity::User {
                user_id: "AIDAEXAMPLEEXAMPLE001".into(),
                user_name: name.into(),
            },
            method: AuthMethod::AccessKey {
                access_key_id: "AKIAEXAMPLE".into(),
            },
        }
    }

    fn eval(policy: &str, caller: &Principal, external_id: Option<&str>) -> Trust {
        evaluate(
            policy,
            &AssumeRequest {
                caller,
                caller_role_arn: None,
                session_name: "s1",
                external_id,
                origin: &Origin::default(),
            },
        )
    }

    fn doc(statements: &str) -> String {
        format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
    }

    #[test]
    fn principals() {
        let alice = user("alice");
        let allow = |p: &str| {
            doc(&format!(
                r#"{{"Effect":"Allow","Principal":{p},"Action":"sts:AssumeRole"}}"#
            ))
        };
        assert_eq!(
            eval(
                &allow(r#"{"AWS":"arn:aws:iam::123456789012:root"}"#),
                &alice,
                None
            ),
            Trust::Account
        );
        assert_eq!(
            eval(&allow(r#"{"AWS":"123456789012"}"#), &alice, None),
            Trust::Account
        );
        assert_eq!(
            eval(
                &allow(r#"{"AWS":"arn:aws:iam::123456789012:user/alice"}"#),
                &alice,
                None
            ),
            Trust::Caller
        );
        assert_eq!(
            eval(
                &allow(r#"{"AWS":["arn:aws:iam::123456789012:user/bob"]}"#),
                &alice,
                None
            ),
            Trust::Denied
        );
        assert_eq!(
            eval(
                &allow(r#"{"AWS":"arn:aws:iam::210987654321:root"}"#),
                &alice,
                None
            ),
            Trust::Denied
        );
        assert_eq!(
            eval(
                &allow(r#"{"Service":"lambda.amazonaws.com"}"#),
                &alice,
                None
            ),
            Trust::Denied
        );
        assert_eq!(eval(&allow(r#""*""#), &alice, None), Trust::Caller);
        assert_eq!(eval(&allow(r#"{"AWS":"*"}"#), &alice, None), Trust::Caller);
    }

    #[test]
    fn actions_deny_and_shape() {
        let alice = user("alice");
        let root = r#""Principal":{"AWS":"arn:aws:iam::123456789012:root"}"#;
        for action in [
            r#""sts:*""#,
            r#""*""#,
            r#""STS:assumerole""#,
            r#"["sts:TagSession","sts:Assume*"]"#,
        ] {
            let p = doc(&format!(r#"{{"Effect":"Allow",{root},"Action":{action}}}"#));
            assert_eq!(eval(&p, &alice, None), Trust::Account, "{action}");
        }
        let other = doc(&format!(
            r#"{{"Effect":"Allow",{root},"Action":"sts:AssumeRoleWithSAML"}}"#
        ));
        assert_eq!(eval(&other, &alice, None), Trust::Denied);
        let denied = doc(&format!(
            r#"{{"Effect":"Allow",{root},"Action":"sts:AssumeRole"}},
               {{"Effect":"Deny","Principal":{{"AWS":"arn:aws:iam::123456789012:user/alice"}},"Action":"sts:AssumeRole"}}"#
        ));
        assert_eq!(eval(&denied, &alice, None), Trust::Denied);
        assert_eq!(eval(&denied, &user("bob"), None), Trust::Account);
        assert_eq!(eval("{}", &alice, None), Trust::Denied);
        assert_eq!(eval("not json", &alice, None), Trust::Denied);
    }

    #[test]
    fn conditions() {
        let alice = user("alice");
        let with = |cond: &str| {
            doc(&format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:root"}},"Action":"sts:AssumeRole","Condition":{cond}}}"#
            ))
        };
        let ext = with(r#"{"StringEquals":{"sts:ExternalId":"abc-123"}}"#);
        assert_eq!(eval(&ext, &alice, Some("abc-123")), Trust::Account);
        assert_eq!(eval(&ext, &alice, Some("nope")), Trust::Denied);
        assert_eq!(
            eval(&ext, &alice, None),
            Trust::Denied,
            "absent key: positive operator false"
        );
        let not = with(r#"{"StringNotEquals":{"sts:ExternalId":"x"}}"#);
        assert_eq!(
            eval(&not, &alice, None),
            Trust::Account,
            "absent key: negated operator true"
        );
        let like = with(r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/al*"}}"#);
        assert_eq!(eval(&like, &alice, None), Trust::Account);
        assert_eq!(eval(&like, &user("bob"), None), Trust::Denied);
        let if_exists = with(r#"{"StringEqualsIfExists":{"sts:ExternalId":"x"}}"#);
        assert_eq!(eval(&if_exists, &alice, None), Trust::Account);
        let null = with(r#"{"Null":{"sts:ExternalId":"false"}}"#);
        assert_eq!(eval(&null, &alice, Some("e1")), Trust::Account);
        assert_eq!(eval(&null, &alice, None), Trust::Denied);
        let all = with(r#"{"ForAllValues:StringEquals":{"sts:ExternalId":["a1","b2"]}}"#);
        assert_eq!(
            eval(&all, &alice, None),
            Trust::Account,
            "absent key: ForAllValues holds"
        );
        assert_eq!(eval(&all, &alice, Some("b2")), Trust::Account);
        assert_eq!(eval(&all, &alice, Some("c3")), Trust::Denied);
        let any = with(r#"{"ForAnyValue:StringEquals":{"sts:ExternalId":["a1","b2"]}}"#);
        assert_eq!(eval(&any, &alice, None), Trust::Denied);
        let source_ip = with(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#);
        assert_eq!(eval(&source_ip, &alice, None), Trust::Denied);
    }

    #[test]
    fn services_and_federated_providers() {
        let ec2 = doc(
            r#"{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}"#,
        );
        assert!(admits_service(&ec2, "ec2.amazonaws.com"));
        assert!(!admits_service(&ec2, "ecs-tasks.amazonaws.com"));
        // An IAM caller is not the service, nor the service an IAM caller.
        assert_eq!(eval(&ec2, &user("alice"), None), Trust::Denied);
        let root = doc(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}"#,
        );
        assert!(!admits_service(&root, "ec2.amazonaws.com"));

        let provider = "arn:aws:iam::123456789012:oidc-provider/issuer.example/oidc";
        let fed = doc(&format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},"Action":"sts:AssumeRoleWithWebIdentity",
               "Condition":{{"StringLike":{{"issuer.example/oidc:sub":"repo:octo/*"}},
                            "StringEqualsIfExists":{{"issuer.example/oidc:amr":"mfa"}}}}}}"#
        ));
        let claims = |sub: &str| {
            let mut k = Keys::new();
            k.prefix_known("issuer.example/oidc:");
            k.set("issuer.example/oidc:sub", vec![sub.to_owned()]);
            k
        };
        assert!(admits_web_identity(
            &fed,
            provider,
            &claims("repo:octo/app")
        ));
        assert!(!admits_web_identity(
            &fed,
            provider,
            &claims("repo:evil/app")
        ));
        assert!(!admits_web_identity(
            &fed,
            "arn:aws:iam::123456789012:oidc-provider/other",
            &claims("repo:octo/app")
        ));
        // The trust allows AssumeRoleWithWebIdentity only: not AssumeRole by a service.
        assert!(!admits_service(&fed, "ec2.amazonaws.com"));
        // A claim key the token does not carry is unknown without the prefix: fail closed.
        let mut unknown = Keys::new();
        unknown.set("issuer.example/oidc:sub", vec!["repo:octo/app".into()]);
        assert!(!admits_web_identity(&fed, provider, &unknown));
    }
}
