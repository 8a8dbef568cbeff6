-- Console passwords (IAM login profiles), each account's password policy, the passwords a
-- user had before (PasswordReusePrevention), and the web console's sessions.

CREATE TABLE login_profiles (
    user_id                 TEXT PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    password_salt           BLOB NOT NULL,
    password_hash           BLOB NOT NULL,
    password_reset_required INTEGER NOT NULL DEFAULT 0,
    created_at              TEXT NOT NULL,
    password_changed_at     TEXT NOT NULL,
    password_last_used      TEXT
) STRICT;

CREATE TABLE password_history (
    user_id       TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    password_salt BLOB NOT NULL,
    password_hash BLOB NOT NULL,
    PRIMARY KEY (user_id, seq)
) STRICT;

-- The account's password policy as GetAccountPasswordPolicy returns it (JSON); no row: none set.
CREATE TABLE password_policies (
    account_id TEXT PRIMARY KEY REFERENCES accounts (account_id),
    policy     TEXT NOT NULL
) STRICT;

-- A signed-in console user: the cookie's token is kept only as its SHA-256.
CREATE TABLE console_sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
