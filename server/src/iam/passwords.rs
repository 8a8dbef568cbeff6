//! Hashing of Git credential passwords.
//!
//! The store keeps only `HMAC-SHA256(pepper, salt || password)` with a per-credential random
//! salt and a per-data-dir random pepper. A keyed fast hash is the right tool here: IAM
//! generates these passwords with ~256 bits of entropy, so brute force is hopeless anyway,
//! while a deliberately slow hash (argon2, bcrypt) would add ~100 ms to every Git request
//! (git sends two or three per clone). Fixture passwords are chosen by people; they are test
//! credentials on an offline emulator. Verification is constant-time.

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::store::{Store, StoreError};

type HmacSha256 = Hmac<Sha256>;

const PEPPER_SETTING: &str = "password-pepper";

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
    /// The hasher of this store, creating its pepper on first use.
    pub fn for_store(store: &Store) -> Result<Self, StoreError> {
        let pepper = store.setting_or_init(PEPPER_SETTING, || random_bytes(32))?;
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

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

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
