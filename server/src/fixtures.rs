//! Fixture files: declarative, idempotent seed data in TOML (users, access keys, Git
//! credentials, SSH keys, repositories). Every file is parsed and validated before anything
//! is written; then all of them are applied in one store transaction, so a bad fixture
//! stops the start with file, line and reason and leaves the store untouched.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::codecommit::repositories::{self, NewRepository};
use crate::context::Context;
use crate::iam::ids::IdKind;
use crate::iam::ssh_keys::{self, RsaPublicKey};
use crate::iam::{self, CODECOMMIT_SERVICE, credentials, names, users};
use crate::secret::Secret;
use crate::store::iam as rows;
use crate::store::{AccessKeyRow, CredentialStatus, SshKeyRow, now_timestamp};

/// The default fixture compiled into the binary, with the files it refers to.
pub const DEFAULT_FIXTURE: &str = include_str!("../../fixtures/default.toml");
const DEFAULT_FIXTURE_FILES: &[(&str, &str)] = &[(
    "repos/demo/README.md",
    include_str!("../../fixtures/repos/demo/README.md"),
)];

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    account_id: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
    #[serde(default)]
    users: Vec<UserDoc>,
    #[serde(default)]
    repositories: Vec<RepositoryDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserDoc {
    name: Spanned<String>,
    path: Option<Spanned<String>>,
    #[serde(default)]
    policies: Vec<Spanned<String>>,
    #[serde(default)]
    access_keys: Vec<AccessKeyDoc>,
    #[serde(default)]
    git_credentials: Vec<GitCredentialDoc>,
    #[serde(default)]
    ssh_keys: Vec<SshKeyDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessKeyDoc {
    id: Spanned<String>,
    secret: Spanned<String>,
    status: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GitCredentialDoc {
    password: Spanned<String>,
    status: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SshKeyDoc {
    public_key_file: Option<Spanned<String>>,
    public_key: Option<Spanned<String>>,
    id: Option<Spanned<String>>,
    status: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RepositoryDoc {
    name: Spanned<String>,
    description: Option<Spanned<String>>,
    default_branch: Option<Spanned<String>>,
    content: Option<Spanned<String>>,
}

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

/// A validated fixture file, ready to apply.
#[derive(Debug)]
pub struct Fixture {
    pub path: PathBuf,
    account_id: Option<String>,
    region: Option<String>,
    users: Vec<FixtureUser>,
    repositories: Vec<FixtureRepository>,
}

#[derive(Debug)]
struct FixtureUser {
    origin: Origin,
    name: String,
    path: String,
    policy_arns: Vec<String>,
    access_keys: Vec<(Origin, String, Secret, CredentialStatus)>,
    git_credentials: Vec<(Origin, Secret, CredentialStatus)>,
    ssh_keys: Vec<(Origin, Option<String>, RsaPublicKey, CredentialStatus)>,
}

#[derive(Debug)]
struct FixtureRepository {
    origin: Origin,
    name: String,
    description: Option<String>,
    default_branch: Option<String>,
    content: Option<PathBuf>,
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

/// Reads, parses and validates a fixture file (and the key files and content directories it
/// names). Nothing is written.
pub fn load(path: &Path) -> Result<Fixture, FixtureError> {
    let text = std::fs::read_to_string(path).map_err(|e| FixtureError {
        file: path.to_owned(),
        line: 0,
        column: 0,
        reason: format!("cannot read: {e}"),
    })?;
    parse(path, &text)
}

/// Parses and validates fixture text; relative paths resolve against `path`'s directory.
pub fn parse(path: &Path, text: &str) -> Result<Fixture, FixtureError> {
    let loc = Locator { file: path, text };
    let doc: FileDoc = toml::from_str(text).map_err(|e| {
        let origin = loc.origin(e.span().unwrap_or(0..0));
        origin.error(e.message().to_owned())
    })?;
    let base = path.parent().unwrap_or(Path::new("."));

    if let Some(a) = &doc.account_id
        && !(a.get_ref().len() == 12 && a.get_ref().bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(loc.at(a).error("account_id must be 12 digits"));
    }
    if let Some(r) = &doc.region
        && !is_valid_region(r.get_ref())
    {
        return Err(loc.at(r).error("region must look like us-east-1"));
    }

    let mut user_names = HashSet::new();
    let mut access_key_ids = HashSet::new();
    let mut ssh_key_ids = HashSet::new();
    let mut users = Vec::new();
    for u in &doc.users {
        let origin = loc.at(&u.name);
        let name = u.name.get_ref().clone();
        if !names::is_valid_user_name(&name) {
            return Err(origin.error(format!(
                "invalid user name {name:?}: 1-64 letters, digits or _+=,.@-"
            )));
        }
        if !user_names.insert(name.to_ascii_lowercase()) {
            return Err(origin.error(format!("duplicate user {name:?}")));
        }
        let path = match &u.path {
            None => "/".to_owned(),
            Some(p) if names::is_valid_path(p.get_ref()) => p.get_ref().clone(),
            Some(p) => return Err(loc.at(p).error("path must start and end with /")),
        };
        let mut policy_arns = Vec::new();
        for p in &u.policies {
            if !names::is_valid_user_name(p.get_ref()) || p.get_ref().len() > 128 {
                return Err(loc
                    .at(p)
                    .error(format!("invalid policy name {:?}", p.get_ref())));
            }
            policy_arns.push(format!("arn:aws:iam::aws:policy/{}", p.get_ref()));
        }
        if u.access_keys.len() > iam::MAX_ACCESS_KEYS_PER_USER {
            return Err(origin.error("Cannot exceed quota for AccessKeysPerUser: 2"));
        }
        let mut access_keys = Vec::new();
        for k in &u.access_keys {
            let id = k.id.get_ref();
            if !IdKind::AccessKey.matches(id) {
                return Err(loc.at(&k.id).error(
                    "access key id must be AKIA followed by 16 upper-case letters or digits",
                ));
            }
            if !access_key_ids.insert(id.clone()) {
                return Err(loc.at(&k.id).error(format!("duplicate access key {id}")));
            }
            let secret = k.secret.get_ref();
            if secret.len() != 40
                || !secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
            {
                return Err(loc
                    .at(&k.secret)
                    .error("secret must be 40 characters of letters, digits, / and +"));
            }
            access_keys.push((
                loc.at(&k.id),
                id.clone(),
                Secret::new(secret.as_str()),
                status(&loc, &k.status)?,
            ));
        }
        if u.git_credentials.len() > iam::MAX_SERVICE_CREDENTIALS_PER_SERVICE {
            return Err(origin
                .error("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2"));
        }
        let mut git_credentials = Vec::new();
        for g in &u.git_credentials {
            let p = g.password.get_ref();
            if p.is_empty() || p.len() > 128 || p.chars().any(|c| c.is_control()) {
                return Err(loc
                    .at(&g.password)
                    .error("password must be 1-128 characters without control characters"));
            }
            git_credentials.push((
                loc.at(&g.password),
                Secret::new(p.as_str()),
                status(&loc, &g.status)?,
            ));
        }
        if u.ssh_keys.len() > iam::MAX_SSH_KEYS_PER_USER {
            return Err(origin.error("Cannot exceed quota for PublicKeysPerUser: 5"));
        }
        let mut ssh_keys = Vec::new();
        let mut fingerprints = HashSet::new();
        for k in &u.ssh_keys {
            let (key_origin, body) = match (&k.public_key, &k.public_key_file) {
                (Some(text), None) => (loc.at(text), text.get_ref().clone()),
                (None, Some(file)) => {
                    let p = base.join(file.get_ref());
                    let body = std::fs::read_to_string(&p).map_err(|e| {
                        loc.at(file)
                            .error(format!("cannot read {}: {e}", p.display()))
                    })?;
                    (loc.at(file), body)
                }
                _ => {
                    return Err(loc.at(&u.name).error(
                        "each ssh_keys entry needs exactly one of public_key and public_key_file",
                    ));
                }
            };
            let key = ssh_keys::parse_openssh(body.trim())
                .map_err(|e| key_origin.error(e.to_string()))?;
            if !fingerprints.insert(key.md5_fingerprint()) {
                return Err(
                    key_origin.error("the same SSH public key is listed twice for this user")
                );
            }
            let id = match &k.id {
                None => None,
                Some(id) => {
                    if !IdKind::SshKey.matches(id.get_ref()) {
                        return Err(loc.at(id).error(
                            "SSH key id must be APKA followed by 16 upper-case letters or digits",
                        ));
                    }
                    if !ssh_key_ids.insert(id.get_ref().clone()) {
                        return Err(loc
                            .at(id)
                            .error(format!("duplicate SSH key id {}", id.get_ref())));
                    }
                    Some(id.get_ref().clone())
                }
            };
            ssh_keys.push((key_origin, id, key, status(&loc, &k.status)?));
        }
        users.push(FixtureUser {
            origin,
            name,
            path,
            policy_arns,
            access_keys,
            git_credentials,
            ssh_keys,
        });
    }

    let mut repo_names = HashSet::new();
    let mut repos = Vec::new();
    for r in &doc.repositories {
        let origin = loc.at(&r.name);
        let name = r.name.get_ref().clone();
        repositories::validate_name(&name).map_err(|e| origin.error(e))?;
        if !repo_names.insert(name.clone()) {
            return Err(origin.error(format!("duplicate repository {name:?}")));
        }
        if let Some(d) = &r.description
            && d.get_ref().chars().count() > 1000
        {
            return Err(loc
                .at(d)
                .error("description must be at most 1000 characters"));
        }
        if let Some(b) = &r.default_branch
            && (b.get_ref().is_empty()
                || b.get_ref().len() > 256
                || !git2::Reference::is_valid_name(&format!("refs/heads/{}", b.get_ref())))
        {
            return Err(loc
                .at(b)
                .error(format!("invalid branch name {:?}", b.get_ref())));
        }
        let content = match &r.content {
            None => None,
            Some(c) => {
                let dir = base.join(c.get_ref());
                if !dir.is_dir() {
                    return Err(loc.at(c).error(format!(
                        "content directory {} does not exist",
                        dir.display()
                    )));
                }
                Some(dir)
            }
        };
        repos.push(FixtureRepository {
            origin,
            name,
            description: r.description.as_ref().map(|d| d.get_ref().clone()),
            default_branch: r.default_branch.as_ref().map(|b| b.get_ref().clone()),
            content,
        });
    }

    Ok(Fixture {
        path: path.to_owned(),
        account_id: doc.account_id.map(|a| a.into_inner()),
        region: doc.region.map(|r| r.into_inner()),
        users,
        repositories: repos,
    })
}

fn is_valid_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

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

/// What applying fixtures changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub users_created: usize,
    pub repositories_created: usize,
}

/// Applies validated fixtures in one transaction. Idempotent: what exists is kept (users
/// by name, access keys and SSH keys by ID, Git credentials by password, repositories by
/// name); access key secrets and credential statuses follow the fixture.
pub fn apply(ctx: &Context, fixtures: &[Fixture]) -> Result<Applied, FixtureError> {
    let mut applied = Applied::default();
    // Build new repositories on disk first, outside the transaction.
    let mut prepared = Vec::new();
    for f in fixtures {
        let account = f.account_id.as_deref().unwrap_or(&ctx.account_id);
        let region = f.region.as_deref().unwrap_or(&ctx.region);
        for r in &f.repositories {
            let exists = repositories::find(&ctx.store, account, region, &r.name)
                .map_err(|e| r.origin.error(e.to_string()))?
                .is_some();
            if exists {
                continue;
            }
            let new = NewRepository {
                account_id: account.to_owned(),
                region: region.to_owned(),
                name: r.name.clone(),
                description: r.description.clone(),
                default_branch: r.default_branch.clone(),
                content: r.content.clone(),
            };
            let p = repositories::prepare(&ctx.repos_root, &new)
                .map_err(|e| r.origin.error(e.to_string()))?;
            prepared.push((r.origin.clone(), p));
        }
    }
    let mut placed = Vec::new();
    let result = ctx.store.write(|tx| {
        let now = now_timestamp();
        for f in fixtures {
            let account = f.account_id.as_deref().unwrap_or(&ctx.account_id);
            let in_file = |e: rusqlite::Error| f_error(f, e);
            rows::ensure_account(tx, account, &now).map_err(in_file)?;
            for u in &f.users {
                apply_user(ctx, tx, account, u, &mut applied)?;
            }
        }
        for (origin, p) in prepared {
            let (_, dir) = repositories::install(tx, &ctx.repos_root, p)
                .map_err(|e| origin.error(e.to_string()))?;
            placed.push(dir);
            applied.repositories_created += 1;
        }
        Ok::<_, FixtureError>(())
    });
    match result {
        Ok(()) => Ok(applied),
        Err(e) => {
            for dir in placed {
                let _ = std::fs::remove_dir_all(dir);
            }
            Err(e)
        }
    }
}

fn f_error(f: &Fixture, e: rusqlite::Error) -> FixtureError {
    FixtureError {
        file: f.path.clone(),
        line: 0,
        column: 0,
        reason: e.to_string(),
    }
}

impl From<rusqlite::Error> for FixtureError {
    fn from(e: rusqlite::Error) -> Self {
        FixtureError {
            file: PathBuf::new(),
            line: 0,
            column: 0,
            reason: e.to_string(),
        }
    }
}

fn apply_user(
    ctx: &Context,
    tx: &rusqlite::Transaction<'_>,
    account: &str,
    u: &FixtureUser,
    applied: &mut Applied,
) -> Result<(), FixtureError> {
    let db = |e: rusqlite::Error| u.origin.error(e.to_string());
    let user = match rows::find_user_by_name(tx, account, &u.name).map_err(db)? {
        Some(existing) => existing,
        None => {
            let row = users::new_user(account, &u.name, &u.path);
            rows::insert_user(tx, &row).map_err(db)?;
            applied.users_created += 1;
            row
        }
    };
    for arn in &u.policy_arns {
        crate::store::policies::attach(
            tx,
            crate::store::policies::OwnerKind::User,
            &user.user_id,
            arn,
        )
        .map_err(db)?;
    }
    for (origin, id, secret, status) in &u.access_keys {
        if let Some(existing) = rows::find_access_key(tx, id).map_err(db)?
            && existing.user_id != user.user_id
        {
            return Err(origin.error(format!("access key {id} belongs to another user")));
        }
        rows::upsert_access_key(
            tx,
            &AccessKeyRow {
                access_key_id: id.clone(),
                user_id: user.user_id.clone(),
                secret_access_key: secret.clone(),
                status: *status,
                created_at: now_timestamp(),
            },
        )
        .map_err(db)?;
        if rows::count_access_keys(tx, &user.user_id).map_err(db)? > iam::MAX_ACCESS_KEYS_PER_USER {
            return Err(origin.error("Cannot exceed quota for AccessKeysPerUser: 2"));
        }
    }
    for (origin, password, status) in &u.git_credentials {
        let found = credentials::find_by_password(
            tx,
            &ctx.hasher,
            &user.user_id,
            CODECOMMIT_SERVICE,
            password,
        )
        .map_err(db)?;
        match found {
            Some(cred) => {
                credentials::set_status(tx, &cred.credential_id, *status).map_err(db)?;
            }
            None => {
                credentials::create(
                    tx,
                    &ctx.hasher,
                    &user,
                    CODECOMMIT_SERVICE,
                    password,
                    *status,
                )
                .map_err(|e| origin.error(e.to_string()))?;
            }
        }
    }
    let existing_keys = rows::list_ssh_keys(tx, &user.user_id).map_err(db)?;
    let mut count = existing_keys.len();
    for (origin, id, key, status) in &u.ssh_keys {
        let fingerprint = key.md5_fingerprint();
        if let Some(id) = id
            && let Some(owner) = rows::ssh_key_owner(tx, id).map_err(db)?
        {
            if owner != user.user_id {
                return Err(origin.error(format!("SSH key {id} belongs to another user")));
            }
            continue;
        }
        if existing_keys.iter().any(|k| k.fingerprint == fingerprint) {
            continue;
        }
        count += 1;
        if count > iam::MAX_SSH_KEYS_PER_USER {
            return Err(origin.error("Cannot exceed quota for PublicKeysPerUser: 5"));
        }
        rows::insert_ssh_key(
            tx,
            &SshKeyRow {
                ssh_key_id: id.clone().unwrap_or_else(|| IdKind::SshKey.generate()),
                user_id: user.user_id.clone(),
                body: key.openssh(),
                fingerprint,
                status: *status,
                uploaded_at: now_timestamp(),
            },
        )
        .map_err(db)?;
    }
    Ok(())
}

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
