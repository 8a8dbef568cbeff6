//! Repository management: Create, Get, List, BatchGet, Delete, UpdateName,
//! UpdateDescription, UpdateEncryptionKey.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{epoch, page, repository, repository_target};
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::manage;
use crate::context::Context;
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::RepositoryRow;
use crate::store::repositories as rows;

const REPOSITORY_PAGE: i64 = 100;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryMetadata {
    pub account_id: String,
    pub repository_id: String,
    pub repository_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
    pub last_modified_date: Option<f64>,
    pub creation_date: Option<f64>,
    pub clone_url_http: String,
    pub clone_url_ssh: String,
    #[serde(rename = "Arn")]
    pub arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
}

impl RepositoryMetadata {
    pub fn new(ctx: &Context, r: &RepositoryRow) -> Self {
        let (https, ssh) = ctx.clone_bases.get().cloned().unwrap_or_default();
        RepositoryMetadata {
            account_id: r.account_id.clone(),
            repository_id: r.repository_id.clone(),
            repository_name: r.name.clone(),
            repository_description: r.description.clone(),
            default_branch: r.default_branch.clone(),
            last_modified_date: epoch(&r.last_modified_at),
            creation_date: epoch(&r.created_at),
            clone_url_http: format!("{https}/v1/repos/{}", r.name),
            clone_url_ssh: format!("{ssh}/v1/repos/{}", r.name),
            arn: r.arn(),
            kms_key_id: r.kms_key_id.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryMetadataOutput {
    pub repository_metadata: RepositoryMetadata,
}

/// A tags map; a value that is not a string is InvalidTagsMapException.
pub fn tag_pairs(
    tags: Option<&BTreeMap<String, serde_json::Value>>,
) -> Result<Vec<(String, String)>, E> {
    tags.into_iter()
        .flatten()
        .map(|(k, v)| match v.as_str() {
            Some(v) => Ok((k.clone(), v.to_owned())),
            None => Err(E::invalid_tags_map()),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRepository {
    pub repository_name: Option<String>,
    pub repository_description: Option<String>,
    pub tags: Option<BTreeMap<String, serde_json::Value>>,
    pub kms_key_id: Option<String>,
}

impl Operation for CreateRepository {
    const NAME: &'static str = "CreateRepository";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:CreateRepository");
    type Output = RepositoryMetadataOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        let target = repository_target(ctx, principal, self.repository_name.as_deref());
        Ok(target.with_request_tags(super::request_tags(&self.tags)))
    }

    fn handle(self, call: &Call<'_>) -> Result<RepositoryMetadataOutput, E> {
        let name = self.repository_name.unwrap_or_default();
        manage::check_name(&name)?;
        let tags = tag_pairs(self.tags.as_ref())?;
        let row = manage::create(
            call.ctx,
            &call.principal.account_id,
            &name,
            self.repository_description.as_deref(),
            &tags,
            self.kms_key_id.as_deref(),
        )?;
        Ok(RepositoryMetadataOutput {
            repository_metadata: RepositoryMetadata::new(call.ctx, &row),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetRepository {
    pub repository_name: Option<String>,
}

impl Operation for GetRepository {
    const NAME: &'static str = "GetRepository";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetRepository");
    type Output = RepositoryMetadataOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<RepositoryMetadataOutput, E> {
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        Ok(RepositoryMetadataOutput {
            repository_metadata: RepositoryMetadata::new(call.ctx, &row),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRepositories {
    pub sort_by: Option<String>,
    pub order: Option<String>,
    pub next_token: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryNameIdPair {
    pub repository_name: String,
    pub repository_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRepositoriesOutput {
    pub repositories: Vec<RepositoryNameIdPair>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListRepositories {
    const NAME: &'static str = "ListRepositories";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:ListRepositories");
    type Output = ListRepositoriesOutput;
    type Error = E;

    fn handle(self, call: &Call<'_>) -> Result<ListRepositoriesOutput, E> {
        let sort_by = self.sort_by.as_deref().unwrap_or("repositoryName");
        let order = self.order.as_deref().unwrap_or("ascending");
        if !["repositoryName", "lastModifiedDate"].contains(&sort_by) {
            return Err(E::invalid_sort_by());
        }
        if !["ascending", "descending"].contains(&order) {
            return Err(E::invalid_order());
        }
        let ctx = call.ctx;
        let mut all = ctx
            .store
            .read(|c| rows::list_repositories(c, &call.principal.account_id, &ctx.region))?;
        if sort_by == "lastModifiedDate" {
            all.sort_by(|a, b| {
                a.last_modified_at
                    .cmp(&b.last_modified_at)
                    .then(a.name.cmp(&b.name))
            });
        }
        if order == "descending" {
            all.reverse();
        }
        let (page, next_token) = page(all, self.next_token.as_deref(), REPOSITORY_PAGE)?;
        Ok(ListRepositoriesOutput {
            repositories: page
                .into_iter()
                .map(|r| RepositoryNameIdPair {
                    repository_name: r.name,
                    repository_id: r.repository_id,
                })
                .collect(),
            next_token,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchGetRepositories {
    #[serde(default)]
    pub repository_names: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchGetRepositoriesError {
    pub repository_name: String,
    pub error_code: &'static str,
    pub error_message: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchGetRepositoriesOutput {
    pub repositories: Vec<RepositoryMetadata>,
    pub repositories_not_found: Vec<String>,
    pub errors: Vec<BatchGetRepositoriesError>,
}

impl Operation for BatchGetRepositories {
    const NAME: &'static str = "BatchGetRepositories";
    const LIGHT: bool = true;
    /// Decided on every repository named: a Deny on one refuses the call.
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:BatchGetRepositories");
    type Output = BatchGetRepositoriesOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(Target::each(
            self.repository_names
                .iter()
                .map(|name| repository_target(ctx, principal, Some(name))),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<BatchGetRepositoriesOutput, E> {
        let names = self.repository_names;
        if names.is_empty() {
            return Err(E::repository_names_required());
        }
        if names.len() > 25 {
            return Err(E::maximum_repository_names_exceeded(25));
        }
        let mut out = BatchGetRepositoriesOutput {
            repositories: vec![],
            repositories_not_found: vec![],
            errors: vec![],
        };
        for name in names {
            manage::check_name(&name)?;
            match manage::get(call.ctx, &call.principal.account_id, &name) {
                Ok(r) => out.repositories.push(RepositoryMetadata::new(call.ctx, &r)),
                Err(e) if e.code == E::REPOSITORY_DOES_NOT_EXIST => {
                    out.errors.push(BatchGetRepositoriesError {
                        repository_name: name.clone(),
                        error_code: e.code,
                        error_message: e.message,
                    });
                    out.repositories_not_found.push(name);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteRepository {
    pub repository_name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteRepositoryOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository_id: Option<String>,
}

impl Operation for DeleteRepository {
    const NAME: &'static str = "DeleteRepository";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:DeleteRepository");
    type Output = DeleteRepositoryOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<DeleteRepositoryOutput, E> {
        let name = self.repository_name.unwrap_or_default();
        manage::check_name(&name)?;
        Ok(DeleteRepositoryOutput {
            repository_id: manage::delete(call.ctx, &call.principal.account_id, &name)?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRepositoryName {
    pub old_name: Option<String>,
    pub new_name: Option<String>,
}

impl Operation for UpdateRepositoryName {
    const NAME: &'static str = "UpdateRepositoryName";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:UpdateRepositoryName");
    type Output = Empty;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(ctx, principal, self.old_name.as_deref()))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, E> {
        let old = self.old_name.unwrap_or_default();
        let new = self.new_name.unwrap_or_default();
        manage::check_name(&old)?;
        manage::check_name(&new)?;
        manage::rename(call.ctx, &call.principal.account_id, &old, &new)?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRepositoryDescription {
    pub repository_name: Option<String>,
    pub repository_description: Option<String>,
}

impl Operation for UpdateRepositoryDescription {
    const NAME: &'static str = "UpdateRepositoryDescription";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:UpdateRepositoryDescription");
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
        let name = self.repository_name.unwrap_or_default();
        manage::check_name(&name)?;
        let description = self.repository_description;
        if let Some(d) = &description {
            manage::check_description(d)?;
        }
        manage::update(call.ctx, &call.principal.account_id, &name, |r| {
            r.description = description
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRepositoryEncryptionKey {
    pub repository_name: Option<String>,
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRepositoryEncryptionKeyOutput {
    pub repository_id: String,
    pub kms_key_id: Option<String>,
    pub original_kms_key_id: Option<String>,
}

impl Operation for UpdateRepositoryEncryptionKey {
    const NAME: &'static str = "UpdateRepositoryEncryptionKey";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:UpdateRepositoryEncryptionKey");
    type Output = UpdateRepositoryEncryptionKeyOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<UpdateRepositoryEncryptionKeyOutput, E> {
        let name = self.repository_name.unwrap_or_default();
        manage::check_name(&name)?;
        let (row, original) = manage::update_kms_key(
            call.ctx,
            &call.principal.account_id,
            &name,
            self.kms_key_id.as_deref().unwrap_or_default(),
        )?;
        Ok(UpdateRepositoryEncryptionKeyOutput {
            repository_id: row.repository_id,
            kms_key_id: row.kms_key_id,
            original_kms_key_id: original,
        })
    }
}
