//! Secrets (passwords, secret keys, session tokens) that must never reach a log line, an
//! error message or a `Debug` print.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A secret string: zeroized on drop, redacted in `Debug`, no `Display`, no `PartialEq`.
/// Compare with [`Secret::ct_eq`], which runs in constant time.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The secret's text, for the few places that must hash, sign or show it once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time equality (the length is not hidden).
    pub fn ct_eq(&self, other: &str) -> bool {
        self.0.as_bytes().ct_eq(other.as_bytes()).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Serialised as its text: a response that carries a secret shows it once (CreateAccessKey,
/// CreateServiceSpecificCredential, STS credentials).
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

/// Read from a request (a password a caller sets): held as a secret from the start.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_compare_works() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert!(s.ct_eq("hunter2"));
        assert!(!s.ct_eq("hunter3"));
        assert!(!s.ct_eq("hunter"));
    }
}
