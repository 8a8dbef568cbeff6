-- Comments on compared commits and on pull requests; a reply carries its thread's place.

CREATE TABLE comments (
    comment_id            TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL,
    region                TEXT NOT NULL,
    repository_id         TEXT NOT NULL REFERENCES repositories (repository_id) ON DELETE CASCADE,
    pull_request_id       INTEGER,
    before_commit_id      TEXT,
    after_commit_id       TEXT NOT NULL,
    before_blob_id        TEXT,
    after_blob_id         TEXT,
    file_path             TEXT,
    file_position         INTEGER,
    relative_file_version TEXT,
    in_reply_to           TEXT REFERENCES comments (comment_id) ON DELETE CASCADE,
    content               TEXT,
    deleted               INTEGER NOT NULL DEFAULT 0,
    author_arn            TEXT NOT NULL,
    client_request_token  TEXT,
    request_digest        TEXT,
    created_at            TEXT NOT NULL,
    last_modified_at      TEXT NOT NULL
) STRICT;
CREATE INDEX comments_commits ON comments (repository_id, after_commit_id);
CREATE INDEX comments_pull_request ON comments (account_id, region, pull_request_id);
CREATE UNIQUE INDEX comments_token ON comments (account_id, region, author_arn, client_request_token)
    WHERE client_request_token IS NOT NULL;
