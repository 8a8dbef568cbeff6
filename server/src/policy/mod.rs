//! IAM policies: documents ([`document`]), condition operators ([`condition`]) and the one
//! evaluator ([`eval`]) that identity policies, session policies and role trust policies all
//! go through. Pure functions of a document and a request: nothing here reads the store.

pub mod condition;
pub mod decide;
pub mod document;
pub mod eval;

pub use document::{Effect, Kind, Malformed, Policy, Statement, parse};
pub use eval::{Decision, Evaluation, Keys, Request};

/// IAM's wildcard match: `*` any run of characters, `?` any one character.
pub fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
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
}
