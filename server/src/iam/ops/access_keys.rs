//! CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed.

use serde::{Deserialize, Serialize};

use super::{
    ACCESS_KEY_ID, EXISTING_USER_NAME, List, MARKER, MAX_ITEMS, STATUS, aws_date, page, settable,
    target_user, user_target,
};
use crate::context::Context;
use crate::iam::{IamError, access_keys};
use crate::operation::model::Member;
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::secret::Secret;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAccessKey {
    pub user_name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKey {
    pub user_name: String,
    pub access_key_id: String,
    pub status: &'static str,
    pub secret_access_key: Secret,
    pub create_date: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAccessKeyOutput {
    pub access_key: AccessKey,
}

impl Operation for CreateAccessKey {
    const NAME: &'static str = "CreateAccessKey";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:CreateAccessKey");
    const MEMBERS: &'static [Member] = &[EXISTING_USER_NAME];
    type Output = CreateAccessKeyOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<CreateAccessKeyOutput, IamError> {
        let (user, key) = call.ctx.store.write(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            let key = access_keys::create(c, &user)?;
            Ok::<_, IamError>((user, key))
        })?;
        Ok(CreateAccessKeyOutput {
            access_key: AccessKey {
                user_name: user.user_name,
                access_key_id: key.access_key_id,
                status: key.status.as_str(),
                secret_access_key: key.secret_access_key,
                create_date: aws_date(&key.created_at),
            },
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAccessKeys {
    pub user_name: Option<String>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyMetadata {
    pub user_name: String,
    pub access_key_id: String,
    pub status: &'static str,
    pub create_date: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAccessKeysOutput {
    pub access_key_metadata: List<AccessKeyMetadata>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Operation for ListAccessKeys {
    const NAME: &'static str = "ListAccessKeys";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListAccessKeys");
    const MEMBERS: &'static [Member] = &[EXISTING_USER_NAME, MARKER, MAX_ITEMS];
    type Output = ListAccessKeysOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<ListAccessKeysOutput, IamError> {
        let (user, keys) = call.ctx.store.read(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            let keys = access_keys::list(c, &user)?;
            Ok::<_, IamError>((user, keys))
        })?;
        let (keys, marker) = page(keys, self.marker.as_deref(), self.max_items)?;
        Ok(ListAccessKeysOutput {
            access_key_metadata: keys
                .into_iter()
                .map(|k| AccessKeyMetadata {
                    user_name: user.user_name.clone(),
                    access_key_id: k.access_key_id,
                    status: k.status.as_str(),
                    create_date: aws_date(&k.created_at),
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
pub struct UpdateAccessKey {
    pub user_name: Option<String>,
    pub access_key_id: String,
    pub status: String,
}

impl Operation for UpdateAccessKey {
    const NAME: &'static str = "UpdateAccessKey";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:UpdateAccessKey");
    const MEMBERS: &'static [Member] = &[EXISTING_USER_NAME, ACCESS_KEY_ID.required(), STATUS];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let status = settable(&self.status)?;
        call.ctx.store.write(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            access_keys::set_status(c, &user, &self.access_key_id, status)
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteAccessKey {
    pub user_name: Option<String>,
    pub access_key_id: String,
}

impl Operation for DeleteAccessKey {
    const NAME: &'static str = "DeleteAccessKey";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeleteAccessKey");
    const MEMBERS: &'static [Member] = &[EXISTING_USER_NAME, ACCESS_KEY_ID.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            access_keys::delete(c, &user, &self.access_key_id)
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAccessKeyLastUsed {
    pub access_key_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyLastUsed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_date: Option<String>,
    pub service_name: String,
    pub region: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAccessKeyLastUsedOutput {
    pub user_name: String,
    pub access_key_last_used: AccessKeyLastUsed,
}

impl Operation for GetAccessKeyLastUsed {
    const NAME: &'static str = "GetAccessKeyLastUsed";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:GetAccessKeyLastUsed");
    const MEMBERS: &'static [Member] = &[ACCESS_KEY_ID.required()];
    type Output = GetAccessKeyLastUsedOutput;
    type Error = IamError;

    /// The user the key belongs to (IAM's resource for this action); the account when no
    /// user of the caller's account has the key.
    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        let owner = ctx
            .store
            .read(|c| access_keys::owner(c, &principal.account_id, &self.access_key_id))?;
        Ok(owner.map_or_else(Target::any, |user| Target::arn(user.arn())))
    }

    fn handle(self, call: &Call<'_>) -> Result<GetAccessKeyLastUsedOutput, IamError> {
        let (user_name, used) = call
            .ctx
            .store
            .read(|c| access_keys::last_used(c, &call.principal.account_id, &self.access_key_id))?;
        let access_key_last_used = match used {
            Some(used) => AccessKeyLastUsed {
                last_used_date: Some(aws_date(&used.date)),
                service_name: used.service,
                region: used.region,
            },
            None => AccessKeyLastUsed {
                last_used_date: None,
                service_name: "N/A".into(),
                region: "N/A".into(),
            },
        };
        Ok(GetAccessKeyLastUsedOutput {
            user_name,
            access_key_last_used,
        })
    }
}
