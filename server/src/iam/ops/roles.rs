//! CreateRole, GetRole, ListRoles, DeleteRole, UpdateAssumeRolePolicy.

use serde::{Deserialize, Serialize};

use super::{
    List, MARKER, MAX_ITEMS, PATH_MEMBER, PREFIX, Tag, aws_date, encode_policy, page, tag_pairs,
    tags_of,
};
use crate::context::Context;
use crate::iam::{IamError, roles};
use crate::operation::model::{Member, NAME, TEXT};
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::roles::{self as rows, RoleRow};

pub(super) const ROLE_NAME: Member = Member::string("RoleName", 1, 64, Some(NAME));
const TRUST_POLICY: Member = Member::string("AssumeRolePolicyDocument", 1, 131072, Some(TEXT));

/// A role as IAM returns it; the trust policy URL-encoded, as IAM sends policy documents
/// (the SDKs decode them).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    pub path: String,
    pub role_name: String,
    pub role_id: String,
    pub arn: String,
    pub create_date: String,
    pub assume_role_policy_document: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub max_session_duration: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<List<Tag>>,
}

impl Role {
    pub(super) fn new(r: &RoleRow, tags: &[(String, String)]) -> Self {
        Role {
            path: r.path.clone(),
            role_name: r.role_name.clone(),
            role_id: r.role_id.clone(),
            arn: r.arn(),
            create_date: aws_date(&r.created_at),
            assume_role_policy_document: encode_policy(&r.assume_role_policy),
            description: r.description.clone(),
            max_session_duration: r.max_session_duration,
            tags: tags_of(tags),
        }
    }
}

/// The ARN of the role `name`: the stored role's, with its path, or `role/<name>`.
pub fn role_target(ctx: &Context, principal: &Principal, name: &str) -> Result<Target, IamError> {
    let found = ctx
        .store
        .read(|c| rows::find_role_by_name(c, &principal.account_id, name))?;
    Ok(Target::arn(match found {
        Some(role) => role.arn(),
        None => format!("arn:aws:iam::{}:role/{name}", principal.account_id),
    }))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleOutput {
    pub role: Role,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRole {
    pub role_name: String,
    pub path: Option<String>,
    pub assume_role_policy_document: String,
    pub description: Option<String>,
    pub max_session_duration: Option<i64>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl CreateRole {
    fn path(&self) -> &str {
        self.path.as_deref().unwrap_or("/")
    }
}

impl Operation for CreateRole {
    const NAME: &'static str = "CreateRole";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:CreateRole");
    const MEMBERS: &'static [Member] = &[
        ROLE_NAME.required(),
        PATH_MEMBER,
        TRUST_POLICY.required(),
        Member::string("Description", 0, 1000, None),
        Member::int("MaxSessionDuration", 3600, 43200),
        Member::tags(),
    ];
    type Output = RoleOutput;
    type Error = IamError;

    fn target(&self, _: &Context, principal: &Principal) -> Result<Target, IamError> {
        let target = Target::arn(format!(
            "arn:aws:iam::{}:role{}{}",
            principal.account_id,
            self.path(),
            self.role_name
        ));
        Ok(target.with_request_tags(self.tags.iter().map(|t| (t.key.as_str(), t.value.as_str()))))
    }

    fn handle(self, call: &Call<'_>) -> Result<RoleOutput, IamError> {
        let tags = tag_pairs(&self.tags);
        let role = call.ctx.store.write(|c| {
            roles::create(
                c,
                &roles::NewRole {
                    account_id: &call.principal.account_id,
                    role_name: &self.role_name,
                    path: self.path(),
                    assume_role_policy: &self.assume_role_policy_document,
                    description: self.description.as_deref(),
                    max_session_duration: self.max_session_duration,
                    tags: &tags,
                },
            )
        })?;
        Ok(RoleOutput {
            role: Role::new(&role, &tags),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRole {
    pub role_name: String,
}

impl Operation for GetRole {
    const NAME: &'static str = "GetRole";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:GetRole");
    const MEMBERS: &'static [Member] = &[ROLE_NAME.required()];
    type Output = RoleOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        role_target(ctx, principal, &self.role_name)
    }

    fn handle(self, call: &Call<'_>) -> Result<RoleOutput, IamError> {
        let (role, tags) = call.ctx.store.read(|c| {
            let role = roles::get(c, &call.principal.account_id, &self.role_name)?;
            let tags = rows::role_tags(c, &role.role_id)?;
            Ok::<_, IamError>((role, tags))
        })?;
        Ok(RoleOutput {
            role: Role::new(&role, &tags),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRoles {
    pub path_prefix: Option<String>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolesOutput {
    pub roles: List<Role>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Operation for ListRoles {
    const NAME: &'static str = "ListRoles";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListRoles");
    const MEMBERS: &'static [Member] = &[PREFIX, MARKER, MAX_ITEMS];
    type Output = ListRolesOutput;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<ListRolesOutput, IamError> {
        let prefix = self.path_prefix.as_deref().unwrap_or("/");
        let all = call
            .ctx
            .store
            .read(|c| rows::list_roles(c, &call.principal.account_id, prefix))?;
        let (roles, marker) = page(all, self.marker.as_deref(), self.max_items)?;
        Ok(ListRolesOutput {
            roles: roles
                .iter()
                .map(|r| Role::new(r, &[]))
                .collect::<Vec<_>>()
                .into(),
            is_truncated: marker.is_some(),
            marker,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAssumeRolePolicy {
    pub role_name: String,
    pub policy_document: String,
}

impl Operation for UpdateAssumeRolePolicy {
    const NAME: &'static str = "UpdateAssumeRolePolicy";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:UpdateAssumeRolePolicy");
    const MEMBERS: &'static [Member] = &[
        ROLE_NAME.required(),
        TRUST_POLICY.named("PolicyDocument").required(),
    ];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        role_target(ctx, principal, &self.role_name)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            roles::update_trust_policy(
                c,
                &call.principal.account_id,
                &self.role_name,
                &self.policy_document,
            )
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteRole {
    pub role_name: String,
}

impl Operation for DeleteRole {
    const NAME: &'static str = "DeleteRole";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeleteRole");
    const MEMBERS: &'static [Member] = &[ROLE_NAME.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        role_target(ctx, principal, &self.role_name)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx
            .store
            .write(|c| roles::delete(c, &call.principal.account_id, &self.role_name))?;
        Ok(Empty {})
    }
}
