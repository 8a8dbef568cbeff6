//! The server's own cryptography, below every layer that uses it: JSON Web Tokens
//! (verification of ID tokens, signing for the server's own issuer), the hashing of Git and
//! console passwords, and random bytes.

pub mod jwt;
pub mod passwords;

use rand::Rng;

/// `n` bytes from the operating system's generator (through `rand`'s thread generator).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    b
}
