-- IAM roles (for AssumeRole) and STS temporary credentials.

CREATE TABLE roles (
    role_id              TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts (account_id),
    role_name            TEXT NOT NULL,
    path                 TEXT NOT NULL DEFAULT '/',
    assume_role_policy   TEXT NOT NULL,
    description          TEXT,
    max_session_duration INTEGER NOT NULL DEFAULT 3600,
    created_at           TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX roles_name ON roles (account_id, role_name COLLATE NOCASE);

CREATE TABLE role_tags (
    role_id TEXT NOT NULL REFERENCES roles (role_id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (role_id, key)
) STRICT;

-- Temporary credentials from GetSessionToken (user_id set) or AssumeRole (role_id set).
-- They die with the long-term access key that minted them (directly or through a chain).
CREATE TABLE sts_sessions (
    access_key_id        TEXT PRIMARY KEY,
    secret_access_key    TEXT NOT NULL,
    token_hash           BLOB NOT NULL,
    account_id           TEXT NOT NULL REFERENCES accounts (account_id),
    user_id              TEXT REFERENCES users (user_id) ON DELETE CASCADE,
    role_id              TEXT REFERENCES roles (role_id) ON DELETE CASCADE,
    session_name         TEXT,
    parent_access_key_id TEXT NOT NULL REFERENCES access_keys (access_key_id) ON DELETE CASCADE,
    created_at           TEXT NOT NULL,
    expires_at           TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (role_id IS NULL))
) STRICT;
CREATE INDEX sts_sessions_parent ON sts_sessions (parent_access_key_id);
