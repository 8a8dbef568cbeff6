//! History: GetDifferences, ListFileCommitHistory.

use serde::{Deserialize, Serialize};

use super::{max_results, open, page, repository_target};
use crate::codecommit::content::{self, Difference, FileVersion};
use crate::codecommit::error::CodeCommitError as E;
use crate::context::Context;
use crate::operation::{Authorization, Call, Operation, Target};
use crate::principal::Principal;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetDifferences {
    pub repository_name: Option<String>,
    pub before_commit_specifier: Option<String>,
    pub after_commit_specifier: Option<String>,
    pub before_path: Option<String>,
    pub after_path: Option<String>,
    #[serde(rename = "MaxResults")]
    pub max_results: Option<i64>,
    #[serde(rename = "NextToken")]
    pub next_token: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GetDifferencesOutput {
    pub differences: Vec<Difference>,
    #[serde(rename = "NextToken", skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for GetDifferences {
    const NAME: &'static str = "GetDifferences";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetDifferences");
    type Output = GetDifferencesOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<GetDifferencesOutput, E> {
        let repo = open(call, self.repository_name.as_deref())?;
        let max = max_results(self.max_results)?;
        let all = content::differences(
            &repo,
            self.before_commit_specifier.as_deref(),
            self.after_commit_specifier.as_deref(),
            self.before_path.as_deref(),
            self.after_path.as_deref(),
        )?;
        let (differences, next_token) = page(all, self.next_token.as_deref(), max)?;
        Ok(GetDifferencesOutput {
            differences,
            next_token,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFileCommitHistory {
    pub repository_name: Option<String>,
    pub commit_specifier: Option<String>,
    pub file_path: Option<String>,
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFileCommitHistoryOutput {
    pub revision_dag: Vec<FileVersion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListFileCommitHistory {
    const NAME: &'static str = "ListFileCommitHistory";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:ListFileCommitHistory");
    type Output = ListFileCommitHistoryOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<ListFileCommitHistoryOutput, E> {
        let repo = open(call, self.repository_name.as_deref())?;
        let max = max_results(self.max_results)?;
        let all = content::file_history(
            &repo,
            self.commit_specifier.as_deref(),
            self.file_path.as_deref(),
        )?;
        let (revision_dag, next_token) = page(all, self.next_token.as_deref(), max)?;
        Ok(ListFileCommitHistoryOutput {
            revision_dag,
            next_token,
        })
    }
}
