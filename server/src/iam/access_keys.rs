//! Long-term access keys (`AKIA…` + a 40-character secret), at most two per user.

use rusqlite::Connection;

use crate::iam::ids::{IdKind, random_secret};
use crate::iam::{IamError, MAX_ACCESS_KEYS_PER_USER};
use crate::secret::Secret;
use crate::store::iam::{self as rows, LastUsed};
use crate::store::{AccessKeyRow, CredentialStatus, UserRow, now_timestamp};

fn no_such_key(id: &str) -> IamError {
    IamError::NoSuchEntity(format!("The Access Key with id {id} cannot be found."))
}

/// CreateAccessKey. The secret is returned here and never again.
pub fn create(c: &Connection, user: &UserRow) -> Result<AccessKeyRow, IamError> {
    if rows::count_access_keys(c, &user.user_id)? >= MAX_ACCESS_KEYS_PER_USER {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS_PER_USER}"
        )));
    }
    let key = AccessKeyRow {
        access_key_id: IdKind::AccessKey.generate(),
        user_id: user.user_id.clone(),
        secret_access_key: Secret::new(random_secret(40)),
        status: CredentialStatus::Active,
        created_at: now_timestamp(),
    };
    rows::insert_access_key(c, &key)?;
    Ok(key)
}

pub fn list(c: &Connection, user: &UserRow) -> Result<Vec<AccessKeyRow>, IamError> {
    Ok(rows::list_access_keys(c, &user.user_id)?)
}

fn owned(c: &Connection, user: &UserRow, id: &str) -> Result<AccessKeyRow, IamError> {
    rows::find_access_key(c, id)?
        .filter(|k| k.user_id == user.user_id)
        .ok_or_else(|| no_such_key(id))
}

/// UpdateAccessKey.
pub fn set_status(
    c: &Connection,
    user: &UserRow,
    id: &str,
    status: CredentialStatus,
) -> Result<(), IamError> {
    owned(c, user, id)?;
    rows::set_access_key_status(c, id, status)?;
    Ok(())
}

/// DeleteAccessKey. Temporary credentials minted with the key die with it.
pub fn delete(c: &Connection, user: &UserRow, id: &str) -> Result<(), IamError> {
    owned(c, user, id)?;
    rows::delete_access_key(c, id)?;
    Ok(())
}

/// GetAccessKeyLastUsed: the owner's name and (date, service, region) of the last use.
pub fn last_used(
    c: &Connection,
    account_id: &str,
    id: &str,
) -> Result<(String, Option<LastUsed>), IamError> {
    let user = owner(c, account_id, id)?.ok_or_else(|| no_such_key(id))?;
    Ok((user.user_name, rows::access_key_last_used(c, id)?))
}

/// The user of `account_id` that access key `id` belongs to, if any.
pub fn owner(c: &Connection, account_id: &str, id: &str) -> rusqlite::Result<Option<UserRow>> {
    let Some(key) = rows::find_access_key(c, id)? else {
        return Ok(None);
    };
    Ok(rows::find_user_by_id(c, &key.user_id)?.filter(|u| u.account_id == account_id))
}

/// How often one key's use against one service and region is written: GetAccessKeyLastUsed
/// reports the time to the second, and a busy client must not turn every request into a
/// write that the store's writer (and WAL checkpoints) then queue behind.
const USE_RECORD_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Records access keys' last use, at most once a second per key, service and region.
#[derive(Default)]
pub struct UseRecorder {
    recent:
        std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, String, String)>>,
}

impl UseRecorder {
    /// Records that `access_key_id` signed a request for `service` in `region` (best effort).
    pub fn record(
        &self,
        store: &crate::store::Store,
        access_key_id: &str,
        service: &str,
        region: &str,
    ) {
        let now = std::time::Instant::now();
        {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, s, r)) = recent.get(access_key_id)
                && s == service
                && r == region
                && now.duration_since(*at) < USE_RECORD_INTERVAL
            {
                return;
            }
            recent.insert(
                access_key_id.to_owned(),
                (now, service.to_owned(), region.to_owned()),
            );
        }
        let when = now_timestamp();
        if let Err(e) = store.write_bookkeeping(|c| {
            rows::record_access_key_use(c, access_key_id, &when, service, region)
        }) {
            tracing::warn!("recording access key use: {e}");
        }
    }
}
