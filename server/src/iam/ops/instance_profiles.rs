//! CreateInstanceProfile, GetInstanceProfile, ListInstanceProfiles,
//! ListInstanceProfilesForRole, AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile,
//! DeleteInstanceProfile.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use super::roles::{ROLE_NAME, Role, role_target};
use super::{
    List, MARKER, MAX_ITEMS, PATH_MEMBER, PREFIX, Tag, aws_date, page, tag_pairs, tags_of,
};
use crate::context::Context;
use crate::iam::instance_profiles::{self as profiles, Profile};
use crate::iam::{IamError, roles};
use crate::operation::model::{Member, NAME};
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::workloads as rows;

const PROFILE_NAME: Member = Member::string("InstanceProfileName", 1, 128, Some(NAME));

/// An instance profile as IAM returns it, with its role.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfile {
    pub path: String,
    pub instance_profile_name: String,
    pub instance_profile_id: String,
    pub arn: String,
    pub create_date: String,
    pub roles: List<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<List<Tag>>,
}

impl From<Profile> for InstanceProfile {
    fn from(p: Profile) -> Self {
        InstanceProfile {
            arn: p.row.arn(),
            create_date: aws_date(&p.row.created_at),
            path: p.row.path,
            instance_profile_name: p.row.name,
            instance_profile_id: p.row.instance_profile_id,
            roles: p
                .role
                .iter()
                .map(|r| Role::new(r, &[]))
                .collect::<Vec<_>>()
                .into(),
            tags: tags_of(&p.tags),
        }
    }
}

/// The ARN of the instance profile `name`: the stored one's, with its path, or
/// `instance-profile/<name>`.
fn profile_target(ctx: &Context, principal: &Principal, name: &str) -> Result<Target, IamError> {
    let found = ctx
        .store
        .read(|c| rows::find_instance_profile(c, &principal.account_id, name))?;
    Ok(Target::arn(match found {
        Some(p) => p.arn(),
        None => format!(
            "arn:aws:iam::{}:instance-profile/{name}",
            principal.account_id
        ),
    }))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfileOutput {
    pub instance_profile: InstanceProfile,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateInstanceProfile {
    pub instance_profile_name: String,
    pub path: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl Operation for CreateInstanceProfile {
    const NAME: &'static str = "CreateInstanceProfile";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:CreateInstanceProfile");
    const MEMBERS: &'static [Member] = &[PROFILE_NAME.required(), PATH_MEMBER, Member::tags()];
    type Output = InstanceProfileOutput;
    type Error = IamError;

    fn target(&self, _: &Context, principal: &Principal) -> Result<Target, IamError> {
        let target = Target::arn(format!(
            "arn:aws:iam::{}:instance-profile{}{}",
            principal.account_id,
            self.path.as_deref().unwrap_or("/"),
            self.instance_profile_name
        ));
        Ok(target.with_request_tags(self.tags.iter().map(|t| (t.key.as_str(), t.value.as_str()))))
    }

    fn handle(self, call: &Call<'_>) -> Result<InstanceProfileOutput, IamError> {
        let tags = tag_pairs(&self.tags);
        let profile = call.ctx.store.write(|c| {
            let row = profiles::create(
                c,
                &call.principal.account_id,
                &self.instance_profile_name,
                self.path.as_deref().unwrap_or("/"),
                &tags,
            )?;
            profiles::load(c, row)
        })?;
        Ok(InstanceProfileOutput {
            instance_profile: profile.into(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetInstanceProfile {
    pub instance_profile_name: String,
}

impl Operation for GetInstanceProfile {
    const NAME: &'static str = "GetInstanceProfile";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:GetInstanceProfile");
    const MEMBERS: &'static [Member] = &[PROFILE_NAME.required()];
    type Output = InstanceProfileOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        profile_target(ctx, principal, &self.instance_profile_name)
    }

    fn handle(self, call: &Call<'_>) -> Result<InstanceProfileOutput, IamError> {
        let profile = call.ctx.store.read(|c| {
            let row =
                profiles::get_row(c, &call.principal.account_id, &self.instance_profile_name)?;
            profiles::load(c, row)
        })?;
        Ok(InstanceProfileOutput {
            instance_profile: profile.into(),
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInstanceProfilesOutput {
    pub instance_profiles: List<InstanceProfile>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// One page of `rows`, each with its role and tags.
fn listed(
    call: &Call<'_>,
    rows: Vec<crate::store::workloads::InstanceProfileRow>,
    marker: Option<&str>,
    max_items: Option<i64>,
) -> Result<ListInstanceProfilesOutput, IamError> {
    let (rows, marker) = page(rows, marker, max_items)?;
    let profiles = call.ctx.store.read(|c| {
        rows.into_iter()
            .map(|r| profiles::load(c, r).map(InstanceProfile::from))
            .collect::<Result<Vec<_>, IamError>>()
    })?;
    Ok(ListInstanceProfilesOutput {
        instance_profiles: profiles.into(),
        is_truncated: marker.is_some(),
        marker,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInstanceProfiles {
    pub path_prefix: Option<String>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

impl Operation for ListInstanceProfiles {
    const NAME: &'static str = "ListInstanceProfiles";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListInstanceProfiles");
    const MEMBERS: &'static [Member] = &[PREFIX, MARKER, MAX_ITEMS];
    type Output = ListInstanceProfilesOutput;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<ListInstanceProfilesOutput, IamError> {
        let prefix = self.path_prefix.as_deref().unwrap_or("/");
        let all = call
            .ctx
            .store
            .read(|c| rows::list_instance_profiles(c, &call.principal.account_id, prefix))?;
        listed(call, all, self.marker.as_deref(), self.max_items)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInstanceProfilesForRole {
    pub role_name: String,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

impl Operation for ListInstanceProfilesForRole {
    const NAME: &'static str = "ListInstanceProfilesForRole";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListInstanceProfilesForRole");
    const MEMBERS: &'static [Member] = &[ROLE_NAME.required(), MARKER, MAX_ITEMS];
    type Output = ListInstanceProfilesOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        role_target(ctx, principal, &self.role_name)
    }

    fn handle(self, call: &Call<'_>) -> Result<ListInstanceProfilesOutput, IamError> {
        let all = call.ctx.store.read(|c| {
            let role = roles::get(c, &call.principal.account_id, &self.role_name)?;
            Ok::<_, IamError>(rows::instance_profiles_for_role(c, &role.role_id)?)
        })?;
        listed(call, all, self.marker.as_deref(), self.max_items)
    }
}

/// The two operations that put a role in a profile and take it out.
pub trait RoleChange: Send + 'static {
    const NAME: &'static str;
    const ACTION: &'static str;
    fn apply(
        c: &rusqlite::Connection,
        account: &str,
        profile: &str,
        role: &str,
    ) -> Result<(), IamError>;
}

#[derive(Debug)]
pub struct Add;
#[derive(Debug)]
pub struct Remove;

impl RoleChange for Add {
    const NAME: &'static str = "AddRoleToInstanceProfile";
    const ACTION: &'static str = "iam:AddRoleToInstanceProfile";
    fn apply(
        c: &rusqlite::Connection,
        account: &str,
        profile: &str,
        role: &str,
    ) -> Result<(), IamError> {
        profiles::add_role(c, account, profile, role)
    }
}

impl RoleChange for Remove {
    const NAME: &'static str = "RemoveRoleFromInstanceProfile";
    const ACTION: &'static str = "iam:RemoveRoleFromInstanceProfile";
    fn apply(
        c: &rusqlite::Connection,
        account: &str,
        profile: &str,
        role: &str,
    ) -> Result<(), IamError> {
        profiles::remove_role(c, account, profile, role)
    }
}

/// AddRoleToInstanceProfile / RemoveRoleFromInstanceProfile.
#[derive(Debug, Deserialize)]
#[serde(bound = "")]
pub struct ChangeProfileRole<C> {
    #[serde(rename = "InstanceProfileName")]
    pub instance_profile_name: String,
    #[serde(rename = "RoleName")]
    pub role_name: String,
    #[serde(skip)]
    change: PhantomData<C>,
}

impl<C: RoleChange + std::fmt::Debug> Operation for ChangeProfileRole<C> {
    const NAME: &'static str = C::NAME;
    const AUTHORIZATION: Authorization = Authorization::Required(C::ACTION);
    const MEMBERS: &'static [Member] = &[PROFILE_NAME.required(), ROLE_NAME.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        profile_target(ctx, principal, &self.instance_profile_name)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            C::apply(
                c,
                &call.principal.account_id,
                &self.instance_profile_name,
                &self.role_name,
            )
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteInstanceProfile {
    pub instance_profile_name: String,
}

impl Operation for DeleteInstanceProfile {
    const NAME: &'static str = "DeleteInstanceProfile";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeleteInstanceProfile");
    const MEMBERS: &'static [Member] = &[PROFILE_NAME.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        profile_target(ctx, principal, &self.instance_profile_name)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            profiles::delete(c, &call.principal.account_id, &self.instance_profile_name)
        })?;
        Ok(Empty {})
    }
}
