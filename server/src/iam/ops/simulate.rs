//! The policy simulator: SimulatePrincipalPolicy and SimulateCustomPolicy answer from the
//! same evaluator that authorizes every request, so a test can check a policy offline and
//! then meet exactly that decision.

use serde::{Deserialize, Serialize};

use super::{List, MARKER, MAX_ITEMS, page};
use crate::context::Context;
use crate::iam::IamError;
use crate::iam::policies::{self, PrincipalDocuments, Source};
use crate::operation::model::Member;
use crate::operation::{Authorization, Call, Operation, Target};
use crate::policy::Kind;
use crate::policy::decide::{self, Origin, PolicySet};
use crate::principal::{AuthMethod, Identity, Principal};
use crate::store::policies::{self as rows, OwnerKind};

/// `ContextEntries.member.N`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContextEntry {
    pub context_key_name: String,
    #[serde(default)]
    pub context_key_values: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Position {
    pub line: i64,
    pub column: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MatchedStatement {
    pub source_policy_id: String,
    pub source_policy_type: String,
    pub start_position: Position,
    pub end_position: Position,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EvaluationResult {
    pub eval_action_name: String,
    pub eval_resource_name: String,
    pub eval_decision: String,
    pub matched_statements: List<MatchedStatement>,
    pub missing_context_values: List<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SimulateOutput {
    pub evaluation_results: List<EvaluationResult>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// The 1-based line and column of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> Position {
    let before = &text[..offset];
    let line = before.matches('\n').count() as i64 + 1;
    let column = before[before.rfind('\n').map_or(0, |n| n + 1)..]
        .chars()
        .count() as i64
        + 1;
    Position { line, column }
}

/// Where statement `index` of a JSON policy document starts and ends (its braces), found
/// by scanning the text (strings respected).
fn statement_span(text: &str, index: usize) -> Option<(Position, Position)> {
    let from = text.find("\"Statement\"")? + "\"Statement\"".len();
    let (mut depth, mut in_string, mut escaped, mut seen) = (0i32, false, false, 0usize);
    let (mut start, mut array) = (None, false);
    for (i, ch) in text[from..].char_indices() {
        let at = from + i;
        if in_string {
            match (escaped, ch) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match ch {
            '"' => in_string = true,
            '[' if depth == 0 => array = true,
            '{' => {
                if depth == 0 && seen == index {
                    start = Some(at);
                }
                depth += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    if seen == index {
                        return start.map(|s| (position(text, s), position(text, at)));
                    }
                    seen += 1;
                    if !array {
                        return None;
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Evaluates every action on every resource against `set`.
fn simulate(
    set: &PolicySet,
    texts: &[(Source, String)],
    principal: &Principal,
    actions: &[String],
    resources: &[String],
    context: &[ContextEntry],
) -> Vec<EvaluationResult> {
    let extra: Vec<(String, Vec<String>)> = context
        .iter()
        .map(|c| (c.context_key_name.clone(), c.context_key_values.clone()))
        .collect();
    let origin = Origin {
        source_ip: None,
        secure_transport: true,
    };
    let resources: Vec<String> = if resources.is_empty() {
        vec!["*".into()]
    } else {
        resources.to_vec()
    };
    let mut out = Vec::new();
    for action in actions {
        for resource in &resources {
            let request = decide::Request::new(action, resource);
            let outcome = decide::evaluate_with(set, principal, &origin, &request, &extra);
            let decision = match outcome.decision {
                decide::Decision::Allow => "allowed",
                decide::Decision::Deny(decide::Denial::ExplicitIdentity)
                | decide::Decision::Deny(decide::Denial::ExplicitSession) => "explicitDeny",
                decide::Decision::Deny(_) => "implicitDeny",
            };
            let matched = outcome
                .matched
                .iter()
                .map(|(source, m)| {
                    let text = texts
                        .iter()
                        .find(|(s, _)| s == source)
                        .map(|(_, t)| t.as_str())
                        .unwrap_or_default();
                    let (start, end) = statement_span(text, m.statement).unwrap_or((
                        Position { line: 1, column: 1 },
                        Position { line: 1, column: 1 },
                    ));
                    MatchedStatement {
                        source_policy_id: source.id.clone(),
                        source_policy_type: source.kind.to_owned(),
                        start_position: start,
                        end_position: end,
                    }
                })
                .collect::<Vec<_>>();
            out.push(EvaluationResult {
                eval_action_name: action.clone(),
                eval_resource_name: resource.clone(),
                eval_decision: decision.to_owned(),
                matched_statements: matched.into(),
                missing_context_values: Vec::new().into(),
            });
        }
    }
    out
}

/// The extra documents a simulation was given, validated as IAM does.
fn inputs(list: &[String]) -> Result<Vec<(Source, String)>, IamError> {
    list.iter()
        .enumerate()
        .map(|(i, doc)| {
            policies::validate(doc, Kind::Identity)?;
            Ok((
                Source {
                    id: format!("PolicyInputList.{}", i + 1),
                    kind: "none",
                },
                doc.clone(),
            ))
        })
        .collect()
}

/// What a simulation asks, whichever operation carries it.
struct Question<'a> {
    actions: &'a [String],
    resources: &'a [String],
    context: &'a [ContextEntry],
    marker: Option<&'a str>,
    max_items: Option<i64>,
}

/// Evaluates the question against `docs` as `principal`, one page of results.
fn answer(
    docs: PrincipalDocuments,
    principal: &Principal,
    q: &Question<'_>,
) -> Result<SimulateOutput, IamError> {
    let texts = docs.identity.clone();
    let set = docs.parse();
    let all = simulate(&set, &texts, principal, q.actions, q.resources, q.context);
    let (items, marker) = page(all, q.marker, q.max_items)?;
    Ok(SimulateOutput {
        evaluation_results: items.into(),
        is_truncated: marker.is_some(),
        marker,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SimulatePrincipalPolicy {
    pub policy_source_arn: String,
    #[serde(default)]
    pub policy_input_list: Vec<String>,
    #[serde(default)]
    pub action_names: Vec<String>,
    #[serde(default)]
    pub resource_arns: Vec<String>,
    #[serde(default)]
    pub context_entries: Vec<ContextEntry>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

/// The principal a simulation evaluates as, with its documents.
fn principal_of(
    c: &rusqlite::Connection,
    account_id: &str,
    arn: &str,
) -> Result<(Principal, PrincipalDocuments), IamError> {
    let no_entity = || IamError::NoSuchEntity(format!("Entity {arn} does not exist."));
    let rest = arn
        .strip_prefix(&format!("arn:aws:iam::{account_id}:"))
        .ok_or_else(|| IamError::InvalidInput(format!("Invalid ARN: {arn}")))?;
    let name = rest.rsplit('/').next().unwrap_or(rest);
    let method = AuthMethod::AccessKey {
        access_key_id: String::new(),
    };
    if rest.starts_with("user/") {
        let u = crate::store::iam::find_user_by_name(c, account_id, name)?
            .filter(|u| u.arn() == arn)
            .ok_or_else(no_entity)?;
        let docs = policies::user_documents(c, account_id, &u.user_id)?;
        Ok((crate::iam::users::principal(&u, method), docs))
    } else if rest.starts_with("role/") {
        let r = crate::store::roles::find_role_by_name(c, account_id, name)?
            .filter(|r| r.arn() == arn)
            .ok_or_else(no_entity)?;
        let docs = policies::role_session_documents(c, account_id, &r.role_id, None)?;
        Ok((
            crate::iam::roles::session_principal(&r, "simulation", method),
            docs,
        ))
    } else if rest.starts_with("group/") {
        let g = rows::find_group_by_name(c, account_id, name)?
            .filter(|g| g.arn() == arn)
            .ok_or_else(no_entity)?;
        let mut identity = Vec::new();
        policies::owner_documents(c, account_id, OwnerKind::Group, &g.group_id, &mut identity)?;
        let principal = Principal {
            account_id: account_id.to_owned(),
            arn: arn.to_owned(),
            identity: Identity::User {
                user_id: g.group_id.clone(),
                user_name: g.group_name.clone(),
            },
            method,
        };
        Ok((
            principal,
            PrincipalDocuments {
                identity,
                ..Default::default()
            },
        ))
    } else {
        Err(no_entity())
    }
}

/// The model requires `ActionNames` (and, for SimulateCustomPolicy, `PolicyInputList`); lists
/// are checked here rather than by the member constraints.
fn required_list(items: &[impl Sized], member: &str) -> Result<(), IamError> {
    if items.is_empty() {
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy \
             constraint: Member must not be null"
        )));
    }
    Ok(())
}

impl Operation for SimulatePrincipalPolicy {
    const NAME: &'static str = "SimulatePrincipalPolicy";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:SimulatePrincipalPolicy");
    const MEMBERS: &'static [Member] = &[
        Member::string("PolicySourceArn", 20, 2048, None).required(),
        MARKER,
        MAX_ITEMS,
    ];
    type Output = SimulateOutput;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        Ok(Target::arn(self.policy_source_arn.clone()))
    }

    fn handle(self, call: &Call<'_>) -> Result<SimulateOutput, IamError> {
        required_list(&self.action_names, "actionNames")?;
        let extra = inputs(&self.policy_input_list)?;
        let (principal, mut docs) = call
            .ctx
            .store
            .read(|c| principal_of(c, &call.principal.account_id, &self.policy_source_arn))?;
        docs.identity.extend(extra);
        answer(
            docs,
            &principal,
            &Question {
                actions: &self.action_names,
                resources: &self.resource_arns,
                context: &self.context_entries,
                marker: self.marker.as_deref(),
                max_items: self.max_items,
            },
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SimulateCustomPolicy {
    #[serde(default)]
    pub policy_input_list: Vec<String>,
    #[serde(default)]
    pub action_names: Vec<String>,
    #[serde(default)]
    pub resource_arns: Vec<String>,
    #[serde(default)]
    pub context_entries: Vec<ContextEntry>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

impl Operation for SimulateCustomPolicy {
    const NAME: &'static str = "SimulateCustomPolicy";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:SimulateCustomPolicy");
    const MEMBERS: &'static [Member] = &[MARKER, MAX_ITEMS];
    type Output = SimulateOutput;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<SimulateOutput, IamError> {
        required_list(&self.policy_input_list, "policyInputList")?;
        required_list(&self.action_names, "actionNames")?;
        let docs = PrincipalDocuments {
            identity: inputs(&self.policy_input_list)?,
            ..Default::default()
        };
        answer(
            docs,
            call.principal,
            &Question {
                actions: &self.action_names,
                resources: &self.resource_arns,
                context: &self.context_entries,
                marker: self.marker.as_deref(),
                max_items: self.max_items,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::statement_span;

    #[test]
    fn statement_positions() {
        let doc = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"a:b\", \"Resource\": \"*\"},\n    {\"Effect\": \"Deny\", \"Action\": \"a:}\", \"Resource\": \"*\"}\n  ]\n}";
        let (s, e) = statement_span(doc, 1).unwrap();
        assert_eq!((s.line, s.column), (5, 5));
        assert_eq!((e.line, e.column), (5, 56));
        let (s, _) = statement_span(doc, 0).unwrap();
        assert_eq!((s.line, s.column), (4, 5));
    }
}
