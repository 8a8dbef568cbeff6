-- Accounts, IAM users and their credentials, repositories.
-- Timestamps are RFC 3339 UTC strings with milliseconds, as AWS prints them.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE accounts (
    account_id TEXT PRIMARY KEY CHECK (length(account_id) = 12),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    user_id    TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    user_name  TEXT NOT NULL,
    path       TEXT NOT NULL DEFAULT '/',
    created_at TEXT NOT NULL
) STRICT;
-- IAM user names are unique per account regardless of case.
CREATE UNIQUE INDEX users_name ON users (account_id, user_name COLLATE NOCASE);

CREATE TABLE user_tags (
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
) STRICT;

CREATE TABLE user_policies (
    user_id    TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    policy_arn TEXT NOT NULL,
    PRIMARY KEY (user_id, policy_arn)
) STRICT;

-- IAM service-specific credentials (Git credentials for CodeCommit).
CREATE TABLE service_credentials (
    credential_id     TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL REFERENCES users (user_id),
    service_name      TEXT NOT NULL,
    service_user_name TEXT NOT NULL,
    password_salt     BLOB NOT NULL,
    password_hash     BLOB NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    created_at        TEXT NOT NULL
) STRICT;
CREATE INDEX service_credentials_login ON service_credentials (service_user_name);
CREATE INDEX service_credentials_user ON service_credentials (user_id);

-- Long-term access keys. The secret is kept: SigV4 verification needs it.
CREATE TABLE access_keys (
    access_key_id     TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL REFERENCES users (user_id),
    secret_access_key TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    created_at        TEXT NOT NULL,
    last_used_at      TEXT,
    last_used_service TEXT,
    last_used_region  TEXT
) STRICT;
CREATE INDEX access_keys_user ON access_keys (user_id);

-- IAM SSH public keys (RSA only, as CodeCommit).
CREATE TABLE ssh_keys (
    ssh_key_id  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (user_id),
    body        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    uploaded_at TEXT NOT NULL
) STRICT;
CREATE INDEX ssh_keys_user ON ssh_keys (user_id);

-- CodeCommit repositories. The bare repository on disk is named by repository_id,
-- so a rename touches no files.
CREATE TABLE repositories (
    repository_id    TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts (account_id),
    region           TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT,
    default_branch   TEXT,
    kms_key_id       TEXT,
    created_at       TEXT NOT NULL,
    last_modified_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX repositories_name ON repositories (account_id, region, name);
