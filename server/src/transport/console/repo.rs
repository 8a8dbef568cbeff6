//! What every page of one repository shares: its links, its metadata and refs, the tabs
//! and the ref picker.

use std::sync::Arc;

use axum::response::Response;
use maud::{Markup, html};

use super::layout::{Section, page};

use super::{PageError, Viewer, call, enc};
use crate::codecommit::ops::browse::{GetReferences, References};
use crate::codecommit::ops::repositories::{GetRepository, RepositoryMetadata};
use crate::transport::state::TransportState;

pub fn repo_link(name: &str) -> String {
    format!("/console/repositories/{}", enc(name))
}

pub fn code_link(name: &str, reference: &str, path: &str) -> String {
    format!(
        "{}/code?ref={}&path={}",
        repo_link(name),
        enc(reference),
        enc(path)
    )
}

pub fn commits_link(name: &str, reference: &str, path: &str) -> String {
    let mut query = Vec::new();
    if !reference.is_empty() {
        query.push(format!("ref={}", enc(reference)));
    }
    if !path.is_empty() {
        query.push(format!("path={}", enc(path)));
    }
    match query.is_empty() {
        true => format!("{}/commits", repo_link(name)),
        false => format!("{}/commits?{}", repo_link(name), query.join("&")),
    }
}

/// "1 file", "2 files".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn commit_link(name: &str, id: &str) -> String {
    format!("{}/commits/{id}", repo_link(name))
}

/// What every page of a repository starts from: its metadata and refs.
pub struct Repo {
    pub meta: RepositoryMetadata,
    pub refs: References,
}

impl Repo {
    pub async fn load(
        ctx: &Arc<TransportState>,
        viewer: &Viewer,
        name: &str,
    ) -> Result<Repo, PageError> {
        let meta = call(
            ctx,
            viewer,
            GetRepository {
                repository_name: Some(name.to_owned()),
            },
        )
        .await?
        .repository_metadata;
        let refs = call(
            ctx,
            viewer,
            GetReferences {
                repository_name: name.to_owned(),
            },
        )
        .await?;
        Ok(Repo { meta, refs })
    }

    pub fn name(&self) -> &str {
        &self.meta.repository_name
    }

    /// The ref a page shows: the one asked for, else the default branch.
    pub fn reference(&self, asked: Option<&str>) -> Option<String> {
        asked
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .or_else(|| self.refs.default_branch.clone())
            .or_else(|| self.refs.branches.first().map(|b| b.0.clone()))
    }

    pub fn is_empty(&self) -> bool {
        self.refs.branches.is_empty()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Code,
    Commits,
    PullRequests,
    Branches,
    Triggers,
}

pub fn tabs(repo: &Repo, reference: &str, tab: Tab) -> Markup {
    let name = repo.name();
    html! {
        nav.tabs {
            a.active[tab == Tab::Code] href=(code_link(name, reference, "")) { "Code" }
            a.active[tab == Tab::Commits] href=(commits_link(name, reference, "")) { "Commits" }
            a.active[tab == Tab::PullRequests] href={(repo_link(name)) "/pull-requests"} { "Pull requests" }
            a.active[tab == Tab::Branches] href={(repo_link(name)) "/branches"} { "Branches and tags" }
            a.active[tab == Tab::Triggers] href={(repo_link(name)) "/triggers"} { "Triggers" }
        }
    }
}

/// The ref picker: a GET form, so it works without script.
pub fn ref_picker(repo: &Repo, reference: &str, action: &str, path: &str) -> Markup {
    html! {
        form method="get" action=(action) {
            label.inline for="ref" { "Branch or tag" }
            select #ref name="ref" {
                @for (b, _) in &repo.refs.branches {
                    option value=(b) selected[b == reference] { (b) }
                }
                @for (t, _) in &repo.refs.tags {
                    option value=(t) selected[t == reference] { "tag: " (t) }
                }
            }
            @if !path.is_empty() { input type="hidden" name="path" value=(path); }
            button.btn type="submit" { "Go" }
        }
    }
}

/// A page of repository `name`: its crumbs are Repositories › `name` › `trail`.
pub fn repo_page(
    viewer: &Viewer,
    name: &str,
    trail: &[(&str, Option<String>)],
    body: Markup,
) -> Response {
    let mut crumbs = vec![
        ("Repositories", Some("/console/repositories".to_owned())),
        (name, Some(repo_link(name))),
    ];
    crumbs.extend(trail.iter().cloned());
    page(viewer, Section::Repositories, &crumbs, body)
}
