//! What can be done on a pull request's page: approve or revoke, merge with a strategy,
//! close, comment (on the pull request or on a line), add and delete approval rules. Each is
//! one operation as the viewer; a refusal the user can act on shows on the page.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;

use super::detail::{Shown, render};
use super::pr_link;
use crate::codecommit::ops::approvals::{
    CreatePullRequestApprovalRule, DeletePullRequestApprovalRule, UpdatePullRequestApprovalState,
};
use crate::codecommit::ops::comments::{Location, PostCommentForPullRequest};
use crate::codecommit::ops::pull_requests::{
    ByFastForward, BySquash, ByThreeWay, MergePullRequest, UpdatePullRequestStatus,
};
use crate::operation::Operation;
use crate::transport::console::{CheckedForm, PageError, Viewer, call, checked, see_other};
use crate::transport::state::TransportState;

/// After an action: back to the page (tab `back`), or the page again with the refusal.
async fn after(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    (name, id): (&str, &str),
    back: Option<&str>,
    done: Result<(), PageError>,
) -> Result<Response, PageError> {
    // `back` is a tab, and for the changes maybe their page: `changes&files=100`.
    let (tab, files) = match back.and_then(|b| b.split_once("&files=")) {
        Some((tab, files)) => (Some(tab), files.parse().ok()),
        None => (back, None),
    };
    let shown = || Shown {
        tab: tab.map(str::to_owned),
        at: None,
        files,
    };
    match done {
        Ok(()) => {
            let mut link = pr_link(name, id);
            if let Some(tab) = back {
                link.push_str(&format!("?tab={tab}"));
            }
            Ok(see_other(&link))
        }
        Err(e) => {
            e.shown_on(|n, status| render(ctx, viewer, name, id, shown(), Some(n), status))
                .await
        }
    }
}

/// Runs `request` as the viewer, then [`after`].
async fn apply<T>(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    at: (&str, &str),
    back: Option<&str>,
    request: T,
) -> Result<Response, PageError>
where
    T: Operation,
    T::Output: Send + 'static,
{
    let done = call(ctx, viewer, request).await.map(drop);
    after(ctx, viewer, at, back, done).await
}

fn field(form: &CheckedForm, name: &str) -> Option<String> {
    form.get(name).map(str::to_owned)
}

pub async fn approve(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let form = checked(&viewer, form)?;
    apply(
        &ctx,
        &viewer,
        (&name, &id),
        None,
        UpdatePullRequestApprovalState {
            pull_request_id: Some(id.clone()),
            revision_id: field(&form, "revision"),
            approval_state: field(&form, "state"),
        },
    )
    .await
}

pub async fn close(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    checked(&viewer, form)?;
    apply(
        &ctx,
        &viewer,
        (&name, &id),
        None,
        UpdatePullRequestStatus {
            pull_request_id: Some(id.clone()),
            pull_request_status: Some("CLOSED".into()),
        },
    )
    .await
}

pub async fn merge(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let form = checked(&viewer, form)?;
    let source = form.get("source_commit").unwrap_or_default();
    let message = field(&form, "message");
    let done = match form.get("strategy") {
        Some("fast-forward") => call(
            &ctx,
            &viewer,
            MergePullRequest::<ByFastForward>::new(&id, &name, source),
        )
        .await
        .map(drop),
        Some("squash") => {
            let mut m = MergePullRequest::<BySquash>::new(&id, &name, source);
            m.commit_message = message;
            call(&ctx, &viewer, m).await.map(drop)
        }
        Some("three-way") => {
            let mut m = MergePullRequest::<ByThreeWay>::new(&id, &name, source);
            m.commit_message = message;
            call(&ctx, &viewer, m).await.map(drop)
        }
        _ => Err(PageError::bad_request("Choose a merge strategy.")),
    };
    after(&ctx, &viewer, (&name, &id), None, done).await
}

pub async fn comment(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let form = checked(&viewer, form)?;
    let location = form.get("path").map(|path| Location {
        file_path: Some(path.to_owned()),
        file_position: form.get("line").and_then(|l| l.parse().ok()),
        relative_file_version: field(&form, "version"),
    });
    let back = match (form.get("back"), form.get("files")) {
        (Some("changes"), Some(n)) if n.bytes().all(|b| b.is_ascii_digit()) => {
            format!("changes&files={n}")
        }
        (Some("changes"), _) => "changes".to_owned(),
        _ => "activity".to_owned(),
    };
    apply(
        &ctx,
        &viewer,
        (&name, &id),
        Some(&back),
        PostCommentForPullRequest {
            pull_request_id: Some(id.clone()),
            repository_name: Some(name.clone()),
            before_commit_id: field(&form, "before"),
            after_commit_id: field(&form, "after"),
            location,
            content: field(&form, "content"),
            client_request_token: None,
        },
    )
    .await
}

/// The content of a rule the form describes: N approvals, from a pool if one is named.
fn rule_content(approvals: i64, pool: &[&str]) -> String {
    let mut statement = serde_json::json!({
        "Type": "Approvers",
        "NumberOfApprovalsNeeded": approvals,
    });
    if !pool.is_empty() {
        statement["ApprovalPoolMembers"] = serde_json::json!(pool);
    }
    serde_json::json!({ "Version": "2018-11-08", "Statements": [statement] }).to_string()
}

pub async fn create_rule(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let form = checked(&viewer, form)?;
    let approvals = form
        .get("approvals")
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(1);
    let pool: Vec<&str> = form
        .get("pool")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    apply(
        &ctx,
        &viewer,
        (&name, &id),
        None,
        CreatePullRequestApprovalRule {
            pull_request_id: Some(id.clone()),
            approval_rule_name: field(&form, "name"),
            approval_rule_content: Some(rule_content(approvals, &pool)),
        },
    )
    .await
}

pub async fn delete_rule(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let form = checked(&viewer, form)?;
    apply(
        &ctx,
        &viewer,
        (&name, &id),
        None,
        DeletePullRequestApprovalRule {
            pull_request_id: Some(id.clone()),
            approval_rule_name: field(&form, "rule"),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_content_is_what_codecommit_parses() {
        assert_eq!(
            rule_content(2, &[]),
            r#"{"Statements":[{"NumberOfApprovalsNeeded":2,"Type":"Approvers"}],"Version":"2018-11-08"}"#
        );
        let with_pool = rule_content(1, &["arn:aws:iam::123456789012:user/bob"]);
        assert!(
            with_pool.contains(r#""ApprovalPoolMembers":["arn:aws:iam::123456789012:user/bob"]"#)
        );
    }
}
