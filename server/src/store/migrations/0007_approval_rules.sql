-- Approval rules of pull requests, approvals and overrides (per revision: a new revision
-- starts with none), and approval rule templates with the repositories they apply to.

CREATE TABLE approval_rules (
    approval_rule_id   TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL,
    region             TEXT NOT NULL,
    pull_request_id    INTEGER NOT NULL,
    name               TEXT NOT NULL,
    content            TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    last_modified_at   TEXT NOT NULL,
    last_modified_user TEXT NOT NULL,
    template_id        TEXT,
    template_name      TEXT,
    FOREIGN KEY (account_id, region, pull_request_id)
        REFERENCES pull_requests (account_id, region, pull_request_id) ON DELETE CASCADE
) STRICT;
CREATE UNIQUE INDEX approval_rules_name ON approval_rules (account_id, region, pull_request_id, name);

CREATE TABLE approvals (
    account_id      TEXT NOT NULL,
    region          TEXT NOT NULL,
    pull_request_id INTEGER NOT NULL,
    revision_id     TEXT NOT NULL,
    user_arn        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('APPROVE', 'REVOKE')),
    PRIMARY KEY (account_id, region, pull_request_id, revision_id, user_arn),
    FOREIGN KEY (account_id, region, pull_request_id)
        REFERENCES pull_requests (account_id, region, pull_request_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE approval_overrides (
    account_id      TEXT NOT NULL,
    region          TEXT NOT NULL,
    pull_request_id INTEGER NOT NULL,
    revision_id     TEXT NOT NULL,
    overrider_arn   TEXT NOT NULL,
    PRIMARY KEY (account_id, region, pull_request_id, revision_id),
    FOREIGN KEY (account_id, region, pull_request_id)
        REFERENCES pull_requests (account_id, region, pull_request_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE approval_rule_templates (
    template_id        TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts (account_id),
    region             TEXT NOT NULL,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    content            TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    last_modified_at   TEXT NOT NULL,
    last_modified_user TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX approval_rule_templates_name ON approval_rule_templates (account_id, region, name);

CREATE TABLE approval_rule_template_repositories (
    template_id   TEXT NOT NULL REFERENCES approval_rule_templates (template_id) ON DELETE CASCADE,
    repository_id TEXT NOT NULL REFERENCES repositories (repository_id) ON DELETE CASCADE,
    PRIMARY KEY (template_id, repository_id)
) STRICT;
CREATE INDEX approval_rule_template_repositories_repo ON approval_rule_template_repositories (repository_id);
