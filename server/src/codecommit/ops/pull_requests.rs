//! Pull requests: CreatePullRequest, GetPullRequest, ListPullRequests,
//! UpdatePullRequestTitle, UpdatePullRequestDescription, UpdatePullRequestStatus,
//! DescribePullRequestEvents, MergePullRequestByFastForward / BySquash / ByThreeWay.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::merges::ConflictResolution;
use super::{caller_name, epoch, max_results, page, pr, pull_request_target, repository_target};
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::merges::{Authoring, Detail, MergeOption};
use crate::codecommit::pull_requests::{self as prs, MergeRequest, NewPullRequest};
use crate::codecommit::refs;
use crate::context::Context;
use crate::operation::{Authorization, Call, Operation, Target};
use crate::principal::Principal;
use crate::store::pull_requests::{self as rows, PullRequestRow};

/// A pull request as CodeCommit returns it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequest {
    pub pull_request_id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub last_activity_date: Option<f64>,
    pub creation_date: Option<f64>,
    pub pull_request_status: String,
    pub author_arn: String,
    pub pull_request_targets: Vec<PullRequestTarget>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    pub revision_id: String,
    pub approval_rules: Vec<super::approvals::ApprovalRule>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestTarget {
    pub repository_name: String,
    pub source_reference: String,
    pub destination_reference: String,
    pub destination_commit: String,
    pub source_commit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_base: Option<String>,
    pub merge_metadata: Value,
}

impl PullRequest {
    /// The pull request with its approval rules.
    pub fn of(ctx: &Context, p: PullRequestRow) -> Result<PullRequest, E> {
        let approval_rules = super::approvals::rules_of(ctx, &p)?;
        Ok(PullRequest {
            pull_request_id: p.pull_request_id.to_string(),
            last_activity_date: epoch(&p.last_activity_at),
            creation_date: epoch(&p.created_at),
            pull_request_targets: vec![PullRequestTarget {
                merge_metadata: prs::merge_metadata(&p),
                repository_name: p.repository_name,
                source_reference: p.source_reference,
                destination_reference: p.destination_reference,
                destination_commit: p.destination_commit,
                source_commit: p.source_commit,
                merge_base: p.merge_base,
            }],
            title: p.title,
            description: p.description,
            pull_request_status: p.status,
            author_arn: p.author_arn,
            client_request_token: p.client_request_token,
            revision_id: p.revision_id,
            approval_rules,
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestOutput {
    pub pull_request: PullRequest,
}

/// The answer of every operation that returns the pull request.
fn output(call: &Call<'_>, p: PullRequestRow) -> Result<PullRequestOutput, E> {
    Ok(PullRequestOutput {
        pull_request: PullRequest::of(call.ctx, p)?,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetSpec {
    pub repository_name: Option<String>,
    pub source_reference: Option<String>,
    pub destination_reference: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePullRequest {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub targets: Option<Vec<TargetSpec>>,
    pub client_request_token: Option<String>,
}

impl Operation for CreatePullRequest {
    const NAME: &'static str = "CreatePullRequest";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:CreatePullRequest");
    type Output = PullRequestOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        let name = self
            .targets
            .as_ref()
            .and_then(|t| t.first())
            .and_then(|t| t.repository_name.as_deref());
        Ok(repository_target(ctx, principal, name))
    }

    fn handle(self, call: &Call<'_>) -> Result<PullRequestOutput, E> {
        let targets = self
            .targets
            .filter(|t| !t.is_empty())
            .ok_or_else(E::targets_required)?;
        if targets.len() > 1 {
            return Err(E::multiple_repositories_in_pull_request());
        }
        let t = &targets[0];
        let repository_name = t
            .repository_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .ok_or_else(E::repository_name_required)?;
        let source = t
            .source_reference
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(E::reference_name_required)?;
        let pr = prs::create(
            call.ctx,
            &call.principal.account_id,
            &NewPullRequest {
                title: self.title.as_deref(),
                description: self.description.as_deref(),
                repository_name,
                source,
                destination: t.destination_reference.as_deref(),
                token: self.client_request_token.as_deref(),
                author_arn: &call.principal.arn,
            },
        )?;
        output(call, pr)
    }
}

/// A request naming one pull request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestId {
    pub pull_request_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetPullRequest(pub PullRequestId);

impl Operation for GetPullRequest {
    const NAME: &'static str = "GetPullRequest";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetPullRequest");
    type Output = PullRequestOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.0.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<PullRequestOutput, E> {
        let p = pr(call, self.0.pull_request_id.as_deref())?;
        output(call, p)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPullRequests {
    pub repository_name: Option<String>,
    pub author_arn: Option<String>,
    pub pull_request_status: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPullRequestsOutput {
    pub pull_request_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListPullRequests {
    const NAME: &'static str = "ListPullRequests";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:ListPullRequests");
    type Output = ListPullRequestsOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<ListPullRequestsOutput, E> {
        let row = super::repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let status = self
            .pull_request_status
            .as_deref()
            .filter(|s| !s.is_empty());
        if let Some(s) = status
            && s != prs::OPEN
            && s != prs::CLOSED
        {
            return Err(E::invalid_pull_request_status(s));
        }
        let author = self.author_arn.as_deref().filter(|a| !a.is_empty());
        if let Some(a) = author
            && !a.starts_with("arn:")
        {
            return Err(E::invalid_author_arn(a));
        }
        let max = max_results(self.max_results)?;
        let all = call
            .ctx
            .store
            .read(|c| rows::list(c, &row.repository_id, author, status))?;
        let ids = all.iter().map(|p| p.pull_request_id.to_string()).collect();
        let (pull_request_ids, next_token) = page(ids, self.next_token.as_deref(), max)?;
        Ok(ListPullRequestsOutput {
            pull_request_ids,
            next_token,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePullRequestTitle {
    pub pull_request_id: Option<String>,
    pub title: Option<String>,
}

impl Operation for UpdatePullRequestTitle {
    const NAME: &'static str = "UpdatePullRequestTitle";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:UpdatePullRequestTitle");
    type Output = PullRequestOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<PullRequestOutput, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        let title = prs::check_title(self.title.as_deref())?.to_owned();
        prs::require_open(&p)?;
        let p = prs::update(call.ctx, p, |_, p| {
            p.title = title;
            Ok(())
        })?;
        output(call, p)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePullRequestDescription {
    pub pull_request_id: Option<String>,
    pub description: Option<String>,
}

impl Operation for UpdatePullRequestDescription {
    const NAME: &'static str = "UpdatePullRequestDescription";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:UpdatePullRequestDescription");
    type Output = PullRequestOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<PullRequestOutput, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        prs::check_description(self.description.as_deref())?;
        prs::require_open(&p)?;
        let p = prs::update(call.ctx, p, |_, p| {
            p.description = self.description.filter(|d| !d.is_empty());
            Ok(())
        })?;
        output(call, p)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePullRequestStatus {
    pub pull_request_id: Option<String>,
    pub pull_request_status: Option<String>,
}

impl Operation for UpdatePullRequestStatus {
    const NAME: &'static str = "UpdatePullRequestStatus";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:UpdatePullRequestStatus");
    type Output = PullRequestOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<PullRequestOutput, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        let p = prs::set_status(
            call.ctx,
            p,
            self.pull_request_status.as_deref(),
            &call.principal.arn,
        )?;
        output(call, p)
    }
}

const EVENT_TYPES: &[&str] = &[
    "PULL_REQUEST_CREATED",
    "PULL_REQUEST_STATUS_CHANGED",
    "PULL_REQUEST_SOURCE_REFERENCE_UPDATED",
    "PULL_REQUEST_MERGE_STATE_CHANGED",
    "PULL_REQUEST_APPROVAL_RULE_CREATED",
    "PULL_REQUEST_APPROVAL_RULE_UPDATED",
    "PULL_REQUEST_APPROVAL_RULE_DELETED",
    "PULL_REQUEST_APPROVAL_RULE_OVERRIDDEN",
    "PULL_REQUEST_APPROVAL_STATE_CHANGED",
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribePullRequestEvents {
    pub pull_request_id: Option<String>,
    pub pull_request_event_type: Option<String>,
    pub actor_arn: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribePullRequestEventsOutput {
    pub pull_request_events: Vec<PullRequestEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One event as DescribePullRequestEvents returns it. Its metadata member (`{"<member>Metadata":
/// {…}}`, as stored) is written through as the stored JSON, never parsed into a tree: a page of
/// 100 events would otherwise build and drop a few thousand small maps.
#[derive(Debug)]
pub struct PullRequestEvent {
    pub pull_request_id: String,
    pub event_date: Option<f64>,
    pub pull_request_event_type: String,
    pub actor_arn: String,
    metadata: String,
}

impl PullRequestEvent {
    /// A string field of the event's metadata, e.g. `("approvalStateChangedEventMetadata",
    /// "approvalStatus")`.
    pub fn metadata_str(&self, member: &str, field: &str) -> Option<String> {
        let meta: Value = serde_json::from_str(&self.metadata).ok()?;
        meta.get(member)?.get(field)?.as_str().map(str::to_owned)
    }
}

impl Serialize for PullRequestEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        use serde_json::value::RawValue;
        // Borrowed members of the stored object; a row that is not one (never written so)
        // contributes nothing rather than failing the page.
        let members: std::collections::BTreeMap<&str, &RawValue> =
            serde_json::from_str(&self.metadata).unwrap_or_default();
        let mut map = s.serialize_map(Some(4 + members.len()))?;
        map.serialize_entry("pullRequestId", &self.pull_request_id)?;
        map.serialize_entry("eventDate", &self.event_date)?;
        map.serialize_entry("pullRequestEventType", &self.pull_request_event_type)?;
        map.serialize_entry("actorArn", &self.actor_arn)?;
        for (k, v) in members {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Operation for DescribePullRequestEvents {
    const NAME: &'static str = "DescribePullRequestEvents";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:DescribePullRequestEvents");
    type Output = DescribePullRequestEventsOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<DescribePullRequestEventsOutput, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        let event_type = self
            .pull_request_event_type
            .as_deref()
            .filter(|t| !t.is_empty());
        if let Some(t) = event_type
            && !EVENT_TYPES.contains(&t)
        {
            return Err(E::invalid_pull_request_event_type(t));
        }
        let actor = self.actor_arn.as_deref().filter(|a| !a.is_empty());
        if let Some(a) = actor
            && !a.starts_with("arn:")
        {
            return Err(E::invalid_actor_arn(a));
        }
        let max = match self.max_results {
            Some(n) if !(1..=100).contains(&n) => {
                return Err(E::invalid_max_results());
            }
            n => max_results(n)?,
        };
        // One more than the page, to know whether another follows.
        let start = crate::operation::offset(self.next_token.as_deref())
            .map_err(|_| E::invalid_continuation_token())?;
        let size = max as usize;
        let mut events = call
            .ctx
            .store
            .read(|c| rows::events(c, &p, event_type, actor, start, size + 1))?;
        let next_token = (events.len() > size).then(|| crate::operation::token_at(start + size));
        events.truncate(size);
        let pull_request_events = events
            .into_iter()
            .map(|e| PullRequestEvent {
                pull_request_id: e.pull_request_id.to_string(),
                event_date: epoch(&e.event_date),
                pull_request_event_type: e.event_type,
                actor_arn: e.actor_arn,
                metadata: e.metadata,
            })
            .collect();
        Ok(DescribePullRequestEventsOutput {
            pull_request_events,
            next_token,
        })
    }
}

/// The three MergePullRequestBy… operations, by their merge option.
pub trait PullRequestMerge: Send + 'static {
    const NAME: &'static str;
    const ACTION: &'static str;
    const OPTION: MergeOption;
}

#[derive(Debug)]
pub struct ByFastForward;
#[derive(Debug)]
pub struct BySquash;
#[derive(Debug)]
pub struct ByThreeWay;

impl PullRequestMerge for ByFastForward {
    const NAME: &'static str = "MergePullRequestByFastForward";
    const ACTION: &'static str = "codecommit:MergePullRequestByFastForward";
    const OPTION: MergeOption = MergeOption::FastForward;
}

impl PullRequestMerge for BySquash {
    const NAME: &'static str = "MergePullRequestBySquash";
    const ACTION: &'static str = "codecommit:MergePullRequestBySquash";
    const OPTION: MergeOption = MergeOption::Squash;
}

impl PullRequestMerge for ByThreeWay {
    const NAME: &'static str = "MergePullRequestByThreeWay";
    const ACTION: &'static str = "codecommit:MergePullRequestByThreeWay";
    const OPTION: MergeOption = MergeOption::ThreeWay;
}

/// MergePullRequestByFastForward / BySquash / ByThreeWay.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", bound = "")]
pub struct MergePullRequest<M> {
    pub pull_request_id: Option<String>,
    pub repository_name: Option<String>,
    pub source_commit_id: Option<String>,
    pub conflict_detail_level: Option<String>,
    pub conflict_resolution_strategy: Option<String>,
    pub commit_message: Option<String>,
    pub author_name: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub keep_empty_folders: bool,
    pub conflict_resolution: Option<ConflictResolution>,
    #[serde(skip)]
    kind: PhantomData<M>,
}

impl<M> MergePullRequest<M> {
    /// A merge of the pull request at `source_commit_id` (refused if its source moved since),
    /// with everything else at its default.
    pub fn new(pull_request_id: &str, repository_name: &str, source_commit_id: &str) -> Self {
        MergePullRequest {
            pull_request_id: Some(pull_request_id.to_owned()),
            repository_name: Some(repository_name.to_owned()),
            source_commit_id: Some(source_commit_id.to_owned()),
            conflict_detail_level: None,
            conflict_resolution_strategy: None,
            commit_message: None,
            author_name: None,
            email: None,
            keep_empty_folders: false,
            conflict_resolution: None,
            kind: PhantomData,
        }
    }
}

impl<M: PullRequestMerge + std::fmt::Debug> Operation for MergePullRequest<M> {
    const NAME: &'static str = M::NAME;
    const AUTHORIZATION: Authorization = Authorization::Required(M::ACTION);
    type Output = PullRequestOutput;
    type Error = E;

    /// The pull request's repository, with its destination branch as `codecommit:References`.
    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            true,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<PullRequestOutput, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        let detail = Detail::parse(
            self.conflict_detail_level.as_deref(),
            self.conflict_resolution_strategy.as_deref(),
        )?;
        let resolutions = self.conflict_resolution.map(|r| r.parse()).transpose()?;
        let caller = caller_name(call.principal);
        let merged = prs::merge(
            call.ctx,
            p,
            MergeRequest {
                repository_name: self.repository_name.as_deref(),
                source_commit_id: self.source_commit_id.as_deref(),
                option: M::OPTION,
                detail,
                resolutions,
                keep_empty_folders: self.keep_empty_folders,
                who: Authoring {
                    caller: &caller,
                    author_name: self.author_name.as_deref(),
                    email: self.email.as_deref(),
                    message: self.commit_message.as_deref(),
                },
                actor: &call.principal.arn,
            },
        )?;
        output(call, refs::settle(call.ctx, merged)?)
    }
}
