//! The store behind SigV4: long-term access keys (`AKIA…`) and STS sessions (`ASIA…`).
//! Every request reads the store, so a key made inactive or deleted, or a session whose
//! minting key was deleted, stops working on the next request.

use chrono::{DateTime, Utc};

use crate::auth::sigv4::{KeyLookup, KeyRecord, SigV4Error};
use crate::auth::{AuthMethod, Principal};
use crate::context::Context;
use crate::iam::access_keys::UseRecorder;
use crate::store::roles as role_rows;
use crate::store::{CredentialStatus, Store, iam as rows};

pub struct StoreKeys<'a> {
    pub store: &'a Store,
}

fn internal(e: rusqlite::Error) -> SigV4Error {
    tracing::error!("reading access keys: {e}");
    SigV4Error::Internal
}

impl KeyLookup for StoreKeys<'_> {
    fn lookup(&self, access_key_id: &str) -> Result<Option<KeyRecord>, SigV4Error> {
        self.store.read(|c| {
            if access_key_id.starts_with("ASIA") {
                let Some(s) = role_rows::find_session(c, access_key_id).map_err(internal)? else {
                    return Ok(None);
                };
                let method = AuthMethod::SessionToken {
                    access_key_id: s.access_key_id.clone(),
                    parent_access_key_id: s.parent_access_key_id.clone(),
                    issued_at: s.created_at.clone(),
                };
                let principal = match (&s.user_id, &s.role_id) {
                    (Some(user_id), _) => {
                        match rows::find_user_by_id(c, user_id).map_err(internal)? {
                            Some(user) => crate::iam::users::principal(&user, method),
                            None => return Ok(None),
                        }
                    }
                    (None, Some(role_id)) => {
                        match role_rows::find_role_by_id(c, role_id).map_err(internal)? {
                            Some(role) => crate::iam::roles::session_principal(
                                &role,
                                s.session_name.as_deref().unwrap_or_default(),
                                method,
                            ),
                            None => return Ok(None),
                        }
                    }
                    (None, None) => return Ok(None),
                };
                let expires_at = DateTime::parse_from_rfc3339(&s.expires_at)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| SigV4Error::Internal)?;
                return Ok(Some(KeyRecord {
                    secret: s.secret_access_key,
                    session_token_hash: Some(s.token_hash),
                    expires_at: Some(expires_at),
                    principal,
                }));
            }
            let Some(key) = rows::find_access_key(c, access_key_id).map_err(internal)? else {
                return Ok(None);
            };
            if key.status != CredentialStatus::Active {
                return Ok(None);
            }
            let Some(user) = rows::find_user_by_id(c, &key.user_id).map_err(internal)? else {
                return Ok(None);
            };
            Ok(Some(KeyRecord {
                secret: key.secret_access_key,
                session_token_hash: None,
                expires_at: None,
                principal: crate::iam::users::principal(
                    &user,
                    AuthMethod::AccessKey {
                        access_key_id: key.access_key_id,
                    },
                ),
            }))
        })
    }
}

/// Records a long-term key's use for GetAccessKeyLastUsed (best effort, at most once a
/// second per key, service and region: a write waits for the store's writer).
pub fn record_use(
    recorder: &UseRecorder,
    ctx: &Context,
    principal: &Principal,
    service: &str,
    region: &str,
) {
    if let AuthMethod::AccessKey { access_key_id } = &principal.method {
        recorder.record(&ctx.store, access_key_id, service, region);
    }
}
