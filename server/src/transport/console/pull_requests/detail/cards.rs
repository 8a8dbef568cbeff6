//! The details tab's cards: the pull request, its approval rules and approvals, and how
//! it can be merged (strategies the viewer may use, conflicts).

use std::sync::Arc;

use maud::{Markup, PreEscaped, html};

use super::super::{pr_link, short_ref, who};
use super::{merged, repo_of, revision};
use crate::codecommit::ops::approvals::{
    Approval, EvaluatePullRequestApprovalRules, Evaluation, GetPullRequestApprovalStates,
};
use crate::codecommit::ops::merges::{GetMergeConflicts, MergeSpec};
use crate::codecommit::ops::pull_requests::{PullRequest, PullRequestTarget};
use crate::codecommit::ops::repository_arn;
use crate::transport::console::layout::csrf;
use crate::transport::console::repo::commit_link;
use crate::transport::console::{PageError, Viewer, call, markdown};
use crate::transport::state::TransportState;

pub(super) async fn details(
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

pub(super) fn strategy_label(option: &str) -> &'static str {
    match option {
        "FAST_FORWARD_MERGE" => "a fast-forward merge",
        "SQUASH_MERGE" => "a squash merge",
        _ => "a three-way merge",
    }
}

/// What an approval rule's content says, in words: "2 approvals from any of …".
pub(super) fn rule_summary(content: &str) -> String {
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

pub(super) fn approval_card(
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
                    (rules_table(viewer, p, evaluation, &link, open && may_rules))
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
                @if open && may_rules { (add_rule_form(viewer, &link)) }
            }
        }
    }
}

/// The pull request's approval rules, each with its status (and a delete button for a rule
/// of its own when `may_delete`).
pub(super) fn rules_table(
    viewer: &Viewer,
    p: &PullRequest,
    evaluation: &Evaluation,
    link: &str,
    may_delete: bool,
) -> Markup {
    html! {
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
                            @if may_delete && r.origin_approval_rule_template.is_none() {
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
}

/// The form that adds an approval rule.
pub(super) fn add_rule_form(viewer: &Viewer, link: &str) -> Markup {
    html! {
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

/// The merge strategies: form value, CodeCommit's merge option, label, IAM action.
pub(super) type Strategy = (&'static str, &'static str, &'static str, &'static str);

pub(super) const STRATEGIES: [Strategy; 3] = [
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

pub(super) async fn merge_card(
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
    let allowed: Vec<&Strategy> = STRATEGIES
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
                    (merge_form(viewer, &link, &t.source_commit, &allowed, &options, first))
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

/// The merge form: the strategies the viewer may use, those the branches allow enabled.
pub(super) fn merge_form(
    viewer: &Viewer,
    link: &str,
    source_commit: &str,
    allowed: &[&Strategy],
    options: &[&str],
    first: Option<&str>,
) -> Markup {
    html! {
        form method="post" action={(link) "/merge"} {
            (csrf(viewer))
            input type="hidden" name="source_commit" value=(source_commit);
            fieldset {
                legend { "Merge strategy" }
                @for s in allowed {
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
}
