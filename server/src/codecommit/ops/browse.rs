//! What the web console reads that the public API has no operation for, declared with the
//! permission-only actions AWS's own console is authorized by: a ref's commit history
//! (`codecommit:GetCommitHistory`), its branches and tags (`codecommit:GetReferences`), and
//! one commit's changes as hunks (`codecommit:GetDifferences`, as its API operation); and the
//! deliveries of a repository's events, which only this server has (read with
//! `codecommit:GetRepositoryTriggers`, the permission to see where they go). They are
//! operations like any other (a typed request, a target, a handler), but no API lists them.

use serde::{Deserialize, Serialize};

use super::{open, repository_target};
use crate::codecommit::browse::{self, Base, History, PatchPage};
use crate::codecommit::content;
use crate::codecommit::error::CodeCommitError as E;
use crate::context::Context;
use crate::operation::{Authorization, Call, Operation, Target};
use crate::principal::Principal;

/// The commits of a branch, tag or commit, newest first, optionally only those changing a
/// path; a page of `limit` after `skip`.
#[derive(Debug, Deserialize)]
pub struct GetCommitHistory {
    pub repository_name: String,
    pub commit_specifier: Option<String>,
    pub file_path: Option<String>,
    pub skip: usize,
    pub limit: usize,
}

impl Operation for GetCommitHistory {
    const NAME: &'static str = "GetCommitHistory";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetCommitHistory");
    type Output = History;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            Some(&self.repository_name),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<History, E> {
        let repo = open(call, Some(&self.repository_name))?;
        let start = content::resolve(&repo, self.commit_specifier.as_deref())?.id();
        let path = match self.file_path.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => Some(content::normalize_path(p)?),
            None => None,
        };
        browse::history(
            &repo,
            start,
            path.as_deref(),
            self.skip,
            self.limit.clamp(1, 1000),
        )
    }
}

/// A repository's branches and tags, with the commits they name.
#[derive(Debug, Deserialize)]
pub struct GetReferences {
    pub repository_name: String,
}

#[derive(Debug, Serialize)]
pub struct References {
    pub default_branch: Option<String>,
    pub branches: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
}

impl Operation for GetReferences {
    const NAME: &'static str = "GetReferences";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetReferences");
    type Output = References;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            Some(&self.repository_name),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<References, E> {
        let repo = open(call, Some(&self.repository_name))?;
        let mut branches = Vec::new();
        for name in content::branches(&repo)? {
            if let Some(tip) = content::branch_tip(&repo, &name) {
                branches.push((name, tip.to_string()));
            }
        }
        Ok(References {
            default_branch: crate::git::repo::head_branch(&repo),
            branches,
            tags: browse::tags(&repo)?,
        })
    }
}

/// One commit's changes as unified-diff hunks, a page of files from `first_file`: against
/// its first parent, or against `before_commit_id`; with `since_merge_base`, only what
/// `commit_id` adds over it (from their merge base, as `git diff before...commit` and a pull
/// request show it).
#[derive(Debug, Deserialize)]
pub struct GetCommitPatch {
    pub repository_name: String,
    pub before_commit_id: Option<String>,
    pub commit_id: String,
    #[serde(default)]
    pub since_merge_base: bool,
    #[serde(default)]
    pub first_file: usize,
}

#[derive(Debug, Serialize)]
pub struct CommitPatch {
    pub commit: content::CommitInfo,
    pub patch: PatchPage,
}

impl Operation for GetCommitPatch {
    const NAME: &'static str = "GetCommitPatch";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetDifferences");
    type Output = CommitPatch;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            Some(&self.repository_name),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<CommitPatch, E> {
        let repo = open(call, Some(&self.repository_name))?;
        let commit = content::find_commit(&repo, &self.commit_id)?;
        let base = match self.before_commit_id.as_deref() {
            None => Base::FirstParent,
            Some(b) => {
                let b = content::find_commit(&repo, b)?.id();
                match self.since_merge_base {
                    // Unrelated histories have no merge base: everything is new.
                    true => repo
                        .merge_base(b, commit.id())
                        .map_or(Base::Empty, Base::Commit),
                    false => Base::Commit(b),
                }
            }
        };
        Ok(CommitPatch {
            commit: content::commit_info(&commit),
            patch: browse::patch(&repo, base, commit.id(), self.first_file)?,
        })
    }
}

/// A repository's queued, delivered and abandoned events (trigger records and EventBridge
/// events), newest first, a page of `limit` older than `before`.
#[derive(Debug, Deserialize)]
pub struct GetEventDeliveries {
    pub repository_name: String,
    pub before: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Serialize)]
pub struct Delivery {
    pub seq: i64,
    /// `sns`, `lambda` or `eventbridge`.
    pub kind: String,
    pub destination: String,
    pub label: String,
    pub body: String,
    /// `pending`, `delivered` or `dropped` (given up on, or sent nowhere).
    pub state: String,
    pub attempts: i64,
    pub created_at: String,
    pub last_attempt_at: Option<String>,
    pub last_error: Option<String>,
}

impl Operation for GetEventDeliveries {
    const NAME: &'static str = "GetEventDeliveries";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:GetRepositoryTriggers");
    type Output = Vec<Delivery>;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            Some(&self.repository_name),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<Vec<Delivery>, E> {
        let row = super::repository(call.ctx, call.principal, Some(&self.repository_name))?;
        let rows = call.ctx.store.read(|c| {
            crate::store::events::recent_for(
                c,
                &row.repository_id,
                self.before,
                self.limit.clamp(1, 1000),
            )
        })?;
        Ok(rows
            .into_iter()
            .map(|r| Delivery {
                seq: r.seq,
                kind: r.kind,
                destination: r.destination,
                label: r.label,
                body: r.body,
                state: r.state,
                attempts: r.attempts,
                created_at: r.created_at,
                last_attempt_at: r.last_attempt_at,
                last_error: r.last_error,
            })
            .collect())
    }
}
