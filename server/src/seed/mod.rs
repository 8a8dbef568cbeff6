//! Seeding the store from fixture files: declarative, idempotent seed data in TOML (users,
//! access keys, Git credentials, SSH keys, groups, roles and what serves their credentials,
//! repositories). Every file is parsed and validated before anything is written
//! ([`parse`]); then all of them are applied in one store transaction ([`apply`]), so a bad
//! fixture stops the start with file, line and reason and leaves the store untouched.
//! [`defaults`] is the embedded default fixture a fresh data dir starts from.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::iam::ssh_keys::RsaPublicKey;
use crate::store::CredentialStatus;

mod access;
mod apply;
mod defaults;
mod parse;
mod workloads;

pub use apply::{Applied, apply};
pub use defaults::{
    DEFAULT_FIXTURE, default_admin_key, default_demo_console_password, default_demo_login,
    load_default,
};
pub use parse::{Fixture, load, parse};

/// A fixture error: where and why.
#[derive(Debug)]
pub struct FixtureError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub reason: String,
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fixture {}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.reason
        )
    }
}

impl std::error::Error for FixtureError {}

/// A position in a fixture file, for errors found after parsing.
#[derive(Debug, Clone)]
struct Origin {
    file: PathBuf,
    line: usize,
    column: usize,
}

impl Origin {
    fn error(&self, reason: impl Into<String>) -> FixtureError {
        FixtureError {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            reason: reason.into(),
        }
    }
}

struct Locator<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Locator<'_> {
    fn origin(&self, span: Range<usize>) -> Origin {
        let before = &self.text[..span.start.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        Origin {
            file: self.file.to_owned(),
            line,
            column,
        }
    }

    fn at<T>(&self, spanned: &Spanned<T>) -> Origin {
        self.origin(spanned.span())
    }
}

fn status(
    loc: &Locator<'_>,
    s: &Option<Spanned<String>>,
) -> Result<CredentialStatus, FixtureError> {
    match s {
        None => Ok(CredentialStatus::Active),
        Some(s) => CredentialStatus::parse(s.get_ref())
            .ok_or_else(|| loc.at(s).error("status must be \"Active\" or \"Inactive\"")),
    }
}

/// A validated SSH key: where it was given, its optional fixed ID, the key, its status.
type FixtureSshKey = (Origin, Option<String>, RsaPublicKey, CredentialStatus);

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> FixtureError {
        parse(Path::new("t.toml"), text).unwrap_err()
    }

    #[test]
    fn default_fixture_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        let f = load_default(dir.path()).unwrap();
        assert_eq!(f.users.len(), 2);
        assert_eq!(f.repositories.len(), 1);
        let (user, _) = default_demo_login().unwrap();
        assert_eq!(user, "demo");
    }

    #[test]
    fn errors_name_line_and_reason() {
        let e = err("[[users]]\nname = \"a\"\nbogus = 1\n");
        assert_eq!((e.line, e.reason.contains("bogus")), (3, true), "{e}");
        let e = err("[[users]]\nname = \"a\"\n[[users]]\nname = \"A\"\n");
        assert_eq!(e.line, 4);
        assert!(e.reason.contains("duplicate user"), "{e}");
        let e = err(
            "[[users]]\nname = \"a\"\n  [[users.access_keys]]\n  id = \"AKIA1\"\n  secret = \"x\"\n",
        );
        assert_eq!(e.line, 4, "{e}");
        let e = err("[[repositories]]\nname = \"x.git\"\n");
        assert_eq!(e.line, 2);
        let e = err("[[repositories]]\nname = \"ok\"\ncontent = \"nope/none\"\n");
        assert!(e.reason.contains("does not exist"), "{e}");
        let e = err("account_id = \"12\"\n");
        assert_eq!(e.line, 1);
        let e = err(
            "[[users]]\nname = \"a\"\n  [[users.ssh_keys]]\n  public_key = \"ssh-ed25519 AAAA\"\n",
        );
        assert!(e.reason.contains("recognized"), "{e}");
        assert_eq!(e.to_string().split(':').nth(1), Some("4"));
    }
}
