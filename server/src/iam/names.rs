//! IAM's name and path rules.

/// IAM user (and role) names: 1–64 characters of letters, digits and `_+=,.@-`.
pub fn is_valid_user_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// IAM paths: the botocore model's `pathType` rule, which the Query decoder checks too.
pub use crate::operation::model::is_valid_path;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        assert!(is_valid_user_name("alice"));
        assert!(is_valid_user_name("a.b+c=d,e@f_g-h"));
        assert!(!is_valid_user_name(""));
        assert!(!is_valid_user_name("has space"));
        assert!(!is_valid_user_name("slash/"));
        assert!(!is_valid_user_name(&"a".repeat(65)));
    }

    #[test]
    fn paths() {
        assert!(is_valid_path("/"));
        assert!(is_valid_path("/division_abc/subdivision_xyz/"));
        assert!(!is_valid_path("division/"));
        assert!(!is_valid_path("/no-trailing"));
    }
}
