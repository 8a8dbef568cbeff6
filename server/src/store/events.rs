//! Rows of the event machinery: repository triggers, the refs each repository had when its
//! events were last computed, and the outbox of events waiting to leave the server.

use rusqlite::{Connection, OptionalExtension, Row, params};

/// A repository's triggers as stored: the configuration ID and the JSON list.
pub fn triggers(c: &Connection, repository_id: &str) -> rusqlite::Result<Option<(String, String)>> {
    c.prepare_cached(
        "SELECT configuration_id, triggers FROM repository_triggers WHERE repository_id = ?1",
    )?
    .query_row([repository_id], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

pub fn set_triggers(
    c: &Connection,
    repository_id: &str,
    configuration_id: &str,
    triggers: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO repository_triggers (repository_id, configuration_id, triggers)
         VALUES (?1, ?2, ?3)
         ON CONFLICT (repository_id) DO UPDATE SET configuration_id = ?2, triggers = ?3",
        params![repository_id, configuration_id, triggers],
    )?;
    Ok(())
}

/// The refs recorded for a repository (JSON object ref → commit), if any.
pub fn ref_snapshot(c: &Connection, repository_id: &str) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT refs FROM ref_snapshots WHERE repository_id = ?1")?
        .query_row([repository_id], |r| r.get(0))
        .optional()
}

pub fn set_ref_snapshot(c: &Connection, repository_id: &str, refs: &str) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO ref_snapshots (repository_id, refs) VALUES (?1, ?2)
         ON CONFLICT (repository_id) DO UPDATE SET refs = ?2",
    )?
    .execute(params![repository_id, refs])?;
    Ok(())
}

/// Repositories that have no ref snapshot yet.
pub fn repositories_without_snapshot(c: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = c.prepare(
        "SELECT repository_id FROM repositories
         WHERE repository_id NOT IN (SELECT repository_id FROM ref_snapshots)",
    )?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// An event to deliver (or delivered, or given up on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub seq: i64,
    pub repository_id: String,
    pub repository_name: String,
    /// `sns`, `lambda` or `eventbridge`.
    pub kind: String,
    pub destination: String,
    pub label: String,
    pub body: String,
    pub state: String,
    pub attempts: i64,
    pub created_at: String,
    pub next_attempt_at: String,
    pub last_attempt_at: Option<String>,
    pub last_error: Option<String>,
}

const COLUMNS: &str = "seq, repository_id, repository_name, kind, destination, label, body, \
     state, attempts, created_at, next_attempt_at, last_attempt_at, last_error";

impl OutboxRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(OutboxRow {
            seq: r.get(0)?,
            repository_id: r.get(1)?,
            repository_name: r.get(2)?,
            kind: r.get(3)?,
            destination: r.get(4)?,
            label: r.get(5)?,
            body: r.get(6)?,
            state: r.get(7)?,
            attempts: r.get(8)?,
            created_at: r.get(9)?,
            next_attempt_at: r.get(10)?,
            last_attempt_at: r.get(11)?,
            last_error: r.get(12)?,
        })
    }
}

/// What to queue: where it goes and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent<'a> {
    pub repository_id: &'a str,
    pub repository_name: &'a str,
    pub kind: &'a str,
    pub destination: &'a str,
    pub label: &'a str,
    pub body: &'a str,
}

pub fn enqueue(c: &Connection, e: &NewEvent<'_>, now: &str) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "INSERT INTO event_outbox (repository_id, repository_name, kind, destination, label, body,
           created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
    )?
    .execute(params![
        e.repository_id,
        e.repository_name,
        e.kind,
        e.destination,
        e.label,
        e.body,
        now
    ])?;
    Ok(c.last_insert_rowid())
}

/// Each repository's oldest pending event, if it is due at `now`, oldest first.
pub fn due(c: &Connection, now: &str, limit: i64) -> rusqlite::Result<Vec<OutboxRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM event_outbox
         WHERE seq IN (SELECT min(seq) FROM event_outbox WHERE state = 'pending'
                       GROUP BY repository_id)
           AND next_attempt_at <= ?1
         ORDER BY seq LIMIT ?2"
    ))?;
    stmt.query_map(params![now, limit], OutboxRow::from_row)?
        .collect()
}

/// When the next pending event is due, if any is pending.
pub fn next_due(c: &Connection) -> rusqlite::Result<Option<String>> {
    c.prepare_cached(
        "SELECT min(next_attempt_at) FROM event_outbox
         WHERE seq IN (SELECT min(seq) FROM event_outbox WHERE state = 'pending'
                       GROUP BY repository_id)",
    )?
    .query_row([], |r| r.get(0))
}

/// Records an attempt: `state` is `delivered`, `dropped` or (to try again at `next`)
/// `pending`.
pub fn attempted(
    c: &Connection,
    seq: i64,
    state: &str,
    now: &str,
    next: &str,
    error: Option<&str>,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE event_outbox SET state = ?2, attempts = attempts + 1, last_attempt_at = ?3,
           next_attempt_at = ?4, last_error = ?5
         WHERE seq = ?1",
    )?
    .execute(params![seq, state, now, next, error])?;
    Ok(())
}

/// The newest events, newest first (the event log).
pub fn recent(c: &Connection, limit: i64) -> rusqlite::Result<Vec<OutboxRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM event_outbox ORDER BY seq DESC LIMIT ?1"
    ))?;
    stmt.query_map([limit], OutboxRow::from_row)?.collect()
}

/// One repository's newest events, newest first: the page after `before` (a `seq`).
pub fn recent_for(
    c: &Connection,
    repository_id: &str,
    before: Option<i64>,
    limit: i64,
) -> rusqlite::Result<Vec<OutboxRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM event_outbox WHERE repository_id = ?1 AND seq < ?2 \
         ORDER BY seq DESC LIMIT ?3"
    ))?;
    stmt.query_map(
        rusqlite::params![repository_id, before.unwrap_or(i64::MAX), limit],
        OutboxRow::from_row,
    )?
    .collect()
}

/// Drops every pending event to `destination`, which nothing receives: one statement, not
/// one attempt each. Returns how many were dropped.
pub fn drop_pending_to(
    c: &Connection,
    destination: &str,
    now: &str,
    error: &str,
) -> rusqlite::Result<usize> {
    c.prepare_cached(
        "UPDATE event_outbox SET state = 'dropped', attempts = attempts + 1,
           last_attempt_at = ?2, next_attempt_at = ?2, last_error = ?3
         WHERE state = 'pending' AND destination = ?1",
    )?
    .execute(params![destination, now, error])
}

/// Forgets finished events created before `before`, and all but the newest `keep` finished
/// ones, so the event log stays bounded however busy the server is.
pub fn prune(c: &Connection, before: &str, keep: i64) -> rusqlite::Result<usize> {
    let old = c.execute(
        "DELETE FROM event_outbox WHERE state != 'pending' AND created_at < ?1",
        [before],
    )?;
    let over = c.execute(
        "DELETE FROM event_outbox WHERE state != 'pending' AND seq <= (
           SELECT seq FROM event_outbox WHERE state != 'pending'
           ORDER BY seq DESC LIMIT 1 OFFSET ?1)",
        [keep],
    )?;
    Ok(old + over)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn queue(c: &Connection, destination: &str, at: &str) {
        let e = NewEvent {
            repository_id: "r",
            repository_name: "r",
            kind: "eventbridge",
            destination,
            label: "l",
            body: "{}",
        };
        enqueue(c, &e, at).unwrap();
    }

    fn states(c: &Connection) -> Vec<(String, String)> {
        let mut s = c
            .prepare("SELECT destination, state FROM event_outbox ORDER BY seq")
            .unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn unrouted_events_drop_together_and_the_log_stays_bounded() {
        let store = Store::open_in_memory().unwrap();
        store
            .write(|c| {
                for i in 0..5 {
                    queue(c, "a", &format!("2026-01-0{}T00:00:00.000Z", i + 1));
                }
                queue(c, "b", "2026-01-06T00:00:00.000Z");
                assert_eq!(drop_pending_to(c, "a", "2026-01-07T00:00:00.000Z", "x")?, 5);
                assert_eq!(drop_pending_to(c, "a", "2026-01-07T00:00:00.000Z", "x")?, 0);
                // Keep the newest 3 finished ones; the pending one is never pruned.
                assert_eq!(prune(c, "2000-01-01T00:00:00.000Z", 3)?, 2);
                let mut expect = vec![("a".to_owned(), "dropped".to_owned()); 3];
                expect.push(("b".into(), "pending".into()));
                assert_eq!(states(c), expect);
                // By age: everything finished before the cut-off goes.
                assert_eq!(prune(c, "2026-01-05T00:00:00.000Z", 3)?, 2);
                assert_eq!(prune(c, "2030-01-01T00:00:00.000Z", 3)?, 1);
                assert_eq!(states(c), vec![("b".into(), "pending".into())]);
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }
}
