//! The default fixture compiled into the binary, and the credentials it gives the demo
//! user and the admin (for the ready banner, while they are unchanged).

use std::path::Path;

use super::parse::FileDoc;
use super::{Fixture, FixtureError, load};
use crate::secret::Secret;

/// The default fixture compiled into the binary, with the files it refers to.
pub const DEFAULT_FIXTURE: &str = include_str!("../../../fixtures/default.toml");

pub(super) const DEFAULT_FIXTURE_FILES: &[(&str, &str)] = &[(
    "repos/demo/README.md",
    include_str!("../../../fixtures/repos/demo/README.md"),
)];

/// The embedded default fixture, written out with its files to `dir` and loaded.
pub fn load_default(dir: &Path) -> Result<Fixture, FixtureError> {
    let io = |e: std::io::Error| FixtureError {
        file: dir.join("default.toml"),
        line: 0,
        column: 0,
        reason: format!("writing the embedded default fixture: {e}"),
    };
    for (rel, text) in DEFAULT_FIXTURE_FILES {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("relative file has a parent")).map_err(io)?;
        std::fs::write(&p, text).map_err(io)?;
    }
    let path = dir.join("default.toml");
    std::fs::write(&path, DEFAULT_FIXTURE).map_err(io)?;
    load(&path)
}

/// The default fixture's demo user and Git credential password, for the banner.
pub fn default_demo_login() -> Option<(String, Secret)> {
    let doc: FileDoc = toml::from_str(DEFAULT_FIXTURE).ok()?;
    let user = doc.users.into_iter().find(|u| u.name.get_ref() == "demo")?;
    let credential = user.git_credentials.into_iter().next()?;
    Some((
        user.name.into_inner(),
        Secret::new(credential.password.into_inner()),
    ))
}

/// The default fixture's demo console password, for the banner.
pub fn default_demo_console_password() -> Option<Secret> {
    let doc: FileDoc = toml::from_str(DEFAULT_FIXTURE).ok()?;
    let user = doc.users.into_iter().find(|u| u.name.get_ref() == "demo")?;
    Some(Secret::new(user.console_password?.into_inner()))
}

/// The default fixture's admin access key (ID, secret), for the banner.
pub fn default_admin_key() -> Option<(String, Secret)> {
    let doc: FileDoc = toml::from_str(DEFAULT_FIXTURE).ok()?;
    let user = doc
        .users
        .into_iter()
        .find(|u| u.name.get_ref() == "admin")?;
    let key = user.access_keys.into_iter().next()?;
    Some((key.id.into_inner(), Secret::new(key.secret.into_inner())))
}
