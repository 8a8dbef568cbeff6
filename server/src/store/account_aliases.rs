//! Account aliases (CreateAccountAlias): at most one an account, unique across accounts.

use rusqlite::{Connection, OptionalExtension, params};

pub fn alias(c: &Connection, account_id: &str) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT alias FROM account_aliases WHERE account_id = ?1",
        [account_id],
        |r| r.get(0),
    )
    .optional()
}

/// The account an alias names.
pub fn account_of(c: &Connection, alias: &str) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT account_id FROM account_aliases WHERE alias = ?1",
        [alias],
        |r| r.get(0),
    )
    .optional()
}

/// Sets the account's alias, replacing the one it had.
pub fn set(c: &Connection, account_id: &str, alias: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO account_aliases (account_id, alias) VALUES (?1, ?2)
         ON CONFLICT (account_id) DO UPDATE SET alias = excluded.alias",
        params![account_id, alias],
    )?;
    Ok(())
}

/// Deletes the account's alias if it is `alias`; whether it was.
pub fn delete(c: &Connection, account_id: &str, alias: &str) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "DELETE FROM account_aliases WHERE account_id = ?1 AND alias = ?2",
        params![account_id, alias],
    )? > 0)
}
