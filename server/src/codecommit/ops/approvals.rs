//! A pull request's approvals: CreatePullRequestApprovalRule,
//! UpdatePullRequestApprovalRuleContent, DeletePullRequestApprovalRule,
//! UpdatePullRequestApprovalState, GetPullRequestApprovalStates,
//! EvaluatePullRequestApprovalRules, OverridePullRequestApprovalRules,
//! GetPullRequestOverrideState.

use serde::{Deserialize, Serialize};

use super::epoch;
use super::{pr, pull_request_target};
use crate::codecommit::approvals;
use crate::codecommit::error::CodeCommitError as E;
use crate::context::Context;
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::approvals::{self as rows, RuleRow};
use crate::store::pull_requests::PullRequestRow;

/// An approval rule as CodeCommit returns it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRule {
    pub approval_rule_id: String,
    pub approval_rule_name: String,
    pub approval_rule_content: String,
    pub rule_content_sha256: String,
    pub last_modified_date: Option<f64>,
    pub creation_date: Option<f64>,
    pub last_modified_user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_approval_rule_template: Option<OriginTemplate>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginTemplate {
    pub approval_rule_template_id: String,
    pub approval_rule_template_name: String,
}

impl From<RuleRow> for ApprovalRule {
    fn from(r: RuleRow) -> Self {
        ApprovalRule {
            rule_content_sha256: approvals::sha256(&r.content),
            last_modified_date: epoch(&r.last_modified_at),
            creation_date: epoch(&r.created_at),
            approval_rule_id: r.approval_rule_id,
            approval_rule_name: r.name,
            approval_rule_content: r.content,
            last_modified_user: r.last_modified_user,
            origin_approval_rule_template: r.template.map(|(id, name)| OriginTemplate {
                approval_rule_template_id: id,
                approval_rule_template_name: name,
            }),
        }
    }
}

/// The pull request's rules, for its view.
pub fn rules_of(ctx: &Context, p: &PullRequestRow) -> Result<Vec<ApprovalRule>, E> {
    Ok(ctx
        .store
        .read(|c| rows::rules(c, p))?
        .into_iter()
        .map(ApprovalRule::from)
        .collect())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRuleOutput {
    pub approval_rule: ApprovalRule,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePullRequestApprovalRule {
    pub pull_request_id: Option<String>,
    pub approval_rule_name: Option<String>,
    pub approval_rule_content: Option<String>,
}

impl Operation for CreatePullRequestApprovalRule {
    const NAME: &'static str = "CreatePullRequestApprovalRule";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:CreatePullRequestApprovalRule");
    type Output = ApprovalRuleOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<ApprovalRuleOutput, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        let rule = approvals::create_rule(
            call.ctx,
            &p,
            self.approval_rule_name.as_deref(),
            self.approval_rule_content.as_deref(),
            &call.principal.arn,
        )?;
        Ok(ApprovalRuleOutput {
            approval_rule: rule.into(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePullRequestApprovalRuleContent {
    pub pull_request_id: Option<String>,
    pub approval_rule_name: Option<String>,
    pub existing_rule_content_sha256: Option<String>,
    pub new_rule_content: Option<String>,
}

impl Operation for UpdatePullRequestApprovalRuleContent {
    const NAME: &'static str = "UpdatePullRequestApprovalRuleContent";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:UpdatePullRequestApprovalRuleContent");
    type Output = ApprovalRuleOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<ApprovalRuleOutput, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        let rule = approvals::update_rule(
            call.ctx,
            &p,
            self.approval_rule_name.as_deref(),
            self.existing_rule_content_sha256.as_deref(),
            self.new_rule_content.as_deref(),
            &call.principal.arn,
        )?;
        Ok(ApprovalRuleOutput {
            approval_rule: rule.into(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletePullRequestApprovalRule {
    pub pull_request_id: Option<String>,
    pub approval_rule_name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletePullRequestApprovalRuleOutput {
    pub approval_rule_id: String,
}

impl Operation for DeletePullRequestApprovalRule {
    const NAME: &'static str = "DeletePullRequestApprovalRule";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:DeletePullRequestApprovalRule");
    type Output = DeletePullRequestApprovalRuleOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<DeletePullRequestApprovalRuleOutput, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        Ok(DeletePullRequestApprovalRuleOutput {
            approval_rule_id: approvals::delete_rule(
                call.ctx,
                &p,
                self.approval_rule_name.as_deref(),
                &call.principal.arn,
            )?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePullRequestApprovalState {
    pub pull_request_id: Option<String>,
    pub revision_id: Option<String>,
    pub approval_state: Option<String>,
}

impl Operation for UpdatePullRequestApprovalState {
    const NAME: &'static str = "UpdatePullRequestApprovalState";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:UpdatePullRequestApprovalState");
    type Output = Empty;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        approvals::set_state(
            call.ctx,
            &p,
            self.revision_id.as_deref(),
            self.approval_state.as_deref(),
            &call.principal.arn,
        )?;
        Ok(Empty {})
    }
}

/// A request naming a pull request and one of its revisions.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    pub pull_request_id: Option<String>,
    pub revision_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetPullRequestApprovalStates(pub Revision);

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    pub user_arn: String,
    pub approval_state: String,
}

#[derive(Debug, Serialize)]
pub struct GetPullRequestApprovalStatesOutput {
    pub approvals: Vec<Approval>,
}

impl Operation for GetPullRequestApprovalStates {
    const NAME: &'static str = "GetPullRequestApprovalStates";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:GetPullRequestApprovalStates");
    type Output = GetPullRequestApprovalStatesOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.0.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<GetPullRequestApprovalStatesOutput, E> {
        let p = pr(call, self.0.pull_request_id.as_deref())?;
        let revision = approvals::check_revision(&p, self.0.revision_id.as_deref(), false)?;
        let all = call.ctx.store.read(|c| rows::approvals(c, &p, &revision))?;
        Ok(GetPullRequestApprovalStatesOutput {
            approvals: all
                .into_iter()
                .filter(|(_, state)| state == "APPROVE")
                .map(|(user_arn, approval_state)| Approval {
                    user_arn,
                    approval_state,
                })
                .collect(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct EvaluatePullRequestApprovalRules(pub Revision);

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub approved: bool,
    pub overridden: bool,
    pub approval_rules_satisfied: Vec<String>,
    pub approval_rules_not_satisfied: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct EvaluateOutput {
    pub evaluation: Evaluation,
}

impl Operation for EvaluatePullRequestApprovalRules {
    const NAME: &'static str = "EvaluatePullRequestApprovalRules";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:EvaluatePullRequestApprovalRules");
    type Output = EvaluateOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.0.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<EvaluateOutput, E> {
        let p = pr(call, self.0.pull_request_id.as_deref())?;
        approvals::check_revision(&p, self.0.revision_id.as_deref(), true)?;
        let e = call.ctx.store.read(|c| approvals::evaluate(c, &p))?;
        Ok(EvaluateOutput {
            evaluation: Evaluation {
                approved: e.approved,
                overridden: e.overridden,
                approval_rules_satisfied: e.satisfied,
                approval_rules_not_satisfied: e.not_satisfied,
            },
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OverridePullRequestApprovalRules {
    pub pull_request_id: Option<String>,
    pub revision_id: Option<String>,
    pub override_status: Option<String>,
}

impl Operation for OverridePullRequestApprovalRules {
    const NAME: &'static str = "OverridePullRequestApprovalRules";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:OverridePullRequestApprovalRules");
    type Output = Empty;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        approvals::set_override(
            call.ctx,
            &p,
            self.revision_id.as_deref(),
            self.override_status.as_deref(),
            &call.principal.arn,
        )?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetPullRequestOverrideState(pub Revision);

#[derive(Debug, Serialize)]
pub struct GetPullRequestOverrideStateOutput {
    pub overridden: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overrider: Option<String>,
}

impl Operation for GetPullRequestOverrideState {
    const NAME: &'static str = "GetPullRequestOverrideState";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:GetPullRequestOverrideState");
    type Output = GetPullRequestOverrideStateOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.0.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<GetPullRequestOverrideStateOutput, E> {
        let p = pr(call, self.0.pull_request_id.as_deref())?;
        let revision = approvals::check_revision(&p, self.0.revision_id.as_deref(), false)?;
        let overrider = call.ctx.store.read(|c| rows::overrider(c, &p, &revision))?;
        Ok(GetPullRequestOverrideStateOutput {
            overridden: overrider.is_some(),
            overrider,
        })
    }
}
