//! CodeCommit's JSON 1.1 API (`X-Amz-Target: CodeCommit_20150413.<Operation>`): one [`Op`]
//! variant per implemented operation; every other operation of the model answers
//! `UnknownOperationException` naming it.

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::auth::{Identity, Principal};
use crate::codecommit::commits::{self, Change, CommitRequest};
use crate::codecommit::content;
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::manage;
use crate::context::Context;
use crate::store::RepositoryRow;
use crate::store::repositories as rows;

super::operations! {
    CreateRepository, GetRepository, ListRepositories, BatchGetRepositories, DeleteRepository,
    UpdateRepositoryName, UpdateRepositoryDescription, UpdateRepositoryEncryptionKey,
    CreateBranch, GetBranch, ListBranches, DeleteBranch, UpdateDefaultBranch,
    GetCommit, BatchGetCommits, CreateCommit, PutFile, DeleteFile, GetFile, GetFolder, GetBlob,
    GetDifferences, ListFileCommitHistory,
    TagResource, UntagResource, ListTagsForResource,
}

/// The model's operations this server does not implement yet.
pub const NOT_IMPLEMENTED: &[&str] = &[
    "AssociateApprovalRuleTemplateWithRepository",
    "BatchAssociateApprovalRuleTemplateWithRepositories",
    "BatchDescribeMergeConflicts",
    "BatchDisassociateApprovalRuleTemplateFromRepositories",
    "CreateApprovalRuleTemplate",
    "CreatePullRequest",
    "CreatePullRequestApprovalRule",
    "CreateUnreferencedMergeCommit",
    "DeleteApprovalRuleTemplate",
    "DeleteCommentContent",
    "DeletePullRequestApprovalRule",
    "DescribeMergeConflicts",
    "DescribePullRequestEvents",
    "DisassociateApprovalRuleTemplateFromRepository",
    "EvaluatePullRequestApprovalRules",
    "GetApprovalRuleTemplate",
    "GetBlobDifferences",
    "GetComment",
    "GetCommentReactions",
    "GetCommentsForComparedCommit",
    "GetCommentsForPullRequest",
    "GetMergeCommit",
    "GetMergeConflicts",
    "GetMergeOptions",
    "GetPullRequest",
    "GetPullRequestApprovalStates",
    "GetPullRequestOverrideState",
    "GetRepositoryTriggers",
    "ListApprovalRuleTemplates",
    "ListAssociatedApprovalRuleTemplatesForRepository",
    "ListPullRequests",
    "ListRepositoriesForApprovalRuleTemplate",
    "MergeBranchesByFastForward",
    "MergeBranchesBySquash",
    "MergeBranchesByThreeWay",
    "MergePullRequestByFastForward",
    "MergePullRequestBySquash",
    "MergePullRequestByThreeWay",
    "OverridePullRequestApprovalRules",
    "PostCommentForComparedCommit",
    "PostCommentForPullRequest",
    "PostCommentReply",
    "PutCommentReaction",
    "PutRepositoryTriggers",
    "TestRepositoryTriggers",
    "UpdateApprovalRuleTemplateContent",
    "UpdateApprovalRuleTemplateDescription",
    "UpdateApprovalRuleTemplateName",
    "UpdateComment",
    "UpdatePullRequestApprovalRuleContent",
    "UpdatePullRequestApprovalState",
    "UpdatePullRequestDescription",
    "UpdatePullRequestStatus",
    "UpdatePullRequestTitle",
];

/// Page sizes.
const REPOSITORY_PAGE: i64 = 100;
const BRANCH_PAGE: i64 = 100;
const DEFAULT_MAX_RESULTS: i64 = 100;

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A list of strings (missing: empty).
fn strings<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn repo_name(v: &Value, key: &str) -> Result<String, E> {
    let name = s(v, key).unwrap_or_default();
    manage::check_name(name)?;
    Ok(name.to_owned())
}

fn bad_token() -> E {
    E::new(
        "InvalidContinuationTokenException",
        "The specified continuation token is not valid.",
    )
}

fn epoch(ts: &str) -> Value {
    match chrono::DateTime::parse_from_rfc3339(ts) {
        Ok(t) => json!(t.timestamp_millis() as f64 / 1000.0),
        Err(_) => Value::Null,
    }
}

fn blob(v: &Value, key: &str) -> Result<Option<Vec<u8>>, E> {
    match s(v, key) {
        None => Ok(None),
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map(Some)
            .map_err(|_| {
                E::new(
                    "SerializationException",
                    format!("{key} is not valid base64"),
                )
            }),
    }
}

fn metadata(ctx: &Context, r: &RepositoryRow) -> Value {
    let (https, ssh) = ctx.clone_bases.get().cloned().unwrap_or_default();
    let mut m = Map::new();
    m.insert("accountId".into(), json!(r.account_id));
    m.insert("repositoryId".into(), json!(r.repository_id));
    m.insert("repositoryName".into(), json!(r.name));
    if let Some(d) = &r.description {
        m.insert("repositoryDescription".into(), json!(d));
    }
    if let Some(b) = &r.default_branch {
        m.insert("defaultBranch".into(), json!(b));
    }
    m.insert("lastModifiedDate".into(), epoch(&r.last_modified_at));
    m.insert("creationDate".into(), epoch(&r.created_at));
    m.insert(
        "cloneUrlHttp".into(),
        json!(format!("{https}/v1/repos/{}", r.name)),
    );
    m.insert(
        "cloneUrlSsh".into(),
        json!(format!("{ssh}/v1/repos/{}", r.name)),
    );
    m.insert("Arn".into(), json!(r.arn()));
    if let Some(k) = &r.kms_key_id {
        m.insert("kmsKeyId".into(), json!(k));
    }
    Value::Object(m)
}

fn tags_of(v: &Value) -> Result<Vec<(String, String)>, E> {
    match v.get("tags") {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(v) => Ok((k.clone(), v.to_owned())),
                None => Err(E::new(
                    "InvalidTagsMapException",
                    "The map of tags is not valid.",
                )),
            })
            .collect(),
        Some(_) => Err(E::new(
            "InvalidTagsMapException",
            "The map of tags is not valid.",
        )),
    }
}

/// The parts of a commit every writing operation takes the same way; `author_key` names the
/// author field (`authorName` for CreateCommit, `name` for PutFile and DeleteFile).
fn commit_request<'a>(
    v: &'a Value,
    author_key: &str,
    caller: &'a str,
    changes: Vec<Change>,
    unchanged_code: &'static str,
) -> CommitRequest<'a> {
    CommitRequest {
        branch: s(v, "branchName").unwrap_or_default(),
        parent: s(v, "parentCommitId"),
        author_name: s(v, author_key),
        email: s(v, "email"),
        message: s(v, "commitMessage"),
        caller,
        changes,
        unchanged_code,
    }
}

fn caller_name(p: &Principal) -> String {
    match &p.identity {
        Identity::User { user_name, .. } => user_name.clone(),
        Identity::AssumedRole { session_name, .. } => session_name.clone(),
    }
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

fn parse_mode(v: &Value, key: &str) -> Result<Option<git2::FileMode>, E> {
    s(v, key).map(commits::parse_mode).transpose()
}

/// Runs one CodeCommit operation.
pub fn handle(ctx: &Context, principal: &Principal, op: Op, v: &Value) -> Result<Value, E> {
    let account = principal.account_id.as_str();
    let with_repo =
        |key: &str| -> Result<RepositoryRow, E> { manage::get(ctx, account, &repo_name(v, key)?) };
    Ok(match op {
        Op::CreateRepository => {
            let name = repo_name(v, "repositoryName")?;
            let tags = tags_of(v)?;
            let row = manage::create(
                ctx,
                account,
                &name,
                s(v, "repositoryDescription"),
                &tags,
                s(v, "kmsKeyId"),
            )?;
            json!({ "repositoryMetadata": metadata(ctx, &row) })
        }
        Op::GetRepository => {
            json!({ "repositoryMetadata": metadata(ctx, &with_repo("repositoryName")?) })
        }
        Op::ListRepositories => {
            let sort_by = s(v, "sortBy").unwrap_or("repositoryName");
            let order = s(v, "order").unwrap_or("ascending");
            if !["repositoryName", "lastModifiedDate"].contains(&sort_by) {
                return Err(E::new(
                    "InvalidSortByException",
                    "The specified sort by value is not valid.",
                ));
            }
            if !["ascending", "descending"].contains(&order) {
                return Err(E::new(
                    "InvalidOrderException",
                    "The specified sort order is not valid.",
                ));
            }
            let mut all = ctx
                .store
                .read(|c| rows::list_repositories(c, account, &ctx.region))?;
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
            let (page, next) = super::paginate(all, s(v, "nextToken"), REPOSITORY_PAGE)
                .map_err(|_| bad_token())?;
            let list: Vec<Value> = page
                .iter()
                .map(|r| json!({ "repositoryName": r.name, "repositoryId": r.repository_id }))
                .collect();
            let mut out = json!({ "repositories": list });
            if let Some(n) = next {
                out["nextToken"] = json!(n);
            }
            out
        }
        Op::BatchGetRepositories => {
            let names = strings(v, "repositoryNames");
            if names.is_empty() {
                return Err(E::required(
                    "RepositoryNamesRequiredException",
                    "At least one repository name",
                ));
            }
            if names.len() > 25 {
                return Err(E::new(
                    "MaximumRepositoryNamesExceededException",
                    "The maximum number of allowed repository names was exceeded. Currently, this number is 25.",
                ));
            }
            let (mut found, mut missing, mut errors) = (vec![], vec![], vec![]);
            for name in names {
                manage::check_name(name)?;
                match manage::get(ctx, account, name) {
                    Ok(r) => found.push(metadata(ctx, &r)),
                    Err(e) if e.code == "RepositoryDoesNotExistException" => {
                        missing.push(json!(name));
                        errors.push(json!({ "repositoryName": name, "errorCode": e.code, "errorMessage": e.message }));
                    }
                    Err(e) => return Err(e),
                }
            }
            json!({ "repositories": found, "repositoriesNotFound": missing, "errors": errors })
        }
        Op::DeleteRepository => {
            let name = repo_name(v, "repositoryName")?;
            match manage::delete(ctx, account, &name)? {
                Some(id) => json!({ "repositoryId": id }),
                None => json!({}),
            }
        }
        Op::UpdateRepositoryName => {
            let old = repo_name(v, "oldName")?;
            let new = repo_name(v, "newName")?;
            manage::rename(ctx, account, &old, &new)?;
            json!({})
        }
        Op::UpdateRepositoryDescription => {
            let name = repo_name(v, "repositoryName")?;
            let description = s(v, "repositoryDescription").map(str::to_owned);
            if let Some(d) = &description {
                manage::check_description(d)?;
            }
            manage::update(ctx, account, &name, |r| r.description = description)?;
            json!({})
        }
        Op::UpdateRepositoryEncryptionKey => {
            let name = repo_name(v, "repositoryName")?;
            let (row, original) =
                manage::update_kms_key(ctx, account, &name, s(v, "kmsKeyId").unwrap_or_default())?;
            json!({ "repositoryId": row.repository_id, "kmsKeyId": row.kms_key_id, "originalKmsKeyId": original })
        }
        Op::CreateBranch => {
            let row = with_repo("repositoryName")?;
            commits::create_branch(
                ctx,
                &row,
                s(v, "branchName").unwrap_or_default(),
                s(v, "commitId").unwrap_or_default(),
            )?;
            json!({})
        }
        Op::GetBranch => {
            let row = with_repo("repositoryName")?;
            let repo = content::open(ctx, &row)?;
            json!({ "branch": to_value(&commits::get_branch(&repo, s(v, "branchName").unwrap_or_default())?) })
        }
        Op::ListBranches => {
            let row = with_repo("repositoryName")?;
            let repo = content::open(ctx, &row)?;
            let all = content::branches(&repo)?;
            let (page, next) =
                super::paginate(all, s(v, "nextToken"), BRANCH_PAGE).map_err(|_| bad_token())?;
            let mut out = json!({ "branches": page });
            if let Some(n) = next {
                out["nextToken"] = json!(n);
            }
            out
        }
        Op::DeleteBranch => {
            let row = with_repo("repositoryName")?;
            match commits::delete_branch(ctx, &row, s(v, "branchName").unwrap_or_default())? {
                Some(b) => json!({ "deletedBranch": to_value(&b) }),
                None => json!({}),
            }
        }
        Op::UpdateDefaultBranch => {
            let row = with_repo("repositoryName")?;
            commits::update_default_branch(
                ctx,
                account,
                &row,
                s(v, "defaultBranchName").unwrap_or_default(),
            )?;
            json!({})
        }
        Op::GetCommit => {
            let row = with_repo("repositoryName")?;
            let repo = content::open(ctx, &row)?;
            let c = content::find_commit(&repo, s(v, "commitId").unwrap_or_default())?;
            json!({ "commit": to_value(&content::commit_info(&c)) })
        }
        Op::BatchGetCommits => {
            let ids = strings(v, "commitIds");
            if ids.is_empty() {
                return Err(E::required(
                    "CommitIdsListRequiredException",
                    "A list of commit IDs",
                ));
            }
            if ids.len() > 100 {
                return Err(E::new(
                    "CommitIdsLimitExceededException",
                    "The maximum number of allowed commit IDs in a batch request is 100.",
                ));
            }
            let row = with_repo("repositoryName")?;
            let repo = content::open(ctx, &row)?;
            let (mut found, mut errors) = (vec![], vec![]);
            for id in ids {
                match content::find_commit(&repo, id) {
                    Ok(c) => found.push(to_value(&content::commit_info(&c))),
                    Err(e) => errors.push(
                        json!({ "commitId": id, "errorCode": e.code, "errorMessage": e.message }),
                    ),
                }
            }
            json!({ "commits": found, "errors": errors })
        }
        Op::CreateCommit => {
            let row = with_repo("repositoryName")?;
            let mut changes = Vec::new();
            for e in v
                .get("putFiles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let source = e.get("sourceFile").map(|sf| {
                    (
                        s(sf, "filePath").unwrap_or_default().to_owned(),
                        sf.get("isMove").and_then(Value::as_bool).unwrap_or(false),
                    )
                });
                changes.push(Change::Put {
                    path: content::file_path(s(e, "filePath"))?,
                    mode: parse_mode(e, "fileMode")?,
                    content: blob(e, "fileContent")?,
                    source,
                });
            }
            for e in v
                .get("deleteFiles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                changes.push(Change::Delete {
                    path: content::file_path(s(e, "filePath"))?,
                });
            }
            for e in v
                .get("setFileModes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let mode = parse_mode(e, "fileMode")?
                    .ok_or_else(|| E::required("FileModeRequiredException", "A file mode"))?;
                changes.push(Change::SetMode {
                    path: content::file_path(s(e, "filePath"))?,
                    mode,
                });
            }
            let caller = caller_name(principal);
            let result = commits::commit(
                ctx,
                &row,
                commit_request(v, "authorName", &caller, changes, "NoChangeException"),
            )?;
            to_value(&result)
        }
        Op::PutFile => {
            let row = with_repo("repositoryName")?;
            let bytes = blob(v, "fileContent")?
                .ok_or_else(|| E::required("FileContentRequiredException", "The file content"))?;
            let path = content::file_path(s(v, "filePath"))?;
            let caller = caller_name(principal);
            let result = commits::commit(
                ctx,
                &row,
                commit_request(
                    v,
                    "name",
                    &caller,
                    vec![Change::Put {
                        path: path.clone(),
                        mode: parse_mode(v, "fileMode")?,
                        content: Some(bytes),
                        source: None,
                    }],
                    "SameFileContentException",
                ),
            )?;
            let blob_id = result
                .files_added
                .iter()
                .chain(&result.files_updated)
                .next()
                .map(|f| f.blob_id.clone())
                .unwrap_or_default();
            json!({ "commitId": result.commit_id, "blobId": blob_id, "treeId": result.tree_id })
        }
        Op::DeleteFile => {
            let row = with_repo("repositoryName")?;
            let path = content::file_path(s(v, "filePath"))?;
            if s(v, "parentCommitId").unwrap_or_default().is_empty() {
                return Err(E::required(
                    "ParentCommitIdRequiredException",
                    "A parent commit ID",
                ));
            }
            let caller = caller_name(principal);
            let result = commits::commit(
                ctx,
                &row,
                commit_request(
                    v,
                    "name",
                    &caller,
                    vec![Change::Delete { path: path.clone() }],
                    "NoChangeException",
                ),
            )?;
            let blob_id = result
                .files_deleted
                .first()
                .map(|f| f.blob_id.clone())
                .unwrap_or_default();
            json!({ "commitId": result.commit_id, "blobId": blob_id, "treeId": result.tree_id, "filePath": path })
        }
        Op::GetFile => {
            let row = with_repo("repositoryName")?;
            let repo = content::open(ctx, &row)?;
            to_value(&content::get_file(
                &repo,
                s(v, "commitSpecifier"),
                s(v, "filePath"),
            )?)
        }
        Op::GetFolder => {
            let row = with_repo("repositoryName")?;
            let repo = content::open(ctx, &row)?;
            to_value(&content::get_folder(
                &repo,
                s(v, "commitSpecifier"),
                s(v, "folderPath"),
            )?)
        }
        Op::GetBlob => {
            let row = with_repo("repositoryName")?;
            let repo = content::open(ctx, &row)?;
            let bytes = content::get_blob(&repo, s(v, "blobId").unwrap_or_default())?;
            json!({ "content": base64::engine::general_purpose::STANDARD.encode(bytes) })
        }
        Op::GetDifferences => {
            let row = with_repo("repositoryName")?;
            let max = max_results(v, "MaxResults")?;
            let repo = content::open(ctx, &row)?;
            let all = content::differences(
                &repo,
                s(v, "beforeCommitSpecifier"),
                s(v, "afterCommitSpecifier"),
                s(v, "beforePath"),
                s(v, "afterPath"),
            )?;
            let (page, next) =
                super::paginate(all, s(v, "NextToken"), max).map_err(|_| bad_token())?;
            let mut out = json!({ "differences": to_value(&page) });
            if let Some(n) = next {
                out["NextToken"] = json!(n);
            }
            out
        }
        Op::ListFileCommitHistory => {
            let row = with_repo("repositoryName")?;
            let max = max_results(v, "maxResults")?;
            let repo = content::open(ctx, &row)?;
            let all = content::file_history(&repo, s(v, "commitSpecifier"), s(v, "filePath"))?;
            let (page, next) =
                super::paginate(all, s(v, "nextToken"), max).map_err(|_| bad_token())?;
            let mut out = json!({ "revisionDag": to_value(&page) });
            if let Some(n) = next {
                out["nextToken"] = json!(n);
            }
            out
        }
        Op::TagResource => {
            let row = manage::from_arn(ctx, account, s(v, "resourceArn").unwrap_or_default())?;
            if v.get("tags").is_none() {
                return Err(E::required("TagsMapRequiredException", "A map of tags"));
            }
            let tags = tags_of(v)?;
            manage::check_tags(&tags)?;
            ctx.store.write(|tx| {
                for (k, val) in &tags {
                    rows::set_repository_tag(tx, &row.repository_id, k, val)?;
                }
                if rows::repository_tags(tx, &row.repository_id)?.len() > 50 {
                    return Err(E::new(
                        "TooManyTagsException",
                        "A repository can have at most 50 tags.",
                    ));
                }
                Ok(())
            })?;
            json!({})
        }
        Op::UntagResource => {
            let row = manage::from_arn(ctx, account, s(v, "resourceArn").unwrap_or_default())?;
            let Some(keys) = v.get("tagKeys").and_then(Value::as_array) else {
                return Err(E::required(
                    "TagKeysListRequiredException",
                    "A list of tag keys",
                ));
            };
            ctx.store.write(|tx| {
                for k in keys.iter().filter_map(Value::as_str) {
                    rows::remove_repository_tag(tx, &row.repository_id, k)?;
                }
                Ok::<_, E>(())
            })?;
            json!({})
        }
        Op::ListTagsForResource => {
            let row = manage::from_arn(ctx, account, s(v, "resourceArn").unwrap_or_default())?;
            let tags: Map<String, Value> = ctx
                .store
                .read(|c| rows::repository_tags(c, &row.repository_id))?
                .into_iter()
                .map(|(k, v)| (k, json!(v)))
                .collect();
            json!({ "tags": tags })
        }
    })
}

fn max_results(v: &Value, key: &str) -> Result<i64, E> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(DEFAULT_MAX_RESULTS),
        Some(n) => match n.as_i64() {
            Some(n) if n >= 1 => Ok(n),
            _ => Err(E::new(
                "InvalidMaxResultsException",
                "The specified number of maximum results is not valid.",
            )),
        },
    }
}
