-- Credentials without an IAM user: instance profiles (served by the instance-metadata
-- listener), container credentials, and OpenID Connect providers for web identity.

-- Sessions minted for a workload (an instance profile's role, a container's task role, a
-- web identity), and sessions chained from those, have no long-term access key behind them:
-- the parent becomes optional, and `source` says what minted the session.
CREATE TABLE sts_sessions_v5 (
    access_key_id        TEXT PRIMARY KEY,
    secret_access_key    TEXT NOT NULL,
    token_hash           BLOB NOT NULL,
    account_id           TEXT NOT NULL REFERENCES accounts (account_id),
    user_id              TEXT REFERENCES users (user_id) ON DELETE CASCADE,
    role_id              TEXT REFERENCES roles (role_id) ON DELETE CASCADE,
    session_name         TEXT,
    parent_access_key_id TEXT REFERENCES access_keys (access_key_id) ON DELETE CASCADE,
    created_at           TEXT NOT NULL,
    expires_at           TEXT NOT NULL,
    session_policy       TEXT,
    session_policy_arns  TEXT,
    source               TEXT NOT NULL DEFAULT 'sts'
        CHECK (source IN ('sts', 'instance-profile', 'container', 'web-identity')),
    CHECK ((user_id IS NULL) <> (role_id IS NULL))
) STRICT;
INSERT INTO sts_sessions_v5 (access_key_id, secret_access_key, token_hash, account_id,
        user_id, role_id, session_name, parent_access_key_id, created_at, expires_at,
        session_policy, session_policy_arns)
    SELECT access_key_id, secret_access_key, token_hash, account_id, user_id, role_id,
        session_name, parent_access_key_id, created_at, expires_at, session_policy,
        session_policy_arns
    FROM sts_sessions;
DROP TABLE sts_sessions;
ALTER TABLE sts_sessions_v5 RENAME TO sts_sessions;
CREATE INDEX sts_sessions_parent ON sts_sessions (parent_access_key_id);
CREATE INDEX sts_sessions_role ON sts_sessions (role_id);

CREATE TABLE instance_profiles (
    instance_profile_id TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts (account_id),
    name                TEXT NOT NULL,
    path                TEXT NOT NULL DEFAULT '/',
    created_at          TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX instance_profiles_name ON instance_profiles (account_id, name COLLATE NOCASE);

-- IAM allows one role per instance profile; DeleteRole is refused while a profile holds it.
CREATE TABLE instance_profile_roles (
    instance_profile_id TEXT PRIMARY KEY
        REFERENCES instance_profiles (instance_profile_id) ON DELETE CASCADE,
    role_id             TEXT NOT NULL REFERENCES roles (role_id)
) STRICT;
CREATE INDEX instance_profile_roles_role ON instance_profile_roles (role_id);

CREATE TABLE instance_profile_tags (
    instance_profile_id TEXT NOT NULL
        REFERENCES instance_profiles (instance_profile_id) ON DELETE CASCADE,
    key                 TEXT NOT NULL,
    value               TEXT NOT NULL,
    PRIMARY KEY (instance_profile_id, key)
) STRICT;

-- What the instance-metadata listener serves (one instance), set by fixtures.
CREATE TABLE imds_instance (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    account_id            TEXT NOT NULL REFERENCES accounts (account_id),
    instance_profile_name TEXT NOT NULL,
    lifetime_seconds      INTEGER NOT NULL
) STRICT;

-- Container credential endpoints (`/container-credentials/NAME`), set by fixtures. The
-- authorization token is kept as its SHA-256 only.
CREATE TABLE container_credentials (
    name             TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts (account_id),
    role_id          TEXT NOT NULL REFERENCES roles (role_id) ON DELETE CASCADE,
    token_hash       BLOB NOT NULL,
    lifetime_seconds INTEGER NOT NULL
) STRICT;

-- IAM OpenID Connect providers. `jwks` holds the issuer's keys when a fixture gave them
-- (an external issuer this offline server cannot fetch keys from).
CREATE TABLE oidc_providers (
    arn        TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    url        TEXT NOT NULL,
    jwks       TEXT,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE oidc_provider_client_ids (
    arn       TEXT NOT NULL REFERENCES oidc_providers (arn) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    PRIMARY KEY (arn, client_id)
) STRICT;

CREATE TABLE oidc_provider_thumbprints (
    arn        TEXT NOT NULL REFERENCES oidc_providers (arn) ON DELETE CASCADE,
    thumbprint TEXT NOT NULL,
    PRIMARY KEY (arn, thumbprint)
) STRICT;

CREATE TABLE oidc_provider_tags (
    arn   TEXT NOT NULL REFERENCES oidc_providers (arn) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
) STRICT;
