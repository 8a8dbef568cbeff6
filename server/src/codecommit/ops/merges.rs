//! Merges: GetMergeOptions, GetMergeConflicts, DescribeMergeConflicts,
//! BatchDescribeMergeConflicts, GetMergeCommit, MergeBranchesByFastForward,
//! MergeBranchesBySquash, MergeBranchesByThreeWay, CreateUnreferencedMergeCommit.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use super::commits::parse_mode;
use super::{
    blob, branch_target, caller_name, max_results, page, page_kept, repository, repository_target,
};
use crate::codecommit::content;
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::merges::{
    self, Authoring, ConflictMetadata, Detail, Merge, MergeHunk, MergeOption, Replacement,
    Resolutions,
};
use crate::codecommit::refs;
use crate::context::Context;
use crate::operation::{Authorization, Call, Operation, Target};
use crate::principal::Principal;

/// The members every merge request has: where, what into what, and how conflicts count.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeSpec {
    pub repository_name: Option<String>,
    pub source_commit_specifier: Option<String>,
    pub destination_commit_specifier: Option<String>,
    pub conflict_detail_level: Option<String>,
    pub conflict_resolution_strategy: Option<String>,
}

impl MergeSpec {
    fn target(&self, ctx: &Context, principal: &Principal) -> Target {
        repository_target(ctx, principal, self.repository_name.as_deref())
    }

    /// Opens the repository and computes the merge.
    fn compute<'r>(&self, repo: &'r git2::Repository) -> Result<Merge<'r>, E> {
        let detail = Detail::parse(
            self.conflict_detail_level.as_deref(),
            self.conflict_resolution_strategy.as_deref(),
        )?;
        let source = merges::commit_of(repo, self.source_commit_specifier.as_deref())?;
        let destination = merges::commit_of(repo, self.destination_commit_specifier.as_deref())?;
        Merge::compute(repo, source, destination, detail)
    }
}

/// The three commit IDs every merge answer names.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeIds {
    pub source_commit_id: String,
    pub destination_commit_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_commit_id: Option<String>,
}

impl MergeIds {
    fn of(m: &Merge<'_>) -> MergeIds {
        MergeIds {
            source_commit_id: m.source.id().to_string(),
            destination_commit_id: m.destination.id().to_string(),
            base_commit_id: m.base.map(|b| b.to_string()),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetMergeOptions(pub MergeSpec);

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetMergeOptionsOutput {
    pub merge_options: Vec<&'static str>,
    #[serde(flatten)]
    pub ids: MergeIds,
}

impl Operation for GetMergeOptions {
    const NAME: &'static str = "GetMergeOptions";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetMergeOptions");
    type Output = GetMergeOptionsOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(self.0.target(ctx, principal))
    }

    fn handle(self, call: &Call<'_>) -> Result<GetMergeOptionsOutput, E> {
        let repo = super::open(call, self.0.repository_name.as_deref())?;
        let merge = self.0.compute(&repo)?;
        let mut options = Vec::new();
        if merge.fast_forwardable() {
            options.push(MergeOption::FastForward.name());
        }
        if merge.mergeable() {
            options.extend([MergeOption::Squash.name(), MergeOption::ThreeWay.name()]);
        }
        Ok(GetMergeOptionsOutput {
            merge_options: options,
            ids: MergeIds::of(&merge),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetMergeConflicts {
    #[serde(flatten)]
    pub spec: MergeSpec,
    pub merge_option: Option<String>,
    pub max_conflict_files: Option<i64>,
    pub next_token: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetMergeConflictsOutput {
    pub mergeable: bool,
    #[serde(flatten)]
    pub ids: MergeIds,
    pub conflict_metadata_list: Vec<ConflictMetadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for GetMergeConflicts {
    const NAME: &'static str = "GetMergeConflicts";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetMergeConflicts");
    type Output = GetMergeConflictsOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(self.spec.target(ctx, principal))
    }

    fn handle(self, call: &Call<'_>) -> Result<GetMergeConflictsOutput, E> {
        let repo = super::open(call, self.spec.repository_name.as_deref())?;
        let option = MergeOption::parse(self.merge_option.as_deref())?;
        let max = max_files(self.max_conflict_files)?;
        let compute = || {
            let merge = self.spec.compute(&repo)?;
            let mergeable = match option {
                MergeOption::FastForward => merge.fast_forwardable(),
                _ => merge.mergeable(),
            };
            let all: Vec<ConflictMetadata> = if option == MergeOption::FastForward {
                Vec::new()
            } else {
                merge.conflicts.iter().map(|c| merge.metadata(c)).collect()
            };
            Ok::<_, E>((mergeable, MergeIds::of(&merge), all))
        };
        // Kept for the next pages, under the commits' IDs (an unknown one fails as it would).
        let source = merges::commit_of(&repo, self.spec.source_commit_specifier.as_deref());
        let destination =
            merges::commit_of(&repo, self.spec.destination_commit_specifier.as_deref());
        let key = source
            .ok()
            .zip(destination.ok())
            .map(|(source, destination)| {
                format!(
                    "GetMergeConflicts\0{}\0{}\0{}\0{}\0{:?}\0{:?}",
                    repo.path().display(),
                    source.id(),
                    destination.id(),
                    option.name(),
                    self.spec.conflict_detail_level,
                    self.spec.conflict_resolution_strategy
                )
            });
        let answer = call.ctx.listings.get_or_compute(key, compute)?;
        let (mergeable, ids, all) = &*answer;
        let (conflict_metadata_list, next_token) = page_kept(all, self.next_token.as_deref(), max)?;
        Ok(GetMergeConflictsOutput {
            mergeable: *mergeable,
            ids: ids.clone(),
            conflict_metadata_list,
            next_token,
        })
    }
}

/// `maxConflictFiles`: at least 1 (InvalidMaxConflictFilesException).
fn max_files(n: Option<i64>) -> Result<i64, E> {
    match n {
        Some(n) if n < 1 => Err(E::invalid_max_conflict_files()),
        n => max_results(n),
    }
}

/// `maxMergeHunks`: at least 1 (InvalidMaxMergeHunksException).
fn max_hunks(n: Option<i64>) -> Result<i64, E> {
    match n {
        Some(n) if n < 1 => Err(E::invalid_max_merge_hunks()),
        n => max_results(n),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeMergeConflicts {
    #[serde(flatten)]
    pub spec: MergeSpec,
    pub merge_option: Option<String>,
    pub file_path: Option<String>,
    pub max_merge_hunks: Option<i64>,
    pub next_token: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeMergeConflictsOutput {
    pub conflict_metadata: ConflictMetadata,
    pub merge_hunks: Vec<MergeHunk>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(flatten)]
    pub ids: MergeIds,
}

impl Operation for DescribeMergeConflicts {
    const NAME: &'static str = "DescribeMergeConflicts";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:DescribeMergeConflicts");
    type Output = DescribeMergeConflictsOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(self.spec.target(ctx, principal))
    }

    fn handle(self, call: &Call<'_>) -> Result<DescribeMergeConflictsOutput, E> {
        let repo = super::open(call, self.spec.repository_name.as_deref())?;
        MergeOption::parse(self.merge_option.as_deref())?;
        let max = max_hunks(self.max_merge_hunks)?;
        let path = self
            .file_path
            .filter(|p| !p.is_empty())
            .ok_or_else(E::path_required)?;
        let merge = self.spec.compute(&repo)?;
        let conflict = merge.at(&path)?;
        let (merge_hunks, next_token) =
            page(merge.hunks(&conflict)?, self.next_token.as_deref(), max)?;
        Ok(DescribeMergeConflictsOutput {
            conflict_metadata: merge.metadata(&conflict),
            merge_hunks,
            next_token,
            ids: MergeIds::of(&merge),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchDescribeMergeConflicts {
    #[serde(flatten)]
    pub spec: MergeSpec,
    pub merge_option: Option<String>,
    pub max_merge_hunks: Option<i64>,
    pub max_conflict_files: Option<i64>,
    #[serde(default)]
    pub file_paths: Vec<String>,
    pub next_token: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribedConflict {
    pub conflict_metadata: ConflictMetadata,
    pub merge_hunks: Vec<MergeHunk>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeError {
    pub file_path: String,
    pub exception_name: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchDescribeMergeConflictsOutput {
    pub conflicts: Vec<DescribedConflict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub errors: Vec<DescribeError>,
    #[serde(flatten)]
    pub ids: MergeIds,
}

impl Operation for BatchDescribeMergeConflicts {
    const NAME: &'static str = "BatchDescribeMergeConflicts";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:BatchDescribeMergeConflicts");
    type Output = BatchDescribeMergeConflictsOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(self.spec.target(ctx, principal))
    }

    fn handle(self, call: &Call<'_>) -> Result<BatchDescribeMergeConflictsOutput, E> {
        let repo = super::open(call, self.spec.repository_name.as_deref())?;
        MergeOption::parse(self.merge_option.as_deref())?;
        let hunks_max = max_hunks(self.max_merge_hunks)?;
        let files_max = max_files(self.max_conflict_files)?;
        let merge = self.spec.compute(&repo)?;
        let paths: Vec<String> = if self.file_paths.is_empty() {
            merge.conflicts.iter().map(|c| c.path.clone()).collect()
        } else {
            self.file_paths
        };
        let (paths, next_token) = page(paths, self.next_token.as_deref(), files_max)?;
        let mut out = BatchDescribeMergeConflictsOutput {
            conflicts: Vec::new(),
            next_token,
            errors: Vec::new(),
            ids: MergeIds::of(&merge),
        };
        for path in paths {
            match merge.at(&path) {
                Ok(c) => {
                    let mut hunks = merge.hunks(&c)?;
                    hunks.truncate(hunks_max as usize);
                    out.conflicts.push(DescribedConflict {
                        conflict_metadata: merge.metadata(&c),
                        merge_hunks: hunks,
                    });
                }
                Err(e) => out.errors.push(DescribeError {
                    file_path: path,
                    exception_name: e.code.to_owned(),
                    message: e.message,
                }),
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetMergeCommit(pub MergeSpec);

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetMergeCommitOutput {
    #[serde(flatten)]
    pub ids: MergeIds,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_commit_id: Option<String>,
}

impl Operation for GetMergeCommit {
    const NAME: &'static str = "GetMergeCommit";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetMergeCommit");
    type Output = GetMergeCommitOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(self.0.target(ctx, principal))
    }

    fn handle(self, call: &Call<'_>) -> Result<GetMergeCommitOutput, E> {
        let repo = super::open(call, self.0.repository_name.as_deref())?;
        Detail::parse(
            self.0.conflict_detail_level.as_deref(),
            self.0.conflict_resolution_strategy.as_deref(),
        )?;
        let source = merges::commit_of(&repo, self.0.source_commit_specifier.as_deref())?;
        let destination = merges::commit_of(&repo, self.0.destination_commit_specifier.as_deref())?;
        let base = repo.merge_base(source.id(), destination.id()).ok();
        let merged = merges::merged_commit(&repo, source.id(), destination.id())?;
        Ok(GetMergeCommitOutput {
            ids: MergeIds {
                source_commit_id: source.id().to_string(),
                destination_commit_id: destination.id().to_string(),
                base_commit_id: base.map(|b| b.to_string()),
            },
            merged_commit_id: merged.map(|m| m.to_string()),
        })
    }
}

/// `conflictResolution` as the API sends it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictResolution {
    #[serde(default)]
    pub replace_contents: Vec<ReplaceContentEntry>,
    #[serde(default)]
    pub delete_files: Vec<PathEntry>,
    #[serde(default)]
    pub set_file_modes: Vec<SetFileModeEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplaceContentEntry {
    pub file_path: Option<String>,
    pub replacement_type: Option<String>,
    pub content: Option<String>,
    pub file_mode: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PathEntry {
    pub file_path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetFileModeEntry {
    pub file_path: Option<String>,
    pub file_mode: Option<String>,
}

impl ConflictResolution {
    pub fn parse(self) -> Result<Resolutions, E> {
        let mut out = Resolutions::default();
        for r in self.replace_contents {
            out.replace.push(Replacement {
                path: r.file_path.unwrap_or_default(),
                kind: r.replacement_type.unwrap_or_default(),
                content: blob(r.content.as_deref(), "content")?,
                mode: parse_mode(r.file_mode.as_deref())?,
            });
        }
        for d in self.delete_files {
            out.delete.push(d.file_path.unwrap_or_default());
        }
        for m in self.set_file_modes {
            let mode = parse_mode(m.file_mode.as_deref())?.ok_or_else(E::file_mode_required)?;
            out.set_mode.push((m.file_path.unwrap_or_default(), mode));
        }
        Ok(out)
    }
}

/// What a merge that writes a commit takes besides the spec.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeWrite {
    #[serde(flatten)]
    pub spec: MergeSpec,
    pub target_branch: Option<String>,
    pub merge_option: Option<String>,
    pub author_name: Option<String>,
    pub email: Option<String>,
    pub commit_message: Option<String>,
    #[serde(default)]
    pub keep_empty_folders: bool,
    pub conflict_resolution: Option<ConflictResolution>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeOutput {
    pub commit_id: String,
    pub tree_id: String,
}

impl MergeWrite {
    /// Computes the merge, settles the caller's resolutions and writes the commit
    /// (unreferenced): its ID and tree.
    fn commit<'r>(
        self,
        call: &Call<'_>,
        repo: &'r git2::Repository,
        option: MergeOption,
    ) -> Result<(Merge<'r>, git2::Oid, git2::Oid), E> {
        let mut merge = self.spec.compute(repo)?;
        if let Some(r) = self.conflict_resolution {
            merge.resolve(&r.parse()?)?;
        }
        let caller = caller_name(call.principal);
        let (commit, tree) = merges::merge_commit(
            &mut merge,
            option,
            self.keep_empty_folders,
            &Authoring {
                caller: &caller,
                author_name: self.author_name.as_deref(),
                email: self.email.as_deref(),
                message: self.commit_message.as_deref(),
            },
        )?;
        Ok((merge, commit, tree))
    }
}

/// The three MergeBranchesBy… operations, by their merge option.
pub trait BranchMerge: Send + 'static {
    const NAME: &'static str;
    const ACTION: &'static str;
    const OPTION: MergeOption;
}

#[derive(Debug)]
pub struct FastForward;
#[derive(Debug)]
pub struct Squash;
#[derive(Debug)]
pub struct ThreeWay;

impl BranchMerge for FastForward {
    const NAME: &'static str = "MergeBranchesByFastForward";
    const ACTION: &'static str = "codecommit:MergeBranchesByFastForward";
    const OPTION: MergeOption = MergeOption::FastForward;
}

impl BranchMerge for Squash {
    const NAME: &'static str = "MergeBranchesBySquash";
    const ACTION: &'static str = "codecommit:MergeBranchesBySquash";
    const OPTION: MergeOption = MergeOption::Squash;
}

impl BranchMerge for ThreeWay {
    const NAME: &'static str = "MergeBranchesByThreeWay";
    const ACTION: &'static str = "codecommit:MergeBranchesByThreeWay";
    const OPTION: MergeOption = MergeOption::ThreeWay;
}

/// MergeBranchesByFastForward / BySquash / ByThreeWay: the merge, then the target branch
/// moves to it (compare-and-swap).
#[derive(Debug, Deserialize)]
#[serde(bound = "")]
pub struct MergeBranches<M> {
    #[serde(flatten)]
    pub write: MergeWrite,
    #[serde(skip)]
    kind: PhantomData<M>,
}

impl<M: BranchMerge + std::fmt::Debug> Operation for MergeBranches<M> {
    const NAME: &'static str = M::NAME;
    const AUTHORIZATION: Authorization = Authorization::Required(M::ACTION);
    type Output = MergeOutput;
    type Error = E;

    /// The branch the merge moves, as `codecommit:References`.
    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        let w = &self.write;
        let branch = w
            .target_branch
            .as_deref()
            .filter(|t| !t.is_empty())
            .or(w.spec.destination_commit_specifier.as_deref());
        Ok(branch_target(
            ctx,
            principal,
            w.spec.repository_name.as_deref(),
            branch,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<MergeOutput, E> {
        let row = repository(
            call.ctx,
            call.principal,
            self.write.spec.repository_name.as_deref(),
        )?;
        let repo = content::open(call.ctx, &row)?;
        let branch = merges::target_branch(
            &repo,
            self.write.target_branch.as_deref(),
            self.write.spec.destination_commit_specifier.as_deref(),
        )?
        .to_owned();
        let tip = content::branch_tip(&repo, &branch)
            .ok_or_else(|| E::internal(format!("branch {branch} vanished")))?;
        let (_, commit, tree) = self.write.commit(call, &repo, M::OPTION)?;
        let moved = merges::move_branch(&repo, &row, &call.principal.arn, &branch, (tip, commit))?;
        refs::settle(call.ctx, moved)?;
        Ok(MergeOutput {
            commit_id: commit.to_string(),
            tree_id: tree.to_string(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct CreateUnreferencedMergeCommit(pub MergeWrite);

impl Operation for CreateUnreferencedMergeCommit {
    const NAME: &'static str = "CreateUnreferencedMergeCommit";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:CreateUnreferencedMergeCommit");
    type Output = MergeOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(self.0.spec.target(ctx, principal))
    }

    fn handle(self, call: &Call<'_>) -> Result<MergeOutput, E> {
        let repo = super::open(call, self.0.spec.repository_name.as_deref())?;
        let option = MergeOption::parse(self.0.merge_option.as_deref())?;
        let (_, commit, tree) = self.0.commit(call, &repo, option)?;
        Ok(MergeOutput {
            commit_id: commit.to_string(),
            tree_id: tree.to_string(),
        })
    }
}
