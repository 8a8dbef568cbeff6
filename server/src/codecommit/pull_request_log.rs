//! A pull request's event log and state checks, below both the pull requests and their
//! approvals: each event is written beside the change that made it and queued as a
//! "CodeCommit Pull Request State Change" event in the same transaction.

use serde_json::Value;

use crate::codecommit::error::CodeCommitError as E;
use crate::store::now_timestamp;
use crate::store::pull_requests::{self as rows, EventRow, PullRequestRow};

/// A pull request's status.
pub const OPEN: &str = "OPEN";
pub const CLOSED: &str = "CLOSED";

/// Records an event of `p`; `member` is the metadata member CodeCommit names for its type.
pub fn record(
    c: &rusqlite::Connection,
    p: &PullRequestRow,
    event_type: &str,
    actor: &str,
    metadata: Value,
) -> rusqlite::Result<()> {
    rows::insert_event(
        c,
        p,
        &EventRow {
            pull_request_id: p.pull_request_id,
            event_type: event_type.to_owned(),
            actor_arn: actor.to_owned(),
            event_date: now_timestamp(),
            metadata: metadata.to_string(),
        },
    )?;
    crate::codecommit::events::pull_request(c, p, event_type, actor)
}

/// CodeCommit's PullRequestAlreadyClosedException unless `p` is open.
pub fn require_open(p: &PullRequestRow) -> Result<(), E> {
    if p.status != OPEN {
        return Err(E::pull_request_already_closed(p.pull_request_id));
    }
    Ok(())
}
