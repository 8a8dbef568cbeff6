//! Role sessions for workloads without an IAM user, as AWS hands them out: the instance
//! profile's role on the instance-metadata listener (EC2 must be trusted by the role, as on
//! AWS), and a fixture's task role on a container credentials endpoint (its token is the
//! grant). Credentials are real STS sessions, rotated when a sixth of their lifetime has
//! passed (EC2 rotates hourly credentials that last six hours), so a client refreshing
//! early gets new ones while the old ones keep working until they expire.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::TemporaryCredentials;
use crate::context::Context;
use crate::iam::IamError;
use crate::iam::trust;
use crate::store::roles::{self as role_rows, RoleRow, SessionSource};
use crate::store::workloads as rows;

/// The service principal an instance profile's role must trust.
pub const EC2_SERVICE: &str = "ec2.amazonaws.com";
/// EC2's credential lifetime (six hours), the default for both endpoints.
pub const DEFAULT_LIFETIME: i64 = 21_600;
/// The shortest lifetime a fixture may set (for tests of rotation).
pub const MIN_LIFETIME: i64 = 60;
pub const MAX_LIFETIME: i64 = 43_200;

/// Credentials as served, with when they were minted.
#[derive(Debug)]
pub struct Served {
    pub credentials: TemporaryCredentials,
    pub issued: DateTime<Utc>,
    pub role_arn: String,
    pub role_name: String,
}

/// The credentials each endpoint currently serves (by endpoint key).
#[derive(Debug, Default)]
pub struct WorkloadCredentials {
    current: Mutex<HashMap<String, Arc<Served>>>,
}

/// Why an endpoint cannot serve credentials.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// Nothing is configured here (no instance profile, no such container endpoint, or the
    /// profile holds no role).
    #[error("{0}")]
    NotFound(String),
    /// The container endpoint's token is missing or wrong.
    #[error("the authorization token is missing or not this endpoint's")]
    Unauthorized,
    /// The role's trust policy does not let the service in.
    #[error("{0}")]
    Untrusted(String),
    #[error(transparent)]
    Iam(#[from] IamError),
}

impl From<rusqlite::Error> for WorkloadError {
    fn from(e: rusqlite::Error) -> Self {
        WorkloadError::Iam(e.into())
    }
}

impl WorkloadCredentials {
    /// The credentials `key` serves: the current ones while fresh and still in the store,
    /// else new ones from `mint`.
    fn serve(
        &self,
        ctx: &Context,
        key: &str,
        role: &RoleRow,
        lifetime: i64,
        mint: impl FnOnce() -> Result<TemporaryCredentials, IamError>,
    ) -> Result<Arc<Served>, WorkloadError> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = current.get(key) {
            let fresh = Utc::now() < s.issued + Duration::seconds(lifetime / 6);
            let same_role = s.role_arn == role.arn();
            let alive = ctx
                .store
                .read(|c| role_rows::find_session(c, &s.credentials.access_key_id))?
                .is_some();
            if fresh && same_role && alive {
                return Ok(s.clone());
            }
        }
        let served = Arc::new(Served {
            credentials: mint()?,
            issued: Utc::now(),
            role_arn: role.arn(),
            role_name: role.role_name.clone(),
        });
        tracing::info!(endpoint = key, role = %served.role_arn, access_key_id = %served.credentials.access_key_id, "workload credentials minted");
        current.insert(key.to_owned(), served.clone());
        Ok(served)
    }
}

/// The instance the metadata listener stands for: its ID (derived from the profile, so
/// stable across restarts) and profile.
pub struct Instance {
    pub instance_id: String,
    pub profile: rows::InstanceProfileRow,
    pub role: Option<RoleRow>,
    pub lifetime: i64,
}

/// What the metadata listener serves, if a fixture configured it.
pub fn instance(ctx: &Context) -> Result<Option<Instance>, WorkloadError> {
    let found = ctx.store.read(|c| {
        let Some(i) = rows::imds_instance(c)? else {
            return Ok::<_, rusqlite::Error>(None);
        };
        let Some(profile) =
            rows::find_instance_profile(c, &i.account_id, &i.instance_profile_name)?
        else {
            return Ok(None);
        };
        let role = match rows::profile_role_id(c, &profile.instance_profile_id)? {
            Some(id) => role_rows::find_role_by_id(c, &id)?,
            None => None,
        };
        Ok(Some((i.lifetime_seconds, profile, role)))
    })?;
    Ok(found.map(|(lifetime, profile, role)| Instance {
        instance_id: instance_id(&profile.instance_profile_id),
        profile,
        role,
        lifetime,
    }))
}

/// `i-` and 17 hex digits, derived from the instance profile's ID.
fn instance_id(profile_id: &str) -> String {
    let digest = hex::encode(Sha256::digest(profile_id.as_bytes()));
    format!("i-{}", &digest[..17])
}

/// The instance profile role's credentials (session name: the instance ID, as on EC2).
pub fn instance_credentials(
    ctx: &Context,
    cache: &WorkloadCredentials,
    instance: &Instance,
) -> Result<Arc<Served>, WorkloadError> {
    let role = instance
        .role
        .as_ref()
        .ok_or_else(|| WorkloadError::NotFound("the instance profile holds no role".into()))?;
    if !trust::admits_service(&role.assume_role_policy, EC2_SERVICE) {
        return Err(WorkloadError::Untrusted(format!(
            "EC2 cannot assume the role {}: its trust policy does not allow {EC2_SERVICE}",
            role.role_name
        )));
    }
    let key = format!("imds:{}", instance.profile.instance_profile_id);
    cache.serve(ctx, &key, role, instance.lifetime, || {
        ctx.store.write(|c| {
            super::mint_role_session(
                c,
                role,
                &instance.instance_id,
                instance.lifetime,
                SessionSource::InstanceProfile,
            )
            .map(|(creds, _)| creds)
        })
    })
}

/// A container endpoint's credentials, for the request's `Authorization` token.
pub fn container_credentials(
    ctx: &Context,
    cache: &WorkloadCredentials,
    name: &str,
    token: Option<&str>,
) -> Result<Arc<Served>, WorkloadError> {
    let (endpoint, role) = ctx
        .store
        .read(|c| {
            let Some(e) = rows::find_container_credentials(c, name)? else {
                return Ok::<_, rusqlite::Error>(None);
            };
            let role = role_rows::find_role_by_id(c, &e.role_id)?;
            Ok(role.map(|r| (e, r)))
        })?
        .ok_or_else(|| WorkloadError::NotFound(format!("no container credentials named {name}")))?;
    let presented = Sha256::digest(token.unwrap_or_default().as_bytes());
    if token.is_none() || !bool::from(presented.as_slice().ct_eq(&endpoint.token_hash)) {
        return Err(WorkloadError::Unauthorized);
    }
    // The task's session name is stable per endpoint, like an ECS task ID.
    let session = hex::encode(&Sha256::digest(format!("container:{name}").as_bytes())[..16]);
    let key = format!("container:{name}");
    cache.serve(ctx, &key, &role, endpoint.lifetime_seconds, || {
        ctx.store.write(|c| {
            super::mint_role_session(
                c,
                &role,
                &session,
                endpoint.lifetime_seconds,
                SessionSource::Container,
            )
            .map(|(creds, _)| creds)
        })
    })
}
