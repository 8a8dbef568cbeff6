//! The activity tab: the pull request's events and its general comments.

use std::sync::Arc;

use maud::{Markup, html};

use super::super::{pr_link, who};
use super::changes::{all_comments, comment_box, spot_of};
use super::repo_of;
use crate::codecommit::ops::comments::ThreadComments;
use crate::codecommit::ops::pull_requests::{
    DescribePullRequestEvents, PullRequest, PullRequestEvent, PullRequestTarget,
};
use crate::codecommit::ops::repository_arn;
use crate::transport::console::layout::{ago_epoch, csrf};
use crate::transport::console::{PageError, Viewer, call};
use crate::transport::state::TransportState;

pub(super) fn event_text(e: &PullRequestEvent) -> String {
    let s = |path: &[&str; 2]| e.metadata_str(path[0], path[1]).unwrap_or_default();
    match e.pull_request_event_type.as_str() {
        "PULL_REQUEST_CREATED" => "opened the pull request".into(),
        "PULL_REQUEST_SOURCE_REFERENCE_UPDATED" => format!(
            "updated the source branch to {}",
            &s(&[
                "pullRequestSourceReferenceUpdatedEventMetadata",
                "afterCommitId"
            ])
            .get(..8)
            .unwrap_or_default()
        ),
        "PULL_REQUEST_STATUS_CHANGED" => format!(
            "changed the status to {}",
            s(&["pullRequestStatusChangedEventMetadata", "pullRequestStatus"])
        ),
        "PULL_REQUEST_MERGE_STATE_CHANGED" => "merged the pull request".into(),
        "PULL_REQUEST_APPROVAL_RULE_CREATED" => "added an approval rule".into(),
        "PULL_REQUEST_APPROVAL_RULE_UPDATED" => "changed an approval rule".into(),
        "PULL_REQUEST_APPROVAL_RULE_DELETED" => "deleted an approval rule".into(),
        "PULL_REQUEST_APPROVAL_RULE_OVERRIDDEN" => "overrode the approval rules".into(),
        "PULL_REQUEST_APPROVAL_STATE_CHANGED" => {
            match s(&["approvalStateChangedEventMetadata", "approvalStatus"]).as_str() {
                "APPROVE" => "approved".into(),
                _ => "revoked an approval".into(),
            }
        }
        other => other.to_lowercase().replace('_', " "),
    }
}

pub(super) async fn activity(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    p: &PullRequest,
    t: &PullRequestTarget,
) -> Result<Markup, PageError> {
    let events = call(
        ctx,
        viewer,
        DescribePullRequestEvents {
            pull_request_id: Some(p.pull_request_id.clone()),
            pull_request_event_type: None,
            actor_arn: None,
            next_token: None,
            max_results: Some(100),
        },
    )
    .await?;
    let comments = all_comments(ctx, viewer, p).await?;
    let general: Vec<&ThreadComments> = comments.iter().filter(|c| spot_of(c).is_none()).collect();
    let link = pr_link(&t.repository_name, &p.pull_request_id);
    let repo_arn = repository_arn(ctx, &viewer.principal, repo_of(p));
    let may_comment = viewer.may(ctx, "codecommit:PostCommentForPullRequest", &repo_arn);
    Ok(html! {
        section.card {
            header { h2 { "Comments" } }
            div.body data-testid="comments" {
                @if general.is_empty() { p.empty { "No comments yet." } }
                @for thread in &general { @for c in &thread.comments { (comment_box(c)) } }
                @if may_comment {
                    form method="post" action={(link) "/comments"} {
                        (csrf(viewer))
                        input type="hidden" name="before" value=(t.destination_commit);
                        input type="hidden" name="after" value=(t.source_commit);
                        input type="hidden" name="back" value="activity";
                        label for="comment" { "Add a comment (Markdown)" }
                        textarea #comment name="content" rows="4" required maxlength="10240" {}
                        div.submit { button.btn.primary type="submit" { "Comment" } }
                    }
                }
            }
        }
        section.card {
            header { h2 { "Events" } }
            table data-testid="events" {
                tbody {
                    @for e in &events.pull_request_events {
                        tr {
                            td { strong { (who(&e.actor_arn)) } " " (event_text(e)) }
                            td.num { (e.event_date.map(ago_epoch).unwrap_or_default()) }
                        }
                    }
                }
            }
            @if events.next_token.is_some() {
                p.hint { "Only the first 100 events are shown." }
            }
        }
    })
}
