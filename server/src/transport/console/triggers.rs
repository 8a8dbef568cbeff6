//! A repository's triggers (add, delete, test) and the log of its events leaving the server:
//! each trigger record and EventBridge event, where it went and what became of it.

use crate::transport::console::repo::repo_page;
use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::layout::csrf;
use super::repo::{Repo, Tab, repo_link, tabs};
use super::{CheckedForm, PageError, Viewer, call, checked, see_other};
use crate::codecommit::ops::browse::{Delivery, GetEventDeliveries};
use crate::codecommit::ops::triggers::{
    GetRepositoryTriggers, PutRepositoryTriggers, TestRepositoryTriggers,
};
use crate::codecommit::triggers::Trigger;
use crate::transport::state::TransportState;

/// Events per log page.
const LOG_PAGE: i64 = 50;
const EVENTS: [(&str, &str); 4] = [
    ("all", "All repository events"),
    ("updateReference", "Push to existing branch"),
    ("createReference", "Create branch or tag"),
    ("deleteReference", "Delete branch or tag"),
];

fn triggers_link(name: &str) -> String {
    format!("{}/triggers", repo_link(name))
}

#[derive(serde::Deserialize, Default)]
pub struct LogPage {
    before: Option<i64>,
}

pub async fn show(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path(name): Path<String>,
    Query(q): Query<LogPage>,
) -> Result<Response, PageError> {
    render(&ctx, &viewer, &name, q.before, None, StatusCode::OK).await
}

fn delivery_row(d: &Delivery) -> Markup {
    let state_class = match d.state.as_str() {
        "delivered" => "badge open",
        "pending" => "badge",
        _ => "badge closed",
    };
    html! {
        tr {
            td.num { (d.seq) }
            td { (d.label) br; span.meta { (d.kind) " → " code { (d.destination) } } }
            td { span class=(state_class) { (d.state) } }
            td.num { (d.attempts) }
            td.num { (d.created_at) }
            td {
                @if let Some(e) = &d.last_error { span.minus { (e) } }
                details { summary { "Body" } pre.body { (d.body) } }
            }
        }
    }
}

async fn render(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    name: &str,
    before: Option<i64>,
    notice: Option<Markup>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let repo = Repo::load(ctx, viewer, name).await?;
    let triggers = call(
        ctx,
        viewer,
        GetRepositoryTriggers {
            repository_name: Some(name.to_owned()),
        },
    )
    .await?
    .triggers;
    let log = call(
        ctx,
        viewer,
        GetEventDeliveries {
            repository_name: name.to_owned(),
            before,
            limit: LOG_PAGE,
        },
    )
    .await?;
    let may_edit = viewer.may(ctx, "codecommit:PutRepositoryTriggers", &repo.meta.arn);
    let may_test = viewer.may(ctx, "codecommit:TestRepositoryTriggers", &repo.meta.arn);
    let reference = repo.reference(None).unwrap_or_default();
    let link = triggers_link(name);
    let body = html! {
        h1 { (name) }
        (tabs(&repo, &reference, Tab::Triggers))
        @if let Some(n) = notice { (n) }
        section.card {
            header {
                h2 { "Triggers " span.count { "(" (triggers.len()) ")" } }
                @if may_test && !triggers.is_empty() {
                    form.inline method="post" action=(link) {
                        (csrf(viewer))
                        input type="hidden" name="op" value="test";
                        button.btn type="submit" data-testid="test-triggers" { "Test triggers" }
                    }
                }
            }
            @if triggers.is_empty() { p.empty { "No triggers." } }
            @else {
                (triggers_table(viewer, &triggers, &link, may_edit))
            }
        }
        @if may_edit {
            (add_trigger_form(viewer, &link))
        }
        section.card {
            header { h2 { "Event delivery log" } }
            @if log.is_empty() { p.empty { "No events yet: pushes, branch changes and pull request activity queue them." } }
            @else {
                table data-testid="deliveries" {
                    thead { tr { th { "#" } th { "Event" } th { "State" } th { "Attempts" } th { "Queued" } th { "Detail" } } }
                    tbody { @for d in &log { (delivery_row(d)) } }
                }
            }
            @if log.len() as i64 == LOG_PAGE {
                @if let Some(last) = log.last() {
                    div.pager { a.btn href={(link) "?before=" (last.seq)} { "Older events" } }
                }
            }
        }
    };
    let mut response = repo_page(viewer, name, &[("Triggers", None)], body);
    *response.status_mut() = status;
    Ok(response)
}

/// The repository's triggers, each with a delete button when the viewer may edit them.
fn triggers_table(viewer: &Viewer, triggers: &[Trigger], link: &str, may_edit: bool) -> Markup {
    html! {
        table data-testid="triggers" {
            thead { tr { th { "Name" } th { "Destination" } th { "Events" } th { "Branches" } th {} } }
            tbody {
                @for t in triggers {
                    tr {
                        td { (t.name.as_deref().unwrap_or_default()) }
                        td { code { (t.destination_arn.as_deref().unwrap_or_default()) } }
                        td { (t.events.as_deref().unwrap_or_default().join(", ")) }
                        td { @match t.branches.as_deref() { Some(b) if !b.is_empty() => (b.join(", ")), _ => "All branches" } }
                        td {
                            @if may_edit {
                                form.inline method="post" action=(link) {
                                    (csrf(viewer))
                                    input type="hidden" name="op" value="delete";
                                    input type="hidden" name="trigger" value=(t.name.as_deref().unwrap_or_default());
                                    button.link.dark type="submit" { "Delete" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The form that creates a trigger.
fn add_trigger_form(viewer: &Viewer, link: &str) -> Markup {
    html! {
        section.card #add-trigger {
            header { h2 { "Create trigger" } }
            div.body {
                form method="post" action=(link) {
                    (csrf(viewer))
                    input type="hidden" name="op" value="add";
                    label for="trigger-name" { "Trigger name" }
                    input #trigger-name type="text" name="trigger" required maxlength="100";
                    label for="destination" { "Destination ARN (an SNS topic or a Lambda function)" }
                    input #destination type="text" name="destination" required placeholder="arn:aws:sns:us-east-1:123456789012:topic";
                    fieldset {
                        legend { "Events" }
                        @for (value, label) in EVENTS {
                            label.radio { input type="checkbox" name=(format!("event-{value}")) value="1" checked[value == "all"]; " " (label) }
                        }
                    }
                    label for="branches" { "Branches (optional, comma-separated; none means all)" }
                    input #branches type="text" name="branches";
                    label for="custom-data" { "Custom data (optional)" }
                    input #custom-data type="text" name="custom_data" maxlength="1000";
                    div.submit { button.btn.primary type="submit" { "Create trigger" } }
                }
            }
        }
    }
}

/// The trigger the add form describes.
fn trigger_of(form: &CheckedForm) -> Trigger {
    let events: Vec<String> = EVENTS
        .iter()
        .filter(|(v, _)| form.get(&format!("event-{v}")).is_some())
        .map(|(v, _)| (*v).to_owned())
        .collect();
    let branches: Vec<String> = form
        .get("branches")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_owned)
        .collect();
    Trigger {
        name: form.get("trigger").map(str::to_owned),
        destination_arn: form.get("destination").map(str::to_owned),
        custom_data: form.get("custom_data").map(str::to_owned),
        branches: Some(branches),
        events: Some(events),
    }
}

/// Add, delete (PutRepositoryTriggers with the whole new list, as the console does) or test.
pub async fn act(
    State(ctx): State<Arc<TransportState>>,
    viewer: Viewer,
    Path(name): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let form = checked(&viewer, form)?;
    let current = || async {
        call(
            &ctx,
            &viewer,
            GetRepositoryTriggers {
                repository_name: Some(name.clone()),
            },
        )
        .await
        .map(|t| t.triggers)
    };
    let put = |triggers: Vec<Trigger>| PutRepositoryTriggers {
        repository_name: Some(name.clone()),
        triggers: Some(triggers),
    };
    let done: Result<Option<Markup>, PageError> = match form.get("op") {
        Some("add") => match current().await {
            Ok(mut all) => {
                all.push(trigger_of(&form));
                call(&ctx, &viewer, put(all)).await.map(|_| None)
            }
            Err(e) => Err(e),
        },
        Some("delete") => match current().await {
            Ok(mut all) => {
                all.retain(|t| t.name.as_deref() != form.get("trigger"));
                call(&ctx, &viewer, put(all)).await.map(|_| None)
            }
            Err(e) => Err(e),
        },
        Some("test") => match current().await {
            Ok(all) => call(&ctx, &viewer, TestRepositoryTriggers(put(all)))
                .await
                .map(|out| {
                    Some(html! {
                        div.flash.info role="status" data-testid="test-result" {
                            strong { "Test results" }
                            @for t in &out.successful_executions { p { (t) ": " span.plus { "delivered" } } }
                            @for f in &out.failed_executions { p { (f.trigger) ": " span.minus { (f.failure_message) } } }
                        }
                    })
                }),
            Err(e) => Err(e),
        },
        _ => Err(PageError::bad_request("Unknown action.")),
    };
    match done {
        Ok(None) => Ok(see_other(&triggers_link(&name))),
        Ok(Some(shown)) => render(&ctx, &viewer, &name, None, Some(shown), StatusCode::OK).await,
        Err(e) => {
            e.shown_on(|n, status| render(&ctx, &viewer, &name, None, Some(n), status))
                .await
        }
    }
}
