//! History: GetDifferences, GetBlobDifferences, ListFileCommitHistory.

use serde::{Deserialize, Serialize};

use super::{
    DEFAULT_MAX_RESULTS, literal_commit_id, max_results, max_results_up_to, open, page, page_kept,
    repository, repository_target,
};
use crate::codecommit::blob_diff::{self, Change};
use crate::codecommit::content::{self, Difference, FileVersion};
use crate::codecommit::error::CodeCommitError as E;
use crate::context::Context;
use crate::operation::{Authorization, Call, Operation, ServiceError, Target};
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
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let max = max_results(self.max_results)?;
        let (before, after) = (
            self.before_commit_specifier.as_deref(),
            self.after_commit_specifier.as_deref(),
        );
        // Kept for the next pages, under the commits' IDs (an unknown one fails as it would).
        let key = |before: &str, after: &str| {
            format!(
                "GetDifferences\0{}\0{before}\0{after}\0{:?}\0{:?}",
                row.repository_id, self.before_path, self.after_path
            )
        };
        let before = before.filter(|b| !b.is_empty());
        let answer = |all: &[Difference]| {
            let (differences, next_token) = page_kept(all, self.next_token.as_deref(), max)?;
            Ok(GetDifferencesOutput {
                differences,
                next_token,
            })
        };
        let literal = match before {
            None => Some(""),
            Some(b) => literal_commit_id(b),
        };
        if let Some((b, a)) = literal.zip(after.and_then(literal_commit_id))
            && let Some(all) = call.ctx.listings.get::<Vec<Difference>>(&key(b, a))
        {
            return answer(&all);
        }
        let repo = content::open(call.ctx, &row)?;
        let compute = || {
            content::differences(
                &repo,
                before,
                after,
                self.before_path.as_deref(),
                self.after_path.as_deref(),
            )
        };
        let before_id = match before {
            None => Some(String::new()),
            Some(b) => commit_id(&repo, Some(b)),
        };
        let after_id = after
            .filter(|a| !a.is_empty())
            .and_then(|a| commit_id(&repo, Some(a)));
        let key = before_id.zip(after_id).map(|(b, a)| key(&b, &a));
        answer(&call.ctx.listings.get_or_compute(key, compute)?)
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
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let max = max_results(self.max_results)?;
        let spec = self.commit_specifier.as_deref();
        // Kept for the next pages, under the commit's ID (an unknown one fails as it would).
        let key = |start: &str| {
            format!(
                "ListFileCommitHistory\0{}\0{start}\0{:?}",
                row.repository_id, self.file_path
            )
        };
        let answer = |all: &[FileVersion]| {
            let (revision_dag, next_token) = page_kept(all, self.next_token.as_deref(), max)?;
            Ok(ListFileCommitHistoryOutput {
                revision_dag,
                next_token,
            })
        };
        if let Some(start) = spec.and_then(literal_commit_id)
            && let Some(all) = call.ctx.listings.get::<Vec<FileVersion>>(&key(start))
        {
            return answer(&all);
        }
        let repo = content::open(call.ctx, &row)?;
        let compute = || content::file_history(&repo, spec, self.file_path.as_deref());
        let key = commit_id(&repo, spec).map(|start| key(&start));
        answer(&call.ctx.listings.get_or_compute(key, compute)?)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetBlobDifferences {
    pub repository_name: Option<String>,
    pub before_blob_id: Option<String>,
    pub after_blob_id: Option<String>,
    pub context_lines: Option<i64>,
    pub ignore_whitespace: Option<bool>,
    #[serde(rename = "MaxResults")]
    pub max_results: Option<i64>,
    #[serde(rename = "NextToken")]
    pub next_token: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffChange {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_line_number: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_line_number: Option<u32>,
    pub content: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffHunk {
    pub before_start_line: u32,
    pub before_line_count: u32,
    pub after_start_line: u32,
    pub after_line_count: u32,
    pub changes: Vec<DiffChange>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobDifferencesOutput {
    pub hunks: Vec<DiffHunk>,
    pub is_binary: bool,
    pub before_blob_size: u64,
    pub after_blob_size: u64,
    #[serde(rename = "NextToken", skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// The most hunks one GetBlobDifferences page holds (the model's list limit).
const MAX_HUNKS: i64 = 1000;

impl Operation for GetBlobDifferences {
    const NAME: &'static str = "GetBlobDifferences";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetBlobDifferences");
    type Output = BlobDifferencesOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<BlobDifferencesOutput, E> {
        let repo = open(call, self.repository_name.as_deref())?;
        let context = match self.context_lines {
            None => blob_diff::DEFAULT_CONTEXT,
            Some(n) if (0..=i64::from(blob_diff::MAX_CONTEXT)).contains(&n) => n as u32,
            Some(n) => {
                return Err(E::validation(format!(
                    "contextLines {n} is not valid: it must be from 0 to {}.",
                    blob_diff::MAX_CONTEXT
                )));
            }
        };
        let max = max_results_up_to(self.max_results, DEFAULT_MAX_RESULTS, MAX_HUNKS)?;
        let after = content::get_blob(&repo, self.after_blob_id.as_deref().unwrap_or_default())?;
        let before = match self.before_blob_id.as_deref().filter(|b| !b.is_empty()) {
            Some(id) => content::get_blob(&repo, id)?,
            None => Vec::new(),
        };
        let is_binary = blob_diff::is_binary(&before) || blob_diff::is_binary(&after);
        let all = if is_binary {
            Vec::new()
        } else {
            blob_diff::hunks(
                &before,
                &after,
                context,
                self.ignore_whitespace.unwrap_or(false),
            )?
        };
        let all: Vec<DiffHunk> = all
            .into_iter()
            .map(|h| DiffHunk {
                before_start_line: h.before_start,
                before_line_count: h.before_count,
                after_start_line: h.after_start,
                after_line_count: h.after_count,
                changes: h
                    .lines
                    .into_iter()
                    .map(|l| DiffChange {
                        kind: match l.change {
                            Change::Context => "CONTEXT",
                            Change::Add => "ADD",
                            Change::Delete => "DELETE",
                        },
                        before_line_number: l.before,
                        after_line_number: l.after,
                        content: l.content,
                    })
                    .collect(),
            })
            .collect();
        let (hunks, next_token) = page(all, self.next_token.as_deref(), max)?;
        Ok(BlobDifferencesOutput {
            hunks,
            is_binary,
            before_blob_size: before.len() as u64,
            after_blob_size: after.len() as u64,
            next_token,
        })
    }
}

/// The ID of the commit `spec` names as the operations resolve it (HEAD when absent), if it
/// names one: the key of a kept listing.
fn commit_id(repo: &git2::Repository, spec: Option<&str>) -> Option<String> {
    content::resolve(repo, spec)
        .ok()
        .map(|c| c.id().to_string())
}
