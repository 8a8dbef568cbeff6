//! CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser.

use serde::{Deserialize, Serialize};

use super::{
    EXISTING_USER_NAME, List, MARKER, MAX_ITEMS, PATH_MEMBER, PREFIX, Tag, USER_NAME, aws_date,
    page, tag_pairs, tags_of, target_user, user_target,
};
use crate::context::Context;
use crate::iam::{IamError, users};
use crate::operation::model::{Member, NAME, PATH};
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::{UserRow, iam as rows};

/// A user as IAM returns it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    pub path: String,
    pub user_name: String,
    pub user_id: String,
    pub arn: String,
    pub create_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<List<Tag>>,
}

impl User {
    pub fn new(u: &UserRow, tags: &[(String, String)]) -> Self {
        User {
            path: u.path.clone(),
            user_name: u.user_name.clone(),
            user_id: u.user_id.clone(),
            arn: u.arn(),
            create_date: aws_date(&u.created_at),
            tags: tags_of(tags),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserOutput {
    pub user: User,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateUser {
    pub user_name: String,
    pub path: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl CreateUser {
    fn path(&self) -> &str {
        self.path.as_deref().unwrap_or("/")
    }
}

impl Operation for CreateUser {
    const NAME: &'static str = "CreateUser";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:CreateUser");
    const MEMBERS: &'static [Member] = &[USER_NAME.required(), PATH_MEMBER, Member::tags()];
    type Output = UserOutput;
    type Error = IamError;

    fn target(&self, _: &Context, principal: &Principal) -> Result<Target, IamError> {
        let target = Target::arn(format!(
            "arn:aws:iam::{}:user{}{}",
            principal.account_id,
            self.path(),
            self.user_name
        ));
        Ok(target.with_request_tags(self.tags.iter().map(|t| (t.key.as_str(), t.value.as_str()))))
    }

    fn handle(self, call: &Call<'_>) -> Result<UserOutput, IamError> {
        let tags = tag_pairs(&self.tags);
        let account = &call.principal.account_id;
        let user = call
            .ctx
            .store
            .write(|c| users::create(c, account, &self.user_name, self.path(), &tags))?;
        Ok(UserOutput {
            user: User::new(&user, &tags),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetUser {
    pub user_name: Option<String>,
}

impl Operation for GetUser {
    const NAME: &'static str = "GetUser";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:GetUser");
    const MEMBERS: &'static [Member] = &[EXISTING_USER_NAME];
    type Output = UserOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<UserOutput, IamError> {
        let (user, tags) = call.ctx.store.read(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            let tags = rows::user_tags(c, &user.user_id)?;
            Ok::<_, IamError>((user, tags))
        })?;
        Ok(UserOutput {
            user: User::new(&user, &tags),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListUsers {
    pub path_prefix: Option<String>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListUsersOutput {
    pub users: List<User>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Operation for ListUsers {
    const NAME: &'static str = "ListUsers";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListUsers");
    const MEMBERS: &'static [Member] = &[PREFIX, MARKER, MAX_ITEMS];
    type Output = ListUsersOutput;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<ListUsersOutput, IamError> {
        let prefix = self.path_prefix.as_deref().unwrap_or("/");
        let all = call
            .ctx
            .store
            .read(|c| rows::list_users(c, &call.principal.account_id, prefix))?;
        let (users, marker) = page(all, self.marker.as_deref(), self.max_items)?;
        Ok(ListUsersOutput {
            users: users
                .iter()
                .map(|u| User::new(u, &[]))
                .collect::<Vec<_>>()
                .into(),
            is_truncated: marker.is_some(),
            marker,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateUser {
    pub user_name: String,
    pub new_user_name: Option<String>,
    pub new_path: Option<String>,
}

impl Operation for UpdateUser {
    const NAME: &'static str = "UpdateUser";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:UpdateUser");
    const MEMBERS: &'static [Member] = &[
        EXISTING_USER_NAME.required(),
        Member::string("NewUserName", 1, 64, Some(NAME)),
        Member::string("NewPath", 1, 512, Some(PATH)),
    ];
    type Output = Empty;
    type Error = IamError;

    /// IAM: "to change a user name, the requester must have appropriate permissions on both
    /// the source object and the target object": the user, and the user it becomes.
    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        let source = user_target(ctx, principal, Some(&self.user_name))?;
        if self.new_user_name.is_none() && self.new_path.is_none() {
            return Ok(source);
        }
        // A new path alone moves the user too: its ARN changes.
        let new_name = self.new_user_name.as_deref().unwrap_or(&self.user_name);
        let found = ctx
            .store
            .read(|c| rows::find_user_by_name(c, &principal.account_id, &self.user_name))?;
        let path = match (&self.new_path, &found) {
            (Some(p), _) => p.clone(),
            (None, Some(u)) => u.path.clone(),
            (None, None) => "/".to_owned(),
        };
        let target = Target::arn(format!(
            "arn:aws:iam::{}:user{path}{new_name}",
            principal.account_id
        ));
        Ok(Target::each([source, target]))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            users::update(
                c,
                &call.principal.account_id,
                &self.user_name,
                self.new_user_name.as_deref(),
                self.new_path.as_deref(),
            )
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteUser {
    pub user_name: String,
}

impl Operation for DeleteUser {
    const NAME: &'static str = "DeleteUser";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeleteUser");
    const MEMBERS: &'static [Member] = &[EXISTING_USER_NAME.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, Some(&self.user_name))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx
            .store
            .write(|c| users::delete(c, &call.principal.account_id, &self.user_name))?;
        Ok(Empty {})
    }
}
