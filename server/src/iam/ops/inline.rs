//! Put/Get/Delete{User,Group,Role}Policy and List{User,Group,Role}Policies: the inline
//! policies, one generic operation each over [`Owner`].

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use super::owners::{Owner, owner_of};
use super::{List, encode_policy, page};
use crate::context::Context;
use crate::iam::{IamError, policies};
use crate::operation::model::Member;
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::policies::OwnerKind;

/// Put{User,Group,Role}Policy.
#[derive(Debug, Deserialize)]
#[serde(bound = "")]
pub struct PutPolicy<K> {
    #[serde(rename = "UserName")]
    pub user_name: Option<String>,
    #[serde(rename = "GroupName")]
    pub group_name: Option<String>,
    #[serde(rename = "RoleName")]
    pub role_name: Option<String>,
    #[serde(rename = "PolicyName")]
    pub policy_name: String,
    #[serde(rename = "PolicyDocument")]
    pub policy_document: String,
    #[serde(skip)]
    kind: PhantomData<K>,
}

impl<K: Owner> Operation for PutPolicy<K> {
    const NAME: &'static str = K::NAMES.put.0;
    const AUTHORIZATION: Authorization = Authorization::Required(K::NAMES.put.1);
    const MEMBERS: &'static [Member] = K::PUT_MEMBERS;
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        K::target(ctx, principal, self.owner())
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let account = &call.principal.account_id;
        call.ctx.store.write(|c| {
            let owner = K::find(c, account, self.owner())?;
            policies::put_inline(
                c,
                K::KIND,
                &owner.id,
                &owner.name,
                &self.policy_name,
                &self.policy_document,
            )
        })?;
        Ok(Empty {})
    }
}

/// A request naming an owner and an inline policy.
#[derive(Debug, Deserialize)]
#[serde(bound = "")]
pub struct OwnerPolicyName<K> {
    #[serde(rename = "UserName")]
    pub user_name: Option<String>,
    #[serde(rename = "GroupName")]
    pub group_name: Option<String>,
    #[serde(rename = "RoleName")]
    pub role_name: Option<String>,
    #[serde(rename = "PolicyName")]
    pub policy_name: String,
    #[serde(skip)]
    kind: PhantomData<K>,
}

/// Get{User,Group,Role}Policy.
#[derive(Debug, Deserialize)]
#[serde(bound = "", transparent)]
pub struct GetPolicy<K>(pub OwnerPolicyName<K>);

/// Delete{User,Group,Role}Policy.
#[derive(Debug, Deserialize)]
#[serde(bound = "", transparent)]
pub struct DeletePolicy<K>(pub OwnerPolicyName<K>);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPolicyOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    pub policy_name: String,
    /// URL-encoded, as IAM sends documents.
    pub policy_document: String,
}

impl<K: Owner> Operation for GetPolicy<K> {
    const NAME: &'static str = K::NAMES.get.0;
    const AUTHORIZATION: Authorization = Authorization::Required(K::NAMES.get.1);
    const MEMBERS: &'static [Member] = K::NAME_MEMBERS;
    type Output = GetPolicyOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        K::target(ctx, principal, self.0.owner())
    }

    fn handle(self, call: &Call<'_>) -> Result<GetPolicyOutput, IamError> {
        let account = &call.principal.account_id;
        let (owner, (name, document)) = call.ctx.store.read(|c| {
            let owner = K::find(c, account, self.0.owner())?;
            let policy = policies::get_inline(c, K::KIND, &owner.id, &self.0.policy_name)?;
            Ok::<_, IamError>((owner, policy))
        })?;
        let named = |kind| (K::KIND == kind).then(|| owner.name.clone());
        Ok(GetPolicyOutput {
            user_name: named(OwnerKind::User),
            group_name: named(OwnerKind::Group),
            role_name: named(OwnerKind::Role),
            policy_name: name,
            policy_document: encode_policy(&document),
        })
    }
}

impl<K: Owner> Operation for DeletePolicy<K> {
    const NAME: &'static str = K::NAMES.delete.0;
    const AUTHORIZATION: Authorization = Authorization::Required(K::NAMES.delete.1);
    const MEMBERS: &'static [Member] = K::NAME_MEMBERS;
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        K::target(ctx, principal, self.0.owner())
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let account = &call.principal.account_id;
        call.ctx.store.write(|c| {
            let owner = K::find(c, account, self.0.owner())?;
            policies::delete_inline(c, K::KIND, &owner.id, &self.0.policy_name)
        })?;
        Ok(Empty {})
    }
}

/// List{User,Group,Role}Policies.
#[derive(Debug, Deserialize)]
#[serde(bound = "")]
pub struct ListPolicies<K> {
    #[serde(rename = "UserName")]
    pub user_name: Option<String>,
    #[serde(rename = "GroupName")]
    pub group_name: Option<String>,
    #[serde(rename = "RoleName")]
    pub role_name: Option<String>,
    #[serde(rename = "Marker")]
    pub marker: Option<String>,
    #[serde(rename = "MaxItems")]
    pub max_items: Option<i64>,
    #[serde(skip)]
    kind: PhantomData<K>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPoliciesOutput {
    pub policy_names: List<String>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl<K: Owner> Operation for ListPolicies<K> {
    const NAME: &'static str = K::NAMES.list.0;
    const AUTHORIZATION: Authorization = Authorization::Required(K::NAMES.list.1);
    const MEMBERS: &'static [Member] = K::LIST_MEMBERS;
    type Output = ListPoliciesOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        K::target(ctx, principal, self.owner())
    }

    fn handle(self, call: &Call<'_>) -> Result<ListPoliciesOutput, IamError> {
        let account = &call.principal.account_id;
        let names = call.ctx.store.read(|c| {
            let owner = K::find(c, account, self.owner())?;
            Ok::<_, IamError>(
                crate::store::policies::inline(c, K::KIND, &owner.id)?
                    .into_iter()
                    .map(|(n, _)| n)
                    .collect::<Vec<_>>(),
            )
        })?;
        let (items, marker) = page(names, self.marker.as_deref(), self.max_items)?;
        Ok(ListPoliciesOutput {
            policy_names: items.into(),
            is_truncated: marker.is_some(),
            marker,
        })
    }
}
owner_of!(PutPolicy, OwnerPolicyName, ListPolicies);
