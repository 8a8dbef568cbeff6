//! The repository list, creating a repository and deleting one.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::layout::{Section, ago_epoch, csrf, flash, page};
use super::{PageError, Viewer, call, checked, enc, see_other};
use crate::codecommit::ops::repositories::{
    BatchGetRepositories, CreateRepository, DeleteRepository, ListRepositories, RepositoryMetadata,
};
use crate::transport::state::TransportState;

/// BatchGetRepositories takes at most 25 names a call.
const BATCH: usize = 25;

/// Repositories per page (ListRepositories answers up to 1,000 at a time).
const PAGE: usize = 50;

#[derive(serde::Deserialize)]
pub struct ListQuery {
    token: Option<String>,
    /// Where this page starts in the API's page.
    start: Option<usize>,
    deleted: Option<String>,
}

async fn metadata(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    names: Vec<String>,
) -> Result<Vec<RepositoryMetadata>, PageError> {
    let mut all = Vec::new();
    for chunk in names.chunks(BATCH) {
        let got = call(
            ctx,
            viewer,
            BatchGetRepositories {
                repository_names: chunk.to_vec(),
            },
        )
        .await?;
        all.extend(got.repositories);
    }
    all.sort_by(|a, b| a.repository_name.cmp(&b.repository_name));
    Ok(all)
}

async fn list_page(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    (token, start): (Option<String>, usize),
    notice: Option<Markup>,
) -> Result<Response, PageError> {
    let listed = call(
        ctx,
        viewer,
        ListRepositories {
            sort_by: None,
            order: None,
            next_token: token.clone(),
        },
    )
    .await?;
    let names: Vec<String> = listed
        .repositories
        .iter()
        .skip(start)
        .take(PAGE)
        .map(|r| r.repository_name.clone())
        .collect();
    // The next page: further into this answer, or the API's next one.
    let next = if start + PAGE < listed.repositories.len() {
        let mut link = format!("/console/repositories?start={}", start + PAGE);
        if let Some(t) = &token {
            link.push_str(&format!("&token={}", enc(t)));
        }
        Some(link)
    } else {
        listed
            .next_token
            .as_ref()
            .map(|t| format!("/console/repositories?token={}", enc(t)))
    };
    let repos = metadata(ctx, viewer, names).await?;
    let may_create = viewer.may(ctx, "codecommit:CreateRepository", "*");
    let body = html! {
        h1 { "Repositories" }
        @if let Some(n) = notice { (n) }
        section.card {
            header {
                h2 { "Repositories " span.count { "(" (listed.repositories.len()) @if listed.next_token.is_some() { "+" } ")" } }
            }
            @if repos.is_empty() {
                p.empty { "No repositories yet." }
            } @else {
                table data-testid="repositories" {
                    thead { tr { th { "Name" } th { "Description" } th { "Last modified" } th { "Clone URL" } } }
                    tbody {
                        @for r in &repos {
                            tr {
                                td { a href={"/console/repositories/" (enc(&r.repository_name))} { (r.repository_name) } }
                                td { (r.repository_description.as_deref().unwrap_or("")) }
                                td.num { (r.last_modified_date.map(ago_epoch).unwrap_or_default()) }
                                td { code { (r.clone_url_http) } }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = &next {
                div.pager { a.btn href=(next) { "Next page" } }
            }
        }
        @if may_create {
            section.card #create {
                header { h2 { "Create repository" } }
                div.body {
                    form method="post" action="/console/repositories" {
                        (csrf(viewer))
                        label for="name" { "Repository name" }
                        input #name type="text" name="name" required maxlength="100" pattern="[A-Za-z0-9._\\-]+";
                        p.hint { "Up to 100 letters, digits, '.', '_' and '-'; not ending in .git." }
                        label for="description" { "Description (optional)" }
                        input #description type="text" name="description" maxlength="1000";
                        div.submit { button.btn.primary type="submit" { "Create" } }
                    }
                }
            }
        }
    };
    Ok(page(
        viewer,
        Section::Repositories,
        &[("Repositories", None)],
        body,
    ))
}

pub async fn list(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let notice = q
        .deleted
        .map(|name| flash("success", &format!("Repository {name} was deleted."), ""));
    list_page(&ctx, &viewer, (q.token, q.start.unwrap_or(0)), notice).await
}

pub async fn create(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let form = checked(&viewer, form)?;
    let name = form.get("name").unwrap_or_default().trim().to_owned();
    let request = CreateRepository {
        repository_name: Some(name.clone()),
        repository_description: form.get("description").map(str::to_owned),
        tags: None,
        kms_key_id: None,
    };
    match call(&ctx, &viewer, request).await {
        Ok(_) => Ok(see_other(&format!("/console/repositories/{}", enc(&name)))),
        Err(e) => {
            e.shown_on(|n, status| async move {
                let mut response = list_page(&ctx, &viewer, (None, 0), Some(n)).await?;
                *response.status_mut() = status;
                Ok(response)
            })
            .await
        }
    }
}

pub async fn delete(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path(name): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let form = checked(&viewer, form)?;
    if form.get("confirm") != Some("delete") {
        return Err(PageError::bad_request(
            "To delete the repository, type delete in the confirmation field.",
        ));
    }
    call(
        &ctx,
        &viewer,
        DeleteRepository {
            repository_name: Some(name.clone()),
        },
    )
    .await?;
    Ok(see_other(&format!("/console/repositories?deleted={}", enc(&name))).into_response())
}
