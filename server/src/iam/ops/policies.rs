//! Managed policies: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy and the versions
//! (CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions, SetDefaultPolicyVersion,
//! DeletePolicyVersion).

use serde::{Deserialize, Serialize};

use super::owners::{POLICY_ARN, POLICY_DOCUMENT, POLICY_NAME};
use super::{
    List, MARKER, MAX_ITEMS, PATH_MEMBER, PREFIX, Tag, aws_date, encode_policy, page, tag_pairs,
    tags_of,
};
use crate::context::Context;
use crate::iam::IamError;
use crate::iam::aws_policies;
use crate::iam::policies::{self, Managed, NewPolicy, version_id};
use crate::operation::model::{Member, Pattern};
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::principal::Principal;
use crate::store::policies as rows;

const VERSION_ID: Member = Member::string(
    "VersionId",
    1,
    128,
    Some(Pattern {
        text: r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?",
        check: |s| {
            let Some(rest) = s.strip_prefix('v') else {
                return false;
            };
            let (num, suffix) = rest.split_once('.').unwrap_or((rest, ""));
            !num.is_empty()
                && !num.starts_with('0')
                && num.bytes().all(|b| b.is_ascii_digit())
                && suffix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        },
    }),
);

/// A managed policy as IAM returns it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyInfo {
    pub policy_name: String,
    pub policy_id: String,
    pub arn: String,
    pub path: String,
    pub default_version_id: String,
    pub attachment_count: i64,
    pub permissions_boundary_usage_count: i64,
    pub is_attachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub create_date: String,
    pub update_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<List<Tag>>,
}

impl PolicyInfo {
    fn new(
        c: &rusqlite::Connection,
        p: &Managed,
        description: bool,
        tags: bool,
    ) -> Result<Self, IamError> {
        let arn = p.arn();
        let attachment_count = rows::attachment_count(c, &arn)?;
        Ok(match p {
            Managed::Aws(a) => PolicyInfo {
                policy_name: a.name.to_owned(),
                policy_id: a.policy_id(),
                arn,
                path: "/".into(),
                default_version_id: a.version.to_owned(),
                attachment_count,
                permissions_boundary_usage_count: 0,
                is_attachable: true,
                description: description.then(|| a.description.to_owned()),
                create_date: a.created.to_owned(),
                update_date: a.updated.to_owned(),
                tags: None,
            },
            Managed::Customer(r) => {
                let t = if tags {
                    rows::policy_tags(c, &r.policy_id)?
                } else {
                    Vec::new()
                };
                PolicyInfo {
                    policy_name: r.policy_name.clone(),
                    policy_id: r.policy_id.clone(),
                    arn,
                    path: r.path.clone(),
                    default_version_id: version_id(r.default_version),
                    attachment_count,
                    permissions_boundary_usage_count: 0,
                    is_attachable: true,
                    description: if description {
                        r.description.clone()
                    } else {
                        None
                    },
                    create_date: aws_date(&r.created_at),
                    update_date: aws_date(&r.updated_at),
                    tags: tags_of(&t),
                }
            }
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyOutput {
    pub policy: PolicyInfo,
}

/// The ARN a policy request names, as the target.
fn policy_target(arn: &str) -> Result<Target, IamError> {
    Ok(Target::arn(arn))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePolicy {
    pub policy_name: String,
    pub path: Option<String>,
    pub policy_document: String,
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl CreatePolicy {
    fn path(&self) -> &str {
        self.path.as_deref().unwrap_or("/")
    }
}

impl Operation for CreatePolicy {
    const NAME: &'static str = "CreatePolicy";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:CreatePolicy");
    const MEMBERS: &'static [Member] = &[
        POLICY_NAME.required(),
        PATH_MEMBER,
        POLICY_DOCUMENT.required(),
        Member::string("Description", 0, 1000, None),
        Member::tags(),
    ];
    type Output = PolicyOutput;
    type Error = IamError;

    fn target(&self, _: &Context, principal: &Principal) -> Result<Target, IamError> {
        let target = policy_target(&format!(
            "arn:aws:iam::{}:policy{}{}",
            principal.account_id,
            self.path(),
            self.policy_name
        ))?;
        Ok(target.with_request_tags(self.tags.iter().map(|t| (t.key.as_str(), t.value.as_str()))))
    }

    fn handle(self, call: &Call<'_>) -> Result<PolicyOutput, IamError> {
        let tags = tag_pairs(&self.tags);
        let policy = call.ctx.store.write(|c| {
            let row = policies::create(
                c,
                &NewPolicy {
                    account_id: &call.principal.account_id,
                    name: &self.policy_name,
                    path: self.path(),
                    description: self.description.as_deref(),
                    document: &self.policy_document,
                    tags: &tags,
                },
            )?;
            PolicyInfo::new(c, &Managed::Customer(row), true, true)
        })?;
        Ok(PolicyOutput { policy })
    }
}

/// A request naming one policy by ARN.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ByArn {
    pub policy_arn: String,
}

/// GetPolicy.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetPolicy(pub ByArn);

impl Operation for GetPolicy {
    const NAME: &'static str = "GetPolicy";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:GetPolicy");
    const MEMBERS: &'static [Member] = &[POLICY_ARN.required()];
    type Output = PolicyOutput;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        policy_target(&self.0.policy_arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<PolicyOutput, IamError> {
        let policy = call.ctx.store.read(|c| {
            let p = policies::find(c, &call.principal.account_id, &self.0.policy_arn)?;
            PolicyInfo::new(c, &p, true, true)
        })?;
        Ok(PolicyOutput { policy })
    }
}

/// DeletePolicy.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct DeletePolicy(pub ByArn);

impl Operation for DeletePolicy {
    const NAME: &'static str = "DeletePolicy";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeletePolicy");
    const MEMBERS: &'static [Member] = &[POLICY_ARN.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        policy_target(&self.0.policy_arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx
            .store
            .write(|c| policies::delete(c, &call.principal.account_id, &self.0.policy_arn))?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPolicies {
    pub scope: Option<String>,
    pub only_attached: Option<bool>,
    pub path_prefix: Option<String>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPoliciesOutput {
    pub policies: List<PolicyInfo>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Operation for ListPolicies {
    const NAME: &'static str = "ListPolicies";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListPolicies");
    const MEMBERS: &'static [Member] = &[
        Member::one_of("Scope", &["All", "AWS", "Local"]),
        Member::one_of(
            "PolicyUsageFilter",
            &["PermissionsPolicy", "PermissionsBoundary"],
        ),
        PREFIX,
        MARKER,
        MAX_ITEMS,
    ];
    type Output = ListPoliciesOutput;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<ListPoliciesOutput, IamError> {
        let scope = self.scope.as_deref().unwrap_or("All");
        let prefix = self.path_prefix.as_deref().unwrap_or("/");
        let only_attached = self.only_attached.unwrap_or(false);
        let all = call.ctx.store.read(|c| {
            let mut out = Vec::new();
            if scope != "Local" {
                for p in aws_policies::ALL {
                    out.push(PolicyInfo::new(c, &Managed::Aws(p), false, false)?);
                }
            }
            if scope != "AWS" {
                for r in rows::list_policies(c, &call.principal.account_id)? {
                    out.push(PolicyInfo::new(c, &Managed::Customer(r), false, false)?);
                }
            }
            Ok::<_, IamError>(out)
        })?;
        let all: Vec<PolicyInfo> = all
            .into_iter()
            .filter(|p| p.path.starts_with(prefix) && (!only_attached || p.attachment_count > 0))
            .collect();
        let (items, marker) = page(all, self.marker.as_deref(), self.max_items)?;
        Ok(ListPoliciesOutput {
            policies: items.into(),
            is_truncated: marker.is_some(),
            marker,
        })
    }
}

/// A policy version as IAM returns it (the document only from GetPolicyVersion).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    pub version_id: String,
    pub is_default_version: bool,
    pub create_date: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersionOutput {
    pub policy_version: PolicyVersion,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePolicyVersion {
    pub policy_arn: String,
    pub policy_document: String,
    pub set_as_default: Option<bool>,
}

impl Operation for CreatePolicyVersion {
    const NAME: &'static str = "CreatePolicyVersion";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:CreatePolicyVersion");
    const MEMBERS: &'static [Member] = &[POLICY_ARN.required(), POLICY_DOCUMENT.required()];
    type Output = PolicyVersionOutput;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        policy_target(&self.policy_arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<PolicyVersionOutput, IamError> {
        let (p, v) = call.ctx.store.write(|c| {
            policies::create_version(
                c,
                &call.principal.account_id,
                &self.policy_arn,
                &self.policy_document,
                self.set_as_default.unwrap_or(false),
            )
        })?;
        Ok(PolicyVersionOutput {
            policy_version: PolicyVersion {
                document: None,
                version_id: version_id(v.version),
                is_default_version: p.default_version == v.version,
                create_date: aws_date(&v.created_at),
            },
        })
    }
}

/// A request naming one version of one policy.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ByVersion {
    pub policy_arn: String,
    pub version_id: String,
}

/// GetPolicyVersion.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetPolicyVersion(pub ByVersion);

impl Operation for GetPolicyVersion {
    const NAME: &'static str = "GetPolicyVersion";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:GetPolicyVersion");
    const MEMBERS: &'static [Member] = &[POLICY_ARN.required(), VERSION_ID.required()];
    type Output = PolicyVersionOutput;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        policy_target(&self.0.policy_arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<PolicyVersionOutput, IamError> {
        let (document, created, is_default) = call.ctx.store.read(|c| {
            policies::version(
                c,
                &call.principal.account_id,
                &self.0.policy_arn,
                &self.0.version_id,
            )
        })?;
        Ok(PolicyVersionOutput {
            policy_version: PolicyVersion {
                document: Some(encode_policy(&document)),
                version_id: self.0.version_id,
                is_default_version: is_default,
                create_date: aws_date(&created),
            },
        })
    }
}

/// SetDefaultPolicyVersion.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct SetDefaultPolicyVersion(pub ByVersion);

impl Operation for SetDefaultPolicyVersion {
    const NAME: &'static str = "SetDefaultPolicyVersion";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:SetDefaultPolicyVersion");
    const MEMBERS: &'static [Member] = &[POLICY_ARN.required(), VERSION_ID.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        policy_target(&self.0.policy_arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            policies::set_default_version(
                c,
                &call.principal.account_id,
                &self.0.policy_arn,
                &self.0.version_id,
            )
        })?;
        Ok(Empty {})
    }
}

/// DeletePolicyVersion.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct DeletePolicyVersion(pub ByVersion);

impl Operation for DeletePolicyVersion {
    const NAME: &'static str = "DeletePolicyVersion";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeletePolicyVersion");
    const MEMBERS: &'static [Member] = &[POLICY_ARN.required(), VERSION_ID.required()];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        policy_target(&self.0.policy_arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            policies::delete_version(
                c,
                &call.principal.account_id,
                &self.0.policy_arn,
                &self.0.version_id,
            )
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPolicyVersions {
    pub policy_arn: String,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPolicyVersionsOutput {
    pub versions: List<PolicyVersion>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Operation for ListPolicyVersions {
    const NAME: &'static str = "ListPolicyVersions";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListPolicyVersions");
    const MEMBERS: &'static [Member] = &[POLICY_ARN.required(), MARKER, MAX_ITEMS];
    type Output = ListPolicyVersionsOutput;
    type Error = IamError;

    fn target(&self, _: &Context, _: &Principal) -> Result<Target, IamError> {
        policy_target(&self.policy_arn)
    }

    fn handle(self, call: &Call<'_>) -> Result<ListPolicyVersionsOutput, IamError> {
        let all = call
            .ctx
            .store
            .read(|c| policies::versions(c, &call.principal.account_id, &self.policy_arn))?;
        let all: Vec<PolicyVersion> = all
            .into_iter()
            .map(|(id, created, is_default)| PolicyVersion {
                document: None,
                version_id: id,
                is_default_version: is_default,
                create_date: aws_date(&created),
            })
            .collect();
        let (items, marker) = page(all, self.marker.as_deref(), self.max_items)?;
        Ok(ListPolicyVersionsOutput {
            versions: items.into(),
            is_truncated: marker.is_some(),
            marker,
        })
    }
}
