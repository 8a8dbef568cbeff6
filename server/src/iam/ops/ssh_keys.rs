//! SSH public keys for CodeCommit: Upload, Get (SSH or PEM encoding), List, Update, Delete.

use serde::{Deserialize, Serialize};

use super::{
    List, MARKER, MAX_ITEMS, STATUS, USER_NAME, aws_date, page, settable, target_user, user_target,
};
use crate::context::Context;
use crate::iam::{IamError, public_keys, users};
use crate::operation::model::{Member, TEXT, WORD};
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::{SshKeyRow, UserRow};

const SSH_KEY_ID: Member = Member::string("SSHPublicKeyId", 20, 128, Some(WORD));
const SSH_KEY_BODY: Member = Member::string("SSHPublicKeyBody", 1, 16384, Some(TEXT));

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SshPublicKey {
    pub user_name: String,
    #[serde(rename = "SSHPublicKeyId")]
    pub ssh_public_key_id: String,
    pub fingerprint: String,
    #[serde(rename = "SSHPublicKeyBody")]
    pub ssh_public_key_body: String,
    pub status: &'static str,
    pub upload_date: String,
}

#[derive(Debug, Serialize)]
pub struct SshPublicKeyOutput {
    #[serde(rename = "SSHPublicKey")]
    pub ssh_public_key: SshPublicKey,
}

impl SshPublicKeyOutput {
    fn new(user: &UserRow, key: SshKeyRow, body: String) -> Self {
        SshPublicKeyOutput {
            ssh_public_key: SshPublicKey {
                user_name: user.user_name.clone(),
                ssh_public_key_id: key.ssh_key_id,
                fingerprint: key.fingerprint,
                ssh_public_key_body: body,
                status: key.status.as_str(),
                upload_date: aws_date(&key.uploaded_at),
            },
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct UploadSSHPublicKey {
    #[serde(rename = "UserName")]
    pub user_name: String,
    #[serde(rename = "SSHPublicKeyBody")]
    pub ssh_public_key_body: String,
}

impl Operation for UploadSSHPublicKey {
    const NAME: &'static str = "UploadSSHPublicKey";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:UploadSSHPublicKey");
    const MEMBERS: &'static [Member] = &[USER_NAME.required(), SSH_KEY_BODY.required()];
    type Output = SshPublicKeyOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, Some(&self.user_name))
    }

    fn handle(self, call: &Call<'_>) -> Result<SshPublicKeyOutput, IamError> {
        let (user, key) = call.ctx.store.write(|c| {
            let user = users::get(c, &call.principal.account_id, &self.user_name)?;
            let key = public_keys::upload(c, &user, &self.ssh_public_key_body)?;
            Ok::<_, IamError>((user, key))
        })?;
        let body = key.body.clone();
        Ok(SshPublicKeyOutput::new(&user, key, body))
    }
}

#[derive(Debug, Deserialize)]
pub struct GetSSHPublicKey {
    #[serde(rename = "UserName")]
    pub user_name: String,
    #[serde(rename = "SSHPublicKeyId")]
    pub ssh_public_key_id: String,
    #[serde(rename = "Encoding")]
    pub encoding: String,
}

impl Operation for GetSSHPublicKey {
    const NAME: &'static str = "GetSSHPublicKey";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:GetSSHPublicKey");
    const MEMBERS: &'static [Member] = &[
        USER_NAME.required(),
        SSH_KEY_ID.required(),
        Member::one_of("Encoding", &["SSH", "PEM"]).required(),
    ];
    type Output = SshPublicKeyOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, Some(&self.user_name))
    }

    fn handle(self, call: &Call<'_>) -> Result<SshPublicKeyOutput, IamError> {
        let (user, key) = call.ctx.store.read(|c| {
            let user = users::get(c, &call.principal.account_id, &self.user_name)?;
            let key = public_keys::owned(c, &user, &self.ssh_public_key_id)?;
            Ok::<_, IamError>((user, key))
        })?;
        let body = match self.encoding.as_str() {
            "PEM" => public_keys::parsed(&key)?.pem(),
            _ => key.body.clone(),
        };
        Ok(SshPublicKeyOutput::new(&user, key, body))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSSHPublicKeys {
    pub user_name: Option<String>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SshPublicKeyMetadata {
    pub user_name: String,
    #[serde(rename = "SSHPublicKeyId")]
    pub ssh_public_key_id: String,
    pub status: &'static str,
    pub upload_date: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSshPublicKeysOutput {
    #[serde(rename = "SSHPublicKeys")]
    pub ssh_public_keys: List<SshPublicKeyMetadata>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Operation for ListSSHPublicKeys {
    const NAME: &'static str = "ListSSHPublicKeys";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListSSHPublicKeys");
    const MEMBERS: &'static [Member] = &[USER_NAME, MARKER, MAX_ITEMS];
    type Output = ListSshPublicKeysOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<ListSshPublicKeysOutput, IamError> {
        let (user, keys) = call.ctx.store.read(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            let keys = public_keys::list(c, &user)?;
            Ok::<_, IamError>((user, keys))
        })?;
        let (keys, marker) = page(keys, self.marker.as_deref(), self.max_items)?;
        Ok(ListSshPublicKeysOutput {
            ssh_public_keys: keys
                .into_iter()
                .map(|k| SshPublicKeyMetadata {
                    user_name: user.user_name.clone(),
                    ssh_public_key_id: k.ssh_key_id,
                    status: k.status.as_str(),
                    upload_date: aws_date(&k.uploaded_at),
                })
                .collect::<Vec<_>>()
                .into(),
            is_truncated: marker.is_some(),
            marker,
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct UpdateSSHPublicKey {
    #[serde(rename = "UserName")]
    pub user_name: String,
    #[serde(rename = "SSHPublicKeyId")]
    pub ssh_public_key_id: String,
    #[serde(rename = "Status")]
    pub status: String,
}

impl Operation for UpdateSSHPublicKey {
    const NAME: &'static str = "UpdateSSHPublicKey";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:UpdateSSHPublicKey");
    const MEMBERS: &'static [Member] = &[USER_NAME.required(), SSH_KEY_ID.required(), STATUS];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, Some(&self.user_name))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let status = settable(&self.status)?;
        call.ctx.store.write(|c| {
            let user = users::get(c, &call.principal.account_id, &self.user_name)?;
            public_keys::set_status(c, &user, &self.ssh_public_key_id, status)
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
pub struct DeleteSSHPublicKey {
    #[serde(rename = "UserName")]
    pub user_name: String,
    #[serde(rename = "SSHPublicKeyId")]
    pub ssh_public_key_id: String,
}

impl Operation for DeleteSSHPublicKey {
    const NAME: &'static str = "DeleteSSHPublicKey";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeleteSSHPublicKey");
    const MEMBERS: &'static [Member] = &[USER_NAME.required(), SSH_KEY_ID.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, Some(&self.user_name))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            let user = users::get(c, &call.principal.account_id, &self.user_name)?;
            public_keys::delete(c, &user, &self.ssh_public_key_id)
        })?;
        Ok(Empty {})
    }
}
