//! Approval rules, in AWS's rule grammar (`Version` 2018-11-08, `Statements` of `Type`
//! `Approvers` with `NumberOfApprovalsNeeded` and optional `ApprovalPoolMembers`;
//! `DestinationReferences` in templates), approvals per revision (a new revision starts
//! with none), overrides, and the evaluation a merge must pass.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::pull_request_log::{record, require_open};
use crate::context::Context;
use crate::store::approvals::{self as rows, RuleRow, TemplateRow};
use crate::store::now_timestamp;
use crate::store::pull_requests::PullRequestRow;

/// CodeCommit's limits.
pub const MAX_RULES: usize = 25;
pub const MAX_APPROVALS: usize = 200;

/// A rule's content, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleContent {
    pub destination_references: Vec<String>,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub needed: usize,
    /// Empty: anyone but the author counts.
    pub pool: Vec<String>,
}

/// Parses rule (or template) content; `invalid` is the operation's exception
/// ([`E::INVALID_APPROVAL_RULE_CONTENT`] or [`E::INVALID_APPROVAL_RULE_TEMPLATE_CONTENT`]).
pub fn parse_content(text: &str, invalid: &'static str) -> Result<RuleContent, E> {
    let bad = || E::invalid_content(invalid);
    let v: Value = serde_json::from_str(text).map_err(|_| bad())?;
    if v.get("Version").and_then(Value::as_str) != Some("2018-11-08") {
        return Err(bad());
    }
    let strings = |v: Option<&Value>| -> Result<Vec<String>, E> {
        match v {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|s| s.as_str().map(str::to_owned).ok_or_else(bad))
                .collect(),
            Some(_) => Err(bad()),
        }
    };
    let statements = v
        .get("Statements")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
        .ok_or_else(bad)?
        .iter()
        .map(|s| {
            if s.get("Type").and_then(Value::as_str) != Some("Approvers") {
                return Err(bad());
            }
            let needed = s
                .get("NumberOfApprovalsNeeded")
                .and_then(Value::as_u64)
                .filter(|n| (1..=MAX_APPROVALS as u64).contains(n))
                .ok_or_else(bad)?;
            Ok(Statement {
                needed: needed as usize,
                pool: strings(s.get("ApprovalPoolMembers"))?,
            })
        })
        .collect::<Result<Vec<_>, E>>()?;
    Ok(RuleContent {
        destination_references: strings(v.get("DestinationReferences"))?,
        statements,
    })
}

pub fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Whether pool member `member` names `approver`: an ARN (IAM user, assumed-role session,
/// with `*`/`?` wildcards) or `CodeCommitApprovers:ACCOUNT:NAME`, NAME an IAM user name or
/// `ROLE/SESSION` of an assumed role (wildcards too).
pub fn pool_matches(member: &str, approver: &str) -> bool {
    if let Some(rest) = member.strip_prefix("CodeCommitApprovers:") {
        let Some((account, name)) = rest.split_once(':') else {
            return false;
        };
        let user = format!("arn:aws:iam::{account}:user/{name}");
        let role = format!("arn:aws:sts::{account}:assumed-role/{name}");
        let user_last = approver
            .strip_prefix(&format!("arn:aws:iam::{account}:user/"))
            .map(|p| p.rsplit('/').next().unwrap_or(p));
        return crate::policy::glob(&user, approver, false)
            || crate::policy::glob(&role, approver, false)
            || user_last.is_some_and(|u| crate::policy::glob(name, u, false));
    }
    crate::policy::glob(member, approver, false)
}

/// EvaluatePullRequestApprovalRules' answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub approved: bool,
    pub overridden: bool,
    pub satisfied: Vec<String>,
    pub not_satisfied: Vec<String>,
}

/// Evaluates the pull request's rules on its current revision.
pub fn evaluate(c: &rusqlite::Connection, p: &PullRequestRow) -> Result<Evaluation, E> {
    let approvers: Vec<String> = rows::approvals(c, p, &p.revision_id)?
        .into_iter()
        .filter(|(user, state)| state == "APPROVE" && *user != p.author_arn)
        .map(|(user, _)| user)
        .collect();
    let (mut satisfied, mut not_satisfied) = (Vec::new(), Vec::new());
    for rule in rows::rules(c, p)? {
        let ok = match parse_content(&rule.content, E::INVALID_APPROVAL_RULE_CONTENT) {
            Ok(content) => content.statements.iter().all(|s| {
                let count = approvers
                    .iter()
                    .filter(|a| s.pool.is_empty() || s.pool.iter().any(|m| pool_matches(m, a)))
                    .count();
                count >= s.needed
            }),
            Err(_) => false,
        };
        if ok {
            satisfied.push(rule.name);
        } else {
            not_satisfied.push(rule.name);
        }
    }
    let overridden = rows::overrider(c, p, &p.revision_id)?.is_some();
    Ok(Evaluation {
        approved: overridden || not_satisfied.is_empty(),
        overridden,
        satisfied,
        not_satisfied,
    })
}

/// A merge needs the rules met (or overridden).
pub fn require_approved(ctx: &Context, p: &PullRequestRow) -> Result<(), E> {
    if !ctx.store.read(|c| evaluate(c, p))?.approved {
        return Err(E::pull_request_approval_rules_not_satisfied());
    }
    Ok(())
}

pub fn check_rule_name(name: Option<&str>) -> Result<&str, E> {
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or_else(E::approval_rule_name_required)?;
    if name.chars().count() > 100 {
        return Err(E::invalid_approval_rule_name());
    }
    Ok(name)
}

fn content_required(content: Option<&str>) -> Result<&str, E> {
    let content = content
        .filter(|c| !c.is_empty())
        .ok_or_else(E::approval_rule_content_required)?;
    if content.chars().count() > 3000 {
        return Err(E::invalid_approval_rule_content());
    }
    parse_content(content, E::INVALID_APPROVAL_RULE_CONTENT)?;
    Ok(content)
}

fn rule_event(rule: &RuleRow) -> Value {
    json!({"approvalRuleEventMetadata": {
        "approvalRuleName": rule.name,
        "approvalRuleId": rule.approval_rule_id,
        "approvalRuleContent": rule.content,
    }})
}

fn find_rule(
    c: &rusqlite::Connection,
    p: &PullRequestRow,
    name: &str,
) -> Result<Option<RuleRow>, E> {
    Ok(rows::rules(c, p)?.into_iter().find(|r| r.name == name))
}

/// CreatePullRequestApprovalRule.
pub fn create_rule(
    ctx: &Context,
    p: &PullRequestRow,
    name: Option<&str>,
    content: Option<&str>,
    actor: &str,
) -> Result<RuleRow, E> {
    let name = check_rule_name(name)?;
    let content = content_required(content)?;
    require_open(p)?;
    ctx.store.write(|c| {
        let existing = rows::rules(c, p)?;
        if existing.iter().any(|r| r.name == name) {
            return Err(E::approval_rule_name_already_exists(name));
        }
        if existing.len() >= MAX_RULES {
            return Err(E::number_of_rules_exceeded(MAX_RULES));
        }
        let now = now_timestamp();
        let rule = RuleRow {
            approval_rule_id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            content: content.to_owned(),
            created_at: now.clone(),
            last_modified_at: now,
            last_modified_user: actor.to_owned(),
            template: None,
        };
        rows::insert_rule(c, p, &rule)?;
        record(
            c,
            p,
            "PULL_REQUEST_APPROVAL_RULE_CREATED",
            actor,
            rule_event(&rule),
        )?;
        Ok(rule)
    })
}

/// UpdatePullRequestApprovalRuleContent (a rule from a template cannot be changed).
pub fn update_rule(
    ctx: &Context,
    p: &PullRequestRow,
    name: Option<&str>,
    existing_sha256: Option<&str>,
    content: Option<&str>,
    actor: &str,
) -> Result<RuleRow, E> {
    let name = check_rule_name(name)?;
    let content = content_required(content)?;
    require_open(p)?;
    ctx.store.write(|c| {
        let mut rule =
            find_rule(c, p, name)?.ok_or_else(|| E::approval_rule_does_not_exist(name))?;
        if rule.template.is_some() {
            return Err(E::cannot_modify_approval_rule_from_template());
        }
        if let Some(sha) = existing_sha256.filter(|s| !s.is_empty())
            && sha != sha256(&rule.content)
        {
            return Err(E::invalid_rule_content_sha256());
        }
        rule.content = content.to_owned();
        rule.last_modified_at = now_timestamp();
        rule.last_modified_user = actor.to_owned();
        rows::update_rule(c, &rule)?;
        record(
            c,
            p,
            "PULL_REQUEST_APPROVAL_RULE_UPDATED",
            actor,
            rule_event(&rule),
        )?;
        Ok(rule)
    })
}

/// DeletePullRequestApprovalRule: the deleted rule's ID (empty when there was none).
pub fn delete_rule(
    ctx: &Context,
    p: &PullRequestRow,
    name: Option<&str>,
    actor: &str,
) -> Result<String, E> {
    let name = check_rule_name(name)?;
    require_open(p)?;
    ctx.store.write(|c| {
        let Some(rule) = find_rule(c, p, name)? else {
            return Ok(String::new());
        };
        if rule.template.is_some() {
            return Err(E::cannot_delete_approval_rule_from_template());
        }
        rows::delete_rule(c, &rule.approval_rule_id)?;
        record(
            c,
            p,
            "PULL_REQUEST_APPROVAL_RULE_DELETED",
            actor,
            rule_event(&rule),
        )?;
        Ok(rule.approval_rule_id)
    })
}

/// A `revisionId` that must be given, and (`current`) be the pull request's current one.
pub fn check_revision(
    p: &PullRequestRow,
    revision: Option<&str>,
    current: bool,
) -> Result<String, E> {
    let revision = revision
        .filter(|r| !r.is_empty())
        .ok_or_else(E::revision_id_required)?;
    if revision.len() != 64 || !revision.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(E::invalid_revision_id(revision));
    }
    if current && revision != p.revision_id {
        return Err(E::revision_not_current());
    }
    Ok(revision.to_owned())
}

/// UpdatePullRequestApprovalState (the author may not approve).
pub fn set_state(
    ctx: &Context,
    p: &PullRequestRow,
    revision: Option<&str>,
    state: Option<&str>,
    actor: &str,
) -> Result<(), E> {
    check_revision(p, revision, true)?;
    let state = state
        .filter(|s| !s.is_empty())
        .ok_or_else(E::approval_state_required)?;
    if state != "APPROVE" && state != "REVOKE" {
        return Err(E::invalid_approval_state(state));
    }
    require_open(p)?;
    if state == "APPROVE" && actor == p.author_arn {
        return Err(E::pull_request_cannot_be_approved_by_author());
    }
    ctx.store.write(|c| {
        let approvals = rows::approvals(c, p, &p.revision_id)?;
        if approvals.len() >= MAX_APPROVALS && !approvals.iter().any(|(u, _)| u == actor) {
            return Err(E::maximum_number_of_approvals_exceeded(MAX_APPROVALS));
        }
        rows::set_approval(c, p, actor, state)?;
        record(
            c,
            p,
            "PULL_REQUEST_APPROVAL_STATE_CHANGED",
            actor,
            json!({"approvalStateChangedEventMetadata": {
                "revisionId": p.revision_id, "approvalStatus": state}}),
        )?;
        Ok(())
    })
}

/// OverridePullRequestApprovalRules: OVERRIDE sets aside the rules for this revision,
/// REVOKE restores them.
pub fn set_override(
    ctx: &Context,
    p: &PullRequestRow,
    revision: Option<&str>,
    status: Option<&str>,
    actor: &str,
) -> Result<(), E> {
    check_revision(p, revision, true)?;
    let status = status
        .filter(|s| !s.is_empty())
        .ok_or_else(E::override_status_required)?;
    if status != "OVERRIDE" && status != "REVOKE" {
        return Err(E::invalid_override_status(status));
    }
    require_open(p)?;
    ctx.store.write(|c| {
        let current = rows::overrider(c, p, &p.revision_id)?;
        if (status == "OVERRIDE") == current.is_some() {
            return Err(E::override_already_set());
        }
        rows::set_override(c, p, (status == "OVERRIDE").then_some(actor))?;
        record(
            c,
            p,
            "PULL_REQUEST_APPROVAL_RULE_OVERRIDDEN",
            actor,
            json!({"approvalRuleOverriddenEventMetadata": {
                "revisionId": p.revision_id, "overrideStatus": status}}),
        )?;
        Ok(())
    })
}

/// The rules the repository's templates give a new pull request: each template whose
/// `DestinationReferences` is empty or names the destination.
pub fn apply_templates(c: &rusqlite::Connection, p: &PullRequestRow, actor: &str) -> Result<(), E> {
    for t in rows::templates_of_repository(c, &p.repository_id)? {
        let Ok(content) = parse_content(&t.content, E::INVALID_APPROVAL_RULE_TEMPLATE_CONTENT)
        else {
            continue;
        };
        let applies = content.destination_references.is_empty()
            || content
                .destination_references
                .iter()
                .any(|d| crate::policy::glob(d, &p.destination_reference, false));
        if !applies {
            continue;
        }
        let now = now_timestamp();
        let rule = RuleRow {
            approval_rule_id: uuid::Uuid::new_v4().to_string(),
            name: t.name.clone(),
            content: t.content.clone(),
            created_at: now.clone(),
            last_modified_at: now,
            last_modified_user: actor.to_owned(),
            template: Some((t.template_id.clone(), t.name.clone())),
        };
        rows::insert_rule(c, p, &rule)?;
    }
    Ok(())
}

/// Template content's checks (InvalidApprovalRuleTemplateContentException).
pub fn check_template_content(content: Option<&str>) -> Result<&str, E> {
    let content = content
        .filter(|c| !c.is_empty())
        .ok_or_else(E::approval_rule_template_content_required)?;
    if content.chars().count() > 3000 {
        return Err(E::invalid_approval_rule_template_content());
    }
    parse_content(content, E::INVALID_APPROVAL_RULE_TEMPLATE_CONTENT)?;
    Ok(content)
}

/// The template a request names (ApprovalRuleTemplateNameRequired, Invalid…, …DoesNotExist).
pub fn template(ctx: &Context, account: &str, name: Option<&str>) -> Result<TemplateRow, E> {
    let name = check_template_name(name)?;
    ctx.store
        .read(|c| rows::find_template(c, account, &ctx.region, name))?
        .ok_or_else(|| E::approval_rule_template_does_not_exist(name))
}

pub fn check_template_name(name: Option<&str>) -> Result<&str, E> {
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or_else(E::approval_rule_template_name_required)?;
    if name.chars().count() > 100 {
        return Err(E::invalid_approval_rule_template_name());
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar_and_pool_members() {
        let ok = r#"{"Version":"2018-11-08","DestinationReferences":["refs/heads/main"],
            "Statements":[{"Type":"Approvers","NumberOfApprovalsNeeded":2,
            "ApprovalPoolMembers":["arn:aws:sts::123456789012:assumed-role/Review/*"]}]}"#;
        let c = parse_content(ok, "X").unwrap();
        assert_eq!(c.destination_references, ["refs/heads/main"]);
        assert_eq!(c.statements[0].needed, 2);
        for bad in [
            r#"{"Version":"2012-10-17","Statements":[{"Type":"Approvers","NumberOfApprovalsNeeded":1}]}"#,
            r#"{"Version":"2018-11-08","Statements":[]}"#,
            r#"{"Version":"2018-11-08","Statements":[{"Type":"Owners","NumberOfApprovalsNeeded":1}]}"#,
            r#"{"Version":"2018-11-08","Statements":[{"Type":"Approvers","NumberOfApprovalsNeeded":0}]}"#,
            "not json",
        ] {
            assert_eq!(parse_content(bad, "X").unwrap_err().code, "X", "{bad}");
        }
        let session = "arn:aws:sts::123456789012:assumed-role/Review/mary";
        assert!(pool_matches(
            "arn:aws:sts::123456789012:assumed-role/Review/*",
            session
        ));
        assert!(pool_matches(
            "CodeCommitApprovers:123456789012:Review/mary",
            session
        ));
        assert!(!pool_matches(
            "CodeCommitApprovers:123456789012:Other/*",
            session
        ));
        let user = "arn:aws:iam::123456789012:user/team/Mary_Major";
        assert!(pool_matches(
            "CodeCommitApprovers:123456789012:Mary_Major",
            user
        ));
        assert!(!pool_matches(
            "CodeCommitApprovers:210987654321:Mary_Major",
            user
        ));
        assert!(pool_matches("arn:aws:iam::123456789012:user/team/*", user));
    }
}
