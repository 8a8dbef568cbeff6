//! Hashing of Git credential passwords.
//!
//! The store keeps only `HMAC-SHA256(pepper, salt || password)` with a per-credential random
//! salt and a per-data-dir random pepper. A keyed fast hash is the right tool here: IAM
//! generates these passwords with ~256 bits of entropy, so brute force is hopeless anyway,
//! while a deliberately slow hash (argon2, bcrypt) would add ~100 ms to every Git request
//! (git sends two or three per clone). Fixture passwords are chosen by people; they are test
//! credentials on an offline emulator. Verification is constant-time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use std::path::Path;

use rusqlite::OptionalExtension;

use super::random_bytes;
use crate::store::{Store, StoreError};

type HmacSha256 = Hmac<Sha256>;

const PEPPER_SETTING: &str = "password-pepper";
const PEPPER_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum PepperError {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0}: not a password pepper (32 bytes); restore it or start from an empty data dir")]
    Corrupt(std::path::PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Writes a new secret file with mode 0600 (never replacing one).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Hashes and verifies passwords with the data dir's pepper.
pub struct PasswordHasher {
    pepper: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHasher(<pepper redacted>)")
    }
}

/// A salt and the hash of a password under it.
pub struct PasswordHash {
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

impl PasswordHasher {
    /// The hasher of a data dir: its pepper lives in `pepper_file` (0600), outside the store
    /// whose hashes it keys, so a copy of the database alone verifies nothing. A pepper an
    /// older version kept in the store moves to the file (and out of the store).
    pub fn for_data_dir(pepper_file: &Path, store: &Store) -> Result<Self, PepperError> {
        let io = |source| PepperError::Io {
            path: pepper_file.to_owned(),
            source,
        };
        let legacy = store.read(|c| {
            c.query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [PEPPER_SETTING],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()
        })?;
        let pepper = match std::fs::read(pepper_file) {
            Ok(p) if p.len() == PEPPER_LEN => p,
            Ok(_) => return Err(PepperError::Corrupt(pepper_file.to_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let pepper = legacy.clone().unwrap_or_else(|| random_bytes(PEPPER_LEN));
                write_private(pepper_file, &pepper).map_err(io)?;
                pepper
            }
            Err(e) => return Err(io(e)),
        };
        if legacy.is_some() {
            store.write(|c| {
                c.execute("DELETE FROM settings WHERE key = ?1", [PEPPER_SETTING])
                    .map(|_| ())
            })?;
        }
        Ok(PasswordHasher {
            pepper: Zeroizing::new(pepper),
        })
    }

    /// The hasher of an in-memory store (tests): the pepper is kept in the store.
    pub fn for_store(store: &Store) -> Result<Self, StoreError> {
        let pepper = store.setting_or_init(PEPPER_SETTING, || random_bytes(PEPPER_LEN))?;
        Ok(PasswordHasher {
            pepper: Zeroizing::new(pepper),
        })
    }

    pub fn hash(&self, password: &str) -> PasswordHash {
        let salt = random_bytes(16);
        let hash = self.digest(&salt, password);
        PasswordHash { salt, hash }
    }

    pub fn verify(&self, password: &str, salt: &[u8], expected: &[u8]) -> bool {
        self.digest(salt, password).ct_eq(expected).into()
    }

    fn digest(&self, salt: &[u8], password: &str) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.pepper).expect("HMAC takes any key size");
        mac.update(salt);
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pepper_lives_in_its_own_file_and_moves_out_of_the_store() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        // A store from before: the pepper in its settings.
        let legacy = PasswordHasher::for_store(&store).unwrap();
        let hash = legacy.hash("pw");
        let file = dir.path().join("pepper");
        let moved = PasswordHasher::for_data_dir(&file, &store).unwrap();
        assert!(moved.verify("pw", &hash.salt, &hash.hash), "same pepper");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let left: i64 = store
            .read(|c| {
                c.query_row(
                    "SELECT count(*) FROM settings WHERE key = ?1",
                    [PEPPER_SETTING],
                    |r| r.get(0),
                )
            })
            .unwrap();
        assert_eq!(left, 0, "the store no longer holds the pepper");
        let again = PasswordHasher::for_data_dir(&file, &store).unwrap();
        assert!(again.verify("pw", &hash.salt, &hash.hash));
        std::fs::write(&file, b"short").unwrap();
        assert!(matches!(
            PasswordHasher::for_data_dir(&file, &store),
            Err(PepperError::Corrupt(_))
        ));
    }

    #[test]
    fn hash_verifies_only_the_same_password_and_pepper_persists() {
        let store = Store::open_in_memory().unwrap();
        let h = PasswordHasher::for_store(&store).unwrap();
        let p = h.hash("correct horse");
        assert!(h.verify("correct horse", &p.salt, &p.hash));
        assert!(!h.verify("correct hors", &p.salt, &p.hash));
        let again = PasswordHasher::for_store(&store).unwrap();
        assert!(again.verify("correct horse", &p.salt, &p.hash));
        let other = h.hash("correct horse");
        assert_ne!(other.salt, p.salt);
        assert_ne!(other.hash, p.hash);
    }
}
