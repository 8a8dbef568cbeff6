//! Repository management as the CodeCommit API does it: create, read, list, rename,
//! describe, re-key, delete, tag. Names are looked up in the store; files are named by ID,
//! so a rename touches no files and a delete moves the directory away atomically first.

use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::repositories::{self, NewRepository, RepositoryError};
use crate::context::Context;
use crate::store::repositories as rows;
use crate::store::{RepositoryRow, now_timestamp};

/// At most 1,000 repositories per account.
pub const MAX_REPOSITORIES: usize = 1000;
/// The key CodeCommit encrypts with unless told otherwise.
pub const DEFAULT_KMS_KEY: &str = "alias/aws/codecommit";

pub fn check_name(name: &str) -> Result<(), E> {
    if name.is_empty() {
        return Err(E::repository_name_required());
    }
    repositories::validate_name(name).map_err(E::invalid_repository_name)
}

pub fn check_description(description: &str) -> Result<(), E> {
    if description.chars().count() > 1000 {
        return Err(E::invalid_repository_description());
    }
    Ok(())
}

pub fn check_tags(tags: &[(String, String)]) -> Result<(), E> {
    if tags.len() > 50 {
        return Err(E::too_many_tags());
    }
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
            return Err(E::invalid_tags_map());
        }
        if k.starts_with("aws:") {
            return Err(E::invalid_system_tag_usage());
        }
    }
    Ok(())
}

fn check_kms_key(key: &str) -> Result<(), E> {
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":/_-".contains(&b))
    {
        return Err(E::encryption_key_invalid_id());
    }
    Ok(())
}

/// The repository `name` of the account, or RepositoryDoesNotExistException.
pub fn get(ctx: &Context, account: &str, name: &str) -> Result<RepositoryRow, E> {
    check_name(name)?;
    repositories::find(&ctx.store, account, &ctx.region, name)?
        .ok_or_else(|| E::repository_does_not_exist(name))
}

pub fn create(
    ctx: &Context,
    account: &str,
    name: &str,
    description: Option<&str>,
    tags: &[(String, String)],
    kms_key_id: Option<&str>,
) -> Result<RepositoryRow, E> {
    check_name(name)?;
    if let Some(d) = description {
        check_description(d)?;
    }
    check_tags(tags)?;
    if let Some(k) = kms_key_id {
        check_kms_key(k)?;
    }
    if ctx.store.read(|c| rows::count_repositories(c, account))? >= MAX_REPOSITORIES {
        return Err(E::repository_limit_exceeded(MAX_REPOSITORIES));
    }
    let new = NewRepository {
        account_id: account.to_owned(),
        region: ctx.region.clone(),
        name: name.to_owned(),
        description: description.map(str::to_owned),
        default_branch: None,
        content: None,
    };
    let prepared = repositories::prepare(&ctx.repos_root, &new).map_err(map_repo_error)?;
    let mut placed = None;
    let result = ctx.store.write(|tx| {
        let (mut row, dir) =
            repositories::install(tx, &ctx.repos_root, prepared).map_err(map_repo_error)?;
        placed = Some(dir);
        row.kms_key_id = Some(kms_key_id.unwrap_or(DEFAULT_KMS_KEY).to_owned());
        rows::update_repository(tx, &row)?;
        for (k, v) in tags {
            rows::set_repository_tag(tx, &row.repository_id, k, v)?;
        }
        Ok::<_, E>(row)
    });
    if result.is_err()
        && let Some(dir) = placed
    {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

fn map_repo_error(e: RepositoryError) -> E {
    match e {
        RepositoryError::NameExists(name) => E::repository_name_exists(&name),
        RepositoryError::InvalidName(why) => E::invalid_repository_name(why),
        other => E::internal(format!("repository: {other}")),
    }
}

/// DeleteRepository: the repository ID, or `None` when there was no such repository.
pub fn delete(ctx: &Context, account: &str, name: &str) -> Result<Option<String>, E> {
    check_name(name)?;
    let Some(row) = repositories::find(&ctx.store, account, &ctx.region, name)? else {
        return Ok(None);
    };
    ctx.store
        .write(|tx| rows::delete_repository(tx, &row.repository_id))?;
    // Move the files out of the way in one rename (a clone or push still running keeps its
    // open directory), then remove them.
    let dir = ctx.repo_dir(&row.repository_id);
    let trash = ctx.repos_root.join(".trash");
    std::fs::create_dir_all(&trash)?;
    let target = trash.join(format!("{}-{}", row.repository_id, uuid::Uuid::new_v4()));
    if std::fs::rename(&dir, &target).is_ok() {
        ctx.handles.forget(&dir);
        std::thread::spawn(move || {
            let _ = std::fs::remove_dir_all(target);
        });
    }
    Ok(Some(row.repository_id))
}

pub fn rename(ctx: &Context, account: &str, old: &str, new: &str) -> Result<(), E> {
    check_name(new)?;
    let mut row = get(ctx, account, old)?;
    if old == new {
        return Ok(());
    }
    ctx.store.write(|tx| {
        if rows::find_repository_by_name(tx, account, &ctx.region, new)?.is_some() {
            return Err(E::repository_name_exists(new));
        }
        row.name = new.to_owned();
        row.last_modified_at = now_timestamp();
        rows::update_repository(tx, &row)?;
        Ok(())
    })
}

/// Applies `change` to the repository's row and stores it.
pub fn update(
    ctx: &Context,
    account: &str,
    name: &str,
    change: impl FnOnce(&mut RepositoryRow),
) -> Result<RepositoryRow, E> {
    let mut row = get(ctx, account, name)?;
    change(&mut row);
    row.last_modified_at = now_timestamp();
    ctx.store.write(|tx| rows::update_repository(tx, &row))?;
    Ok(row)
}

pub fn update_kms_key(
    ctx: &Context,
    account: &str,
    name: &str,
    key: &str,
) -> Result<(RepositoryRow, Option<String>), E> {
    if key.is_empty() {
        return Err(E::encryption_key_required());
    }
    check_kms_key(key)?;
    let mut original = None;
    let row = update(ctx, account, name, |r| {
        original = r.kms_key_id.replace(key.to_owned());
    })?;
    Ok((row, original))
}

/// The repository an ARN names (`arn:aws:codecommit:<region>:<account>:<name>`).
pub fn from_arn(ctx: &Context, account: &str, arn: &str) -> Result<RepositoryRow, E> {
    if arn.is_empty() {
        return Err(E::resource_arn_required());
    }
    let invalid = || E::invalid_resource_arn(arn);
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "codecommit" {
        return Err(invalid());
    }
    // Another partition's repository is not this server's, whatever its name: the ARN the
    // policies decided on must be the repository acted on.
    if parts[1] != "aws" || parts[3] != ctx.region || parts[4] != account {
        return Err(E::repository_does_not_exist(parts[5]));
    }
    get(ctx, account, parts[5])
}
