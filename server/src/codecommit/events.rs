//! The events CodeCommit emits, computed where they happen and queued in the store's outbox
//! in the same transaction (the delivery worker sends them): trigger records for reference
//! changes, and EventBridge events for reference changes, pull requests and comments.
//!
//! Reference changes are found by comparing a repository's branches and tags with the ones
//! recorded when its events were last computed, so every path that moves a ref (git over
//! HTTPS or SSH, CreateCommit, PutFile, merges, branch operations) yields the same events,
//! and a change missed by a crash is found by the next one.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde_json::{Value, json};

use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::triggers::{self, Firing, RefChange, Trigger};
use crate::context::Context;
use crate::store::RepositoryRow;
use crate::store::comments::CommentRow;
use crate::store::events::{self as rows, NewEvent};
use crate::store::now_timestamp;
use crate::store::pull_requests::PullRequestRow;

type Refs = BTreeMap<String, String>;

/// Branches and tags of a repository, each with the commit it names.
fn live_refs(ctx: &Context, row: &RepositoryRow) -> Result<Refs, git2::Error> {
    let dir = ctx.repo_dir(&row.repository_id);
    let repo = git2::Repository::open_bare(dir)?;
    let mut refs = Refs::new();
    for glob in ["refs/heads/*", "refs/tags/*"] {
        for r in repo.references_glob(glob)? {
            let r = r?;
            let (Ok(name), Ok(commit)) = (r.name(), r.peel_to_commit()) else {
                continue;
            };
            refs.insert(name.to_owned(), commit.id().to_string());
        }
    }
    Ok(refs)
}

fn changes(old: &Refs, new: &Refs) -> Vec<RefChange> {
    let mut out = Vec::new();
    for (name, commit) in new {
        if old.get(name) != Some(commit) {
            out.push(RefChange {
                name: name.clone(),
                old: old.get(name).cloned(),
                new: Some(commit.clone()),
            });
        }
    }
    for (name, commit) in old {
        if !new.contains_key(name) {
            out.push(RefChange {
                name: name.clone(),
                old: Some(commit.clone()),
                new: None,
            });
        }
    }
    out
}

/// Records a repository's refs without emitting anything: for repositories that had no
/// snapshot yet (created before this server recorded them).
pub fn seed_snapshots(ctx: &Context) -> Result<usize, String> {
    let ids = ctx
        .store
        .read(rows::repositories_without_snapshot)
        .map_err(|e| e.to_string())?;
    let mut seeded = 0;
    for id in ids {
        let Some(row) = ctx
            .store
            .read(|c| crate::store::repositories::find_repository_by_id(c, &id))
            .map_err(|e| e.to_string())?
        else {
            continue;
        };
        let refs = live_refs(ctx, &row).unwrap_or_default();
        ctx.store
            .write(|c| rows::set_ref_snapshot(c, &id, &json!(refs).to_string()))
            .map_err(|e: rusqlite::Error| e.to_string())?;
        seeded += 1;
    }
    Ok(seeded)
}

/// After refs of `row` may have moved (by `actor`): the changes since the last snapshot
/// become trigger records and EventBridge events in the outbox, and the snapshot moves on,
/// in one transaction. Returns how many events were queued.
pub fn reference_changes(ctx: &Context, row: &RepositoryRow, actor: &str) -> Result<usize, E> {
    let queued = ctx.store.write(|c| {
        // Read under the writer, so concurrent pushes see snapshots in order.
        let live = live_refs(ctx, row).map_err(|e| E::internal(format!("listing refs: {e}")))?;
        let old: Refs = rows::ref_snapshot(c, &row.repository_id)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let changed = changes(&old, &live);
        if changed.is_empty() {
            return Ok::<_, E>(0);
        }
        rows::set_ref_snapshot(c, &row.repository_id, &json!(live).to_string())?;
        Ok(queue_for_changes(c, row, actor, &changed)?)
    })?;
    if queued > 0 {
        ctx.events_queued.notify_one();
    }
    Ok(queued)
}

fn queue_for_changes(
    c: &Connection,
    row: &RepositoryRow,
    actor: &str,
    changed: &[RefChange],
) -> rusqlite::Result<usize> {
    let now = now_timestamp();
    let mut queued = 0;
    if let Some((configuration_id, list)) = configured_triggers(c, &row.repository_id)? {
        for t in &list {
            let fired: Vec<&RefChange> = changed.iter().filter(|ch| t.fires_for(ch)).collect();
            if fired.is_empty() {
                continue;
            }
            let firing = Firing {
                repository: row,
                configuration_id: &configuration_id,
                trigger: t,
                actor,
                event_name: "ReferenceChanges",
            };
            queued += queue_trigger(c, row, t, &triggers::records(&firing, &fired), &now)?;
        }
    }
    for ch in changed {
        let event = match (&ch.old, &ch.new) {
            (None, _) => "referenceCreated",
            (_, None) => "referenceDeleted",
            _ => "referenceUpdated",
        };
        let (kind, short) = match ch.name.strip_prefix("refs/heads/") {
            Some(b) => ("branch", b),
            None => ("tag", ch.name.trim_start_matches("refs/tags/")),
        };
        let mut detail = json!({
            "callerUserArn": actor,
            "event": event,
            "referenceFullName": ch.name,
            "referenceName": short,
            "referenceType": kind,
            "repositoryId": row.repository_id,
            "repositoryName": row.name,
        });
        if let Some(new) = &ch.new {
            detail["commitId"] = json!(new);
        }
        if let Some(old) = &ch.old {
            detail["oldCommitId"] = json!(old);
        }
        queue_eventbridge(
            c,
            &Source::of(row),
            "CodeCommit Repository State Change",
            detail,
            &now,
        )?;
        queued += 1;
    }
    Ok(queued)
}

/// A repository's configuration ID and triggers, if it has any.
pub fn configured_triggers(
    c: &Connection,
    repository_id: &str,
) -> rusqlite::Result<Option<(String, Vec<Trigger>)>> {
    Ok(rows::triggers(c, repository_id)?
        .map(|(id, json)| (id, serde_json::from_str(&json).unwrap_or_default())))
}

fn queue_trigger(
    c: &Connection,
    row: &RepositoryRow,
    t: &Trigger,
    bodies: &[String],
    now: &str,
) -> rusqlite::Result<usize> {
    let arn = t.destination_arn.as_deref().unwrap_or_default();
    let kind = triggers::destination(arn, &row.region)
        .map(|s| s.kind())
        .unwrap_or("sns");
    for body in bodies {
        rows::enqueue(
            c,
            &NewEvent {
                repository_id: &row.repository_id,
                repository_name: &row.name,
                kind,
                destination: arn,
                label: t.name.as_deref().unwrap_or_default(),
                body,
            },
            now,
        )?;
    }
    Ok(bodies.len())
}

/// The default event bus of an account and region: where CodeCommit's events go.
pub fn default_bus(region: &str, account: &str) -> String {
    format!("arn:aws:events:{region}:{account}:event-bus/default")
}

/// The repository an EventBridge event is about: what its envelope and outbox row name.
struct Source<'a> {
    repository_id: &'a str,
    name: &'a str,
    account_id: &'a str,
    region: &'a str,
}

impl<'a> Source<'a> {
    fn of(row: &'a RepositoryRow) -> Self {
        Source {
            repository_id: &row.repository_id,
            name: &row.name,
            account_id: &row.account_id,
            region: &row.region,
        }
    }
}

/// An EventBridge event as a rule's target receives it.
fn envelope(source: &Source<'_>, detail_type: &str, detail: Value) -> Value {
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": detail_type,
        "source": "aws.codecommit",
        "account": source.account_id,
        "time": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": source.region,
        "resources": [format!(
            "arn:aws:codecommit:{}:{}:{}",
            source.region, source.account_id, source.name
        )],
        "detail": detail,
    })
}

fn queue_eventbridge(
    c: &Connection,
    source: &Source<'_>,
    detail_type: &str,
    detail: Value,
    now: &str,
) -> rusqlite::Result<i64> {
    let body = envelope(source, detail_type, detail).to_string();
    rows::enqueue(
        c,
        &NewEvent {
            repository_id: source.repository_id,
            repository_name: source.name,
            kind: "eventbridge",
            destination: &default_bus(source.region, source.account_id),
            label: detail_type,
            body: &body,
        },
        now,
    )
}

/// CodeCommit's name in pull request events for one of its event types.
fn pull_request_event_name(event_type: &str) -> &'static str {
    match event_type {
        "PULL_REQUEST_CREATED" => "pullRequestCreated",
        "PULL_REQUEST_SOURCE_REFERENCE_UPDATED" => "pullRequestSourceBranchUpdated",
        "PULL_REQUEST_STATUS_CHANGED" => "pullRequestStatusChanged",
        "PULL_REQUEST_MERGE_STATE_CHANGED" => "pullRequestMergeStatusUpdated",
        "PULL_REQUEST_APPROVAL_RULE_CREATED" => "pullRequestApprovalRuleCreated",
        "PULL_REQUEST_APPROVAL_RULE_UPDATED" => "pullRequestApprovalRuleUpdated",
        "PULL_REQUEST_APPROVAL_RULE_DELETED" => "pullRequestApprovalRuleDeleted",
        "PULL_REQUEST_APPROVAL_RULE_OVERRIDDEN" => "pullRequestApprovalRuleOverridden",
        "PULL_REQUEST_APPROVAL_STATE_CHANGED" => "pullRequestApprovalStateChanged",
        _ => "pullRequestUpdated",
    }
}

/// "CodeCommit Pull Request State Change" for an event of `p` (its state after it).
pub fn pull_request(
    c: &Connection,
    p: &PullRequestRow,
    event_type: &str,
    actor: &str,
) -> rusqlite::Result<()> {
    let source = Source {
        repository_id: &p.repository_id,
        name: &p.repository_name,
        account_id: &p.account_id,
        region: &p.region,
    };
    let event = pull_request_event_name(event_type);
    let detail = json!({
        "author": p.author_arn,
        "callerUserArn": actor,
        "creationDate": p.created_at,
        "description": p.description,
        "destinationCommit": p.destination_commit,
        "destinationReference": p.destination_reference,
        "event": event,
        "isMerged": if p.is_merged { "True" } else { "False" },
        "lastModifiedDate": p.last_activity_at,
        "notificationBody": format!(
            "A pull request event occurred in the following AWS CodeCommit repository: {}. User: {actor}. Event: {event}. Pull request name: {}. Additional information: The title of the pull request is: {}.",
            p.repository_name, p.pull_request_id, p.title
        ),
        "pullRequestId": p.pull_request_id.to_string(),
        "pullRequestStatus": if p.status == "OPEN" { "Open" } else { "Closed" },
        "repositoryNames": [p.repository_name],
        "revisionId": p.revision_id,
        "sourceCommit": p.source_commit,
        "sourceReference": p.source_reference,
        "title": p.title,
    });
    queue_eventbridge(
        c,
        &source,
        "CodeCommit Pull Request State Change",
        detail,
        &now_timestamp(),
    )?;
    Ok(())
}

/// "CodeCommit Comment on Pull Request" / "… on Commit" for a new or changed comment.
pub fn comment(
    c: &Connection,
    comment: &CommentRow,
    repository_name: &str,
    created: bool,
    actor: &str,
) -> rusqlite::Result<()> {
    let source = Source {
        repository_id: &comment.repository_id,
        name: repository_name,
        account_id: &comment.account_id,
        region: &comment.region,
    };
    let (detail_type, on) = match comment.pull_request_id {
        Some(_) => ("CodeCommit Comment on Pull Request", "PullRequest"),
        None => ("CodeCommit Comment on Commit", "Commit"),
    };
    let event = format!(
        "commentOn{on}{}",
        if created { "Created" } else { "Updated" }
    );
    let mut detail = json!({
        "afterCommitId": comment.after_commit_id,
        "beforeCommitId": comment.before_commit_id,
        "callerUserArn": actor,
        "commentId": comment.comment_id,
        "event": event,
        "notificationBody": format!(
            "A comment event occurred in the following AWS CodeCommit repository: {repository_name}. The user: {actor} made a comment or replied to a comment. The comment was made on the following comparison: {}..{}.",
            comment.before_commit_id.as_deref().unwrap_or_default(), comment.after_commit_id
        ),
        "repositoryId": comment.repository_id,
        "repositoryName": repository_name,
    });
    if let Some(id) = comment.pull_request_id {
        detail["pullRequestId"] = json!(id.to_string());
    }
    if let Some(parent) = &comment.in_reply_to {
        detail["inReplyTo"] = json!(parent);
    }
    queue_eventbridge(c, &source, detail_type, detail, &now_timestamp())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_creations_updates_and_deletions() {
        let old: Refs = [("refs/heads/a", "1"), ("refs/heads/b", "2")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let new: Refs = [("refs/heads/a", "3"), ("refs/tags/t", "1")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let got = changes(&old, &new);
        assert_eq!(got.len(), 3);
        assert_eq!(
            (got[0].old.as_deref(), got[0].new.as_deref()),
            (Some("1"), Some("3"))
        );
        assert_eq!(
            (got[1].name.as_str(), got[1].old.as_deref()),
            ("refs/tags/t", None)
        );
        assert_eq!(
            (got[2].name.as_str(), got[2].new.as_deref()),
            ("refs/heads/b", None)
        );
    }
}
