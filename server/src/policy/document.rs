//! A policy document as IAM reads it: parsed once, validated with IAM's rules and messages
//! (`MalformedPolicyDocument`), then evaluated many times by [`super::eval`].

use serde_json::{Map, Value};

use super::condition::{Operator, SetQualifier};

/// Which kind of policy a document is: what it must and must not contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Attached to a user, group or role, or passed as an STS session policy: no
    /// `Principal`, every statement names resources.
    Identity,
    /// A role's trust policy (resource-based): every statement names a principal, none a
    /// resource.
    Trust,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// Patterns a statement lists under `Action`/`NotAction` or `Resource`/`NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    /// `NotAction` / `NotResource`: the statement applies to everything else.
    pub negated: bool,
    pub values: Vec<String>,
}

/// `Principal` / `NotPrincipal` of a resource-based statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principals {
    pub negated: bool,
    /// `"Principal": "*"`.
    pub everyone: bool,
    pub aws: Vec<String>,
    pub service: Vec<String>,
    pub federated: Vec<String>,
}

/// One condition: an operator over one key and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: Operator,
    pub qualifier: Option<SetQualifier>,
    pub if_exists: bool,
    /// The condition key as written (keys compare case-insensitively).
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Zero-based position in the document.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principals>,
    pub action: Patterns,
    pub resource: Option<Patterns>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `2012-10-17`: policy variables are substituted (not in `2008-10-17` documents).
    pub variables: bool,
    pub statements: Vec<Statement>,
}

/// IAM's `MalformedPolicyDocument` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

const SYNTAX: &str = "Syntax errors in policy.";
const LEGACY: &str = "The policy failed legacy parsing";

fn malformed(message: &str) -> Malformed {
    Malformed(message.to_owned())
}

/// Parses and validates `text` as IAM does for a policy of `kind`.
pub fn parse(text: &str, kind: Kind) -> Result<Policy, Malformed> {
    let doc: Value = serde_json::from_str(text).map_err(|_| malformed(SYNTAX))?;
    let Value::Object(doc) = doc else {
        return Err(malformed(SYNTAX));
    };
    for key in doc.keys() {
        if !["Version", "Id", "Statement"].contains(&key.as_str()) {
            return Err(malformed(SYNTAX));
        }
    }
    let version = match doc.get("Version") {
        None => None,
        Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => Some(v.as_str()),
        Some(_) => return Err(malformed(SYNTAX)),
    };
    if doc.get("Id").is_some_and(|id| !id.is_string()) {
        return Err(malformed(SYNTAX));
    }
    let raw: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(a)) if !a.is_empty() => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => return Err(malformed(SYNTAX)),
    };
    let mut statements = Vec::with_capacity(raw.len());
    for (index, s) in raw.into_iter().enumerate() {
        let Value::Object(s) = s else {
            return Err(malformed(SYNTAX));
        };
        statements.push(statement(index, s, kind)?);
    }
    let variables = version == Some("2012-10-17");
    if !variables && statements.iter().any(uses_variables) {
        return Err(malformed(
            "Policy document must be version 2012-10-17 or greater.",
        ));
    }
    let mut sids: Vec<&str> = statements.iter().filter_map(|s| s.sid.as_deref()).collect();
    sids.sort_unstable();
    if sids.windows(2).any(|w| w[0] == w[1] && !w[0].is_empty()) {
        return Err(malformed(
            "Statement IDs (SID) in a single policy must be unique.",
        ));
    }
    for s in &statements {
        for action in &s.action.values {
            check_action(action)?;
        }
        if let Some(r) = &s.resource {
            for resource in &r.values {
                check_resource(resource)?;
            }
        }
    }
    Ok(Policy {
        variables,
        statements,
    })
}

fn uses_variables(s: &Statement) -> bool {
    let in_resources = s
        .resource
        .iter()
        .flat_map(|r| &r.values)
        .any(|v| v.contains("${"));
    in_resources
        || s.conditions
            .iter()
            .flat_map(|c| &c.values)
            .any(|v| v.contains("${"))
}

fn statement(index: usize, s: &Map<String, Value>, kind: Kind) -> Result<Statement, Malformed> {
    const ELEMENTS: [&str; 9] = [
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    ];
    if s.keys().any(|k| !ELEMENTS.contains(&k.as_str())) {
        return Err(malformed(SYNTAX));
    }
    let sid = match s.get("Sid") {
        None => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(_) => return Err(malformed(SYNTAX)),
    };
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(e) if e.eq_ignore_ascii_case("allow") || e.eq_ignore_ascii_case("deny") => {
            return Err(malformed(LEGACY));
        }
        _ => return Err(malformed(SYNTAX)),
    };
    let principal = principals(s)?;
    let action = patterns(s, "Action", "NotAction")?
        .ok_or_else(|| malformed("Policy statement must contain actions."))?;
    let resource = patterns(s, "Resource", "NotResource")?;
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(Value::Object(ops)) => conditions(ops)?,
        Some(_) => return Err(malformed(SYNTAX)),
    };
    match kind {
        Kind::Identity => {
            if principal.is_some() {
                return Err(malformed("Policy document should not specify a principal."));
            }
            if resource.is_none() {
                return Err(malformed("Policy statement must contain resources."));
            }
        }
        Kind::Trust => {
            if principal.is_none() {
                return Err(malformed("Missing required field Principal"));
            }
            if let Some(r) = &resource {
                let field = if r.negated { "NotResource" } else { "Resource" };
                return Err(Malformed(format!("Has prohibited field {field}")));
            }
        }
    }
    Ok(Statement {
        index,
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

/// A string or a list of strings.
fn strings(v: &Value) -> Result<Vec<String>, Malformed> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| malformed(SYNTAX))
            })
            .collect(),
        _ => Err(malformed(SYNTAX)),
    }
}

fn patterns(
    s: &Map<String, Value>,
    positive: &str,
    negative: &str,
) -> Result<Option<Patterns>, Malformed> {
    let (negated, v) = match (s.get(positive), s.get(negative)) {
        (Some(_), Some(_)) => return Err(malformed(SYNTAX)),
        (Some(v), None) => (false, v),
        (None, Some(v)) => (true, v),
        (None, None) => return Ok(None),
    };
    let values = strings(v)?;
    Ok((!values.is_empty()).then_some(Patterns { negated, values }))
}

fn principals(s: &Map<String, Value>) -> Result<Option<Principals>, Malformed> {
    let (negated, v) = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(_), Some(_)) => return Err(malformed(SYNTAX)),
        (Some(v), None) => (false, v),
        (None, Some(v)) => (true, v),
        (None, None) => return Ok(None),
    };
    let mut p = Principals {
        negated,
        everyone: false,
        aws: Vec::new(),
        service: Vec::new(),
        federated: Vec::new(),
    };
    match v {
        Value::String(s) if s == "*" => p.everyone = true,
        Value::Object(kinds) => {
            for (kind, names) in kinds {
                let names = strings(names)?;
                match kind.as_str() {
                    "AWS" => p.aws.extend(names),
                    "Service" => p.service.extend(names),
                    "Federated" => p.federated.extend(names),
                    "CanonicalUser" => {}
                    _ => return Err(malformed("Invalid principal in policy")),
                }
            }
        }
        _ => return Err(malformed("Invalid principal in policy")),
    }
    Ok(Some(p))
}

fn conditions(ops: &Map<String, Value>) -> Result<Vec<Condition>, Malformed> {
    let mut out = Vec::new();
    for (name, keys) in ops {
        let Value::Object(keys) = keys else {
            return Err(malformed(SYNTAX));
        };
        let (qualifier, rest) = SetQualifier::strip(name);
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        // An operator IAM does not know is refused at write time, so evaluation never
        // meets one (and never skips a Deny because of it).
        let operator = Operator::from_name(base).ok_or_else(|| malformed(SYNTAX))?;
        if operator == Operator::Null && (if_exists || qualifier.is_some()) {
            return Err(malformed(SYNTAX));
        }
        for (key, values) in keys {
            let values = match values {
                Value::Bool(b) => vec![b.to_string()],
                Value::Number(n) => vec![n.to_string()],
                Value::Array(a) => a
                    .iter()
                    .map(|x| match x {
                        Value::String(s) => Ok(s.clone()),
                        Value::Bool(b) => Ok(b.to_string()),
                        Value::Number(n) => Ok(n.to_string()),
                        _ => Err(malformed(SYNTAX)),
                    })
                    .collect::<Result<_, _>>()?,
                Value::String(s) => vec![s.clone()],
                _ => return Err(malformed(SYNTAX)),
            };
            if key.split(':').count() > 2 && !key.contains('/') {
                return Err(malformed("Actions/Condition can contain only one colon."));
            }
            out.push(Condition {
                operator,
                qualifier,
                if_exists,
                key: key.clone(),
                values,
            });
        }
    }
    Ok(out)
}

fn check_action(action: &str) -> Result<(), Malformed> {
    if action == "*" {
        return Ok(());
    }
    let parts: Vec<&str> = action.split(':').collect();
    match parts.as_slice() {
        [_] => Err(malformed(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        )),
        [vendor, _] => {
            let ok = vendor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'*');
            if ok {
                Ok(())
            } else {
                Err(Malformed(format!("Vendor {vendor} is not valid")))
            }
        }
        _ => Err(malformed("Actions/Condition can contain only one colon.")),
    }
}

fn check_resource(resource: &str) -> Result<(), Malformed> {
    if resource == "*" {
        return Ok(());
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.len() < 2 {
        return Err(Malformed(format!(
            "Resource {resource} must be in ARN format or \"*\"."
        )));
    }
    if parts[0] != "arn" && parts[0] != "*" {
        return Err(Malformed(format!(
            "Resource {resource} must be in ARN format or \"*\"."
        )));
    }
    let partition = parts[1];
    if !["aws", "aws-cn", "aws-us-gov", "*"].contains(&partition) {
        return Err(Malformed(format!(
            "Partition \"{partition}\" is not valid for resource \"{resource}\"."
        )));
    }
    if parts.len() < 6 {
        return Err(malformed(
            "Resource vendor must be fully qualified and cannot contain regexes.",
        ));
    }
    if parts[2] == "iam" && !parts[3].is_empty() {
        return Err(Malformed(format!(
            "IAM resource {resource} cannot contain region information."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str, kind: Kind) -> String {
        parse(text, kind).unwrap_err().0
    }

    #[test]
    fn valid_documents() {
        let p = parse(
            r#"{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":["codecommit:Get*"],"Resource":"*",
                "Condition":{"ForAnyValue:StringLikeIfExists":{"codecommit:References":["refs/heads/${aws:username}/*"]},"Bool":{"aws:SecureTransport":true}}}}"#,
            Kind::Identity,
        )
        .unwrap();
        assert!(p.variables);
        let s = &p.statements[0];
        assert_eq!(s.effect, Effect::Allow);
        assert_eq!(s.conditions.len(), 2);
        let c = s
            .conditions
            .iter()
            .find(|c| c.operator == Operator::StringLike)
            .unwrap();
        assert!(c.if_exists);
        assert_eq!(c.qualifier, Some(SetQualifier::ForAnyValue));
        let b = s
            .conditions
            .iter()
            .find(|c| c.operator == Operator::Bool)
            .unwrap();
        assert_eq!(b.values, vec!["true"]);
        let trust = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#,
            Kind::Trust,
        )
        .unwrap();
        assert_eq!(
            trust.statements[0].principal.as_ref().unwrap().aws,
            vec!["arn:aws:iam::123456789012:root"]
        );
    }

    #[test]
    fn iam_messages() {
        let id = Kind::Identity;
        assert_eq!(err("not json", id), SYNTAX);
        assert_eq!(err(r#"{"Version":"2012-10-17"}"#, id), SYNTAX);
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"a:b":"c"}}}]}"#,
                id
            ),
            SYNTAX,
            "unknown operator refused at write time"
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]}"#,
                id
            ),
            LEGACY
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
                id
            ),
            "Policy statement must contain actions."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#,
                id
            ),
            "Policy statement must contain resources."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#,
                id
            ),
            "Policy document should not specify a principal."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GitPush","Resource":"*"}]}"#,
                id
            ),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"demo"}]}"#,
                id
            ),
            "Resource demo must be in ARN format or \"*\"."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"x","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
                id
            ),
            "Statement IDs (SID) in a single policy must be unique."
        );
        assert_eq!(
            err(
                r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${aws:username}"}]}"#,
                id
            ),
            "Policy document must be version 2012-10-17 or greater."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Resource":"*"}]}"#,
                Kind::Trust
            ),
            "Has prohibited field Resource"
        );
    }
}
