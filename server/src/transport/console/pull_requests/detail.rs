//! One pull request's page: its details (description, approval rules and approvals, how it
//! can be merged and what conflicts), its changes with comments on their lines, and its
//! activity (general comments and events).

use crate::transport::console::repo::repo_page;
use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, PreEscaped, html};

use super::{list_link, pr_link, short_ref, status_badge, who};
use crate::codecommit::browse::Line;
use crate::codecommit::error::CodeCommitError;
use crate::codecommit::ops::approvals::{
    Approval, EvaluatePullRequestApprovalRules, Evaluation, GetPullRequestApprovalStates, Revision,
};
use crate::codecommit::ops::browse::GetCommitPatch;
use crate::codecommit::ops::comments::{Comment, GetCommentsForPullRequest, ThreadComments};
use crate::codecommit::ops::merges::{GetMergeConflicts, MergeSpec};
use crate::codecommit::ops::pull_requests::{
    DescribePullRequestEvents, GetPullRequest, PullRequest, PullRequestEvent, PullRequestId,
    PullRequestTarget,
};
use crate::codecommit::ops::repository_arn;
use crate::transport::console::diff::{Annotate, patch_view, shown_path};
use crate::transport::console::layout::{ago_epoch, csrf};
use crate::transport::console::repo::commit_link;
use crate::transport::console::{PageError, Viewer, call, enc, markdown};
use crate::transport::state::TransportState;

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
        PrTab::Details => details(ctx, viewer, &p, t).await?,
        PrTab::Changes => {
            changes(ctx, viewer, &p, t, q.at.as_deref(), q.files.unwrap_or(0)).await?
        }
        PrTab::Activity => activity(ctx, viewer, &p, t).await?,
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

async fn details(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    p: &PullRequest,
    t: &PullRequestTarget,
) -> Result<Markup, PageError> {
    let evaluation = call(ctx, viewer, EvaluatePullRequestApprovalRules(revision(p)))
        .await?
        .evaluation;
    let approvals = call(ctx, viewer, GetPullRequestApprovalStates(revision(p)))
        .await?
        .approvals;
    let open = p.pull_request_status == "OPEN";
    Ok(html! {
        section.card {
            header { h2 { "Description" } }
            div.body.readme data-testid="pr-description" {
                @match p.description.as_deref().filter(|d| !d.trim().is_empty()) {
                    Some(d) => (PreEscaped(markdown::render(d))),
                    None => p.empty { "No description." },
                }
            }
        }
        (approval_card(ctx, viewer, p, &evaluation, &approvals, open))
        @if let Some((by, commit, option)) = merged(t) {
            section.card data-testid="merged" {
                div.body {
                    p { "Merged by " strong { (who(by)) } " with " (strategy_label(option)) "." }
                    @if !commit.is_empty() {
                        p.meta { "Merge commit " a.mono href=(commit_link(&t.repository_name, commit)) { (commit) } }
                    }
                }
            }
        } @else if open {
            (merge_card(ctx, viewer, p, t, &evaluation).await?)
        }
    })
}

fn strategy_label(option: &str) -> &'static str {
    match option {
        "FAST_FORWARD_MERGE" => "a fast-forward merge",
        "SQUASH_MERGE" => "a squash merge",
        _ => "a three-way merge",
    }
}

/// What an approval rule's content says, in words: "2 approvals from any of …".
fn rule_summary(content: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(content).unwrap_or_default();
    let statements = v["Statements"].as_array().cloned().unwrap_or_default();
    statements
        .iter()
        .map(|s| {
            let n = s["NumberOfApprovalsNeeded"].as_i64().unwrap_or(1);
            let pool: Vec<&str> = s["ApprovalPoolMembers"]
                .as_array()
                .map(|a| a.iter().filter_map(|m| m.as_str()).map(who).collect())
                .unwrap_or_default();
            let approvals = if n == 1 { "approval" } else { "approvals" };
            match pool.is_empty() {
                true => format!("{n} {approvals} from anyone"),
                false => format!("{n} {approvals} from {}", pool.join(", ")),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn approval_card(
    ctx: &TransportState,
    viewer: &Viewer,
    p: &PullRequest,
    evaluation: &Evaluation,
    approvals: &[Approval],
    open: bool,
) -> Markup {
    let link = pr_link(repo_of(p), &p.pull_request_id);
    let repo_arn = repository_arn(ctx, &viewer.principal, repo_of(p));
    let may_approve = viewer.may(ctx, "codecommit:UpdatePullRequestApprovalState", &repo_arn);
    let may_rules = viewer.may(ctx, "codecommit:CreatePullRequestApprovalRule", &repo_arn);
    let approved_by_me = approvals
        .iter()
        .any(|a| a.user_arn == viewer.principal.arn && a.approval_state == "APPROVE");
    html! {
        section.card #approvals data-testid="approvals" {
            header {
                h2 { "Approvals" }
                @if evaluation.overridden {
                    span.badge.open data-testid="approval-status" { "Rules overridden" }
                } @else if p.approval_rules.is_empty() {
                    span.badge data-testid="approval-status" { "No approval rules" }
                } @else if evaluation.approved {
                    span.badge.open data-testid="approval-status" { "Approved" }
                } @else {
                    span.badge.closed data-testid="approval-status" { "Not yet approved" }
                }
            }
            div.body {
                @if p.approval_rules.is_empty() {
                    p.empty { "No approval rules: the pull request can be merged without approvals." }
                } @else {
                    table data-testid="approval-rules" {
                        thead { tr { th { "Rule" } th { "Needs" } th { "Status" } th {} } }
                        tbody {
                            @for r in &p.approval_rules {
                                tr {
                                    td { (r.approval_rule_name)
                                        @if let Some(o) = &r.origin_approval_rule_template {
                                            " " span.badge { "from template " (o.approval_rule_template_name) }
                                        }
                                    }
                                    td { (rule_summary(&r.approval_rule_content)) }
                                    td {
                                        @if evaluation.approval_rules_satisfied.contains(&r.approval_rule_name) {
                                            span.plus { "Satisfied" }
                                        } @else { span.minus { "Not satisfied" } }
                                    }
                                    td {
                                        @if open && may_rules && r.origin_approval_rule_template.is_none() {
                                            form method="post" action={(link) "/rules/delete"} {
                                                (csrf(viewer))
                                                input type="hidden" name="rule" value=(r.approval_rule_name);
                                                button.link type="submit" { "Delete" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h3 { "Approved by" }
                @let approvers: Vec<&Approval> = approvals.iter().filter(|a| a.approval_state == "APPROVE").collect();
                @if approvers.is_empty() { p.empty data-testid="approvers" { "Nobody yet." } }
                @else {
                    ul data-testid="approvers" { @for a in approvers { li { (who(&a.user_arn)) } } }
                }
                @if open && may_approve {
                    form method="post" action={(link) "/approval"} {
                        (csrf(viewer))
                        input type="hidden" name="revision" value=(p.revision_id);
                        @if approved_by_me {
                            input type="hidden" name="state" value="REVOKE";
                            button.btn type="submit" data-testid="revoke" { "Revoke approval" }
                        } @else {
                            input type="hidden" name="state" value="APPROVE";
                            button.btn.primary type="submit" data-testid="approve" { "Approve" }
                        }
                    }
                }
                @if open && may_rules {
                    details {
                        summary { "Add an approval rule" }
                        form method="post" action={(link) "/rules"} {
                            (csrf(viewer))
                            label for="rule-name" { "Rule name" }
                            input #rule-name type="text" name="name" required maxlength="100";
                            label for="rule-approvals" { "Approvals needed" }
                            input #rule-approvals type="number" name="approvals" min="1" max="50" value="1" required;
                            label for="rule-pool" { "Approval pool (optional): one user or role ARN per line" }
                            textarea #rule-pool name="pool" rows="3" {}
                            div.submit { button.btn type="submit" { "Add rule" } }
                        }
                    }
                }
            }
        }
    }
}

async fn merge_card(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    p: &PullRequest,
    t: &PullRequestTarget,
    evaluation: &Evaluation,
) -> Result<Markup, PageError> {
    let spec = || MergeSpec {
        repository_name: Some(t.repository_name.clone()),
        source_commit_specifier: Some(t.source_commit.clone()),
        destination_commit_specifier: Some(short_ref(&t.destination_reference).to_owned()),
        conflict_detail_level: None,
        conflict_resolution_strategy: None,
    };
    // One merge computed (and kept by the listings cache for the next load): the strategies
    // follow from it as GetMergeOptions derives them, a fast-forward when the destination
    // is the merge base, squash and three-way when nothing conflicts.
    let conflicts = call(
        ctx,
        viewer,
        GetMergeConflicts {
            spec: spec(),
            merge_option: Some("THREE_WAY_MERGE".into()),
            max_conflict_files: Some(100),
            next_token: None,
        },
    )
    .await?;
    let ids = &conflicts.ids;
    let mut options = Vec::new();
    if ids.base_commit_id.as_deref() == Some(ids.destination_commit_id.as_str()) {
        options.push("FAST_FORWARD_MERGE");
    }
    if conflicts.mergeable {
        options.extend(["SQUASH_MERGE", "THREE_WAY_MERGE"]);
    }
    let link = pr_link(&t.repository_name, &p.pull_request_id);
    let repo_arn = repository_arn(ctx, &viewer.principal, repo_of(p));
    let strategies = [
        (
            "fast-forward",
            "FAST_FORWARD_MERGE",
            "Fast-forward",
            "codecommit:MergePullRequestByFastForward",
        ),
        (
            "squash",
            "SQUASH_MERGE",
            "Squash and merge",
            "codecommit:MergePullRequestBySquash",
        ),
        (
            "three-way",
            "THREE_WAY_MERGE",
            "Three-way merge",
            "codecommit:MergePullRequestByThreeWay",
        ),
    ];
    let allowed: Vec<_> = strategies
        .iter()
        .filter(|s| viewer.may(ctx, s.3, &repo_arn))
        .collect();
    let first = allowed.iter().find(|s| options.contains(&s.1)).map(|s| s.0);
    let may_close = viewer.may(ctx, "codecommit:UpdatePullRequestStatus", &repo_arn);
    Ok(html! {
        section.card #merge data-testid="merge" {
            header { h2 { "Merge" } }
            div.body {
                @if !conflicts.mergeable {
                    div.flash.error role="alert" data-testid="conflicts" {
                        strong { "Merge conflicts" }
                        p { "These files conflict between the branches; resolve them (locally, or in a new commit on the source branch) before merging:" }
                        ul { @for c in &conflicts.conflict_metadata_list { li { code { (c.file_path) } } } }
                    }
                }
                @if !evaluation.approved && !evaluation.overridden {
                    p.hint { "The approval rules are not satisfied yet; a merge is refused until they are." }
                }
                @if allowed.is_empty() {
                    p.empty data-testid="merge-not-allowed" { "Your permissions do not allow merging this pull request." }
                } @else if first.is_none() {
                    p.empty { "No merge strategy can merge these branches as they are." }
                } @else {
                    form method="post" action={(link) "/merge"} {
                        (csrf(viewer))
                        input type="hidden" name="source_commit" value=(t.source_commit);
                        fieldset {
                            legend { "Merge strategy" }
                            @for s in &allowed {
                                @let possible = options.contains(&s.1);
                                label.radio {
                                    input type="radio" name="strategy" value=(s.0) disabled[!possible] checked[first == Some(s.0)];
                                    " " (s.2)
                                    @if !possible {
                                        span.hint { @if s.1 == "FAST_FORWARD_MERGE" { " (the destination has moved on)" } @else { " (conflicts)" } }
                                    }
                                }
                            }
                        }
                        label for="message" { "Commit message (squash and three-way merges; optional)" }
                        input #message type="text" name="message" maxlength="1000";
                        div.submit { button.btn.primary type="submit" data-testid="merge-button" { "Merge pull request" } }
                    }
                }
                @if may_close {
                    form method="post" action={(link) "/close"} {
                        (csrf(viewer))
                        button.btn type="submit" data-testid="close" { "Close pull request" }
                    }
                }
            }
        }
    })
}

/// Every comment of the pull request, all pages of them.
async fn all_comments(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    p: &PullRequest,
) -> Result<Vec<ThreadComments>, PageError> {
    let mut out = Vec::new();
    let mut next = None;
    loop {
        let page = call(
            ctx,
            viewer,
            GetCommentsForPullRequest {
                pull_request_id: Some(p.pull_request_id.clone()),
                repository_name: None,
                before_commit_id: None,
                after_commit_id: None,
                next_token: next,
                max_results: Some(100),
            },
        )
        .await?;
        out.extend(page.comments_for_pull_request_data);
        match page.next_token {
            Some(n) => next = Some(n),
            None => return Ok(out),
        }
    }
}

/// Where a comment on a line is: (path, `BEFORE`/`AFTER`, line).
type Spot = (String, String, i64);

fn spot_of(thread: &ThreadComments) -> Option<Spot> {
    let l = thread.thread.location.as_ref()?;
    Some((
        l.file_path.clone()?,
        l.relative_file_version
            .clone()
            .unwrap_or_else(|| "AFTER".into()),
        l.file_position?,
    ))
}

/// The line's place in the version a comment on it is about: a removed line's in the
/// destination, any other line's in the source.
fn spot_of_line(path: &str, l: &Line) -> Option<Spot> {
    match (l.origin, l.old, l.new) {
        ('-', Some(old), _) => Some((path.to_owned(), "BEFORE".into(), old.into())),
        (_, _, Some(new)) => Some((path.to_owned(), "AFTER".into(), new.into())),
        _ => None,
    }
}

fn parse_at(at: &str) -> Option<Spot> {
    let (version, rest) = at.split_once(':')?;
    let (line, path) = rest.split_once(':')?;
    Some((path.to_owned(), version.to_owned(), line.parse().ok()?))
}

struct LineComments<'a> {
    viewer: &'a Viewer,
    link: String,
    first_file: usize,
    threads: HashMap<Spot, Vec<&'a Comment>>,
    form_at: Option<Spot>,
    may_comment: bool,
    before: &'a str,
    after: &'a str,
}

impl Annotate for LineComments<'_> {
    fn line_link(&self, path: &str, line: &Line) -> Option<String> {
        let (path, version, n) = spot_of_line(path, line).filter(|_| self.may_comment)?;
        Some(format!(
            "{}?tab=changes&files={}&at={}#comment-form",
            self.link,
            self.first_file,
            enc(&format!("{version}:{n}:{path}"))
        ))
    }

    fn after_line(&self, path: &str, line: &Line) -> Option<Markup> {
        let spot = spot_of_line(path, line)?;
        let comments = self.threads.get(&spot);
        let form_here = self.form_at.as_ref() == Some(&spot);
        if comments.is_none() && !form_here {
            return None;
        }
        Some(html! {
            div.thread data-testid="line-comments" {
                @if let Some(cs) = comments { @for c in cs { (comment_box(c)) } }
                @if form_here {
                    form #comment-form method="post" action={(self.link) "/comments"} {
                        (csrf(self.viewer))
                        input type="hidden" name="path" value=(spot.0);
                        input type="hidden" name="version" value=(spot.1);
                        input type="hidden" name="line" value=(spot.2);
                        input type="hidden" name="before" value=(self.before);
                        input type="hidden" name="after" value=(self.after);
                        input type="hidden" name="back" value="changes";
                        input type="hidden" name="files" value=(self.first_file);
                        label for="line-comment" { "Comment on line " (spot.2) }
                        textarea #line-comment name="content" rows="3" required maxlength="10240" {}
                        div.submit { button.btn.primary type="submit" { "Comment" } }
                    }
                }
            }
        })
    }
}

fn comment_box(c: &Comment) -> Markup {
    html! {
        div.comment data-testid="comment" {
            p.meta {
                strong { (who(&c.author_arn)) }
                @if let Some(d) = c.creation_date { " · " (ago_epoch(d)) }
            }
            @if c.deleted { p.empty { "This comment was deleted." } }
            @else if let Some(text) = &c.content { div.readme { (PreEscaped(markdown::render(text))) } }
        }
    }
}

async fn changes(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    p: &PullRequest,
    t: &PullRequestTarget,
    at: Option<&str>,
    first_file: usize,
) -> Result<Markup, PageError> {
    let patch = call(
        ctx,
        viewer,
        GetCommitPatch {
            repository_name: t.repository_name.clone(),
            before_commit_id: Some(t.destination_commit.clone()),
            commit_id: t.source_commit.clone(),
            since_merge_base: true,
            first_file,
        },
    )
    .await?
    .patch;
    let comments = all_comments(ctx, viewer, p).await?;
    let mut threads: HashMap<Spot, Vec<&Comment>> = HashMap::new();
    for thread in &comments {
        if let Some(spot) = spot_of(thread) {
            threads
                .entry(spot)
                .or_default()
                .extend(thread.comments.iter());
        }
    }
    let repo_arn = repository_arn(ctx, &viewer.principal, repo_of(p));
    let link = pr_link(&t.repository_name, &p.pull_request_id);
    let notes = LineComments {
        viewer,
        link: link.clone(),
        first_file,
        threads,
        form_at: at.and_then(parse_at),
        may_comment: viewer.may(ctx, "codecommit:PostCommentForPullRequest", &repo_arn),
        before: &t.destination_commit,
        after: &t.source_commit,
    };
    // Comments on files the diff no longer has (only known when it is all on this page).
    let whole = patch.first == 0 && patch.files.len() == patch.total_files;
    let paths: Vec<&str> = patch.files.iter().map(shown_path).collect();
    let elsewhere: Vec<&ThreadComments> = comments
        .iter()
        .filter(|c| whole && spot_of(c).is_some_and(|s| !paths.contains(&s.0.as_str())))
        .collect();
    let page_link = |first: usize| format!("{link}?tab=changes&files={first}");
    Ok(html! {
        @if notes.may_comment { p.hint { "Select a line number to comment on that line." } }
        (patch_view(&patch, &notes, &page_link))
        @if !elsewhere.is_empty() {
            section.card {
                header { h2 { "Comments on lines no longer in the diff" } }
                div.body { @for t in elsewhere { @for c in &t.comments { (comment_box(c)) } } }
            }
        }
    })
}

fn event_text(e: &PullRequestEvent) -> String {
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

async fn activity(
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
