//! IAM's unique IDs: a four-letter prefix naming the kind, then upper-case letters and
//! digits (`AIDA…` users, `AKIA…` access keys, `ACCA…` service credentials, `APKA…` SSH keys).

use rand::RngExt;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The kinds of ID, with their prefix and total length as AWS issues them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    User,
    AccessKey,
    TemporaryAccessKey,
    ServiceCredential,
    SshKey,
    Role,
    Group,
    Policy,
    InstanceProfile,
}

impl IdKind {
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::User => "AIDA",
            IdKind::AccessKey => "AKIA",
            IdKind::TemporaryAccessKey => "ASIA",
            IdKind::ServiceCredential => "ACCA",
            IdKind::SshKey => "APKA",
            IdKind::Role => "AROA",
            IdKind::Group => "AGPA",
            IdKind::Policy => "ANPA",
            IdKind::InstanceProfile => "AIPA",
        }
    }

    pub fn id_len(self) -> usize {
        match self {
            IdKind::User
            | IdKind::ServiceCredential
            | IdKind::Role
            | IdKind::Group
            | IdKind::Policy
            | IdKind::InstanceProfile => 21,
            IdKind::AccessKey | IdKind::TemporaryAccessKey | IdKind::SshKey => 20,
        }
    }

    /// A new random ID of this kind.
    pub fn generate(self) -> String {
        let mut rng = rand::rng();
        let mut id = String::with_capacity(self.id_len());
        id.push_str(self.prefix());
        while id.len() < self.id_len() {
            id.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
        }
        id
    }

    /// Whether `id` has this kind's prefix, length and alphabet (upper-case letters, digits).
    pub fn matches(self, id: &str) -> bool {
        id.len() == self.id_len()
            && id.starts_with(self.prefix())
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    }
}

/// A random secret of `len` characters from the base64 alphabet, as AWS's secret access
/// keys (40 characters) are.
pub fn random_secret(len: usize) -> String {
    const SECRET_ALPHABET: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| SECRET_ALPHABET[rng.random_range(0..SECRET_ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_aws_shape() {
        for kind in [
            IdKind::User,
            IdKind::AccessKey,
            IdKind::TemporaryAccessKey,
            IdKind::ServiceCredential,
            IdKind::SshKey,
            IdKind::Role,
        ] {
            let id = kind.generate();
            assert!(kind.matches(&id), "{id}");
        }
        assert_eq!(IdKind::User.generate().len(), 21);
        assert_eq!(IdKind::AccessKey.generate().len(), 20);
        assert!(IdKind::AccessKey.matches("AKIAIOSFODNN7EXAMPLE"));
        assert!(!IdKind::AccessKey.matches("AKIAIOSFODNN7EXAMPL"));
        assert!(!IdKind::SshKey.matches("AKIAIOSFODNN7EXAMPLE"));
        assert_eq!(random_secret(40).len(), 40);
    }
}
