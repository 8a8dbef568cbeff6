//! Pull requests: the list with its filters, creating one from two branches, and (in
//! `detail` and `actions`) one pull request's page and what can be done on it.

mod actions;
mod detail;

use crate::transport::console::repo::repo_page;
use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

pub use actions::{approve, close, comment, create_rule, delete_rule, merge};
pub use detail::show;

use super::diff::{Plain, patch_view};
use super::layout::{ago_epoch, csrf, flash};
use super::repo::{Repo, Tab, repo_link, tabs};
use super::{PageError, Viewer, call, checked, enc, see_other};
use crate::codecommit::ops::browse::GetCommitPatch;
use crate::codecommit::ops::pull_requests::{
    CreatePullRequest, GetPullRequest, ListPullRequests, PullRequest, PullRequestId, TargetSpec,
};
use crate::transport::state::TransportState;

/// Pull requests per list page.
const LIST_PAGE: i64 = 20;

pub fn list_link(repo: &str) -> String {
    format!("{}/pull-requests", repo_link(repo))
}

pub fn pr_link(repo: &str, id: &str) -> String {
    format!("{}/pull-requests/{id}", repo_link(repo))
}

/// The name an ARN shows as: a user's name, a role session's `role/session`.
pub fn who(arn: &str) -> &str {
    arn.split_once(":user/")
        .map(|(_, u)| u.rsplit('/').next().unwrap_or(u))
        .or_else(|| arn.split_once(":assumed-role/").map(|(_, r)| r))
        .unwrap_or(arn)
}

/// Open, closed (not merged) or merged.
pub fn status_badge(p: &PullRequest) -> Markup {
    let merged = p.pull_request_targets.first().is_some_and(|t| {
        t.merge_metadata
            .get("isMerged")
            .and_then(|m| m.as_bool())
            .unwrap_or(false)
    });
    let (class, label) = match (p.pull_request_status.as_str(), merged) {
        ("OPEN", _) => ("badge open", "Open"),
        (_, true) => ("badge merged", "Merged"),
        _ => ("badge closed", "Closed"),
    };
    html! { span class=(class) data-testid="pr-status" { (label) } }
}

#[derive(serde::Deserialize, Default)]
pub struct Filters {
    /// `open` (the default), `closed` or `all`.
    status: Option<String>,
    /// `me`: only the viewer's own.
    author: Option<String>,
    next: Option<String>,
}

/// The repository's pull requests, newest first, a page at a time.
pub async fn list(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path(name): Path<String>,
    Query(f): Query<Filters>,
) -> Result<Response, PageError> {
    let repo = Repo::load(&ctx, &viewer, &name).await?;
    let status = f.status.as_deref().unwrap_or("open");
    let mine = f.author.as_deref() == Some("me");
    let listed = call(
        &ctx,
        &viewer,
        ListPullRequests {
            repository_name: Some(name.clone()),
            author_arn: mine.then(|| viewer.principal.arn.clone()),
            pull_request_status: match status {
                "closed" => Some("CLOSED".into()),
                "all" => None,
                _ => Some("OPEN".into()),
            },
            next_token: f.next.clone(),
            max_results: Some(LIST_PAGE),
        },
    )
    .await?;
    let mut prs = Vec::new();
    for id in &listed.pull_request_ids {
        let got = call(
            &ctx,
            &viewer,
            GetPullRequest(PullRequestId {
                pull_request_id: Some(id.clone()),
            }),
        )
        .await?;
        prs.push(got.pull_request);
    }
    let filter_link = |s: &str, me: bool| {
        let mut link = format!("{}?status={s}", list_link(&name));
        if me {
            link.push_str("&author=me");
        }
        link
    };
    let may_create = viewer.may(&ctx, "codecommit:CreatePullRequest", &repo.meta.arn);
    let reference = repo.reference(None).unwrap_or_default();
    let body = html! {
        h1 { (name) }
        (tabs(&repo, &reference, Tab::PullRequests))
        section.card {
            header {
                h2 { "Pull requests" }
                div.actions {
                    nav.filters data-testid="pr-filters" {
                        @for (s, label) in [("open", "Open"), ("closed", "Closed"), ("all", "All")] {
                            a.active[status == s] href=(filter_link(s, mine)) { (label) }
                        }
                        " · "
                        a.active[mine] href=(filter_link(status, !mine)) { "Created by me" }
                    }
                    @if may_create && !repo.is_empty() {
                        a.btn.primary href={(list_link(&name)) "/new"} { "Create pull request" }
                    }
                }
            }
            @if prs.is_empty() {
                p.empty { "No pull requests match." }
            } @else {
                table data-testid="pull-requests" {
                    thead { tr { th { "ID" } th { "Title" } th { "Author" } th { "Branches" } th { "Status" } th { "Last activity" } } }
                    tbody {
                        @for p in &prs {
                            @let t = p.pull_request_targets.first();
                            tr {
                                td.num { (p.pull_request_id) }
                                td { a href=(pr_link(&name, &p.pull_request_id)) { (p.title) } }
                                td { (who(&p.author_arn)) }
                                td {
                                    @if let Some(t) = t {
                                        code { (short_ref(&t.source_reference)) } " → " code { (short_ref(&t.destination_reference)) }
                                    }
                                }
                                td { (status_badge(p)) }
                                td.num { (p.last_activity_date.map(ago_epoch).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = &listed.next_token {
                div.pager {
                    a.btn href={(filter_link(status, mine)) "&next=" (enc(next))} { "Older pull requests" }
                }
            }
        }
    };
    Ok(repo_page(&viewer, &name, &[("Pull requests", None)], body))
}

/// `refs/heads/main` → `main`.
pub fn short_ref(r: &str) -> &str {
    r.strip_prefix("refs/heads/").unwrap_or(r)
}

#[derive(serde::Deserialize, Default)]
pub struct NewForm {
    source: Option<String>,
    destination: Option<String>,
    files: Option<usize>,
}

/// Choose two branches; with both chosen, the changes and the title and description.
pub async fn new_form(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path(name): Path<String>,
    Query(q): Query<NewForm>,
) -> Result<Response, PageError> {
    new_page(&ctx, &viewer, &name, q, None, StatusCode::OK).await
}

async fn new_page(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
    q: NewForm,
    notice: Option<Markup>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let repo = Repo::load(ctx, viewer, name).await?;
    let default = repo.refs.default_branch.clone().unwrap_or_default();
    let destination = q.destination.filter(|d| !d.is_empty()).unwrap_or(default);
    let source = q.source.filter(|s| !s.is_empty());
    let tip = |b: &str| {
        repo.refs
            .branches
            .iter()
            .find(|(n, _)| n == b)
            .map(|(_, c)| c.clone())
    };
    let compared = match (&source, tip(&destination)) {
        (Some(s), Some(d)) if tip(s).is_some() && *s != destination => Some(
            call(
                ctx,
                viewer,
                GetCommitPatch {
                    repository_name: name.to_owned(),
                    before_commit_id: Some(d),
                    commit_id: tip(s).unwrap_or_default(),
                    since_merge_base: true,
                    first_file: q.files.unwrap_or(0),
                },
            )
            .await?
            .patch,
        ),
        _ => None,
    };
    let branch_select = |id: &str, field: &str, chosen: Option<&str>| {
        html! {
            select id=(id) name=(field) {
                @if chosen.is_none() { option value="" selected { "Choose a branch" } }
                @for (b, _) in &repo.refs.branches {
                    option value=(b) selected[chosen == Some(b.as_str())] { (b) }
                }
            }
        }
    };
    let body = html! {
        h1 { "Create pull request" }
        @if let Some(n) = notice { (n) }
        section.card {
            div.body {
                form.inline-form method="get" action={(list_link(name)) "/new"} {
                    label.inline for="destination" { "Destination" }
                    (branch_select("destination", "destination", Some(&destination)))
                    span { " ← " }
                    label.inline for="source" { "Source" }
                    (branch_select("source", "source", source.as_deref()))
                    button.btn type="submit" { "Compare" }
                }
            }
        }
        @match (&source, &compared) {
            (Some(s), Some(patch)) => {
                (details_form(viewer, name, s, &destination))
                h2 { "Changes" }
                @if patch.total_files == 0 {
                    (flash("info", "No changes.", "The source branch has nothing the destination does not."))
                }
                (patch_view(patch, &Plain, &|first| format!(
                    "{}/new?destination={}&source={}&files={first}",
                    list_link(name), enc(&destination), enc(s)
                )))
            }
            (Some(s), None) if *s == destination => {
                (flash("info", "Choose two different branches.", ""))
            }
            _ => {}
        }
    };
    let mut response = repo_page(
        viewer,
        name,
        &[("Pull requests", Some(list_link(name))), ("Create", None)],
        body,
    );
    *response.status_mut() = status;
    Ok(response)
}

/// The new pull request's title and description, for `source` into `destination`.
fn details_form(viewer: &Viewer, name: &str, source: &str, destination: &str) -> Markup {
    // Makes a double submission one pull request (CreatePullRequest's clientRequestToken).
    let token = uuid::Uuid::new_v4().to_string();
    html! {
        section.card #details {
            header { h2 { "Details" } }
            div.body {
                form method="post" action=(list_link(name)) {
                    (csrf(viewer))
                    input type="hidden" name="source" value=(source);
                    input type="hidden" name="destination" value=(destination);
                    input type="hidden" name="token" value=(token);
                    label for="title" { "Title" }
                    input #title type="text" name="title" required maxlength="150" value=(source);
                    label for="description" { "Description (optional, Markdown)" }
                    textarea #description name="description" rows="5" maxlength="10240" {}
                    div.submit { button.btn.primary type="submit" { "Create pull request" } }
                }
            }
        }
    }
}

/// Creates the pull request, then shows it; a refusal shows on the form.
pub async fn create(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path(name): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let form = checked(&viewer, form)?;
    let field = |k: &str| form.get(k).map(str::to_owned);
    let made = call(
        &ctx,
        &viewer,
        CreatePullRequest {
            title: field("title"),
            description: field("description"),
            targets: Some(vec![TargetSpec {
                repository_name: Some(name.clone()),
                source_reference: field("source"),
                destination_reference: field("destination"),
            }]),
            client_request_token: field("token"),
        },
    )
    .await;
    match made {
        Ok(out) => Ok(see_other(&pr_link(
            &name,
            &out.pull_request.pull_request_id,
        ))),
        Err(e) => {
            let q = NewForm {
                source: field("source"),
                destination: field("destination"),
                files: None,
            };
            e.shown_on(|n, status| new_page(&ctx, &viewer, &name, q, Some(n), status))
                .await
        }
    }
}
