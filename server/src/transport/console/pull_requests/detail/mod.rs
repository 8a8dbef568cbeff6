//! One pull request's page: its details (description, approval rules and approvals, how it
//! can be merged and what conflicts), its changes with comments on their lines, and its
//! activity (general comments and events).

use crate::transport::console::repo::repo_page;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::{list_link, pr_link, short_ref, status_badge, who};
use crate::codecommit::error::CodeCommitError;
use crate::codecommit::ops::approvals::Revision;
use crate::codecommit::ops::pull_requests::{
    GetPullRequest, PullRequest, PullRequestId, PullRequestTarget,
};
use crate::transport::console::layout::ago_epoch;
use crate::transport::console::{PageError, Viewer, call};
use crate::transport::state::TransportState;

mod activity;
mod cards;
mod changes;

#[derive(serde::Deserialize, Default)]
pub struct Shown {
    /// `details` (the default), `changes` or `activity`.
    pub tab: Option<String>,
    /// A line to open a comment form on: `AFTER:12:src/lib.rs`.
    pub at: Option<String>,
    /// The page of the changed files, from this one.
    pub files: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PrTab {
    Details,
    Changes,
    Activity,
}

pub async fn show(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path((name, id)): Path<(String, String)>,
    Query(q): Query<Shown>,
) -> Result<Response, PageError> {
    render(&ctx, &viewer, &name, &id, q, None, StatusCode::OK).await
}

/// The pull request, if it is in this repository.
pub(super) async fn load(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
    id: &str,
) -> Result<PullRequest, PageError> {
    let p = call(
        ctx,
        viewer,
        GetPullRequest(PullRequestId {
            pull_request_id: Some(id.to_owned()),
        }),
    )
    .await?
    .pull_request;
    match p.pull_request_targets.first() {
        Some(t) if t.repository_name == name => Ok(p),
        _ => Err(PageError {
            status: StatusCode::NOT_FOUND,
            code: CodeCommitError::PULL_REQUEST_DOES_NOT_EXIST.into(),
            message: format!("Pull request {id} is not in repository {name}."),
        }),
    }
}

/// The page, with `notice` (an action's refusal, say) above its tabs.
pub(super) async fn render(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
    id: &str,
    q: Shown,
    notice: Option<Markup>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = load(ctx, viewer, name, id).await?;
    let t = &p.pull_request_targets[0];
    let tab = match q.tab.as_deref() {
        Some("changes") => PrTab::Changes,
        Some("activity") => PrTab::Activity,
        _ => PrTab::Details,
    };
    let content = match tab {
        PrTab::Details => cards::details(ctx, viewer, &p, t).await?,
        PrTab::Changes => {
            changes::changes(ctx, viewer, &p, t, q.at.as_deref(), q.files.unwrap_or(0)).await?
        }
        PrTab::Activity => activity::activity(ctx, viewer, &p, t).await?,
    };
    let link = pr_link(name, id);
    let body = html! {
        h1 data-testid="pr-title" { (p.title) " " (status_badge(&p)) }
        p.meta {
            strong { (who(&p.author_arn)) } " wants to merge "
            code data-testid="pr-source" { (short_ref(&t.source_reference)) } " into "
            code data-testid="pr-destination" { (short_ref(&t.destination_reference)) }
            " · pull request " (p.pull_request_id)
            @if let Some(d) = p.creation_date { " · opened " (ago_epoch(d)) }
        }
        @if let Some(n) = notice { (n) }
        nav.tabs {
            a.active[tab == PrTab::Details] href=(link) { "Details" }
            a.active[tab == PrTab::Changes] href={(link) "?tab=changes"} { "Changes" }
            a.active[tab == PrTab::Activity] href={(link) "?tab=activity"} { "Activity" }
        }
        (content)
    };
    let mut response = repo_page(
        viewer,
        name,
        &[("Pull requests", Some(list_link(name))), (id, None)],
        body,
    );
    *response.status_mut() = status;
    Ok(response)
}

/// The repository a pull request is in (its one target's).
fn repo_of(p: &PullRequest) -> &str {
    p.pull_request_targets
        .first()
        .map_or("", |t| t.repository_name.as_str())
}

fn revision(p: &PullRequest) -> Revision {
    Revision {
        pull_request_id: Some(p.pull_request_id.clone()),
        revision_id: Some(p.revision_id.clone()),
    }
}

fn merged(t: &PullRequestTarget) -> Option<(&str, &str, &str)> {
    let m = &t.merge_metadata;
    if !m.get("isMerged").and_then(|v| v.as_bool()).unwrap_or(false) {
        return None;
    }
    let s = |k: &str| m.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    Some((s("mergedBy"), s("mergeCommitId"), s("mergeOption")))
}
