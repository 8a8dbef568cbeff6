//! STS's operations (Query API, version 2011-06-15): GetCallerIdentity, GetSessionToken,
//! AssumeRole, and the unsigned AssumeRoleWithWebIdentity.

use serde::{Deserialize, Serialize};

use super::{AssumeRoleRequest, TemporaryCredentials};
use crate::context::Context;
use crate::iam::IamError;
use crate::operation::model::{EXTERNAL_ID_PATTERN, Member, NAME_OR_EMPTY, TEXT};
use crate::operation::{Authorization, Call, Operation, Target, UnsignedOperation};
use crate::principal::Principal;
use crate::secret::Secret;

/// Temporary credentials as STS returns them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiration: String,
}

impl From<TemporaryCredentials> for Credentials {
    fn from(c: TemporaryCredentials) -> Self {
        Credentials {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: c.session_token,
            expiration: c
                .expiration
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct GetCallerIdentity {}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetCallerIdentityOutput {
    pub arn: String,
    pub user_id: String,
    pub account: String,
}

impl Operation for GetCallerIdentity {
    const NAME: &'static str = "GetCallerIdentity";
    const LIGHT: bool = true;
    /// AWS documents that no permission is needed to call it.
    const AUTHORIZATION: Authorization = Authorization::None;
    type Output = GetCallerIdentityOutput;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<GetCallerIdentityOutput, IamError> {
        Ok(GetCallerIdentityOutput {
            arn: call.principal.arn.clone(),
            user_id: call.principal.caller_id(),
            account: call.principal.account_id.clone(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetSessionToken {
    pub duration_seconds: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CredentialsOutput {
    pub credentials: Credentials,
}

impl Operation for GetSessionToken {
    const NAME: &'static str = "GetSessionToken";
    /// AWS evaluates no IAM action for it: the session carries the user's own permissions.
    const AUTHORIZATION: Authorization = Authorization::None;
    const MEMBERS: &'static [Member] = &[Member::int("DurationSeconds", 900, 129_600)];
    type Output = CredentialsOutput;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<CredentialsOutput, IamError> {
        let creds = call
            .ctx
            .store
            .write(|c| super::get_session_token(c, call.principal, self.duration_seconds))?;
        Ok(CredentialsOutput {
            credentials: creds.into(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRole {
    pub role_arn: String,
    pub role_session_name: String,
    pub duration_seconds: Option<i64>,
    pub external_id: Option<String>,
    /// An inline session policy: the session may do only what both it and the role allow.
    pub policy: Option<String>,
    /// Managed session policies.
    #[serde(default)]
    pub policy_arns: Vec<PolicyDescriptor>,
}

/// `PolicyArns.member.N.arn`.
#[derive(Debug, Deserialize)]
pub struct PolicyDescriptor {
    pub arn: String,
}

/// The most managed session policies one AssumeRole may pass.
const MAX_SESSION_POLICY_ARNS: usize = 10;

/// A session's policies (`Policy`, `PolicyArns`): the session may do only what both they
/// and the role allow.
struct SessionPolicies {
    policy: Option<String>,
    arns: Vec<String>,
}

impl SessionPolicies {
    /// Checks the request's session policies as STS does before anything is minted.
    fn check(
        policy: Option<String>,
        arns: Vec<PolicyDescriptor>,
    ) -> Result<SessionPolicies, IamError> {
        if arns.len() > MAX_SESSION_POLICY_ARNS {
            return Err(IamError::Validation(format!(
                "1 validation error detected: Value at 'policyArns' failed to satisfy \
                 constraint: Member must have length less than or equal to {MAX_SESSION_POLICY_ARNS}"
            )));
        }
        if let Some(p) = &policy {
            crate::iam::policies::validate(p, crate::policy::Kind::Identity)?;
        }
        Ok(SessionPolicies {
            policy,
            arns: arns.into_iter().map(|p| p.arn).collect(),
        })
    }

    /// Every managed session policy must exist in `account`.
    fn exist(&self, c: &rusqlite::Connection, account: &str) -> Result<(), IamError> {
        for arn in &self.arns {
            crate::iam::policies::find(c, account, arn).map_err(|_| {
                IamError::InvalidInput(format!("Policy {arn} does not exist or is not attachable."))
            })?;
        }
        Ok(())
    }

    /// Records them on the session `access_key_id`.
    fn store(&self, c: &rusqlite::Connection, access_key_id: &str) -> Result<(), IamError> {
        let arns_json =
            (!self.arns.is_empty()).then(|| serde_json::to_string(&self.arns).unwrap_or_default());
        crate::store::policies::set_session_policies(
            c,
            access_key_id,
            self.policy.as_deref(),
            arns_json.as_deref(),
        )?;
        Ok(())
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumedRoleUser {
    pub assumed_role_id: String,
    pub arn: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRoleOutput {
    pub credentials: Credentials,
    pub assumed_role_user: AssumedRoleUser,
}

impl Operation for AssumeRole {
    const NAME: &'static str = "AssumeRole";
    /// The caller's identity policies and the role's trust policy decide together.
    const AUTHORIZATION: Authorization = Authorization::WithResourcePolicy("sts:AssumeRole");
    const MEMBERS: &'static [Member] = &[
        Member::string("RoleArn", 20, 2048, None).required(),
        Member::string("RoleSessionName", 2, 64, Some(NAME_OR_EMPTY)).required(),
        Member::int("DurationSeconds", 900, 43_200),
        Member::string("ExternalId", 2, 1224, Some(EXTERNAL_ID_PATTERN)),
        Member::string("Policy", 1, 2048, Some(TEXT)),
    ];
    type Output = AssumeRoleOutput;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        Ok(Target::arn(self.role_arn.clone()))
    }

    fn handle(self, call: &Call<'_>) -> Result<AssumeRoleOutput, IamError> {
        let request = AssumeRoleRequest {
            role_arn: &self.role_arn,
            session_name: &self.role_session_name,
            seconds: self.duration_seconds,
            external_id: self.external_id.as_deref(),
            identity: call.identity,
            origin: &call.origin,
        };
        let policies = SessionPolicies::check(self.policy, self.policy_arns)?;
        let (creds, assumed) = call.ctx.store.write(|c| {
            policies.exist(c, &call.principal.account_id)?;
            let (creds, assumed) = super::assume_role(c, call.principal, &request)?;
            policies.store(c, &creds.access_key_id)?;
            Ok::<_, IamError>((creds, assumed))
        })?;
        Ok(AssumeRoleOutput {
            credentials: creds.into(),
            assumed_role_user: AssumedRoleUser {
                assumed_role_id: assumed.caller_id(),
                arn: assumed.arn,
            },
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRoleWithWebIdentity {
    pub role_arn: String,
    pub role_session_name: String,
    pub web_identity_token: String,
    pub duration_seconds: Option<i64>,
    pub provider_id: Option<String>,
    pub policy: Option<String>,
    #[serde(default)]
    pub policy_arns: Vec<PolicyDescriptor>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRoleWithWebIdentityOutput {
    pub credentials: Credentials,
    pub subject_from_web_identity_token: String,
    pub assumed_role_user: AssumedRoleUser,
    pub provider: String,
    pub audience: String,
}

impl UnsignedOperation for AssumeRoleWithWebIdentity {
    const NAME: &'static str = "AssumeRoleWithWebIdentity";
    const MEMBERS: &'static [Member] = &[
        Member::string("RoleArn", 20, 2048, None).required(),
        Member::string("RoleSessionName", 2, 64, Some(NAME_OR_EMPTY)).required(),
        Member::string("WebIdentityToken", 4, 20_000, None).required(),
        Member::string("ProviderId", 4, 2048, None),
        Member::int("DurationSeconds", 900, 43_200),
        Member::string("Policy", 1, 2048, Some(TEXT)),
    ];
    type Output = AssumeRoleWithWebIdentityOutput;
    type Error = IamError;

    fn handle(self, ctx: &Context) -> Result<AssumeRoleWithWebIdentityOutput, IamError> {
        if self.provider_id.is_some() {
            // OAuth 2.0 providers (Login with Amazon, Facebook) are not OpenID Connect.
            return Err(IamError::InvalidInput(
                "codecommit-local accepts OpenID Connect ID tokens only: leave ProviderId out"
                    .into(),
            ));
        }
        let policies = SessionPolicies::check(self.policy, self.policy_arns)?;
        let request = super::web_identity::WebIdentityRequest {
            role_arn: &self.role_arn,
            session_name: &self.role_session_name,
            token: &self.web_identity_token,
            seconds: self.duration_seconds,
        };
        let session = ctx.store.write(|c| {
            let session = super::web_identity::assume(c, ctx.own_issuer.get(), &request)?;
            policies.exist(c, &session.principal.account_id)?;
            policies.store(c, &session.credentials.access_key_id)?;
            Ok::<_, IamError>(session)
        })?;
        Ok(AssumeRoleWithWebIdentityOutput {
            assumed_role_user: AssumedRoleUser {
                assumed_role_id: session.principal.caller_id(),
                arn: session.principal.arn,
            },
            credentials: session.credentials.into(),
            subject_from_web_identity_token: session.subject,
            provider: session.provider,
            audience: session.audience,
        })
    }
}
