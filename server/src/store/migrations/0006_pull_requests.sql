-- Pull requests: IDs sequential per account and region, as on AWS; each tracks one source
-- and one destination branch of a repository, and its events.

CREATE TABLE pull_request_counters (
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    region     TEXT NOT NULL,
    last_id    INTEGER NOT NULL,
    PRIMARY KEY (account_id, region)
) STRICT;

CREATE TABLE pull_requests (
    account_id            TEXT NOT NULL REFERENCES accounts (account_id),
    region                TEXT NOT NULL,
    pull_request_id       INTEGER NOT NULL,
    repository_id         TEXT NOT NULL REFERENCES repositories (repository_id) ON DELETE CASCADE,
    title                 TEXT NOT NULL,
    description           TEXT,
    status                TEXT NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
    author_arn            TEXT NOT NULL,
    client_request_token  TEXT,
    -- What the creating request asked for, to tell a retry from a different request with
    -- the same token.
    request_digest        TEXT,
    revision_id           TEXT NOT NULL,
    source_reference      TEXT NOT NULL,
    destination_reference TEXT NOT NULL,
    source_commit         TEXT NOT NULL,
    destination_commit    TEXT NOT NULL,
    merge_base            TEXT,
    is_merged             INTEGER NOT NULL DEFAULT 0,
    merged_by             TEXT,
    merge_commit_id       TEXT,
    merge_option          TEXT,
    created_at            TEXT NOT NULL,
    last_activity_at      TEXT NOT NULL,
    PRIMARY KEY (account_id, region, pull_request_id)
) STRICT;
CREATE INDEX pull_requests_repository ON pull_requests (repository_id, status);
CREATE UNIQUE INDEX pull_requests_token
    ON pull_requests (account_id, region, client_request_token)
    WHERE client_request_token IS NOT NULL;

CREATE TABLE pull_request_events (
    event_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      TEXT NOT NULL,
    region          TEXT NOT NULL,
    pull_request_id INTEGER NOT NULL,
    event_type      TEXT NOT NULL,
    actor_arn       TEXT NOT NULL,
    event_date      TEXT NOT NULL,
    -- The event's metadata member, as CodeCommit names it, in JSON.
    metadata        TEXT NOT NULL,
    FOREIGN KEY (account_id, region, pull_request_id)
        REFERENCES pull_requests (account_id, region, pull_request_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX pull_request_events_pr ON pull_request_events (account_id, region, pull_request_id);
