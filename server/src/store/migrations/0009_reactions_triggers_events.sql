-- Reactions to comments (one per user and comment), repository triggers, the refs each
-- repository had when its events were last computed, and the durable outbox of events.

CREATE TABLE comment_reactions (
    comment_id  TEXT NOT NULL REFERENCES comments (comment_id) ON DELETE CASCADE,
    user_arn    TEXT NOT NULL,
    short_code  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (comment_id, user_arn)
) STRICT;

-- A repository's triggers are replaced as a whole (PutRepositoryTriggers): one JSON list.
CREATE TABLE repository_triggers (
    repository_id    TEXT PRIMARY KEY REFERENCES repositories (repository_id) ON DELETE CASCADE,
    configuration_id TEXT NOT NULL,
    triggers         TEXT NOT NULL
) STRICT;

-- refs/heads/* and refs/tags/* → commit, as of the last reference-change event computed.
CREATE TABLE ref_snapshots (
    repository_id TEXT PRIMARY KEY REFERENCES repositories (repository_id) ON DELETE CASCADE,
    refs          TEXT NOT NULL
) STRICT;

-- Events waiting to leave the server, and what became of them. Delivered in `seq` order per
-- repository; a failing head holds back the later events of its repository.
CREATE TABLE event_outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id   TEXT NOT NULL,
    repository_name TEXT NOT NULL,
    kind            TEXT NOT NULL,   -- sns | lambda | eventbridge
    destination     TEXT NOT NULL,   -- the target ARN
    label           TEXT NOT NULL,   -- trigger name or EventBridge detail-type
    body            TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | dropped
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_attempt_at TEXT,
    last_error      TEXT
) STRICT;
CREATE INDEX event_outbox_pending ON event_outbox (state, repository_id, seq);
