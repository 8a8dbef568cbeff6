//! Commits: GetCommit, BatchGetCommits, CreateCommit.

use serde::{Deserialize, Serialize};

use super::{blob, branch_target, caller_name, open, repository, repository_target};
use crate::codecommit::commits::{self, Change, CommitRequest, CommitResult};
use crate::codecommit::content::{self, CommitInfo};
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::refs;
use crate::context::Context;
use crate::operation::{Authorization, Call, Operation, Target};
use crate::principal::Principal;
use crate::store::RepositoryRow;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetCommit {
    pub repository_name: Option<String>,
    pub commit_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GetCommitOutput {
    pub commit: CommitInfo,
}

impl Operation for GetCommit {
    const NAME: &'static str = "GetCommit";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetCommit");
    type Output = GetCommitOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<GetCommitOutput, E> {
        let repo = open(call, self.repository_name.as_deref())?;
        let c = content::find_commit(&repo, self.commit_id.as_deref().unwrap_or_default())?;
        Ok(GetCommitOutput {
            commit: content::commit_info(&c),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchGetCommits {
    pub repository_name: Option<String>,
    #[serde(default)]
    pub commit_ids: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchGetCommitsError {
    pub commit_id: String,
    pub error_code: &'static str,
    pub error_message: String,
}

#[derive(Debug, Serialize)]
pub struct BatchGetCommitsOutput {
    pub commits: Vec<CommitInfo>,
    pub errors: Vec<BatchGetCommitsError>,
}

impl Operation for BatchGetCommits {
    const NAME: &'static str = "BatchGetCommits";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:BatchGetCommits");
    type Output = BatchGetCommitsOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<BatchGetCommitsOutput, E> {
        if self.commit_ids.is_empty() {
            return Err(E::commit_ids_list_required());
        }
        if self.commit_ids.len() > 100 {
            return Err(E::commit_ids_limit_exceeded());
        }
        let repo = open(call, self.repository_name.as_deref())?;
        let mut out = BatchGetCommitsOutput {
            commits: vec![],
            errors: vec![],
        };
        for id in self.commit_ids {
            match content::find_commit(&repo, &id) {
                Ok(c) => out.commits.push(content::commit_info(&c)),
                Err(e) => out.errors.push(BatchGetCommitsError {
                    commit_id: id,
                    error_code: e.code,
                    error_message: e.message,
                }),
            }
        }
        Ok(out)
    }
}

/// The parts of a commit every writing operation takes the same way.
pub struct CommitParts<'a> {
    pub branch_name: Option<&'a str>,
    pub parent_commit_id: Option<&'a str>,
    pub author_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub commit_message: Option<&'a str>,
}

/// Commits `changes` to `row`'s branch as the caller.
pub fn commit(
    call: &Call<'_>,
    row: &RepositoryRow,
    parts: CommitParts<'_>,
    changes: Vec<Change>,
    unchanged: fn() -> E,
) -> Result<CommitResult, E> {
    let caller = caller_name(call.principal);
    let moved = commits::commit(
        call.ctx,
        row,
        CommitRequest {
            branch: parts.branch_name.unwrap_or_default(),
            parent: parts.parent_commit_id,
            author_name: parts.author_name,
            email: parts.email,
            message: parts.commit_message,
            caller: &caller,
            actor: &call.principal.arn,
            changes,
            unchanged,
        },
    )?;
    refs::settle(call.ctx, moved)
}

pub fn parse_mode(mode: Option<&str>) -> Result<Option<git2::FileMode>, E> {
    mode.map(commits::parse_mode).transpose()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceFile {
    pub file_path: Option<String>,
    #[serde(default)]
    pub is_move: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutFileEntry {
    pub file_path: Option<String>,
    pub file_mode: Option<String>,
    pub file_content: Option<String>,
    pub source_file: Option<SourceFile>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteFileEntry {
    pub file_path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetFileModeEntry {
    pub file_path: Option<String>,
    pub file_mode: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCommit {
    pub repository_name: Option<String>,
    pub branch_name: Option<String>,
    pub parent_commit_id: Option<String>,
    pub author_name: Option<String>,
    pub email: Option<String>,
    pub commit_message: Option<String>,
    #[serde(default)]
    pub put_files: Vec<PutFileEntry>,
    #[serde(default)]
    pub delete_files: Vec<DeleteFileEntry>,
    #[serde(default)]
    pub set_file_modes: Vec<SetFileModeEntry>,
}

impl CreateCommit {
    fn changes(&self) -> Result<Vec<Change>, E> {
        let mut changes = Vec::new();
        for e in &self.put_files {
            changes.push(Change::Put {
                path: content::file_path(e.file_path.as_deref())?,
                mode: parse_mode(e.file_mode.as_deref())?,
                content: blob(e.file_content.as_deref(), "fileContent")?,
                source: e
                    .source_file
                    .as_ref()
                    .map(|sf| (sf.file_path.clone().unwrap_or_default(), sf.is_move)),
            });
        }
        for e in &self.delete_files {
            changes.push(Change::Delete {
                path: content::file_path(e.file_path.as_deref())?,
            });
        }
        for e in &self.set_file_modes {
            let mode = parse_mode(e.file_mode.as_deref())?.ok_or_else(E::file_mode_required)?;
            changes.push(Change::SetMode {
                path: content::file_path(e.file_path.as_deref())?,
                mode,
            });
        }
        Ok(changes)
    }
}

impl Operation for CreateCommit {
    const NAME: &'static str = "CreateCommit";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:CreateCommit");
    type Output = CommitResult;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(branch_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
            self.branch_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<CommitResult, E> {
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let changes = self.changes()?;
        commit(
            call,
            &row,
            CommitParts {
                branch_name: self.branch_name.as_deref(),
                parent_commit_id: self.parent_commit_id.as_deref(),
                author_name: self.author_name.as_deref(),
                email: self.email.as_deref(),
                commit_message: self.commit_message.as_deref(),
            },
            changes,
            E::no_change,
        )
    }
}
