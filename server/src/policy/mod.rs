//! IAM policies: documents ([`document`]), condition operators ([`condition`]) and the one
//! evaluator ([`eval`]) that identity policies, session policies and role trust policies all
//! go through. Pure functions of a document and a request: nothing here reads the store.

pub mod condition;
pub mod decide;
pub mod document;
pub mod eval;

pub use document::{Effect, Kind, Malformed, Policy, Statement, parse};
pub use eval::{Decision, Evaluation, Keys, Request};

/// A `*` that a policy wrote as `${*}`: the character itself, never a wildcard (IAM policy
/// variables: "special characters", for a literal `*` in a value that uses variables).
/// Policy variable substitution writes it, and [`glob`] and [`literal`] read it back.
pub const LITERAL_STAR: char = '\u{E02A}';
/// A `?` that a policy wrote as `${?}`.
pub const LITERAL_QUESTION: char = '\u{E03F}';

/// `value` with the literal `${*}` and `${?}` of a substituted value made characters again,
/// for the operators that compare without wildcards.
pub fn literal(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains([LITERAL_STAR, LITERAL_QUESTION]) {
        std::borrow::Cow::Owned(value.chars().map(unmark).collect())
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

fn unmark(c: char) -> char {
    match c {
        LITERAL_STAR => '*',
        LITERAL_QUESTION => '?',
        c => c,
    }
}

/// IAM's wildcard match: `*` any run of characters, `?` any one character (but a `*` or
/// `?` written `${*}` / `${?}`, which match only themselves).
pub fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    if pattern.contains([LITERAL_STAR, LITERAL_QUESTION]) {
        let fold = |s: &str| -> Vec<char> {
            if ignore_case {
                s.to_lowercase().chars().collect()
            } else {
                s.chars().collect()
            }
        };
        // Wildcards are the pattern's own `*` and `?`; a literal one compares as itself.
        return wildcard(&fold(pattern), &fold(text), |a, b| unmark(a) == b);
    }
    if !pattern.contains(['*', '?']) {
        return if ignore_case {
            pattern.eq_ignore_ascii_case(text) || pattern.to_lowercase() == text.to_lowercase()
        } else {
            pattern == text
        };
    }
    if pattern.is_ascii() && text.is_ascii() {
        // The common case (actions, ARNs): bytes, no allocation.
        let eq = |a: u8, b: u8| {
            if ignore_case {
                a.eq_ignore_ascii_case(&b)
            } else {
                a == b
            }
        };
        return wildcard(pattern.as_bytes(), text.as_bytes(), eq);
    }
    let fold = |s: &str| -> Vec<char> {
        if ignore_case {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    wildcard(&fold(pattern), &fold(text), |a, b| a == b)
}

/// Iterative wildcard matching with one backtrack point for the last `*`.
fn wildcard<T: Copy + PartialEq + From<u8>>(p: &[T], t: &[T], eq: impl Fn(T, T) -> bool) -> bool {
    let (star_c, any_c) = (T::from(b'*'), T::from(b'?'));
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != star_c && (p[pi] == any_c || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_c {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == star_c)
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn wildcards() {
        assert!(glob("a*c", "abbbc", false));
        assert!(glob("a?c", "abc", false));
        assert!(!glob("a?c", "abbc", false));
        assert!(glob("*", "", false));
        assert!(glob("AB*", "abc", true));
        assert!(!glob("AB*", "abc", false));
        assert!(glob("codecommit:Get*", "codecommit:GetBranch", false));
        assert!(glob("CODECOMMIT:gitpush", "codecommit:GitPush", true));
    }

    #[test]
    fn literal_wildcards_match_only_themselves() {
        let star = format!("a{}c", super::LITERAL_STAR);
        assert!(glob(&star, "a*c", false));
        assert!(!glob(&star, "abc", false));
        let both = format!("x/{}/*", super::LITERAL_QUESTION);
        assert!(glob(&both, "x/?/anything", false));
        assert!(!glob(&both, "x/y/anything", false));
        // A private-use character in the text is not the literal it stands for.
        assert!(!glob(&star, &format!("a{}c", super::LITERAL_STAR), false));
        assert_eq!(super::literal(&star), "a*c");
    }
}
