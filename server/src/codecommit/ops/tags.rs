//! Repository tags: TagResource, UntagResource, ListTagsForResource.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::repositories::tag_pairs;
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::manage;
use crate::context::Context;
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::RepositoryRow;
use crate::store::repositories as rows;

fn tagged(call: &Call<'_>, arn: Option<&str>) -> Result<RepositoryRow, E> {
    manage::from_arn(
        call.ctx,
        &call.principal.account_id,
        arn.unwrap_or_default(),
    )
}

fn arn_target(arn: Option<&str>) -> Target {
    Target::arn(arn.filter(|a| !a.is_empty()).unwrap_or("*"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagResource {
    pub resource_arn: Option<String>,
    pub tags: Option<BTreeMap<String, serde_json::Value>>,
}

impl Operation for TagResource {
    const NAME: &'static str = "TagResource";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:TagResource");
    type Output = Empty;
    type Error = E;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, E> {
        let target = arn_target(self.resource_arn.as_deref());
        Ok(target.with_request_tags(super::request_tags(&self.tags)))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, E> {
        let row = tagged(call, self.resource_arn.as_deref())?;
        if self.tags.is_none() {
            return Err(E::tags_map_required());
        }
        let tags = tag_pairs(self.tags.as_ref())?;
        manage::check_tags(&tags)?;
        call.ctx.store.write(|tx| {
            for (k, val) in &tags {
                rows::set_repository_tag(tx, &row.repository_id, k, val)?;
            }
            if rows::repository_tags(tx, &row.repository_id)?.len() > 50 {
                return Err(E::too_many_tags());
            }
            Ok(())
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UntagResource {
    pub resource_arn: Option<String>,
    pub tag_keys: Option<Vec<String>>,
}

impl Operation for UntagResource {
    const NAME: &'static str = "UntagResource";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:UntagResource");
    type Output = Empty;
    type Error = E;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, E> {
        let target = arn_target(self.resource_arn.as_deref());
        let keys = self.tag_keys.iter().flatten().map(String::as_str);
        Ok(target.with_tag_keys(keys))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, E> {
        let row = tagged(call, self.resource_arn.as_deref())?;
        let Some(keys) = self.tag_keys else {
            return Err(E::tag_keys_list_required());
        };
        call.ctx.store.write(|tx| {
            for k in &keys {
                rows::remove_repository_tag(tx, &row.repository_id, k)?;
            }
            Ok::<_, E>(())
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTagsForResource {
    pub resource_arn: Option<String>,
    pub next_token: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ListTagsForResourceOutput {
    pub tags: BTreeMap<String, String>,
}

impl Operation for ListTagsForResource {
    const NAME: &'static str = "ListTagsForResource";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:ListTagsForResource");
    type Output = ListTagsForResourceOutput;
    type Error = E;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, E> {
        Ok(arn_target(self.resource_arn.as_deref()))
    }

    fn handle(self, call: &Call<'_>) -> Result<ListTagsForResourceOutput, E> {
        let row = tagged(call, self.resource_arn.as_deref())?;
        let tags = call
            .ctx
            .store
            .read(|c| rows::repository_tags(c, &row.repository_id))?;
        Ok(ListTagsForResourceOutput {
            tags: tags.into_iter().collect(),
        })
    }
}
