//! Branches: Create, Get, List, Delete, UpdateDefaultBranch.

use serde::{Deserialize, Serialize};

use super::{branch_target, open, page, repository, repository_target};
use crate::codecommit::commits::{self, BranchInfo};
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::{content, refs};
use crate::context::Context;
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;

const BRANCH_PAGE: i64 = 100;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBranch {
    pub repository_name: Option<String>,
    pub branch_name: Option<String>,
    pub commit_id: Option<String>,
}

impl Operation for CreateBranch {
    const NAME: &'static str = "CreateBranch";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:CreateBranch");
    type Output = Empty;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(branch_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
            self.branch_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, E> {
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let created = commits::create_branch(
            call.ctx,
            &row,
            self.branch_name.as_deref().unwrap_or_default(),
            self.commit_id.as_deref().unwrap_or_default(),
            &call.principal.arn,
        )?;
        refs::settle(call.ctx, created)?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetBranch {
    pub repository_name: Option<String>,
    pub branch_name: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GetBranchOutput {
    pub branch: BranchInfo,
}

impl Operation for GetBranch {
    const NAME: &'static str = "GetBranch";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetBranch");
    type Output = GetBranchOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<GetBranchOutput, E> {
        let repo = open(call, self.repository_name.as_deref())?;
        Ok(GetBranchOutput {
            branch: commits::get_branch(&repo, self.branch_name.as_deref().unwrap_or_default())?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListBranches {
    pub repository_name: Option<String>,
    pub next_token: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListBranchesOutput {
    pub branches: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListBranches {
    const NAME: &'static str = "ListBranches";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:ListBranches");
    type Output = ListBranchesOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<ListBranchesOutput, E> {
        let repo = open(call, self.repository_name.as_deref())?;
        let (branches, next_token) = page(
            content::branches(&repo)?,
            self.next_token.as_deref(),
            BRANCH_PAGE,
        )?;
        Ok(ListBranchesOutput {
            branches,
            next_token,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteBranch {
    pub repository_name: Option<String>,
    pub branch_name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteBranchOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_branch: Option<BranchInfo>,
}

impl Operation for DeleteBranch {
    const NAME: &'static str = "DeleteBranch";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:DeleteBranch");
    type Output = DeleteBranchOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(branch_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
            self.branch_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<DeleteBranchOutput, E> {
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let deleted = commits::delete_branch(
            call.ctx,
            &row,
            self.branch_name.as_deref().unwrap_or_default(),
            &call.principal.arn,
        )?;
        Ok(DeleteBranchOutput {
            deleted_branch: deleted.map(|d| refs::settle(call.ctx, d)).transpose()?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDefaultBranch {
    pub repository_name: Option<String>,
    pub default_branch_name: Option<String>,
}

impl Operation for UpdateDefaultBranch {
    const NAME: &'static str = "UpdateDefaultBranch";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:UpdateDefaultBranch");
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
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        commits::update_default_branch(
            call.ctx,
            &call.principal.account_id,
            &row,
            self.default_branch_name.as_deref().unwrap_or_default(),
        )?;
        Ok(Empty {})
    }
}
