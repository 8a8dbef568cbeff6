//! A role's trust policy, evaluated for `sts:AssumeRole` (the README lists what is covered).
//!
//! IAM's rules for a caller in the role's own account: an explicit `Deny` that matches wins;
//! otherwise an `Allow` that names the caller (its user ARN, its role for a role session, or
//! the session ARN) lets it in; an `Allow` that names the account (`arn:aws:iam::ACCT:root`
//! or `ACCT`) hands the decision to the caller's own permissions (the authorization decision);
//! `"*"` matches everyone. `Service`, `Federated` and `CanonicalUser` principals never match
//! an IAM caller. Actions match case-insensitively with `*` and `?` wildcards.
//!
//! Conditions are evaluated over the keys this server knows — `aws:PrincipalArn`,
//! `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username`, `aws:userid`,
//! `sts:RoleSessionName`, `sts:ExternalId` — with the `String*`, `Arn*`, `Null` and `Bool`
//! operators, their `…IfExists` forms and `ForAnyValue:`/`ForAllValues:` prefixes. As in IAM,
//! a key absent from the request makes a positive operator false and a negated one
//! (`StringNotEquals`, …) or a `ForAllValues:` one true; an operator this server does not
//! implement makes its statement not apply.

use serde_json::Value;

use crate::principal::{Identity, Principal};

/// What the caller asks for, as the trust policy's conditions see it.
pub struct AssumeRequest<'a> {
    pub caller: &'a Principal,
    /// The ARN of the role the caller is in, for a role session (`aws:PrincipalArn`).
    pub caller_role_arn: Option<&'a str>,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
}

/// The trust policy's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// A statement names the caller (or everyone).
    Caller,
    /// A statement names the caller's account: its own permissions decide.
    Account,
    /// No statement allows it, or one denies it.
    Denied,
}

pub fn evaluate(policy: &str, request: &AssumeRequest<'_>) -> Trust {
    let Ok(doc) = serde_json::from_str::<Value>(policy) else {
        return Trust::Denied;
    };
    let mut verdict = Trust::Denied;
    for s in statements(&doc) {
        let Some(principal_match) = statement_applies(s, request) else {
            continue;
        };
        match s.get("Effect").and_then(Value::as_str) {
            Some("Deny") => return Trust::Denied,
            // A statement naming the caller outranks one naming only the account.
            Some("Allow") if principal_match == Trust::Caller || verdict == Trust::Denied => {
                verdict = principal_match;
            }
            _ => {}
        }
    }
    verdict
}

/// The `AWS` principals a trust policy names (in `Principal` and `NotPrincipal`), for
/// CreateRole's checks; `None` when a statement names no principal at all.
pub fn aws_principals(policy: &Value) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for s in statements(policy) {
        let p = s.get("Principal").or_else(|| s.get("NotPrincipal"))?;
        if let Some(aws) = p.get("AWS") {
            out.extend(strings(aws).into_iter().map(str::to_owned));
        }
    }
    Some(out)
}

/// A policy's statements: `Statement` is one object or an array of them.
fn statements(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    }
}

/// `Some(how the principal matched)` when the statement's action, principal and conditions
/// all apply to the request.
fn statement_applies(s: &Value, request: &AssumeRequest<'_>) -> Option<Trust> {
    let action_ok = match (s.get("Action"), s.get("NotAction")) {
        (Some(a), None) => strings(a).iter().any(|p| glob(p, "sts:AssumeRole", true)),
        (None, Some(a)) => !strings(a).iter().any(|p| glob(p, "sts:AssumeRole", true)),
        _ => false,
    };
    if !action_ok {
        return None;
    }
    let principal = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(p), None) => principal_match(p, request.caller, request.caller_role_arn)?,
        (None, Some(p)) => match principal_match(p, request.caller, request.caller_role_arn) {
            Some(_) => return None,
            None => Trust::Caller,
        },
        _ => return None,
    };
    match s.get("Condition") {
        None => Some(principal),
        Some(Value::Object(ops)) => ops
            .iter()
            .all(|(op, keys)| condition(op, keys, request))
            .then_some(principal),
        Some(_) => None,
    }
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// How the policy's `Principal` element names the caller, if it does.
fn principal_match(p: &Value, caller: &Principal, role_arn: Option<&str>) -> Option<Trust> {
    if p.as_str() == Some("*") {
        return Some(Trust::Caller);
    }
    let aws = strings(p.get("AWS")?);
    let root = format!("arn:aws:iam::{}:root", caller.account_id);
    let mut found = None;
    for entry in aws {
        if entry == "*" || entry == caller.arn || Some(entry) == role_arn {
            return Some(Trust::Caller);
        }
        if entry == root || entry == caller.account_id {
            found = Some(Trust::Account);
        }
    }
    found
}

/// One condition operator over its keys: every key must hold.
fn condition(op: &str, keys: &Value, request: &AssumeRequest<'_>) -> bool {
    let Value::Object(keys) = keys else {
        return false;
    };
    let (op, if_exists) = match op.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (op, false),
    };
    // Every key here is single-valued, so the set operators act on a one-element set; the
    // one difference: `ForAllValues` over an absent key holds (the empty set is a subset).
    let (op, for_all) = match op.strip_prefix("ForAllValues:") {
        Some(base) => (base, true),
        None => (op.strip_prefix("ForAnyValue:").unwrap_or(op), false),
    };
    keys.iter().all(|(key, wanted)| {
        let actual = context_value(key, request);
        let wanted = match wanted {
            Value::Bool(b) => vec![if *b { "true" } else { "false" }],
            other => strings(other),
        };
        if op == "Null" {
            let absent = actual.is_none();
            return wanted
                .iter()
                .any(|w| w.eq_ignore_ascii_case(&absent.to_string()));
        }
        let negated = op.contains("Not");
        let Some(actual) = actual else {
            return if_exists || negated || for_all;
        };
        let any = |case_sensitive: bool, like: bool| {
            wanted.iter().any(|w| {
                if like {
                    glob(w, &actual, !case_sensitive)
                } else if case_sensitive {
                    *w == actual
                } else {
                    w.eq_ignore_ascii_case(&actual)
                }
            })
        };
        match op {
            "StringEquals" | "ArnEquals" | "Bool" => any(true, false),
            "StringNotEquals" | "ArnNotEquals" => !any(true, false),
            "StringEqualsIgnoreCase" => any(false, false),
            "StringNotEqualsIgnoreCase" => !any(false, false),
            "StringLike" | "ArnLike" => any(true, true),
            "StringNotLike" | "ArnNotLike" => !any(true, true),
            _ => false,
        }
    })
}

/// The request's value for a condition key (names are case-insensitive).
fn context_value(key: &str, r: &AssumeRequest<'_>) -> Option<String> {
    let caller = r.caller;
    match key.to_ascii_lowercase().as_str() {
        "aws:principalarn" => Some(r.caller_role_arn.unwrap_or(&caller.arn).to_owned()),
        "aws:principalaccount" => Some(caller.account_id.clone()),
        "aws:principaltype" => Some(
            match caller.identity {
                Identity::User { .. } => "User",
                Identity::AssumedRole { .. } => "AssumedRole",
            }
            .to_owned(),
        ),
        "aws:username" => caller.user_name().map(str::to_owned),
        "aws:userid" => Some(caller.caller_id()),
        "sts:rolesessionname" => Some(r.session_name.to_owned()),
        "sts:externalid" => r.external_id.map(str::to_owned),
        _ => None,
    }
}

/// IAM's wildcard match: `*` any run of characters, `?` any one character.
fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        if ignore_case {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (p, t) = (fold(pattern), fold(text));
    // Iterative matching with one backtrack point for the last `*`.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::principal::AuthMethod;

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
        let unknown = with(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#);
        assert_eq!(eval(&unknown, &alice, None), Trust::Denied);
    }

    #[test]
    fn wildcards() {
        assert!(glob("a*c", "abbbc", false));
        assert!(glob("a?c", "abc", false));
        assert!(!glob("a?c", "abbc", false));
        assert!(glob("*", "", false));
        assert!(glob("AB*", "abc", true));
        assert!(!glob("AB*", "abc", false));
    }
}
