-- IAM authorization: customer managed policies with versions, groups, attachments of
-- managed policies to users, groups and roles, inline policies, and STS session policies.
-- AWS managed policies are compiled into the binary, not stored.

CREATE TABLE managed_policies (
    policy_id       TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (account_id),
    policy_name     TEXT NOT NULL,
    path            TEXT NOT NULL DEFAULT '/',
    description     TEXT,
    default_version INTEGER NOT NULL,
    next_version    INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX managed_policies_name ON managed_policies (account_id, policy_name COLLATE NOCASE);

CREATE TABLE policy_versions (
    policy_id  TEXT NOT NULL REFERENCES managed_policies (policy_id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    document   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (policy_id, version)
) STRICT;

CREATE TABLE policy_tags (
    policy_id TEXT NOT NULL REFERENCES managed_policies (policy_id) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (policy_id, key)
) STRICT;

CREATE TABLE groups (
    group_id   TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    group_name TEXT NOT NULL,
    path       TEXT NOT NULL DEFAULT '/',
    created_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX groups_name ON groups (account_id, group_name COLLATE NOCASE);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
) STRICT;
CREATE INDEX group_members_user ON group_members (user_id);

-- Managed policies (AWS's or the account's, by ARN) attached to a user, group or role.
CREATE TABLE attachments (
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('user', 'group', 'role')),
    owner_id   TEXT NOT NULL,
    policy_arn TEXT NOT NULL,
    PRIMARY KEY (owner_kind, owner_id, policy_arn)
) STRICT;
CREATE INDEX attachments_policy ON attachments (policy_arn);
INSERT INTO attachments (owner_kind, owner_id, policy_arn)
    SELECT 'user', user_id, policy_arn FROM user_policies;
DROP TABLE user_policies;

CREATE TABLE inline_policies (
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('user', 'group', 'role')),
    owner_id    TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (owner_kind, owner_id, policy_name)
) STRICT;

-- AssumeRole's `Policy` (a document) and `PolicyArns` (a JSON array of ARNs).
ALTER TABLE sts_sessions ADD COLUMN session_policy TEXT;
ALTER TABLE sts_sessions ADD COLUMN session_policy_arns TEXT;
