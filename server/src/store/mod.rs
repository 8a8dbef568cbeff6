//! The SQLite store: one file in the data dir, WAL mode, foreign keys on, numbered
//! migrations. Domain modules ([`crate::iam`], [`crate::codecommit`]) own the queries of
//! their tables; this module owns the connection, the transactions and the schema.

pub mod account_aliases;
pub mod approvals;
pub mod comments;
pub mod events;
pub mod iam;
pub mod login_profiles;
pub mod policies;
pub mod pull_requests;
pub mod repositories;
pub mod roles;
pub mod workloads;

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

pub use iam::{AccessKeyRow, CredentialStatus, ServiceCredentialRow, SshKeyRow, UserRow};
pub use repositories::RepositoryRow;

/// The schema, one migration per entry, applied in order. `PRAGMA user_version` records
/// how many ran. Never edit a migration that has shipped: add the next one.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_roles_sessions.sql"),
    include_str!("migrations/0003_repository_tags.sql"),
    include_str!("migrations/0004_policies_groups.sql"),
    include_str!("migrations/0005_workload_credentials.sql"),
    include_str!("migrations/0006_pull_requests.sql"),
    include_str!("migrations/0007_approval_rules.sql"),
    include_str!("migrations/0008_comments.sql"),
    include_str!("migrations/0009_reactions_triggers_events.sql"),
    include_str!("migrations/0010_console.sql"),
    include_str!("migrations/0011_account_aliases.sql"),
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("store file {0}")]
    Io(String),
    #[error("store schema version {found} is newer than this binary knows ({known})")]
    TooNew { found: usize, known: usize },
}

/// How many read connections a file store keeps: reads run on the blocking pool, several at
/// once, without queueing behind the writer (WAL lets readers and one writer work together).
const READERS: usize = 4;

/// The store: one writer connection, and read connections that can only read
/// (`PRAGMA query_only`), so [`Store::read`] cannot write by construction. Every call blocks
/// on SQLite: call it from a blocking thread, never from an async task.
pub struct Store {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Bumped after every committed write but bookkeeping: caches of what the store says (the authorizer's
    /// policy sets) compare it to know they are current.
    generation: AtomicU64,
}

/// Ends a read transaction when dropped (read-only, so COMMIT and ROLLBACK are the same).
struct EndReadOnDrop<'a>(&'a Connection);

impl Drop for EndReadOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self
            .0
            .prepare_cached("COMMIT")
            .and_then(|mut s| s.execute([]));
    }
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves SQLite consistent (an open transaction is rolled
    // back when dropped), so a poisoned lock is safe to reuse.
    conn.lock().unwrap_or_else(|e| e.into_inner())
}

fn tune(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    // Room for every statement the server prepares (the default keeps 16).
    conn.set_prepared_statement_cache_capacity(128);
    // The query planner stability guarantee: a plan never depends on a bound value. Without
    // it SQLite marks parameters whose values it looked at while planning (a LIMIT's, among
    // others) and prepares the cached statement again whenever a new value is bound to one:
    // a third of a DescribePullRequestEvents page's CPU was that re-preparing, in the lookup
    // of the pull request as much as in the page's own query.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // Each connection's page cache is kept at 128 KiB. The caches fill only as the store
    // grows into them, so with SQLite's default 2 MiB (and then 1 MiB) for each of the five
    // connections the server's anonymous memory rose for as long as a 10-minute soak ran
    // (8.8 -> 9.9 MiB at 1 MiB each; fixed malloc thresholds and malloc_trim did not change
    // that, heaptrack showed the rest of the heap flat); at 128 KiB they are
    // full within minutes and it stays at 8.8 MiB. The rows the API reads (principals,
    // policies, the pull requests being worked on) are a few dozen pages.
    conn.pragma_update(None, "cache_size", -128i64)?;
    Ok(())
}

/// The store holds password hashes, key secrets and session tokens' hashes: its file is
/// created 0600, and SQLite gives its `-wal` and `-shm` files the database's mode. Files an
/// older version created under the umask are narrowed to 0600 too.
fn private_files(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the store at `path` and runs pending migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        private_files(path)?;
        let mut store = Self::configure(Connection::open(path)?)?;
        for _ in 0..READERS {
            let conn = Connection::open(path)?;
            tune(&conn)?;
            conn.pragma_update(None, "query_only", true)?;
            store.readers.push(Mutex::new(conn));
        }
        Ok(store)
    }

    /// An in-memory store, for unit tests (reads share the one connection).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Self::configure(Connection::open_in_memory()?)
    }

    fn configure(mut conn: Connection) -> Result<Store, StoreError> {
        tune(&conn)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrate(&mut conn)?;
        Ok(Store {
            writer: Mutex::new(conn),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
        })
    }

    /// A read connection: the first free one, else the next in turn.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return lock(&self.writer);
        }
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.readers.len() {
            if let Ok(conn) = self.readers[(start + i) % self.readers.len()].try_lock() {
                return conn;
            }
        }
        lock(&self.readers[start % self.readers.len()])
    }

    /// Runs `f` in one read transaction (`BEGIN DEFERRED`) on a read-only connection: it
    /// takes no write lock and never waits for the writer, sees one consistent snapshot, and
    /// takes WAL's shared-memory read lock once for all its statements rather than once per
    /// statement (a fifth of a SigV4 check's time).
    pub fn read<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        let conn = self.reader();
        let began = conn
            .prepare_cached("BEGIN DEFERRED")
            .and_then(|mut s| s.execute([]))
            .is_ok();
        // Ended on drop, so a panic inside `f` cannot leave the transaction open (which would
        // make every later write fail to begin its own).
        let _end = began.then_some(EndReadOnDrop(&conn));
        f(&conn)
    }

    /// Runs `f` in one immediate transaction: committed if `f` returns `Ok`, rolled back
    /// otherwise, so a multi-row change is all or nothing.
    pub fn write<T, E>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let value = self.transaction(f)?;
        self.generation.fetch_add(1, Ordering::Release);
        Ok(value)
    }

    /// [`Store::write`] for bookkeeping that cannot change what anyone may do (an access
    /// key's last use): it leaves the generation alone, so the authorizer's cached policy
    /// sets stay current. Anything else takes [`Store::write`]; when unsure, that one.
    pub fn write_bookkeeping<T, E>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        self.transaction(f)
    }

    fn transaction<T, E>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// How many writes have committed (see [`Store::write`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// A value from the settings table, created by `init` the first time it is asked for.
    pub fn setting_or_init(
        &self,
        key: &str,
        init: impl FnOnce() -> Vec<u8>,
    ) -> Result<Vec<u8>, StoreError> {
        self.write(|tx| {
            let existing: Option<Vec<u8>> = tx
                .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?;
            if let Some(value) = existing {
                return Ok(value);
            }
            let value = init();
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                rusqlite::params![key, value],
            )?;
            Ok(value)
        })
    }

    /// Whether the store holds no users and no repositories (a new data dir).
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        self.read(|c| {
            let n: i64 = c.query_row(
                "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM repositories)",
                [],
                |r| r.get(0),
            )?;
            Ok(n == 0)
        })
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let version = version as usize;
    if version > MIGRATIONS.len() {
        return Err(StoreError::TooNew {
            found: version,
            known: MIGRATIONS.len(),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// The current time as AWS prints it in its APIs: RFC 3339, UTC, milliseconds.
pub fn now_timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_are_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let store = Store::open(&path).unwrap();
        assert!(store.is_empty().unwrap());
        drop(store);
        let store = Store::open(&path).unwrap();
        let v: i64 = store
            .read(|c| c.pragma_query_value(None, "user_version", |r| r.get(0)))
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
        let mode: String = store
            .read(|c| c.pragma_query_value(None, "journal_mode", |r| r.get(0)))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn writes_but_bookkeeping_move_the_generation() {
        let store = Store::open_in_memory().unwrap();
        let g = store.generation();
        store
            .write_bookkeeping(|_| Ok::<_, rusqlite::Error>(()))
            .unwrap();
        assert_eq!(store.generation(), g);
        store.write(|_| Ok::<_, rusqlite::Error>(())).unwrap();
        assert_eq!(store.generation(), g + 1);
        let failed = store.write(|_| Err::<(), _>(rusqlite::Error::InvalidQuery));
        assert!(failed.is_err());
        assert_eq!(
            store.generation(),
            g + 1,
            "a rolled-back write changes nothing"
        );
    }

    #[test]
    fn reads_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        let r = store.read(|c| {
            c.execute(
                "INSERT INTO accounts (account_id, created_at) VALUES ('123456789012', 'x')",
                [],
            )
        });
        assert!(r.is_err(), "a read connection wrote");
        store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO accounts (account_id, created_at) VALUES ('123456789012', 'x')",
                    [],
                )
            })
            .unwrap();
        let n: i64 = store
            .read(|c| c.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(n, 1, "a read sees what a write committed");
    }

    #[test]
    fn failed_write_rolls_back() {
        let store = Store::open_in_memory().unwrap();
        let r: Result<(), StoreError> = store.write(|tx| {
            tx.execute(
                "INSERT INTO accounts (account_id, created_at) VALUES ('123456789012', 'x')",
                [],
            )?;
            tx.execute("INSERT INTO no_such_table VALUES (1)", [])?;
            Ok(())
        });
        assert!(r.is_err());
        assert!(store.is_empty().unwrap());
        let n: i64 = store
            .read(|c| c.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn a_panicking_read_leaves_no_transaction_open() {
        let store = Store::open_in_memory().unwrap();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _: Result<(), rusqlite::Error> = store.read(|_| panic!("inside a read"));
        }));
        assert!(panicked.is_err());
        store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO accounts (account_id, created_at) VALUES ('123456789012', 'x')",
                    [],
                )
            })
            .unwrap();
        let n: i64 = store
            .read(|c| c.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(n, 1);
    }
}
