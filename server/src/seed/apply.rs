//! Applying validated fixtures: everything in one store transaction, idempotently (what
//! exists is kept; a changed secret is replaced).

use std::path::PathBuf;

use crate::codecommit::repositories::{self, NewRepository};
use crate::context::Context;
use crate::iam::ids::IdKind;
use crate::iam::{self, CODECOMMIT_SERVICE, credentials, users};
use crate::secret::Secret;
use crate::store::iam as rows;
use crate::store::{AccessKeyRow, SshKeyRow, UserRow, now_timestamp};

use super::parse::{Fixture, FixtureUser};
use super::{FixtureError, access, workloads};

/// What applying fixtures changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub users_created: usize,
    pub repositories_created: usize,
}

/// Applies validated fixtures in one transaction. Idempotent: what exists is kept (users
/// by name, access keys and SSH keys by ID, Git credentials by password, repositories by
/// name); access key secrets and credential statuses follow the fixture.
pub fn apply(ctx: &Context, fixtures: &[Fixture]) -> Result<Applied, FixtureError> {
    let mut applied = Applied::default();
    // Build new repositories on disk first, outside the transaction.
    let mut prepared = Vec::new();
    for f in fixtures {
        let account = f.account_id.as_deref().unwrap_or(&ctx.account_id);
        let region = f.region.as_deref().unwrap_or(&ctx.region);
        for r in &f.repositories {
            let exists = repositories::find(&ctx.store, account, region, &r.name)
                .map_err(|e| r.origin.error(e.to_string()))?
                .is_some();
            if exists {
                continue;
            }
            let new = NewRepository {
                account_id: account.to_owned(),
                region: region.to_owned(),
                name: r.name.clone(),
                description: r.description.clone(),
                default_branch: r.default_branch.clone(),
                content: r.content.clone(),
            };
            let p = repositories::prepare(&ctx.repos_root, &new)
                .map_err(|e| r.origin.error(e.to_string()))?;
            prepared.push((r.origin.clone(), p));
        }
    }
    let mut placed = Vec::new();
    let result = ctx.store.write(|tx| {
        let now = now_timestamp();
        for f in fixtures {
            let account = f.account_id.as_deref().unwrap_or(&ctx.account_id);
            let in_file = |e: rusqlite::Error| f_error(f, e);
            rows::ensure_account(tx, account, &now).map_err(in_file)?;
            access::apply_groups(tx, account, &f.groups)?;
            for u in &f.users {
                apply_user(ctx, tx, account, u, &mut applied)?;
            }
            workloads::apply(tx, account, &f.workloads)?;
        }
        for (origin, p) in prepared {
            let (_, dir) = repositories::install(tx, &ctx.repos_root, p)
                .map_err(|e| origin.error(e.to_string()))?;
            placed.push(dir);
            applied.repositories_created += 1;
        }
        Ok::<_, FixtureError>(())
    });
    match result {
        Ok(()) => Ok(applied),
        Err(e) => {
            for dir in placed {
                let _ = std::fs::remove_dir_all(dir);
            }
            Err(e)
        }
    }
}

pub(super) fn f_error(f: &Fixture, e: rusqlite::Error) -> FixtureError {
    FixtureError {
        file: f.path.clone(),
        line: 0,
        column: 0,
        reason: e.to_string(),
    }
}

impl From<rusqlite::Error> for FixtureError {
    fn from(e: rusqlite::Error) -> Self {
        FixtureError {
            file: PathBuf::new(),
            line: 0,
            column: 0,
            reason: e.to_string(),
        }
    }
}

/// The user's console password is the fixture's: a login profile is created, or its password
/// replaced when it differs (a fixture's password need not satisfy the account's policy).
pub(super) fn apply_console_password(
    ctx: &Context,
    tx: &rusqlite::Transaction<'_>,
    user: &UserRow,
    password: &Secret,
) -> rusqlite::Result<()> {
    use crate::store::login_profiles as profiles;
    match profiles::find(tx, &user.user_id)? {
        Some(p)
            if ctx
                .hasher
                .verify(password.expose(), &p.password_salt, &p.password_hash) =>
        {
            Ok(())
        }
        Some(_) => {
            let hash = ctx.hasher.hash(password.expose());
            profiles::set_password(tx, &user.user_id, &hash.salt, &hash.hash, &now_timestamp())
        }
        None => {
            let hash = ctx.hasher.hash(password.expose());
            let now = now_timestamp();
            profiles::insert(
                tx,
                &profiles::LoginProfileRow {
                    user_id: user.user_id.clone(),
                    password_salt: hash.salt,
                    password_hash: hash.hash,
                    password_reset_required: false,
                    created_at: now.clone(),
                    password_changed_at: now,
                    password_last_used: None,
                },
            )
        }
    }
}

pub(super) fn apply_user(
    ctx: &Context,
    tx: &rusqlite::Transaction<'_>,
    account: &str,
    u: &FixtureUser,
    applied: &mut Applied,
) -> Result<(), FixtureError> {
    let db = |e: rusqlite::Error| u.origin.error(e.to_string());
    let user = match rows::find_user_by_name(tx, account, &u.name).map_err(db)? {
        Some(existing) => existing,
        None => {
            let row = users::new_user(account, &u.name, &u.path);
            rows::insert_user(tx, &row).map_err(db)?;
            applied.users_created += 1;
            row
        }
    };
    access::apply_permissions(
        tx,
        crate::store::policies::OwnerKind::User,
        &user.user_id,
        &u.permissions,
        &u.origin,
    )?;
    access::join_groups(tx, account, &user.user_id, &u.groups)?;
    apply_access_keys(tx, &user, u)?;
    apply_git_credentials(ctx, tx, &user, u)?;
    if let Some(password) = &u.console_password {
        apply_console_password(ctx, tx, &user, password).map_err(db)?;
    }
    apply_ssh_keys(tx, &user, u)
}

/// The user's access keys (one of another user's ID is an error).
fn apply_access_keys(
    tx: &rusqlite::Transaction<'_>,
    user: &UserRow,
    u: &FixtureUser,
) -> Result<(), FixtureError> {
    let db = |e: rusqlite::Error| u.origin.error(e.to_string());
    for (origin, id, secret, status) in &u.access_keys {
        if let Some(existing) = rows::find_access_key(tx, id).map_err(db)?
            && existing.user_id != user.user_id
        {
            return Err(origin.error(format!("access key {id} belongs to another user")));
        }
        rows::upsert_access_key(
            tx,
            &AccessKeyRow {
                access_key_id: id.clone(),
                user_id: user.user_id.clone(),
                secret_access_key: secret.clone(),
                status: *status,
                created_at: now_timestamp(),
            },
        )
        .map_err(db)?;
        if rows::count_access_keys(tx, &user.user_id).map_err(db)? > iam::MAX_ACCESS_KEYS_PER_USER {
            return Err(origin.error("Cannot exceed quota for AccessKeysPerUser: 2"));
        }
    }
    Ok(())
}

/// The user's Git credentials: a password the user already has keeps its credential (its
/// status set as given), another is a new credential.
fn apply_git_credentials(
    ctx: &Context,
    tx: &rusqlite::Transaction<'_>,
    user: &UserRow,
    u: &FixtureUser,
) -> Result<(), FixtureError> {
    let db = |e: rusqlite::Error| u.origin.error(e.to_string());
    for (origin, password, status) in &u.git_credentials {
        let found = credentials::find_by_password(
            tx,
            &ctx.hasher,
            &user.user_id,
            CODECOMMIT_SERVICE,
            password,
        )
        .map_err(db)?;
        match found {
            Some(cred) => {
                credentials::set_status(tx, &cred.credential_id, *status).map_err(db)?;
            }
            None => {
                credentials::create(tx, &ctx.hasher, user, CODECOMMIT_SERVICE, password, *status)
                    .map_err(|e| origin.error(e.to_string()))?;
            }
        }
    }
    Ok(())
}

/// The user's SSH public keys: a key already uploaded (by ID or fingerprint) is kept.
fn apply_ssh_keys(
    tx: &rusqlite::Transaction<'_>,
    user: &UserRow,
    u: &FixtureUser,
) -> Result<(), FixtureError> {
    let db = |e: rusqlite::Error| u.origin.error(e.to_string());
    let existing_keys = rows::list_ssh_keys(tx, &user.user_id).map_err(db)?;
    let mut count = existing_keys.len();
    for (origin, id, key, status) in &u.ssh_keys {
        let fingerprint = key.md5_fingerprint();
        if let Some(id) = id
            && let Some(owner) = rows::ssh_key_owner(tx, id).map_err(db)?
        {
            if owner != user.user_id {
                return Err(origin.error(format!("SSH key {id} belongs to another user")));
            }
            continue;
        }
        if existing_keys.iter().any(|k| k.fingerprint == fingerprint) {
            continue;
        }
        count += 1;
        if count > iam::MAX_SSH_KEYS_PER_USER {
            return Err(origin.error("Cannot exceed quota for PublicKeysPerUser: 5"));
        }
        rows::insert_ssh_key(
            tx,
            &SshKeyRow {
                ssh_key_id: id.clone().unwrap_or_else(|| IdKind::SshKey.generate()),
                user_id: user.user_id.clone(),
                body: key.openssh(),
                fingerprint,
                status: *status,
                uploaded_at: now_timestamp(),
            },
        )
        .map_err(db)?;
    }
    Ok(())
}
