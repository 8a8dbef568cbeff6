//! CreateGroup, GetGroup, ListGroups, DeleteGroup, AddUserToGroup, RemoveUserFromGroup,
//! ListGroupsForUser.

use serde::{Deserialize, Serialize};

use super::owners::{GROUP_NAME, group_target};
use super::users::User;
use super::{
    EXISTING_USER_NAME, List, MARKER, MAX_ITEMS, PATH_MEMBER, PREFIX, aws_date, page, user_target,
};
use crate::context::Context;
use crate::iam::{IamError, groups, users};
use crate::operation::model::Member;
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::iam as user_rows;
use crate::store::policies::{self as rows, GroupRow};

/// A group as IAM returns it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Group {
    pub path: String,
    pub group_name: String,
    pub group_id: String,
    pub arn: String,
    pub create_date: String,
}

impl Group {
    fn new(g: &GroupRow) -> Self {
        Group {
            path: g.path.clone(),
            group_name: g.group_name.clone(),
            group_id: g.group_id.clone(),
            arn: g.arn(),
            create_date: aws_date(&g.created_at),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupOutput {
    pub group: Group,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateGroup {
    pub group_name: String,
    pub path: Option<String>,
}

impl CreateGroup {
    fn path(&self) -> &str {
        self.path.as_deref().unwrap_or("/")
    }
}

impl Operation for CreateGroup {
    const NAME: &'static str = "CreateGroup";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:CreateGroup");
    const MEMBERS: &'static [Member] = &[GROUP_NAME.required(), PATH_MEMBER];
    type Output = GroupOutput;
    type Error = IamError;

    fn target(&self, _: &Context, principal: &Principal) -> Result<Target, IamError> {
        Ok(Target::arn(format!(
            "arn:aws:iam::{}:group{}{}",
            principal.account_id,
            self.path(),
            self.group_name
        )))
    }

    fn handle(self, call: &Call<'_>) -> Result<GroupOutput, IamError> {
        let g = call.ctx.store.write(|c| {
            groups::create(c, &call.principal.account_id, &self.group_name, self.path())
        })?;
        Ok(GroupOutput {
            group: Group::new(&g),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetGroup {
    pub group_name: String,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetGroupOutput {
    pub group: Group,
    pub users: List<User>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Operation for GetGroup {
    const NAME: &'static str = "GetGroup";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:GetGroup");
    const MEMBERS: &'static [Member] = &[GROUP_NAME.required(), MARKER, MAX_ITEMS];
    type Output = GetGroupOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        group_target(ctx, principal, &self.group_name)
    }

    fn handle(self, call: &Call<'_>) -> Result<GetGroupOutput, IamError> {
        let (group, members) = call.ctx.store.read(|c| {
            let g = groups::get(c, &call.principal.account_id, &self.group_name)?;
            let mut members = Vec::new();
            for id in rows::members(c, &g.group_id)? {
                if let Some(u) = user_rows::find_user_by_id(c, &id)? {
                    members.push(u);
                }
            }
            members.sort_by_key(|u| u.user_name.to_lowercase());
            Ok::<_, IamError>((g, members))
        })?;
        let (members, marker) = page(members, self.marker.as_deref(), self.max_items)?;
        Ok(GetGroupOutput {
            group: Group::new(&group),
            users: members
                .iter()
                .map(|u| User::new(u, &[]))
                .collect::<Vec<_>>()
                .into(),
            is_truncated: marker.is_some(),
            marker,
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupsOutput {
    pub groups: List<Group>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

fn groups_page(
    all: Vec<GroupRow>,
    marker: Option<&str>,
    max_items: Option<i64>,
) -> Result<GroupsOutput, IamError> {
    let (items, marker) = page(all, marker, max_items)?;
    Ok(GroupsOutput {
        groups: items.iter().map(Group::new).collect::<Vec<_>>().into(),
        is_truncated: marker.is_some(),
        marker,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListGroups {
    pub path_prefix: Option<String>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

impl Operation for ListGroups {
    const NAME: &'static str = "ListGroups";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListGroups");
    const MEMBERS: &'static [Member] = &[PREFIX, MARKER, MAX_ITEMS];
    type Output = GroupsOutput;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<GroupsOutput, IamError> {
        let prefix = self.path_prefix.as_deref().unwrap_or("/");
        let all = call
            .ctx
            .store
            .read(|c| rows::list_groups(c, &call.principal.account_id))?
            .into_iter()
            .filter(|g| g.path.starts_with(prefix))
            .collect();
        groups_page(all, self.marker.as_deref(), self.max_items)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListGroupsForUser {
    pub user_name: String,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

impl Operation for ListGroupsForUser {
    const NAME: &'static str = "ListGroupsForUser";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListGroupsForUser");
    const MEMBERS: &'static [Member] = &[EXISTING_USER_NAME.required(), MARKER, MAX_ITEMS];
    type Output = GroupsOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, Some(&self.user_name))
    }

    fn handle(self, call: &Call<'_>) -> Result<GroupsOutput, IamError> {
        let all = call.ctx.store.read(|c| {
            let u = users::get(c, &call.principal.account_id, &self.user_name)?;
            Ok::<_, IamError>(rows::groups_of_user(c, &u.user_id)?)
        })?;
        groups_page(all, self.marker.as_deref(), self.max_items)
    }
}

/// A request naming a group and a user.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupUser {
    pub group_name: String,
    pub user_name: String,
}

/// AddUserToGroup.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct AddUserToGroup(pub GroupUser);

impl Operation for AddUserToGroup {
    const NAME: &'static str = "AddUserToGroup";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:AddUserToGroup");
    const MEMBERS: &'static [Member] = &[GROUP_NAME.required(), EXISTING_USER_NAME.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        group_target(ctx, principal, &self.0.group_name)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let account = &call.principal.account_id;
        call.ctx.store.write(|c| {
            let g = groups::get(c, account, &self.0.group_name)?;
            let u = users::get(c, account, &self.0.user_name)?;
            groups::add_user(c, &g, &u.user_id)
        })?;
        Ok(Empty {})
    }
}

/// RemoveUserFromGroup.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct RemoveUserFromGroup(pub GroupUser);

impl Operation for RemoveUserFromGroup {
    const NAME: &'static str = "RemoveUserFromGroup";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:RemoveUserFromGroup");
    const MEMBERS: &'static [Member] = &[GROUP_NAME.required(), EXISTING_USER_NAME.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        group_target(ctx, principal, &self.0.group_name)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let account = &call.principal.account_id;
        call.ctx.store.write(|c| {
            let g = groups::get(c, account, &self.0.group_name)?;
            let u = users::get(c, account, &self.0.user_name)?;
            groups::remove_user(c, &g, &u.user_id, &u.user_name)
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteGroup {
    pub group_name: String,
}

impl Operation for DeleteGroup {
    const NAME: &'static str = "DeleteGroup";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeleteGroup");
    const MEMBERS: &'static [Member] = &[GROUP_NAME.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        group_target(ctx, principal, &self.group_name)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx
            .store
            .write(|c| groups::delete(c, &call.principal.account_id, &self.group_name))?;
        Ok(Empty {})
    }
}
