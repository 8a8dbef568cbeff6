//! CreateOpenIDConnectProvider, GetOpenIDConnectProvider, ListOpenIDConnectProviders,
//! DeleteOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint,
//! AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider,
//! TagOpenIDConnectProvider, UntagOpenIDConnectProvider, ListOpenIDConnectProviderTags.

use std::marker::PhantomData;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::{List, MARKER, MAX_ITEMS, Tag, aws_date, page, tag_pairs, tags_of};
use crate::context::Context;
use crate::iam::IamError;
use crate::iam::oidc_providers::{self as providers, NewProvider};
use crate::operation::model::Member;
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::workloads as rows;

const PROVIDER_ARN: Member = Member::string("OpenIDConnectProviderArn", 20, 2048, None);
const CLIENT_ID: Member = Member::string("ClientID", 1, 255, None);
/// IAM allows 50 tags on a resource.
const MAX_TAGS: usize = 50;

fn arn_target(arn: &str) -> Result<Target, IamError> {
    Ok(Target::arn(arn.to_owned()))
}

#[derive(Debug, Deserialize)]
pub struct CreateOpenIDConnectProvider {
    #[serde(rename = "Url")]
    pub url: String,
    #[serde(rename = "ClientIDList", default)]
    pub client_id_list: Vec<String>,
    #[serde(rename = "ThumbprintList", default)]
    pub thumbprint_list: Vec<String>,
    #[serde(rename = "Tags", default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateOpenIDConnectProviderOutput {
    #[serde(rename = "OpenIDConnectProviderArn")]
    pub arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<List<Tag>>,
}

impl Operation for CreateOpenIDConnectProvider {
    const NAME: &'static str = "CreateOpenIDConnectProvider";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:CreateOpenIDConnectProvider");
    const MEMBERS: &'static [Member] = &[
        Member::string("Url", 1, 255, None).required(),
        Member::tags(),
    ];
    type Output = CreateOpenIDConnectProviderOutput;
    type Error = IamError;

    fn target(&self, _: &Context, principal: &Principal) -> Result<Target, IamError> {
        let target = arn_target(&providers::arn_for(&principal.account_id, &self.url))?;
        Ok(target.with_request_tags(self.tags.iter().map(|t| (t.key.as_str(), t.value.as_str()))))
    }

    fn handle(self, call: &Call<'_>) -> Result<CreateOpenIDConnectProviderOutput, IamError> {
        if let Some(bad) = self
            .client_id_list
            .iter()
            .find(|c| c.is_empty() || c.len() > 255)
        {
            return Err(IamError::Validation(format!(
                "1 validation error detected: Value '{bad}' at 'clientIDList' failed to satisfy \
                 constraint: Member must have length less than or equal to 255"
            )));
        }
        let tags = tag_pairs(&self.tags);
        let row = call.ctx.store.write(|c| {
            providers::create(
                c,
                &NewProvider {
                    account_id: &call.principal.account_id,
                    url: &self.url,
                    client_ids: &self.client_id_list,
                    thumbprints: &self.thumbprint_list,
                    tags: &tags,
                    jwks: None,
                },
            )
        })?;
        Ok(CreateOpenIDConnectProviderOutput {
            arn: row.arn,
            tags: tags_of(&tags),
        })
    }
}

/// A request naming one provider.
#[derive(Debug, Deserialize)]
pub struct ProviderArn {
    #[serde(rename = "OpenIDConnectProviderArn")]
    pub arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetOpenIDConnectProvider(pub ProviderArn);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetOpenIDConnectProviderOutput {
    pub url: String,
    #[serde(rename = "ClientIDList")]
    pub client_id_list: List<String>,
    pub thumbprint_list: List<String>,
    pub create_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<List<Tag>>,
}

impl Operation for GetOpenIDConnectProvider {
    const NAME: &'static str = "GetOpenIDConnectProvider";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:GetOpenIDConnectProvider");
    const MEMBERS: &'static [Member] = &[PROVIDER_ARN.required()];
    type Output = GetOpenIDConnectProviderOutput;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        arn_target(&self.0.arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<GetOpenIDConnectProviderOutput, IamError> {
        let p = call.ctx.store.read(|c| {
            let row = providers::get_row(c, &call.principal.account_id, &self.0.arn)?;
            providers::load(c, row)
        })?;
        Ok(GetOpenIDConnectProviderOutput {
            url: providers::issuer_host_path(&p.row.url).to_owned(),
            client_id_list: p.client_ids.into(),
            thumbprint_list: p.thumbprints.into(),
            create_date: aws_date(&p.row.created_at),
            tags: tags_of(&p.tags),
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct ListOpenIDConnectProviders {}

#[derive(Debug, Serialize)]
pub struct ProviderListEntry {
    #[serde(rename = "Arn")]
    pub arn: String,
}

#[derive(Debug, Serialize)]
pub struct ListOpenIDConnectProvidersOutput {
    #[serde(rename = "OpenIDConnectProviderList")]
    pub list: List<ProviderListEntry>,
}

impl Operation for ListOpenIDConnectProviders {
    const NAME: &'static str = "ListOpenIDConnectProviders";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListOpenIDConnectProviders");
    type Output = ListOpenIDConnectProvidersOutput;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<ListOpenIDConnectProvidersOutput, IamError> {
        let all = call
            .ctx
            .store
            .read(|c| rows::list_oidc_providers(c, &call.principal.account_id))?;
        Ok(ListOpenIDConnectProvidersOutput {
            list: all
                .into_iter()
                .map(|p| ProviderListEntry { arn: p.arn })
                .collect::<Vec<_>>()
                .into(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct DeleteOpenIDConnectProvider(pub ProviderArn);

impl Operation for DeleteOpenIDConnectProvider {
    const NAME: &'static str = "DeleteOpenIDConnectProvider";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeleteOpenIDConnectProvider");
    const MEMBERS: &'static [Member] = &[PROVIDER_ARN.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        arn_target(&self.0.arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx
            .store
            .write(|c| providers::delete(c, &call.principal.account_id, &self.0.arn))?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
pub struct UpdateOpenIDConnectProviderThumbprint {
    #[serde(rename = "OpenIDConnectProviderArn")]
    pub arn: String,
    #[serde(rename = "ThumbprintList", default)]
    pub thumbprint_list: Vec<String>,
}

impl Operation for UpdateOpenIDConnectProviderThumbprint {
    const NAME: &'static str = "UpdateOpenIDConnectProviderThumbprint";
    const AUTHORIZATION: Authorization =
        Authorization::Required("iam:UpdateOpenIDConnectProviderThumbprint");
    const MEMBERS: &'static [Member] = &[PROVIDER_ARN.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        arn_target(&self.arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            providers::set_thumbprints(
                c,
                &call.principal.account_id,
                &self.arn,
                &self.thumbprint_list,
            )
        })?;
        Ok(Empty {})
    }
}

/// The two operations that add a client ID to a provider and take one off.
pub trait ClientIdChange: Send + 'static {
    const NAME: &'static str;
    const ACTION: &'static str;
    fn apply(c: &Connection, account: &str, arn: &str, client_id: &str) -> Result<(), IamError>;
}

#[derive(Debug)]
pub struct AddClientId;
#[derive(Debug)]
pub struct RemoveClientId;

impl ClientIdChange for AddClientId {
    const NAME: &'static str = "AddClientIDToOpenIDConnectProvider";
    const ACTION: &'static str = "iam:AddClientIDToOpenIDConnectProvider";
    fn apply(c: &Connection, account: &str, arn: &str, client_id: &str) -> Result<(), IamError> {
        providers::add_client_id(c, account, arn, client_id)
    }
}

impl ClientIdChange for RemoveClientId {
    const NAME: &'static str = "RemoveClientIDFromOpenIDConnectProvider";
    const ACTION: &'static str = "iam:RemoveClientIDFromOpenIDConnectProvider";
    fn apply(c: &Connection, account: &str, arn: &str, client_id: &str) -> Result<(), IamError> {
        providers::remove_client_id(c, account, arn, client_id)
    }
}

/// AddClientIDToOpenIDConnectProvider / RemoveClientIDFromOpenIDConnectProvider.
#[derive(Debug, Deserialize)]
#[serde(bound = "")]
pub struct ChangeClientId<C> {
    #[serde(rename = "OpenIDConnectProviderArn")]
    pub arn: String,
    #[serde(rename = "ClientID")]
    pub client_id: String,
    #[serde(skip)]
    change: PhantomData<C>,
}

impl<C: ClientIdChange + std::fmt::Debug> Operation for ChangeClientId<C> {
    const NAME: &'static str = C::NAME;
    const AUTHORIZATION: Authorization = Authorization::Required(C::ACTION);
    const MEMBERS: &'static [Member] = &[PROVIDER_ARN.required(), CLIENT_ID.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        arn_target(&self.arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx
            .store
            .write(|c| C::apply(c, &call.principal.account_id, &self.arn, &self.client_id))?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
pub struct TagOpenIDConnectProvider {
    #[serde(rename = "OpenIDConnectProviderArn")]
    pub arn: String,
    #[serde(rename = "Tags", default)]
    pub tags: Vec<Tag>,
}

impl Operation for TagOpenIDConnectProvider {
    const NAME: &'static str = "TagOpenIDConnectProvider";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:TagOpenIDConnectProvider");
    const MEMBERS: &'static [Member] = &[PROVIDER_ARN.required(), Member::tags()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        let target = arn_target(&self.arn)?;
        Ok(target.with_request_tags(self.tags.iter().map(|t| (t.key.as_str(), t.value.as_str()))))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            let p = providers::get_row(c, &call.principal.account_id, &self.arn)?;
            let existing = rows::oidc_tags(c, &p.arn)?;
            let new_keys = self
                .tags
                .iter()
                .filter(|t| !existing.iter().any(|(k, _)| *k == t.key))
                .count();
            if existing.len() + new_keys > MAX_TAGS {
                return Err(IamError::LimitExceeded(format!(
                    "The number of tags has reached the maximum limit of {MAX_TAGS}."
                )));
            }
            for t in &self.tags {
                rows::put_oidc_tag(c, &p.arn, &t.key, &t.value)?;
            }
            Ok(())
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
pub struct UntagOpenIDConnectProvider {
    #[serde(rename = "OpenIDConnectProviderArn")]
    pub arn: String,
    #[serde(rename = "TagKeys", default)]
    pub tag_keys: Vec<String>,
}

impl Operation for UntagOpenIDConnectProvider {
    const NAME: &'static str = "UntagOpenIDConnectProvider";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:UntagOpenIDConnectProvider");
    const MEMBERS: &'static [Member] = &[PROVIDER_ARN.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        let target = arn_target(&self.arn)?;
        Ok(target.with_tag_keys(self.tag_keys.iter().map(String::as_str)))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            let p = providers::get_row(c, &call.principal.account_id, &self.arn)?;
            for k in &self.tag_keys {
                rows::delete_oidc_tag(c, &p.arn, k)?;
            }
            Ok::<_, IamError>(())
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
pub struct ListOpenIDConnectProviderTags {
    #[serde(rename = "OpenIDConnectProviderArn")]
    pub arn: String,
    #[serde(rename = "Marker")]
    pub marker: Option<String>,
    #[serde(rename = "MaxItems")]
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsOutput {
    pub tags: List<Tag>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Operation for ListOpenIDConnectProviderTags {
    const NAME: &'static str = "ListOpenIDConnectProviderTags";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization =
        Authorization::Required("iam:ListOpenIDConnectProviderTags");
    const MEMBERS: &'static [Member] = &[PROVIDER_ARN.required(), MARKER, MAX_ITEMS];
    type Output = ListTagsOutput;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        arn_target(&self.arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<ListTagsOutput, IamError> {
        let tags = call.ctx.store.read(|c| {
            let p = providers::get_row(c, &call.principal.account_id, &self.arn)?;
            Ok::<_, IamError>(rows::oidc_tags(c, &p.arn)?)
        })?;
        let (tags, marker) = page(tags, self.marker.as_deref(), self.max_items)?;
        Ok(ListTagsOutput {
            tags: tags
                .into_iter()
                .map(|(key, value)| Tag { key, value })
                .collect::<Vec<_>>()
                .into(),
            is_truncated: marker.is_some(),
            marker,
        })
    }
}
