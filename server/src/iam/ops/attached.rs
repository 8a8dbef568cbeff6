//! Attach{User,Group,Role}Policy, Detach{User,Group,Role}Policy and
//! ListAttached{User,Group,Role}Policies: one generic operation each over [`Owner`].

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use super::owners::{Owner, owner_of};
use super::{List, page};
use crate::context::Context;
use crate::iam::{IamError, policies};
use crate::operation::model::Member;
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;

/// A request naming an owner (`UserName`, `GroupName` or `RoleName`) and a policy ARN.
#[derive(Debug, Deserialize)]
#[serde(bound = "")]
pub struct OwnerPolicyArn<K> {
    #[serde(rename = "UserName")]
    pub user_name: Option<String>,
    #[serde(rename = "GroupName")]
    pub group_name: Option<String>,
    #[serde(rename = "RoleName")]
    pub role_name: Option<String>,
    #[serde(rename = "PolicyArn")]
    pub policy_arn: String,
    #[serde(skip)]
    kind: PhantomData<K>,
}

/// Attach{User,Group,Role}Policy.
#[derive(Debug, Deserialize)]
#[serde(bound = "", transparent)]
pub struct AttachPolicy<K>(pub OwnerPolicyArn<K>);

/// Detach{User,Group,Role}Policy.
#[derive(Debug, Deserialize)]
#[serde(bound = "", transparent)]
pub struct DetachPolicy<K>(pub OwnerPolicyArn<K>);

impl<K: Owner> Operation for AttachPolicy<K> {
    const NAME: &'static str = K::NAMES.attach.0;
    const AUTHORIZATION: Authorization = Authorization::Required(K::NAMES.attach.1);
    const MEMBERS: &'static [Member] = K::ARN_MEMBERS;
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        K::target(ctx, principal, self.0.owner())
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let account = &call.principal.account_id;
        call.ctx.store.write(|c| {
            let owner = K::find(c, account, self.0.owner())?;
            policies::attach(c, account, K::KIND, &owner.id, &self.0.policy_arn)
        })?;
        Ok(Empty {})
    }
}

impl<K: Owner> Operation for DetachPolicy<K> {
    const NAME: &'static str = K::NAMES.detach.0;
    const AUTHORIZATION: Authorization = Authorization::Required(K::NAMES.detach.1);
    const MEMBERS: &'static [Member] = K::ARN_MEMBERS;
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        K::target(ctx, principal, self.0.owner())
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let account = &call.principal.account_id;
        call.ctx.store.write(|c| {
            let owner = K::find(c, account, self.0.owner())?;
            policies::detach(c, K::KIND, &owner.id, &self.0.policy_arn)
        })?;
        Ok(Empty {})
    }
}

/// ListAttached{User,Group,Role}Policies.
#[derive(Debug, Deserialize)]
#[serde(bound = "")]
pub struct ListAttachedPolicies<K> {
    #[serde(rename = "UserName")]
    pub user_name: Option<String>,
    #[serde(rename = "GroupName")]
    pub group_name: Option<String>,
    #[serde(rename = "RoleName")]
    pub role_name: Option<String>,
    #[serde(rename = "PathPrefix")]
    pub path_prefix: Option<String>,
    #[serde(rename = "Marker")]
    pub marker: Option<String>,
    #[serde(rename = "MaxItems")]
    pub max_items: Option<i64>,
    #[serde(skip)]
    kind: PhantomData<K>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    pub policy_name: String,
    pub policy_arn: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAttachedPoliciesOutput {
    pub attached_policies: List<AttachedPolicy>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// Whether a policy ARN's path starts with `prefix` (`arn:aws:iam::ACCT:policy/PATH/NAME`).
fn arn_has_path(arn: &str, prefix: &str) -> bool {
    let Some((_, rest)) = arn.split_once(":policy") else {
        return false;
    };
    rest.starts_with(prefix)
}

impl<K: Owner> Operation for ListAttachedPolicies<K> {
    const NAME: &'static str = K::NAMES.list_attached.0;
    const AUTHORIZATION: Authorization = Authorization::Required(K::NAMES.list_attached.1);
    const MEMBERS: &'static [Member] = K::LIST_ATTACHED_MEMBERS;
    type Output = ListAttachedPoliciesOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        K::target(ctx, principal, self.owner())
    }

    fn handle(self, call: &Call<'_>) -> Result<ListAttachedPoliciesOutput, IamError> {
        let account = &call.principal.account_id;
        let all = call.ctx.store.read(|c| {
            let owner = K::find(c, account, self.owner())?;
            policies::attached(c, account, K::KIND, &owner.id)
        })?;
        let prefix = self.path_prefix.as_deref().unwrap_or("/");
        let all: Vec<_> = all
            .into_iter()
            .filter(|(_, arn)| arn_has_path(arn, prefix))
            .map(|(policy_name, policy_arn)| AttachedPolicy {
                policy_name,
                policy_arn,
            })
            .collect();
        let (items, marker) = page(all, self.marker.as_deref(), self.max_items)?;
        Ok(ListAttachedPoliciesOutput {
            attached_policies: items.into(),
            is_truncated: marker.is_some(),
            marker,
        })
    }
}
owner_of!(OwnerPolicyArn, ListAttachedPolicies);
