//! Service-specific credentials (CodeCommit's Git credentials): Create, List, Reset,
//! Update, Delete.

use serde::{Deserialize, Serialize};

use super::{
    List, MARKER, MAX_ITEMS, STATUS, USER_NAME, aws_date, page, settable, target_user, user_target,
};
use crate::context::Context;
use crate::iam::{IamError, credentials, users};
use crate::operation::model::{Member, WORD};
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::secret::Secret;
use crate::store::{CredentialStatus, ServiceCredentialRow, iam as rows};

const CREDENTIAL_ID: Member = Member::string("ServiceSpecificCredentialId", 20, 128, Some(WORD));
const SERVICE_NAME: Member = Member::string("ServiceName", 0, usize::MAX, None);

/// A credential as Create and Reset return it: with its password, shown once.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceSpecificCredential {
    pub create_date: String,
    pub service_name: String,
    pub service_user_name: String,
    pub service_password: Secret,
    pub service_specific_credential_id: String,
    pub user_name: String,
    pub status: &'static str,
}

impl ServiceSpecificCredential {
    fn new(cred: ServiceCredentialRow, user_name: String, password: Secret) -> Self {
        ServiceSpecificCredential {
            create_date: aws_date(&cred.created_at),
            service_name: cred.service_name,
            service_user_name: cred.service_user_name,
            service_password: password,
            service_specific_credential_id: cred.credential_id,
            user_name,
            status: cred.status.as_str(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CredentialOutput {
    pub service_specific_credential: ServiceSpecificCredential,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateServiceSpecificCredential {
    pub user_name: String,
    pub service_name: String,
}

impl Operation for CreateServiceSpecificCredential {
    const NAME: &'static str = "CreateServiceSpecificCredential";
    const AUTHORIZATION: Authorization =
        Authorization::Required("iam:CreateServiceSpecificCredential");
    const MEMBERS: &'static [Member] = &[
        USER_NAME.required(),
        SERVICE_NAME.required(),
        Member::int("CredentialAgeDays", 1, 36600),
    ];
    type Output = CredentialOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, Some(&self.user_name))
    }

    fn handle(self, call: &Call<'_>) -> Result<CredentialOutput, IamError> {
        let password = credentials::generate_password();
        let (user, cred) = call.ctx.store.write(|c| {
            let user = users::get(c, &call.principal.account_id, &self.user_name)?;
            let cred = credentials::create(
                c,
                &call.ctx.hasher,
                &user,
                &self.service_name,
                &password,
                CredentialStatus::Active,
            )?;
            Ok::<_, IamError>((user, cred))
        })?;
        Ok(CredentialOutput {
            service_specific_credential: ServiceSpecificCredential::new(
                cred,
                user.user_name,
                password,
            ),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListServiceSpecificCredentials {
    pub user_name: Option<String>,
    pub service_name: Option<String>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceSpecificCredentialMetadata {
    pub user_name: String,
    pub status: &'static str,
    pub service_user_name: String,
    pub create_date: String,
    pub service_specific_credential_id: String,
    pub service_name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListServiceSpecificCredentialsOutput {
    pub service_specific_credentials: List<ServiceSpecificCredentialMetadata>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Operation for ListServiceSpecificCredentials {
    const NAME: &'static str = "ListServiceSpecificCredentials";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization =
        Authorization::Required("iam:ListServiceSpecificCredentials");
    const MEMBERS: &'static [Member] = &[USER_NAME, SERVICE_NAME, MARKER, MAX_ITEMS];
    type Output = ListServiceSpecificCredentialsOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<ListServiceSpecificCredentialsOutput, IamError> {
        let service = self.service_name.as_deref();
        let (user, creds) = call.ctx.store.read(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            if let Some(s) = service {
                credentials::check_service(s)?;
            }
            let creds = rows::list_service_credentials(c, &user.user_id, service)?;
            Ok::<_, IamError>((user, creds))
        })?;
        let (creds, marker) = page(creds, self.marker.as_deref(), self.max_items)?;
        Ok(ListServiceSpecificCredentialsOutput {
            service_specific_credentials: creds
                .into_iter()
                .map(|cred| ServiceSpecificCredentialMetadata {
                    user_name: user.user_name.clone(),
                    status: cred.status.as_str(),
                    service_user_name: cred.service_user_name,
                    create_date: aws_date(&cred.created_at),
                    service_specific_credential_id: cred.credential_id,
                    service_name: cred.service_name,
                })
                .collect::<Vec<_>>()
                .into(),
            is_truncated: marker.is_some(),
            marker,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResetServiceSpecificCredential {
    pub user_name: Option<String>,
    pub service_specific_credential_id: String,
}

impl Operation for ResetServiceSpecificCredential {
    const NAME: &'static str = "ResetServiceSpecificCredential";
    const AUTHORIZATION: Authorization =
        Authorization::Required("iam:ResetServiceSpecificCredential");
    const MEMBERS: &'static [Member] = &[USER_NAME, CREDENTIAL_ID.required()];
    type Output = CredentialOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<CredentialOutput, IamError> {
        let (user, cred, password) = call.ctx.store.write(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            let (cred, password) = credentials::reset(
                c,
                &call.ctx.hasher,
                &user,
                &self.service_specific_credential_id,
            )?;
            Ok::<_, IamError>((user, cred, password))
        })?;
        Ok(CredentialOutput {
            service_specific_credential: ServiceSpecificCredential::new(
                cred,
                user.user_name,
                password,
            ),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateServiceSpecificCredential {
    pub user_name: Option<String>,
    pub service_specific_credential_id: String,
    pub status: String,
}

impl Operation for UpdateServiceSpecificCredential {
    const NAME: &'static str = "UpdateServiceSpecificCredential";
    const AUTHORIZATION: Authorization =
        Authorization::Required("iam:UpdateServiceSpecificCredential");
    const MEMBERS: &'static [Member] = &[USER_NAME, CREDENTIAL_ID.required(), STATUS];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let status = settable(&self.status)?;
        let id = &self.service_specific_credential_id;
        call.ctx.store.write(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            credentials::owned(c, &user, id)?;
            credentials::set_status(c, id, status)?;
            Ok::<_, IamError>(())
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteServiceSpecificCredential {
    pub user_name: Option<String>,
    pub service_specific_credential_id: String,
}

impl Operation for DeleteServiceSpecificCredential {
    const NAME: &'static str = "DeleteServiceSpecificCredential";
    const AUTHORIZATION: Authorization =
        Authorization::Required("iam:DeleteServiceSpecificCredential");
    const MEMBERS: &'static [Member] = &[USER_NAME, CREDENTIAL_ID.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let id = &self.service_specific_credential_id;
        call.ctx.store.write(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            credentials::owned(c, &user, id)?;
            credentials::delete(c, id)?;
            Ok::<_, IamError>(())
        })?;
        Ok(Empty {})
    }
}
