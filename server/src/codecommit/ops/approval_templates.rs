//! Approval rule templates: CreateApprovalRuleTemplate, GetApprovalRuleTemplate,
//! DeleteApprovalRuleTemplate, ListApprovalRuleTemplates, UpdateApprovalRuleTemplateName,
//! UpdateApprovalRuleTemplateDescription, UpdateApprovalRuleTemplateContent,
//! AssociateApprovalRuleTemplateWithRepository,
//! DisassociateApprovalRuleTemplateFromRepository,
//! BatchAssociateApprovalRuleTemplateWithRepositories,
//! BatchDisassociateApprovalRuleTemplateFromRepositories,
//! ListAssociatedApprovalRuleTemplatesForRepository, ListRepositoriesForApprovalRuleTemplate.
//! A template gives its rule to each pull request created afterwards in an associated
//! repository (`crate::codecommit::approvals::apply_templates`).

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use super::{epoch, max_results, page, repository, repository_target};
use crate::codecommit::approvals::{self, check_template_name};
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::manage;
use crate::context::Context;
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::approvals::{self as rows, TemplateRow};
use crate::store::now_timestamp;

/// CodeCommit's limits.
const MAX_TEMPLATES: usize = 1000;
const MAX_TEMPLATES_PER_REPOSITORY: usize = 25;
const MAX_BATCH_REPOSITORIES: usize = 25;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRuleTemplate {
    pub approval_rule_template_id: String,
    pub approval_rule_template_name: String,
    pub approval_rule_template_description: String,
    pub approval_rule_template_content: String,
    pub rule_content_sha256: String,
    pub last_modified_date: Option<f64>,
    pub creation_date: Option<f64>,
    pub last_modified_user: String,
}

impl From<TemplateRow> for ApprovalRuleTemplate {
    fn from(t: TemplateRow) -> Self {
        ApprovalRuleTemplate {
            rule_content_sha256: approvals::sha256(&t.content),
            last_modified_date: epoch(&t.last_modified_at),
            creation_date: epoch(&t.created_at),
            approval_rule_template_id: t.template_id,
            approval_rule_template_name: t.name,
            approval_rule_template_description: t.description,
            approval_rule_template_content: t.content,
            last_modified_user: t.last_modified_user,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateOutput {
    pub approval_rule_template: ApprovalRuleTemplate,
}

impl From<TemplateRow> for TemplateOutput {
    fn from(t: TemplateRow) -> Self {
        TemplateOutput {
            approval_rule_template: t.into(),
        }
    }
}

fn check_description(d: Option<&str>) -> Result<String, E> {
    let d = d.unwrap_or_default();
    if d.chars().count() > 1000 {
        return Err(E::invalid_approval_rule_template_description());
    }
    Ok(d.to_owned())
}

/// Writes back a template after `change`, as the caller.
fn update(
    call: &Call<'_>,
    name: Option<&str>,
    change: impl FnOnce(&rusqlite::Connection, &mut TemplateRow) -> Result<(), E>,
) -> Result<TemplateOutput, E> {
    let mut t = approvals::template(call.ctx, &call.principal.account_id, name)?;
    call.ctx.store.write(|c| {
        change(c, &mut t)?;
        t.last_modified_at = now_timestamp();
        t.last_modified_user = call.principal.arn.clone();
        rows::update_template(c, &t)?;
        Ok::<_, E>(())
    })?;
    Ok(t.into())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateApprovalRuleTemplate {
    pub approval_rule_template_name: Option<String>,
    pub approval_rule_template_content: Option<String>,
    pub approval_rule_template_description: Option<String>,
}

impl Operation for CreateApprovalRuleTemplate {
    const NAME: &'static str = "CreateApprovalRuleTemplate";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:CreateApprovalRuleTemplate");
    type Output = TemplateOutput;
    type Error = E;

    fn handle(self, call: &Call<'_>) -> Result<TemplateOutput, E> {
        let name = check_template_name(self.approval_rule_template_name.as_deref())?;
        let content =
            approvals::check_template_content(self.approval_rule_template_content.as_deref())?;
        let description = check_description(self.approval_rule_template_description.as_deref())?;
        let (account, region) = (&call.principal.account_id, &call.ctx.region);
        let now = now_timestamp();
        let t = TemplateRow {
            template_id: uuid::Uuid::new_v4().to_string(),
            account_id: account.clone(),
            region: region.clone(),
            name: name.to_owned(),
            description,
            content: content.to_owned(),
            created_at: now.clone(),
            last_modified_at: now,
            last_modified_user: call.principal.arn.clone(),
        };
        call.ctx.store.write(|c| {
            if rows::find_template(c, account, region, name)?.is_some() {
                return Err(E::approval_rule_template_name_already_exists(name));
            }
            if rows::list_templates(c, account, region)?.len() >= MAX_TEMPLATES {
                return Err(E::number_of_rule_templates_exceeded(MAX_TEMPLATES));
            }
            rows::insert_template(c, &t)?;
            Ok(())
        })?;
        Ok(t.into())
    }
}

/// A request naming one template.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateName {
    pub approval_rule_template_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetApprovalRuleTemplate(pub TemplateName);

impl Operation for GetApprovalRuleTemplate {
    const NAME: &'static str = "GetApprovalRuleTemplate";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:GetApprovalRuleTemplate");
    type Output = TemplateOutput;
    type Error = E;

    fn handle(self, call: &Call<'_>) -> Result<TemplateOutput, E> {
        Ok(approvals::template(
            call.ctx,
            &call.principal.account_id,
            self.0.approval_rule_template_name.as_deref(),
        )?
        .into())
    }
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct DeleteApprovalRuleTemplate(pub TemplateName);

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteApprovalRuleTemplateOutput {
    pub approval_rule_template_id: String,
}

impl Operation for DeleteApprovalRuleTemplate {
    const NAME: &'static str = "DeleteApprovalRuleTemplate";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:DeleteApprovalRuleTemplate");
    type Output = DeleteApprovalRuleTemplateOutput;
    type Error = E;

    /// A template that does not exist answers an empty ID, as CodeCommit does.
    fn handle(self, call: &Call<'_>) -> Result<DeleteApprovalRuleTemplateOutput, E> {
        let name = check_template_name(self.0.approval_rule_template_name.as_deref())?;
        let (account, region) = (&call.principal.account_id, &call.ctx.region);
        let id = call.ctx.store.write(|c| {
            let Some(t) = rows::find_template(c, account, region, name)? else {
                return Ok(String::new());
            };
            if !rows::repositories_of_template(c, &t.template_id)?.is_empty() {
                return Err(E::approval_rule_template_in_use());
            }
            rows::delete_template(c, &t.template_id)?;
            Ok(t.template_id)
        })?;
        Ok(DeleteApprovalRuleTemplateOutput {
            approval_rule_template_id: id,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListApprovalRuleTemplates {
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateNames {
    pub approval_rule_template_names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListApprovalRuleTemplates {
    const NAME: &'static str = "ListApprovalRuleTemplates";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:ListApprovalRuleTemplates");
    type Output = TemplateNames;
    type Error = E;

    fn handle(self, call: &Call<'_>) -> Result<TemplateNames, E> {
        let max = max_results(self.max_results)?;
        let all = call
            .ctx
            .store
            .read(|c| rows::list_templates(c, &call.principal.account_id, &call.ctx.region))?;
        let names = all.into_iter().map(|t| t.name).collect();
        let (approval_rule_template_names, next_token) =
            page(names, self.next_token.as_deref(), max)?;
        Ok(TemplateNames {
            approval_rule_template_names,
            next_token,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateApprovalRuleTemplateName {
    pub old_approval_rule_template_name: Option<String>,
    pub new_approval_rule_template_name: Option<String>,
}

impl Operation for UpdateApprovalRuleTemplateName {
    const NAME: &'static str = "UpdateApprovalRuleTemplateName";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:UpdateApprovalRuleTemplateName");
    type Output = TemplateOutput;
    type Error = E;

    fn handle(self, call: &Call<'_>) -> Result<TemplateOutput, E> {
        let new = check_template_name(self.new_approval_rule_template_name.as_deref())?.to_owned();
        let (account, region) = (call.principal.account_id.clone(), call.ctx.region.clone());
        update(
            call,
            self.old_approval_rule_template_name.as_deref(),
            |c, t| {
                if t.name != new && rows::find_template(c, &account, &region, &new)?.is_some() {
                    return Err(E::approval_rule_template_name_already_exists(&new));
                }
                t.name = new;
                Ok(())
            },
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateApprovalRuleTemplateDescription {
    pub approval_rule_template_name: Option<String>,
    pub approval_rule_template_description: Option<String>,
}

impl Operation for UpdateApprovalRuleTemplateDescription {
    const NAME: &'static str = "UpdateApprovalRuleTemplateDescription";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:UpdateApprovalRuleTemplateDescription");
    type Output = TemplateOutput;
    type Error = E;

    fn handle(self, call: &Call<'_>) -> Result<TemplateOutput, E> {
        let description = check_description(self.approval_rule_template_description.as_deref())?;
        update(call, self.approval_rule_template_name.as_deref(), |_, t| {
            t.description = description;
            Ok(())
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateApprovalRuleTemplateContent {
    pub approval_rule_template_name: Option<String>,
    pub new_rule_content: Option<String>,
    pub existing_rule_content_sha256: Option<String>,
}

impl Operation for UpdateApprovalRuleTemplateContent {
    const NAME: &'static str = "UpdateApprovalRuleTemplateContent";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:UpdateApprovalRuleTemplateContent");
    type Output = TemplateOutput;
    type Error = E;

    fn handle(self, call: &Call<'_>) -> Result<TemplateOutput, E> {
        let content =
            approvals::check_template_content(self.new_rule_content.as_deref())?.to_owned();
        let existing = self.existing_rule_content_sha256.filter(|s| !s.is_empty());
        update(call, self.approval_rule_template_name.as_deref(), |_, t| {
            if let Some(sha) = existing
                && sha != approvals::sha256(&t.content)
            {
                return Err(E::invalid_rule_content_sha256());
            }
            t.content = content;
            Ok(())
        })
    }
}

/// Associates (or disassociates) a template with one repository; the repository's limit is
/// checked when associating.
fn change_association(
    c: &rusqlite::Connection,
    t: &TemplateRow,
    repository_id: &str,
    associate: bool,
) -> Result<(), E> {
    if !associate {
        rows::disassociate(c, &t.template_id, repository_id)?;
        return Ok(());
    }
    let current = rows::templates_of_repository(c, repository_id)?;
    if !current.iter().any(|x| x.template_id == t.template_id)
        && current.len() >= MAX_TEMPLATES_PER_REPOSITORY
    {
        return Err(E::maximum_rule_templates_associated_with_repository(
            MAX_TEMPLATES_PER_REPOSITORY,
        ));
    }
    rows::associate(c, &t.template_id, repository_id)?;
    Ok(())
}

/// The operations that associate a template with a repository and take it off again.
pub trait Association: Send + 'static {
    const NAME: &'static str;
    const BATCH_NAME: &'static str;
    const ACTION: &'static str;
    const BATCH_ACTION: &'static str;
    const ASSOCIATE: bool;
}

#[derive(Debug)]
pub struct Associate;
#[derive(Debug)]
pub struct Disassociate;

impl Association for Associate {
    const NAME: &'static str = "AssociateApprovalRuleTemplateWithRepository";
    const BATCH_NAME: &'static str = "BatchAssociateApprovalRuleTemplateWithRepositories";
    const ACTION: &'static str = "codecommit:AssociateApprovalRuleTemplateWithRepository";
    const BATCH_ACTION: &'static str =
        "codecommit:BatchAssociateApprovalRuleTemplateWithRepositories";
    const ASSOCIATE: bool = true;
}

impl Association for Disassociate {
    const NAME: &'static str = "DisassociateApprovalRuleTemplateFromRepository";
    const BATCH_NAME: &'static str = "BatchDisassociateApprovalRuleTemplateFromRepositories";
    const ACTION: &'static str = "codecommit:DisassociateApprovalRuleTemplateFromRepository";
    const BATCH_ACTION: &'static str =
        "codecommit:BatchDisassociateApprovalRuleTemplateFromRepositories";
    const ASSOCIATE: bool = false;
}

/// Associate…WithRepository / Disassociate…FromRepository.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", bound = "")]
pub struct ChangeAssociation<A> {
    pub approval_rule_template_name: Option<String>,
    pub repository_name: Option<String>,
    #[serde(skip)]
    kind: PhantomData<A>,
}

impl<A: Association + std::fmt::Debug> Operation for ChangeAssociation<A> {
    const NAME: &'static str = A::NAME;
    const AUTHORIZATION: Authorization = Authorization::Required(A::ACTION);
    type Output = Empty;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, E> {
        let t = approvals::template(
            call.ctx,
            &call.principal.account_id,
            self.approval_rule_template_name.as_deref(),
        )?;
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        call.ctx
            .store
            .write(|c| change_association(c, &t, &row.repository_id, A::ASSOCIATE))?;
        Ok(Empty {})
    }
}

/// BatchAssociate… / BatchDisassociate…: each repository on its own, failures as errors.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", bound = "")]
pub struct BatchChangeAssociation<A> {
    pub approval_rule_template_name: Option<String>,
    pub repository_names: Option<Vec<String>>,
    #[serde(skip)]
    kind: PhantomData<A>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationError {
    pub repository_name: String,
    pub error_code: String,
    pub error_message: String,
}

/// The batch answers: `associatedRepositoryNames` or `disassociatedRepositoryNames`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchAssociationOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub associated_repository_names: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disassociated_repository_names: Option<Vec<String>>,
    pub errors: Vec<AssociationError>,
}

impl<A: Association + std::fmt::Debug> Operation for BatchChangeAssociation<A> {
    const NAME: &'static str = A::BATCH_NAME;
    /// Decided on every repository named: a Deny on one refuses the call.
    const AUTHORIZATION: Authorization = Authorization::Required(A::BATCH_ACTION);
    type Output = BatchAssociationOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        let names = self.repository_names.iter().flatten();
        Ok(Target::each(
            names.map(|name| repository_target(ctx, principal, Some(name))),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<BatchAssociationOutput, E> {
        let t = approvals::template(
            call.ctx,
            &call.principal.account_id,
            self.approval_rule_template_name.as_deref(),
        )?;
        let names = self
            .repository_names
            .filter(|n| !n.is_empty())
            .ok_or_else(E::repository_names_required)?;
        if names.len() > MAX_BATCH_REPOSITORIES {
            return Err(E::maximum_repository_names_exceeded(MAX_BATCH_REPOSITORIES));
        }
        let (mut done, mut errors) = (Vec::new(), Vec::new());
        for name in names {
            let result = manage::get(call.ctx, &call.principal.account_id, &name).and_then(|row| {
                call.ctx
                    .store
                    .write(|c| change_association(c, &t, &row.repository_id, A::ASSOCIATE))
            });
            match result {
                Ok(()) => done.push(name),
                Err(e) => errors.push(AssociationError {
                    repository_name: name,
                    error_code: e.code.to_owned(),
                    error_message: e.message,
                }),
            }
        }
        Ok(BatchAssociationOutput {
            associated_repository_names: A::ASSOCIATE.then(|| done.clone()),
            disassociated_repository_names: (!A::ASSOCIATE).then_some(done),
            errors,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAssociatedApprovalRuleTemplatesForRepository {
    pub repository_name: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

impl Operation for ListAssociatedApprovalRuleTemplatesForRepository {
    const NAME: &'static str = "ListAssociatedApprovalRuleTemplatesForRepository";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:ListAssociatedApprovalRuleTemplatesForRepository");
    type Output = TemplateNames;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<TemplateNames, E> {
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let max = max_results(self.max_results)?;
        let all = call
            .ctx
            .store
            .read(|c| rows::templates_of_repository(c, &row.repository_id))?;
        let names = all.into_iter().map(|t| t.name).collect();
        let (approval_rule_template_names, next_token) =
            page(names, self.next_token.as_deref(), max)?;
        Ok(TemplateNames {
            approval_rule_template_names,
            next_token,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRepositoriesForApprovalRuleTemplate {
    pub approval_rule_template_name: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryNames {
    pub repository_names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListRepositoriesForApprovalRuleTemplate {
    const NAME: &'static str = "ListRepositoriesForApprovalRuleTemplate";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:ListRepositoriesForApprovalRuleTemplate");
    type Output = RepositoryNames;
    type Error = E;

    fn handle(self, call: &Call<'_>) -> Result<RepositoryNames, E> {
        let t = approvals::template(
            call.ctx,
            &call.principal.account_id,
            self.approval_rule_template_name.as_deref(),
        )?;
        let max = max_results(self.max_results)?;
        let all = call
            .ctx
            .store
            .read(|c| rows::repositories_of_template(c, &t.template_id))?;
        let (repository_names, next_token) = page(all, self.next_token.as_deref(), max)?;
        Ok(RepositoryNames {
            repository_names,
            next_token,
        })
    }
}
