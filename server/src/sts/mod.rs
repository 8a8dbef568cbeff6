//! The STS domain: temporary credentials (`ASIA…` key, secret, session token) from
//! GetSessionToken and AssumeRole, and role sessions minted for workloads (an instance
//! profile, a container, a web identity: [`mint_role_session`]). Tokens are stored only as
//! SHA-256 hashes; sessions die when they expire, with their role, or with the long-term
//! access key that minted them.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::crypto::random_bytes;
use crate::iam::IamError;
use crate::iam::ids::{IdKind, random_secret};
use crate::iam::trust::{self, Trust};
use crate::policy::decide::{Decision, IdentitySide, Origin, denial_message};
use crate::principal::{AuthMethod, Identity, Principal};
use crate::secret::Secret;
use crate::store::roles::{self as rows, RoleRow, SessionRow, SessionSource};
use crate::store::{iam as iam_rows, now_timestamp};

pub mod issuer;
pub mod ops;
pub mod web_identity;
pub mod workloads;

pub const GET_SESSION_TOKEN_DEFAULT: i64 = 43_200;
pub const ASSUME_ROLE_DEFAULT: i64 = 3_600;
/// Sessions assumed with session credentials (role chaining) last at most an hour.
pub const ROLE_CHAINING_MAX: i64 = 3_600;

/// Temporary credentials, returned once.
#[derive(Debug)]
pub struct TemporaryCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiration: DateTime<Utc>,
}

/// The long-term key behind the caller's request (directly, or through its session; none
/// for a workload's session).
fn minting_key(principal: &Principal) -> Result<Option<String>, IamError> {
    match &principal.method {
        AuthMethod::AccessKey { access_key_id } => Ok(Some(access_key_id.clone())),
        AuthMethod::SessionToken {
            parent_access_key_id,
            ..
        } => Ok(parent_access_key_id.clone()),
        AuthMethod::GitCredential { .. }
        | AuthMethod::SshKey { .. }
        | AuthMethod::ConsolePassword => Err(IamError::AccessDenied(
            "only access keys can call STS".into(),
        )),
    }
}

/// Who a new session belongs to and what mints it.
struct Minting<'a> {
    account_id: &'a str,
    user_id: Option<String>,
    role: Option<(&'a RoleRow, &'a str)>,
    parent_access_key_id: Option<String>,
    source: SessionSource,
    seconds: i64,
}

fn issue(c: &Connection, m: Minting<'_>) -> Result<TemporaryCredentials, IamError> {
    let Minting {
        account_id,
        user_id,
        role,
        parent_access_key_id,
        source,
        seconds,
    } = m;
    let token = Secret::new(base64::engine::general_purpose::STANDARD.encode(random_bytes(240)));
    let creds = TemporaryCredentials {
        access_key_id: IdKind::TemporaryAccessKey.generate(),
        secret_access_key: Secret::new(random_secret(40)),
        expiration: Utc::now() + Duration::seconds(seconds),
        session_token: token,
    };
    rows::insert_session(
        c,
        &SessionRow {
            access_key_id: creds.access_key_id.clone(),
            secret_access_key: creds.secret_access_key.clone(),
            token_hash: Sha256::digest(creds.session_token.expose().as_bytes()).to_vec(),
            account_id: account_id.to_owned(),
            user_id,
            role_id: role.map(|(r, _)| r.role_id.clone()),
            session_name: role.map(|(_, s)| s.to_owned()),
            parent_access_key_id,
            created_at: now_timestamp(),
            expires_at: creds
                .expiration
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            source,
        },
    )?;
    Ok(creds)
}

/// GetSessionToken: an IAM user's long-term credentials only.
pub fn get_session_token(
    c: &Connection,
    principal: &Principal,
    seconds: Option<i64>,
) -> Result<TemporaryCredentials, IamError> {
    if principal.is_session() {
        return Err(IamError::AccessDenied(
            "Cannot call GetSessionToken with session credentials".into(),
        ));
    }
    let crate::principal::Identity::User { user_id, .. } = &principal.identity else {
        return Err(IamError::AccessDenied(
            "Cannot call GetSessionToken with session credentials".into(),
        ));
    };
    if iam_rows::find_user_by_id(c, user_id)?.is_none() {
        return Err(IamError::AccessDenied("The user no longer exists".into()));
    }
    issue(
        c,
        Minting {
            account_id: &principal.account_id,
            user_id: Some(user_id.clone()),
            role: None,
            parent_access_key_id: minting_key(principal)?,
            source: SessionSource::Sts,
            seconds: seconds.unwrap_or(GET_SESSION_TOKEN_DEFAULT),
        },
    )
}

/// What AssumeRole asks for.
pub struct AssumeRoleRequest<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub seconds: Option<i64>,
    pub external_id: Option<&'a str>,
    /// What the caller's identity and session policies say of `sts:AssumeRole` on the role
    /// (the pipeline's decision), which the trust policy combines with.
    pub identity: IdentitySide,
    /// Where the request came from, for the trust policy's conditions.
    pub origin: &'a Origin,
}

/// AssumeRole: the role must exist and its trust policy must let the caller in
/// ([`trust::evaluate`]), combined with the caller's own policies as AWS's evaluation logic
/// says ([`admitted`]).
pub fn assume_role(
    c: &Connection,
    principal: &Principal,
    request: &AssumeRoleRequest<'_>,
) -> Result<(TemporaryCredentials, Principal), IamError> {
    let AssumeRoleRequest {
        role_arn,
        session_name,
        seconds,
        external_id,
        identity,
        origin,
    } = *request;
    let denied = || {
        IamError::AccessDenied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            principal.arn
        ))
    };
    let prefix = format!("arn:aws:iam::{}:role/", principal.account_id);
    let role_name = role_arn
        .strip_prefix(&prefix)
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .ok_or_else(denied)?;
    let role = rows::find_role_by_name(c, &principal.account_id, role_name)?
        .filter(|r| r.arn() == role_arn)
        .ok_or_else(denied)?;
    let caller_role_arn = match &principal.identity {
        Identity::AssumedRole { role_id, .. } => {
            rows::find_role_by_id(c, role_id)?.map(|r| r.arn())
        }
        Identity::User { .. } => None,
    };
    let verdict = trust::evaluate(
        &role.assume_role_policy,
        &trust::AssumeRequest {
            caller: principal,
            caller_role_arn: caller_role_arn.as_deref(),
            session_name,
            external_id,
            origin,
        },
    );
    let allowed = admitted(verdict, identity);
    tracing::debug!(caller = %principal.arn, role = role_arn, ?verdict, allowed, "role trust policy");
    if !allowed {
        return Err(match identity.decision {
            Decision::Deny(why) if identity.explicitly_denied() => {
                IamError::AccessDenied(denial_message(principal, "sts:AssumeRole", role_arn, why))
            }
            _ => denied(),
        });
    }
    let seconds = seconds.unwrap_or(ASSUME_ROLE_DEFAULT);
    if principal.is_session() && seconds > ROLE_CHAINING_MAX {
        return Err(IamError::Validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.".into(),
        ));
    }
    check_duration(&role, seconds)?;
    let parent = minting_key(principal)?;
    mint(c, &role, session_name, seconds, parent, SessionSource::Sts)
}

/// Whether the trust policy's `verdict` and the caller's `identity` side together allow
/// AssumeRole in the role's own account ("Policy evaluation logic"): an explicit deny in
/// the caller's identity or session policies always wins; a trust policy naming the
/// account defers to the caller's own policies; one naming the caller (the user, or the
/// role of a session) grants it, within a session's policies; one naming the session's own
/// ARN grants it whatever the session's policies say.
fn admitted(verdict: Trust, identity: IdentitySide) -> bool {
    if identity.explicitly_denied() {
        return false;
    }
    match verdict {
        Trust::Session => true,
        Trust::Caller => identity.session_allows,
        Trust::Account => identity.decision.allowed(),
        Trust::Denied => false,
    }
}

/// A session may last at most the role's `MaxSessionDuration`.
pub fn check_duration(role: &RoleRow, seconds: i64) -> Result<(), IamError> {
    if seconds > role.max_session_duration {
        return Err(IamError::Validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                .into(),
        ));
    }
    Ok(())
}

/// A session of `role` for a workload (no long-term key behind it): what the
/// instance-metadata listener, container credentials and AssumeRoleWithWebIdentity hand out,
/// once the role's trust policy has let the workload in.
pub fn mint_role_session(
    c: &Connection,
    role: &RoleRow,
    session_name: &str,
    seconds: i64,
    source: SessionSource,
) -> Result<(TemporaryCredentials, Principal), IamError> {
    mint(c, role, session_name, seconds, None, source)
}

fn mint(
    c: &Connection,
    role: &RoleRow,
    session_name: &str,
    seconds: i64,
    parent_access_key_id: Option<String>,
    source: SessionSource,
) -> Result<(TemporaryCredentials, Principal), IamError> {
    let creds = issue(
        c,
        Minting {
            account_id: &role.account_id,
            user_id: None,
            role: Some((role, session_name)),
            parent_access_key_id: parent_access_key_id.clone(),
            source,
            seconds,
        },
    )?;
    let assumed = crate::iam::roles::session_principal(
        role,
        session_name,
        AuthMethod::SessionToken {
            access_key_id: creds.access_key_id.clone(),
            parent_access_key_id,
            issued_at: now_timestamp(),
        },
    );
    Ok((creds, assumed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::decide::Denial;

    /// "Policy evaluation logic" and "Session policies": an explicit deny wins; a trust
    /// policy naming the account defers to the caller's policies; naming the user or role
    /// grants within the session's policies; naming the session's ARN grants regardless.
    #[test]
    fn the_trust_policy_and_the_callers_policies_combine_as_aws_says() {
        let side = |decision, session_allows| IdentitySide {
            decision,
            session_allows,
        };
        let allow = side(Decision::Allow, true);
        let implicit = side(Decision::Deny(Denial::ImplicitIdentity), true);
        let implicit_both = side(Decision::Deny(Denial::ImplicitIdentity), false);
        let session_implicit = side(Decision::Deny(Denial::ImplicitSession), false);
        let explicit = side(Decision::Deny(Denial::ExplicitIdentity), true);
        let explicit_session = side(Decision::Deny(Denial::ExplicitSession), false);
        let cases = [
            (Trust::Account, allow, true),
            (Trust::Account, implicit, false),
            (Trust::Account, session_implicit, false),
            (Trust::Caller, allow, true),
            (Trust::Caller, implicit, true),
            (Trust::Caller, implicit_both, false),
            (Trust::Caller, session_implicit, false),
            (Trust::Caller, explicit, false),
            (Trust::Caller, explicit_session, false),
            (Trust::Session, session_implicit, true),
            (Trust::Session, implicit_both, true),
            (Trust::Session, explicit, false),
            (Trust::Session, explicit_session, false),
            (Trust::Denied, allow, false),
        ];
        for (verdict, identity, expected) in cases {
            assert_eq!(
                admitted(verdict, identity),
                expected,
                "{verdict:?} {identity:?}"
            );
        }
    }
}
