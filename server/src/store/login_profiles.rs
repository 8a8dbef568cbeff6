//! Rows of console sign-in: login profiles, earlier passwords, password policies and the
//! console's sessions.

use rusqlite::{Connection, OptionalExtension, params};

/// A user's console password (hashed) and its state.
#[derive(Clone)]
pub struct LoginProfileRow {
    pub user_id: String,
    pub password_salt: Vec<u8>,
    pub password_hash: Vec<u8>,
    pub password_reset_required: bool,
    pub created_at: String,
    pub password_changed_at: String,
    pub password_last_used: Option<String>,
}

impl std::fmt::Debug for LoginProfileRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginProfileRow")
            .field("user_id", &self.user_id)
            .field("password_reset_required", &self.password_reset_required)
            .finish_non_exhaustive()
    }
}

pub fn find(c: &Connection, user_id: &str) -> rusqlite::Result<Option<LoginProfileRow>> {
    c.prepare_cached(
        "SELECT user_id, password_salt, password_hash, password_reset_required, created_at,
                password_changed_at, password_last_used
         FROM login_profiles WHERE user_id = ?1",
    )?
    .query_row([user_id], |r| {
        Ok(LoginProfileRow {
            user_id: r.get(0)?,
            password_salt: r.get(1)?,
            password_hash: r.get(2)?,
            password_reset_required: r.get(3)?,
            created_at: r.get(4)?,
            password_changed_at: r.get(5)?,
            password_last_used: r.get(6)?,
        })
    })
    .optional()
}

pub fn insert(c: &Connection, p: &LoginProfileRow) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO login_profiles (user_id, password_salt, password_hash,
             password_reset_required, created_at, password_changed_at, password_last_used)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            p.user_id,
            p.password_salt,
            p.password_hash,
            p.password_reset_required,
            p.created_at,
            p.password_changed_at,
            p.password_last_used
        ],
    )?;
    Ok(())
}

/// Replaces the password (and when it was changed); the old one goes to the history.
pub fn set_password(
    c: &Connection,
    user_id: &str,
    salt: &[u8],
    hash: &[u8],
    now: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO password_history (user_id, seq, password_salt, password_hash)
         SELECT user_id,
                COALESCE((SELECT MAX(seq) FROM password_history WHERE user_id = ?1), 0) + 1,
                password_salt, password_hash
         FROM login_profiles WHERE user_id = ?1",
        [user_id],
    )?;
    // IAM remembers at most 24 earlier passwords.
    c.execute(
        "DELETE FROM password_history WHERE user_id = ?1 AND seq <=
             (SELECT MAX(seq) FROM password_history WHERE user_id = ?1) - 24",
        [user_id],
    )?;
    c.execute(
        "UPDATE login_profiles SET password_salt = ?2, password_hash = ?3,
             password_changed_at = ?4 WHERE user_id = ?1",
        params![user_id, salt, hash, now],
    )?;
    Ok(())
}

pub fn set_reset_required(c: &Connection, user_id: &str, required: bool) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE login_profiles SET password_reset_required = ?2 WHERE user_id = ?1",
        params![user_id, required],
    )?;
    Ok(())
}

pub fn record_use(c: &Connection, user_id: &str, now: &str) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE login_profiles SET password_last_used = ?2 WHERE user_id = ?1",
        params![user_id, now],
    )?;
    Ok(())
}

/// Deletes the profile, its password history and the user's console sessions.
pub fn delete(c: &Connection, user_id: &str) -> rusqlite::Result<bool> {
    c.execute("DELETE FROM password_history WHERE user_id = ?1", [user_id])?;
    c.execute("DELETE FROM console_sessions WHERE user_id = ?1", [user_id])?;
    Ok(c.execute("DELETE FROM login_profiles WHERE user_id = ?1", [user_id])? == 1)
}

/// The `count` most recent earlier passwords: (salt, hash).
pub fn history(
    c: &Connection,
    user_id: &str,
    count: usize,
) -> rusqlite::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    c.prepare_cached(
        "SELECT password_salt, password_hash FROM password_history
         WHERE user_id = ?1 ORDER BY seq DESC LIMIT ?2",
    )?
    .query_map(params![user_id, count as i64], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .collect()
}

pub fn policy(c: &Connection, account_id: &str) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT policy FROM password_policies WHERE account_id = ?1")?
        .query_row([account_id], |r| r.get(0))
        .optional()
}

pub fn set_policy(c: &Connection, account_id: &str, policy: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO password_policies (account_id, policy) VALUES (?1, ?2)
         ON CONFLICT (account_id) DO UPDATE SET policy = excluded.policy",
        params![account_id, policy],
    )?;
    Ok(())
}

pub fn delete_policy(c: &Connection, account_id: &str) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "DELETE FROM password_policies WHERE account_id = ?1",
        [account_id],
    )? == 1)
}

/// A console session: whose it is, its form token and when it ends.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: String,
    pub csrf_token: String,
    pub expires_at: String,
}

pub fn insert_session(
    c: &Connection,
    token_hash: &[u8],
    session: &SessionRow,
    now: &str,
) -> rusqlite::Result<()> {
    // Sessions that ended are swept whenever one begins.
    c.execute("DELETE FROM console_sessions WHERE expires_at <= ?1", [now])?;
    c.execute(
        "INSERT INTO console_sessions (token_hash, user_id, csrf_token, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            token_hash,
            session.user_id,
            session.csrf_token,
            now,
            session.expires_at
        ],
    )?;
    Ok(())
}

/// The session whose token hashes to `token_hash`, if it has not ended at `now`.
pub fn find_session(
    c: &Connection,
    token_hash: &[u8],
    now: &str,
) -> rusqlite::Result<Option<SessionRow>> {
    c.prepare_cached(
        "SELECT user_id, csrf_token, expires_at FROM console_sessions
         WHERE token_hash = ?1 AND expires_at > ?2",
    )?
    .query_row(params![token_hash, now], |r| {
        Ok(SessionRow {
            user_id: r.get(0)?,
            csrf_token: r.get(1)?,
            expires_at: r.get(2)?,
        })
    })
    .optional()
}

pub fn delete_session(c: &Connection, token_hash: &[u8]) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM console_sessions WHERE token_hash = ?1",
        [token_hash],
    )?;
    Ok(())
}
