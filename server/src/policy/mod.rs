//! IAM policies: documents ([`document`]), condition operators ([`condition`]) and the one
//! evaluator ([`eval`]) that identity policies, session policies and role trust policies all
//! go through. Pure functions of a document and a request: nothing here reads the store.

pub mod condition;
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
    let fold = |s: &str| -> Vec<char> {
        if ignore_case {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (p, t) = (fold(pattern), fold(text));
    // Iterative matching with one backtrack point for the last `*`.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
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
    p[pi..].iter().all(|&c| c == '*')
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
