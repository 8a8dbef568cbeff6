//! One repository: its code (folders, files, the README), clone commands for the three auth
//! paths, branches and tags, commit history per ref and per file, and one commit's diff.

use crate::transport::console::repo::repo_page;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, PreEscaped, html};

use super::diff::{Plain, patch_view};
use super::layout::{ago, csrf, full_date};
use super::repo::{Repo, Tab, code_link, commit_link, commits_link, ref_picker, repo_link, tabs};
use super::{PageError, Viewer, call, markdown};
use crate::codecommit::content::{Folder, FolderEntry};
use crate::codecommit::error::CodeCommitError;
use crate::codecommit::ops::browse::{GetCommitHistory, GetCommitPatch};
use crate::codecommit::ops::files::{GetFile, GetFolder};
use crate::codecommit::ops::repositories::RepositoryMetadata;
use crate::transport::state::TransportState;

/// Commits per history page.
const HISTORY_PAGE: usize = 50;
/// Largest file shown inline (larger ones are offered as a download size only).
const MAX_SHOWN_BYTES: usize = 1024 * 1024;

#[derive(serde::Deserialize, Default)]
pub struct Where {
    #[serde(rename = "ref")]
    reference: Option<String>,
    path: Option<String>,
    page: Option<usize>,
}

fn clone_panel(ctx: &TransportState, viewer: &Viewer, meta: &RepositoryMetadata) -> Markup {
    let login = crate::iam::service_user_name(viewer.user_name(), &viewer.principal.account_id);
    let endpoint = meta
        .clone_url_http
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let name = &meta.repository_name;
    html! {
        section.card #clone {
            header { h2 { "Clone URLs" } }
            div.body.clone {
                span { "HTTPS (Git credentials)" }
                pre data-testid="clone-https" { "git clone " (meta.clone_url_http) }
                span {}
                p.hint { "User name " code { (login) } " and the password shown when the Git credential was created (IAM › your user › Git credentials). The server's CA: GIT_SSL_CAINFO=<data dir>/tls/ca.pem." }
                span { "HTTPS (GRC)" }
                pre data-testid="clone-grc" { "CODE_COMMIT_ENDPOINT=" (endpoint) " git clone codecommit::" (ctx.region) "://" (name) }
                span {}
                p.hint { "git-remote-codecommit with your access key, or the AWS CLI's credential helper on the HTTPS URL." }
                span { "SSH" }
                pre data-testid="clone-ssh" { "git clone " (meta.clone_url_ssh) }
                span {}
                p.hint { "As SSH user name use the SSH key ID (APKA…) of an RSA key uploaded to your IAM user." }
            }
        }
    }
}

fn entry_rows(repo: &Repo, reference: &str, folder: &Folder) -> Markup {
    let name = repo.name();
    let row = |e: &FolderEntry, icon: &str| {
        html! {
            tr {
                td {
                    span.badge { (icon) } " "
                    a href=(code_link(name, reference, &e.absolute_path)) { (e.relative_path) }
                }
            }
        }
    };
    html! {
        table data-testid="folder" {
            thead { tr { th { "Name" } } }
            tbody {
                @if !folder.folder_path.is_empty() && folder.folder_path != "/" {
                    @let parent = folder.folder_path.trim_end_matches('/').rsplit_once('/').map(|p| p.0).unwrap_or("");
                    tr { td { a href=(code_link(name, reference, parent)) { ".." } } }
                }
                @for e in &folder.sub_folders { (row(e, "dir")) }
                @for e in &folder.files { (row(e, "file")) }
                @for e in &folder.symbolic_links { (row(e, "link")) }
                @for e in &folder.sub_modules { tr { td { span.badge { "submodule" } " " (e.relative_path) } } }
            }
        }
    }
}

async fn readme(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    repo: &Repo,
    reference: &str,
    folder: &Folder,
) -> Option<Markup> {
    let entry = folder
        .files
        .iter()
        .find(|f| f.relative_path.eq_ignore_ascii_case("readme.md"))
        .or_else(|| {
            folder
                .files
                .iter()
                .find(|f| f.relative_path.to_ascii_lowercase().starts_with("readme"))
        })?;
    let file = call(
        ctx,
        viewer,
        GetFile {
            repository_name: Some(repo.name().to_owned()),
            commit_specifier: Some(reference.to_owned()),
            file_path: Some(entry.absolute_path.clone()),
        },
    )
    .await
    .ok()?;
    let text = String::from_utf8_lossy(&file.file_content);
    let body = if entry.relative_path.to_ascii_lowercase().ends_with(".md") {
        PreEscaped(markdown::render(&text))
    } else {
        PreEscaped(html! { pre { (text) } }.into_string())
    };
    Some(html! {
        section.card data-testid="readme" {
            header { h2 { (entry.relative_path) } }
            div.readme { (body) }
        }
    })
}

fn empty_repository(ctx: &TransportState, viewer: &Viewer, repo: &Repo) -> Markup {
    html! {
        h1 { (repo.name()) }
        (tabs(repo, "", Tab::Code))
        (super::layout::flash("info", "This repository is empty.", "Push a first commit with one of the commands below."))
        (clone_panel(ctx, viewer, &repo.meta))
        (danger_zone(ctx, viewer, &repo.meta))
    }
}

fn danger_zone(ctx: &TransportState, viewer: &Viewer, meta: &RepositoryMetadata) -> Markup {
    if !viewer.may(ctx, "codecommit:DeleteRepository", &meta.arn) {
        return html! {};
    }
    html! {
        section.card #delete {
            header { h2 { "Delete repository" } }
            div.body {
                form method="post" action={(repo_link(&meta.repository_name)) "/delete"} {
                    (csrf(viewer))
                    p { "Deleting " strong { (meta.repository_name) } " removes its history for everyone. Type " code { "delete" } " to confirm." }
                    input #confirm type="text" name="confirm" placeholder="delete" aria-label="Type delete to confirm";
                    div.submit { button.btn.danger type="submit" { "Delete" } }
                }
            }
        }
    }
}

/// A repository's landing page: its default branch's root, README and clone commands.
pub async fn overview(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    show_code(&ctx, &viewer, &name, Where::default(), true).await
}

pub async fn browse(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path(name): Path<String>,
    Query(at): Query<Where>,
) -> Result<Response, PageError> {
    show_code(&ctx, &viewer, &name, at, false).await
}

async fn show_code(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
    at: Where,
    landing: bool,
) -> Result<Response, PageError> {
    let repo = Repo::load(ctx, viewer, name).await?;
    let Some(reference) = repo
        .reference(at.reference.as_deref())
        .filter(|_| !repo.is_empty())
    else {
        let body = empty_repository(ctx, viewer, &repo);
        return Ok(repo_page(viewer, repo.name(), &[], body));
    };
    let path = at.path.unwrap_or_default().trim_matches('/').to_owned();
    let folder = call(
        ctx,
        viewer,
        GetFolder {
            repository_name: Some(repo.name().to_owned()),
            commit_specifier: Some(reference.clone()),
            folder_path: Some(if path.is_empty() {
                "/".into()
            } else {
                path.clone()
            }),
        },
    )
    .await;
    let content = match folder {
        Ok(folder) => {
            let readme = readme(ctx, viewer, &repo, &reference, &folder).await;
            html! {
                section.card {
                    header {
                        h2.path { (if path.is_empty() { repo.name() } else { &path }) }
                        a href=(commits_link(repo.name(), &reference, &path)) { "History" }
                    }
                    (entry_rows(&repo, &reference, &folder))
                }
                @if let Some(r) = readme { (r) }
            }
        }
        Err(e) if e.code == CodeCommitError::FOLDER_DOES_NOT_EXIST => {
            file_view(ctx, viewer, &repo, &reference, &path).await?
        }
        Err(e) => return Err(e),
    };
    let body = html! {
        h1 { (repo.name()) }
        @if let Some(d) = &repo.meta.repository_description { p.meta { (d) } }
        (tabs(&repo, &reference, Tab::Code))
        div.refbar {
            (ref_picker(&repo, &reference, &format!("{}/code", repo_link(repo.name())), &path))
            span.path { (path_crumbs(&repo, &reference, &path)) }
        }
        (content)
        @if landing {
            (clone_panel(ctx, viewer, &repo.meta))
            (danger_zone(ctx, viewer, &repo.meta))
        }
    };
    let trail = [(path.as_str(), None)];
    let trail = if path.is_empty() { &[][..] } else { &trail[..] };
    Ok(repo_page(viewer, repo.name(), trail, body))
}

fn path_crumbs(repo: &Repo, reference: &str, path: &str) -> Markup {
    // Each segment links to the folder that ends with it.
    let segments: Vec<(&str, &str)> = path
        .match_indices('/')
        .map(|(i, _)| i)
        .chain([path.len()])
        .scan(0, |start, end| {
            let seg = (&path[*start..end], &path[..end]);
            *start = end + 1;
            Some(seg)
        })
        .filter(|(seg, _)| !seg.is_empty())
        .collect();
    html! {
        a href=(code_link(repo.name(), reference, "")) { (repo.name()) }
        @for (seg, upto) in segments {
            " / " a href=(code_link(repo.name(), reference, upto)) { (seg) }
        }
    }
}

async fn file_view(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    repo: &Repo,
    reference: &str,
    path: &str,
) -> Result<Markup, PageError> {
    let file = call(
        ctx,
        viewer,
        GetFile {
            repository_name: Some(repo.name().to_owned()),
            commit_specifier: Some(reference.to_owned()),
            file_path: Some(path.to_owned()),
        },
    )
    .await?;
    let bytes = file.file_content;
    let text = std::str::from_utf8(&bytes)
        .ok()
        .filter(|t| !t.contains('\0'));
    let shown = match text {
        Some(t) if bytes.len() <= MAX_SHOWN_BYTES => {
            let rendered = path.to_ascii_lowercase().ends_with(".md");
            html! {
                @if rendered { div.readme { (PreEscaped(markdown::render(t))) } }
                @else {
                    table.code data-testid="file-content" {
                        tbody {
                            @for (n, line) in t.lines().enumerate() {
                                tr id={"L" (n + 1)} {
                                    td.ln { a href={"#L" (n + 1)} { (n + 1) } }
                                    td { (line) }
                                }
                            }
                        }
                    }
                }
            }
        }
        Some(_) => {
            html! { p.empty { "This file is too large to show (" (bytes.len()) " bytes)." } }
        }
        None => html! { p.empty { "Binary file (" (bytes.len()) " bytes)." } },
    };
    Ok(html! {
        section.card {
            header {
                h2.path { (path) }
                div.actions {
                    span.meta { (file.file_mode) " · " (bytes.len()) " bytes · blob " code { (&file.blob_id[..10]) } }
                    a href=(commits_link(repo.name(), reference, path)) { "History" }
                }
            }
            (shown)
        }
    })
}

/// Commit history of a ref, or of one path on it.
pub async fn history(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path(name): Path<String>,
    Query(at): Query<Where>,
) -> Result<Response, PageError> {
    let repo = Repo::load(&ctx, &viewer, &name).await?;
    let Some(reference) = repo
        .reference(at.reference.as_deref())
        .filter(|_| !repo.is_empty())
    else {
        let body = empty_repository(&ctx, &viewer, &repo);
        return Ok(repo_page(&viewer, repo.name(), &[], body));
    };
    let path = at.path.unwrap_or_default().trim_matches('/').to_owned();
    let page_no = at.page.unwrap_or(1).max(1);
    let history = call(
        &ctx,
        &viewer,
        GetCommitHistory {
            repository_name: repo.name().to_owned(),
            commit_specifier: Some(reference.clone()),
            file_path: Some(path.clone()).filter(|p| !p.is_empty()),
            skip: (page_no - 1) * HISTORY_PAGE,
            limit: HISTORY_PAGE,
        },
    )
    .await?;
    let page_link = |n: usize| format!("{}&page={n}", commits_link(repo.name(), &reference, &path));
    let body = html! {
        h1 { (repo.name()) }
        (tabs(&repo, &reference, Tab::Commits))
        div.refbar {
            (ref_picker(&repo, &reference, &format!("{}/commits", repo_link(repo.name())), &path))
            @if !path.is_empty() { span { "Commits changing " code { (path) } } }
        }
        section.card {
            header { h2 { "Commits" } }
            @if history.commits.is_empty() {
                p.empty { "No commits." }
            } @else {
                table data-testid="commits" {
                    thead { tr { th { "Commit" } th { "Message" } th { "Author" } th { "Date" } } }
                    tbody {
                        @for c in &history.commits {
                            tr {
                                td { a.mono href=(commit_link(repo.name(), &c.commit_id)) { (&c.commit_id[..8]) } }
                                td { (c.message.lines().next().unwrap_or_default()) }
                                td { (c.author.name) }
                                td.num title=(full_date(&c.author.date)) { (ago(&c.author.date)) }
                            }
                        }
                    }
                }
            }
            div.pager {
                @if page_no > 1 { a href=(page_link(page_no - 1)) { "‹ Newer" } }
                @if history.more { a href=(page_link(page_no + 1)) { "Older ›" } }
            }
        }
    };
    Ok(repo_page(&viewer, repo.name(), &[("Commits", None)], body))
}

/// Which page of a diff's files to show (`?files=100`: from the 101st).
#[derive(serde::Deserialize, Default)]
pub struct FilesFrom {
    pub files: Option<usize>,
}

/// One commit: its message, author, parents and unified diff against its first parent.
pub async fn commit(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path((name, id)): Path<(String, String)>,
    Query(at): Query<FilesFrom>,
) -> Result<Response, PageError> {
    let patch = call(
        &ctx,
        &viewer,
        GetCommitPatch {
            repository_name: name.clone(),
            before_commit_id: None,
            commit_id: id.clone(),
            since_merge_base: false,
            first_file: at.files.unwrap_or(0),
        },
    )
    .await?;
    let c = &patch.commit;
    let body = html! {
        h1 { "Commit " code { (&c.commit_id[..8]) } }
        section.card {
            div.body {
                pre.commit-msg data-testid="commit-message" { (c.message.trim_end()) }
                p.meta {
                    strong { (c.author.name) } " <" (c.author.email) "> committed "
                    span title=(full_date(&c.author.date)) { (ago(&c.author.date)) }
                }
                p.meta {
                    "Commit " code { (c.commit_id) }
                    @for p in &c.parents { " · parent " a.mono href=(commit_link(&name, p)) { (&p[..8]) } }
                }
            }
        }
        (patch_view(&patch.patch, &Plain, &|first| format!("{}?files={first}", commit_link(&name, &c.commit_id))))
    };
    Ok(repo_page(
        &viewer,
        &name,
        &[
            ("Commits", Some(commits_link(&name, "", ""))),
            (&c.commit_id[..8], None),
        ],
        body,
    ))
}

/// Branches and tags, with the commits they point at.
pub async fn references(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let repo = Repo::load(&ctx, &viewer, &name).await?;
    let reference = repo.reference(None).unwrap_or_default();
    let table = |rows: &[(String, String)], default: Option<&str>, kind: &str| {
        html! {
            @if rows.is_empty() { p.empty { "No " (kind) "." } }
            @else {
                table data-testid=(kind) {
                    thead { tr { th { "Name" } th { "Commit" } } }
                    tbody {
                        @for (n, id) in rows {
                            tr {
                                td {
                                    a href=(code_link(repo.name(), n, "")) { (n) }
                                    @if Some(n.as_str()) == default { " " span.badge.default { "default" } }
                                }
                                td { a.mono href=(commit_link(repo.name(), id)) { (&id[..8]) } }
                            }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        h1 { (repo.name()) }
        (tabs(&repo, &reference, Tab::Branches))
        section.card {
            header { h2 { "Branches " span.count { "(" (repo.refs.branches.len()) ")" } } }
            (table(&repo.refs.branches, repo.refs.default_branch.as_deref(), "branches"))
        }
        section.card {
            header { h2 { "Tags " span.count { "(" (repo.refs.tags.len()) ")" } } }
            (table(&repo.refs.tags, None, "tags"))
        }
    };
    Ok(repo_page(
        &viewer,
        repo.name(),
        &[("Branches and tags", None)],
        body,
    ))
}
