//! The console's page shell (header, navigation, breadcrumbs), its stylesheet and the
//! pieces every page uses (error page, forms with their CSRF token, relative times).

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::{PageError, Viewer};

const STYLESHEET: &str = include_str!("console.css");

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// Which navigation entry a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Repositories,
    Iam,
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " | CodeCommit local" }
            link rel="stylesheet" href="/console/assets/console.css";
        }
    }
}

/// A whole page for a signed-in viewer: `crumbs` are (label, link) pairs, the last one the
/// page itself.
pub fn page(
    viewer: &Viewer,
    section: Section,
    crumbs: &[(&str, Option<String>)],
    body: Markup,
) -> Response {
    let title = crumbs.last().map(|c| c.0).unwrap_or("Console");
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header.topbar {
                    a.brand href="/console/repositories" { span.logo { "◆" } " CodeCommit " span.local { "local" } }
                    div.who {
                        span.account { "Account " (viewer.principal.account_id) }
                        span.user data-testid="signed-in-user" { (viewer.user_name()) }
                        form method="post" action="/console/signout" {
                            (csrf(viewer))
                            button.link type="submit" { "Sign out" }
                        }
                    }
                }
                div.frame {
                    nav.side {
                        h2 { "Developer Tools" }
                        p.group { "CodeCommit" }
                        a.active[section == Section::Repositories] href="/console/repositories" { "Repositories" }
                        p.group { "IAM" }
                        a.active[section == Section::Iam] href="/console/iam/users" { "Users" }
                    }
                    main {
                        ol.crumbs {
                            @for (label, link) in crumbs {
                                li {
                                    @match link {
                                        Some(href) => a href=(href) { (label) },
                                        None => span { (label) },
                                    }
                                }
                            }
                        }
                        (body)
                    }
                }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// A page without a signed-in viewer (sign-in, errors before a session).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body.bare {
                header.topbar {
                    a.brand href="/console/repositories" { span.logo { "◆" } " CodeCommit " span.local { "local" } }
                }
                main.narrow { (body) }
            }
        }
    }
}

/// The hidden field every form posts back.
pub fn csrf(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="_csrf" value=(viewer.csrf_token.expose()); }
}

/// A message box: `kind` is `error`, `success` or `info`.
pub fn flash(kind: &str, title: &str, text: &str) -> Markup {
    html! {
        div class={"flash " (kind)} role="alert" {
            strong { (title) }
            @if !text.is_empty() { p { (text) } }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = match self.status {
            StatusCode::FORBIDDEN => "Access denied",
            StatusCode::NOT_FOUND => "Not found",
            s if s.is_client_error() => "The request was not accepted",
            _ => "Something went wrong",
        };
        let body = bare(
            title,
            html! {
                h1 { (title) }
                div.flash.error role="alert" data-testid="error" {
                    strong { (self.code) }
                    p { (self.message) }
                }
                p { a href="/console/repositories" { "Back to repositories" } }
            },
        );
        (self.status, Html(body.into_string())).into_response()
    }
}

/// "3 minutes ago" for a git date (`<unix seconds> <±hhmm>`).
pub fn ago(git_date: &str) -> String {
    let Some(secs) = git_date
        .split_whitespace()
        .next()
        .and_then(|s| s.parse::<i64>().ok())
    else {
        return git_date.to_owned();
    };
    let delta = chrono::Utc::now().timestamp() - secs;
    let (n, unit) = match delta {
        d if d < 60 => return "just now".into(),
        d if d < 3600 => (d / 60, "minute"),
        d if d < 86_400 => (d / 3600, "hour"),
        d if d < 86_400 * 30 => (d / 86_400, "day"),
        d if d < 86_400 * 365 => (d / (86_400 * 30), "month"),
        d => (d / (86_400 * 365), "year"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// The date itself, for a tooltip: `2026-12-02 14:03 UTC`.
pub fn full_date(git_date: &str) -> String {
    git_date
        .split_whitespace()
        .next()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// [`ago`] for the API's epoch seconds (CodeCommit's dates).
pub fn ago_epoch(epoch: f64) -> String {
    ago(&format!("{} +0000", epoch as i64))
}
