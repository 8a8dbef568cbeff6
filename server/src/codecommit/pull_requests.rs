//! Pull requests on the real repository: one source and one destination branch, tracked as
//! they move. After every reference change, whatever made it (a push over HTTPS or SSH, an
//! API commit, a merge), [`track`] updates the repository's open pull requests: a moved
//! source gets a new revision (PULL_REQUEST_SOURCE_REFERENCE_UPDATED), and a source that the
//! destination now contains is merged and closed, as CodeCommit does for a merge made with
//! plain git.

use git2::Repository;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::codecommit::content;
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::manage;
use crate::codecommit::merges::{self, Authoring, Detail, Merge, MergeOption, Resolutions};
use crate::codecommit::repositories::RefsMoved;
use crate::context::Context;
use crate::store::RepositoryRow;
use crate::store::now_timestamp;
use crate::store::pull_requests::{self as rows, PullRequestRow};

/// CodeCommit's limit of open pull requests per repository.
pub const MAX_OPEN: i64 = 1000;

pub use crate::codecommit::pull_request_log::{CLOSED, OPEN, record, require_open};

/// What CreatePullRequest asks for.
pub struct NewPullRequest<'a> {
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub repository_name: &'a str,
    pub source: &'a str,
    pub destination: Option<&'a str>,
    pub token: Option<&'a str>,
    pub author_arn: &'a str,
}

pub fn check_title(title: Option<&str>) -> Result<&str, E> {
    let title = title
        .filter(|t| !t.is_empty())
        .ok_or_else(E::title_required)?;
    if title.chars().count() > 150 {
        return Err(E::invalid_title());
    }
    Ok(title)
}

pub fn check_description(description: Option<&str>) -> Result<(), E> {
    if description.is_some_and(|d| d.chars().count() > 10_240) {
        return Err(E::invalid_description());
    }
    Ok(())
}

/// `refs/heads/NAME` for a branch given either way; the name must be a branch of `repo`.
fn branch_ref(repo: &Repository, name: &str) -> Result<String, E> {
    let short = name.strip_prefix("refs/heads/").unwrap_or(name);
    if name.starts_with("refs/") && !name.starts_with("refs/heads/") {
        return Err(E::reference_type_not_supported(name));
    }
    if content::branch_tip(repo, short).is_none() {
        if repo.find_reference(&format!("refs/tags/{short}")).is_ok() {
            return Err(E::reference_type_not_supported(name));
        }
        return Err(E::reference_does_not_exist(name));
    }
    Ok(format!("refs/heads/{short}"))
}

fn tip(repo: &Repository, reference: &str) -> Option<git2::Oid> {
    content::branch_tip(
        repo,
        reference.strip_prefix("refs/heads/").unwrap_or(reference),
    )
}

fn new_revision() -> String {
    hex::encode(crate::crypto::random_bytes(32))
}

fn merge_base(repo: &Repository, a: git2::Oid, b: git2::Oid) -> Option<String> {
    repo.merge_base(a, b).ok().map(|m| m.to_string())
}

/// CreatePullRequest, idempotent under `clientRequestToken`.
pub fn create(ctx: &Context, account: &str, new: &NewPullRequest<'_>) -> Result<PullRequestRow, E> {
    let title = check_title(new.title)?;
    check_description(new.description)?;
    let digest = request_digest(title, new);
    if let Some(existing) = earlier_request(ctx, account, new.token, &digest)? {
        return Ok(existing);
    }
    let row = manage::get(ctx, account, new.repository_name)?;
    let repo = content::open(ctx, &row)?;
    let (source, destination) = references(&repo, &row, new)?;
    let (src, dst) = (
        tip(&repo, &source).expect("checked"),
        tip(&repo, &destination).expect("checked"),
    );
    let now = now_timestamp();
    let mut pr = PullRequestRow {
        account_id: account.to_owned(),
        region: ctx.region.clone(),
        pull_request_id: 0,
        repository_id: row.repository_id.clone(),
        repository_name: row.name.clone(),
        title: title.to_owned(),
        description: new.description.map(str::to_owned),
        status: OPEN.into(),
        author_arn: new.author_arn.to_owned(),
        client_request_token: new.token.map(str::to_owned),
        request_digest: Some(digest),
        revision_id: new_revision(),
        source_reference: source,
        destination_reference: destination,
        source_commit: src.to_string(),
        destination_commit: dst.to_string(),
        merge_base: merge_base(&repo, src, dst),
        is_merged: false,
        merged_by: None,
        merge_commit_id: None,
        merge_option: None,
        created_at: now.clone(),
        last_activity_at: now,
    };
    ctx.store
        .write(|c| insert_new(c, &ctx.region, &mut pr, new.author_arn))?;
    Ok(pr)
}

/// What a CreatePullRequest asked for, as a digest: a retry with the same token must ask
/// for the same.
fn request_digest(title: &str, new: &NewPullRequest<'_>) -> String {
    hex::encode(Sha256::digest(
        json!([
            title,
            new.description,
            new.repository_name,
            new.source,
            new.destination
        ])
        .to_string(),
    ))
}

/// The pull request an earlier request with the same `token` created, if any; the token
/// must be valid and, if it was used, for the same request (`digest`).
fn earlier_request(
    ctx: &Context,
    account: &str,
    token: Option<&str>,
    digest: &str,
) -> Result<Option<PullRequestRow>, E> {
    let Some(token) = token else {
        return Ok(None);
    };
    if token.is_empty() || token.len() > 512 {
        return Err(E::invalid_client_request_token());
    }
    let existing = ctx
        .store
        .read(|c| rows::find_by_token(c, account, &ctx.region, token))?;
    if existing
        .as_ref()
        .is_some_and(|e| e.request_digest.as_deref() != Some(digest))
    {
        return Err(E::idempotency_parameter_mismatch());
    }
    Ok(existing)
}

/// The source and destination branches (`refs/heads/…`) of a new pull request: the
/// destination defaults to the repository's default branch, and must differ from the source.
fn references(
    repo: &Repository,
    row: &RepositoryRow,
    new: &NewPullRequest<'_>,
) -> Result<(String, String), E> {
    let source = branch_ref(repo, new.source)?;
    let destination = match new.destination.filter(|d| !d.is_empty()) {
        Some(d) => branch_ref(repo, d)?,
        None => {
            let default = row
                .default_branch
                .clone()
                .ok_or_else(E::reference_name_required)?;
            branch_ref(repo, &default)?
        }
    };
    if source == destination {
        return Err(E::source_and_destination_are_same());
    }
    Ok((source, destination))
}

/// Stores a new pull request under the next ID of its account and region (unless its
/// repository has [`MAX_OPEN`] open already), with the approval rules its repository's
/// templates give it and its PULL_REQUEST_CREATED event.
fn insert_new(
    c: &rusqlite::Connection,
    region: &str,
    pr: &mut PullRequestRow,
    author_arn: &str,
) -> Result<(), E> {
    if rows::count_open(c, &pr.repository_id)? >= MAX_OPEN {
        return Err(E::maximum_open_pull_requests_exceeded(MAX_OPEN));
    }
    pr.pull_request_id = rows::next_id(c, &pr.account_id, region)?;
    rows::insert(c, pr)?;
    crate::codecommit::approvals::apply_templates(c, pr, author_arn)?;
    record(
        c,
        pr,
        "PULL_REQUEST_CREATED",
        author_arn,
        json!({"pullRequestCreatedEventMetadata": {
            "repositoryName": pr.repository_name,
            "sourceCommitId": pr.source_commit,
            "destinationCommitId": pr.destination_commit,
            "mergeBase": pr.merge_base,
        }}),
    )?;
    Ok(())
}

/// The pull request `id` names (PullRequestIdRequired, InvalidPullRequestId,
/// PullRequestDoesNotExist).
pub fn get(ctx: &Context, account: &str, id: Option<&str>) -> Result<PullRequestRow, E> {
    let id = id
        .filter(|i| !i.is_empty())
        .ok_or_else(E::pull_request_id_required)?;
    let n: i64 = id
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| E::invalid_pull_request_id(id))?;
    ctx.store
        .read(|c| rows::find(c, account, &ctx.region, n))?
        .ok_or_else(|| E::pull_request_does_not_exist(id))
}

/// Changes a pull request's fields with `change` and writes it back with its new activity
/// date (and the events `change` records).
pub fn update(
    ctx: &Context,
    mut p: PullRequestRow,
    change: impl FnOnce(&rusqlite::Connection, &mut PullRequestRow) -> Result<(), E>,
) -> Result<PullRequestRow, E> {
    ctx.store.write(|c| {
        change(c, &mut p)?;
        p.last_activity_at = now_timestamp();
        rows::update(c, &p)?;
        Ok::<_, E>(())
    })?;
    Ok(p)
}

/// UpdatePullRequestStatus: OPEN → CLOSED is the only change CodeCommit allows.
pub fn set_status(
    ctx: &Context,
    p: PullRequestRow,
    status: Option<&str>,
    actor: &str,
) -> Result<PullRequestRow, E> {
    let status = status
        .filter(|s| !s.is_empty())
        .ok_or_else(E::pull_request_status_required)?;
    if status != OPEN && status != CLOSED {
        return Err(E::invalid_pull_request_status(status));
    }
    if status == p.status {
        return Ok(p);
    }
    if status == OPEN {
        return Err(E::invalid_pull_request_status_update());
    }
    update(ctx, p, |c, p| {
        p.status = CLOSED.into();
        record(
            c,
            p,
            "PULL_REQUEST_STATUS_CHANGED",
            actor,
            json!({"pullRequestStatusChangedEventMetadata": {"pullRequestStatus": CLOSED}}),
        )?;
        Ok(())
    })
}

/// Marks `p` merged by `actor` with `commit` (and closed), with both events.
fn mark_merged(
    c: &rusqlite::Connection,
    p: &mut PullRequestRow,
    actor: &str,
    commit: &str,
    option: Option<MergeOption>,
) -> rusqlite::Result<()> {
    p.is_merged = true;
    p.merged_by = Some(actor.to_owned());
    p.merge_commit_id = Some(commit.to_owned());
    p.merge_option = option.map(|o| o.name().to_owned());
    p.status = CLOSED.into();
    p.last_activity_at = now_timestamp();
    record(
        c,
        p,
        "PULL_REQUEST_MERGE_STATE_CHANGED",
        actor,
        json!({"pullRequestMergedStateChangedEventMetadata": {
            "repositoryName": p.repository_name,
            "destinationReference": p.destination_reference,
            "mergeMetadata": merge_metadata(p),
        }}),
    )?;
    record(
        c,
        p,
        "PULL_REQUEST_STATUS_CHANGED",
        actor,
        json!({"pullRequestStatusChangedEventMetadata": {"pullRequestStatus": CLOSED}}),
    )?;
    rows::update(c, p)
}

/// `mergeMetadata` as CodeCommit shows it.
pub fn merge_metadata(p: &PullRequestRow) -> Value {
    let mut m = json!({"isMerged": p.is_merged});
    for (k, v) in [
        ("mergedBy", &p.merged_by),
        ("mergeCommitId", &p.merge_commit_id),
        ("mergeOption", &p.merge_option),
    ] {
        if let Some(v) = v {
            m[k] = Value::String(v.clone());
        }
    }
    m
}

/// Brings the repository's open pull requests up to date with its branches (see the module
/// documentation); `actor` made the change.
pub fn track(ctx: &Context, row: &RepositoryRow, actor: &str) -> Result<(), E> {
    let open: Vec<PullRequestRow> = ctx
        .store
        .read(|c| rows::list(c, &row.repository_id, None, Some(OPEN)))?;
    if open.is_empty() {
        return Ok(());
    }
    let repo = content::open(ctx, row)?;
    for mut p in open {
        let (Some(src), Some(dst)) = (
            tip(&repo, &p.source_reference),
            tip(&repo, &p.destination_reference),
        ) else {
            continue;
        };
        let (src_s, dst_s) = (src.to_string(), dst.to_string());
        if src_s == p.source_commit && dst_s == p.destination_commit {
            continue;
        }
        // The Git work happens before the store's writer is taken.
        let base = merge_base(&repo, src, dst);
        let merge_commit = if src == dst || repo.graph_descendant_of(dst, src)? {
            let commit = merges::merged_commit(&repo, src, dst).ok().flatten();
            Some(commit.unwrap_or(dst).to_string())
        } else {
            None
        };
        ctx.store.write(|c| {
            p.merge_base = base;
            if src_s != p.source_commit {
                let before = std::mem::replace(&mut p.source_commit, src_s.clone());
                p.revision_id = new_revision();
                p.last_activity_at = now_timestamp();
                record(
                    c,
                    &p,
                    "PULL_REQUEST_SOURCE_REFERENCE_UPDATED",
                    actor,
                    json!({"pullRequestSourceReferenceUpdatedEventMetadata": {
                        "repositoryName": p.repository_name,
                        "beforeCommitId": before,
                        "afterCommitId": src_s,
                        "mergeBase": p.merge_base,
                    }}),
                )?;
            }
            p.destination_commit = dst_s.clone();
            if let Some(commit) = &merge_commit {
                mark_merged(c, &mut p, actor, commit, None)?;
            } else {
                rows::update(c, &p)?;
            }
            Ok::<_, E>(())
        })?;
    }
    Ok(())
}

/// A repository named with a pull request that is not the pull request's.
pub fn not_associated(repository: &str, pull_request_id: i64) -> E {
    E::repository_not_associated_with_pull_request(repository, pull_request_id)
}

/// What MergePullRequestBy… asks for.
pub struct MergeRequest<'a> {
    pub repository_name: Option<&'a str>,
    pub source_commit_id: Option<&'a str>,
    pub option: MergeOption,
    pub detail: Detail,
    pub resolutions: Option<Resolutions>,
    pub keep_empty_folders: bool,
    pub who: Authoring<'a>,
    pub actor: &'a str,
}

/// Merges the pull request's source into its destination branch (compare-and-swap), and
/// marks it merged.
pub fn merge(
    ctx: &Context,
    p: PullRequestRow,
    req: MergeRequest<'_>,
) -> Result<RefsMoved<PullRequestRow>, E> {
    let name = req
        .repository_name
        .filter(|n| !n.is_empty())
        .ok_or_else(E::repository_name_required)?;
    let row = manage::get(ctx, &p.account_id, name)?;
    if row.repository_id != p.repository_id {
        return Err(not_associated(name, p.pull_request_id));
    }
    require_open(&p)?;
    crate::codecommit::approvals::require_approved(ctx, &p)?;
    let repo = content::open(ctx, &row)?;
    let src = tip(&repo, &p.source_reference)
        .ok_or_else(|| E::reference_does_not_exist(&p.source_reference))?;
    if let Some(given) = req.source_commit_id.filter(|s| !s.is_empty()) {
        if !content::is_object_id(given) {
            return Err(E::invalid_commit_id(given));
        }
        if given != src.to_string() {
            return Err(E::tip_of_source_reference_is_different());
        }
    }
    let dst = tip(&repo, &p.destination_reference)
        .ok_or_else(|| E::reference_does_not_exist(&p.destination_reference))?;
    let mut merge = Merge::compute(
        &repo,
        repo.find_commit(src)?,
        repo.find_commit(dst)?,
        req.detail,
    )?;
    if let Some(r) = &req.resolutions {
        merge.resolve(r)?;
    }
    let (commit, _) =
        merges::merge_commit(&mut merge, req.option, req.keep_empty_folders, &req.who)?;
    let branch = p
        .destination_reference
        .strip_prefix("refs/heads/")
        .unwrap_or(&p.destination_reference)
        .to_owned();
    let moved = merges::move_branch(&repo, &row, req.actor, &branch, (dst, commit))?;
    let mut p = p;
    ctx.store.write(|c| {
        p.destination_commit = commit.to_string();
        mark_merged(c, &mut p, req.actor, &commit.to_string(), Some(req.option))
    })?;
    Ok(moved.map(|()| p))
}
