//! Reading and validating fixture files: their TOML documents, checked into a [`Fixture`]
//! with every error's file, line and column. Nothing here writes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{FixtureError, FixtureSshKey, Locator, Origin, access, status, workloads};
use crate::codecommit::repositories;
use crate::iam::ids::IdKind;
use crate::iam::{self, names, ssh_keys};
use crate::secret::Secret;
use crate::store::CredentialStatus;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileDoc {
    pub(super) account_id: Option<Spanned<String>>,
    pub(super) region: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) users: Vec<UserDoc>,
    #[serde(default)]
    pub(super) groups: Vec<access::GroupDoc>,
    #[serde(default)]
    pub(super) repositories: Vec<RepositoryDoc>,
    #[serde(default)]
    pub(super) roles: Vec<workloads::RoleDoc>,
    pub(super) imds: Option<workloads::ImdsDoc>,
    #[serde(default)]
    pub(super) container_credentials: Vec<workloads::ContainerDoc>,
    #[serde(default)]
    pub(super) oidc_issuers: Vec<workloads::OidcIssuerDoc>,
    #[serde(default)]
    pub(super) webhooks: Vec<WebhookDoc>,
}

/// `[[webhooks]]`: events for `arn` (a trigger's SNS topic or Lambda function, or an
/// EventBridge bus) are also POSTed to `url`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WebhookDoc {
    pub(super) arn: Spanned<String>,
    pub(super) url: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UserDoc {
    pub(super) name: Spanned<String>,
    pub(super) path: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) policies: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) inline_policies: Vec<access::InlinePolicyDoc>,
    #[serde(default)]
    pub(super) groups: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) access_keys: Vec<AccessKeyDoc>,
    #[serde(default)]
    pub(super) git_credentials: Vec<GitCredentialDoc>,
    #[serde(default)]
    pub(super) ssh_keys: Vec<SshKeyDoc>,
    /// A console password (the user's login profile).
    pub(super) console_password: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AccessKeyDoc {
    pub(super) id: Spanned<String>,
    pub(super) secret: Spanned<String>,
    pub(super) status: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GitCredentialDoc {
    pub(super) password: Spanned<String>,
    pub(super) status: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SshKeyDoc {
    pub(super) public_key_file: Option<Spanned<String>>,
    pub(super) public_key: Option<Spanned<String>>,
    pub(super) id: Option<Spanned<String>>,
    pub(super) status: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RepositoryDoc {
    pub(super) name: Spanned<String>,
    pub(super) description: Option<Spanned<String>>,
    pub(super) default_branch: Option<Spanned<String>>,
    pub(super) content: Option<Spanned<String>>,
}

/// A validated fixture file, ready to apply.
#[derive(Debug)]
pub struct Fixture {
    pub path: PathBuf,
    pub(super) account_id: Option<String>,
    pub(super) region: Option<String>,
    pub(super) users: Vec<FixtureUser>,
    pub(super) groups: Vec<access::FixtureGroup>,
    pub(super) repositories: Vec<FixtureRepository>,
    pub(super) workloads: workloads::Workloads,
    /// (destination ARN, URL) of each `[[webhooks]]` entry.
    pub webhooks: Vec<(String, String)>,
}

#[derive(Debug)]
pub(super) struct FixtureUser {
    pub(super) origin: Origin,
    pub(super) name: String,
    pub(super) path: String,
    pub(super) permissions: access::Permissions,
    pub(super) groups: Vec<(Origin, String)>,
    pub(super) access_keys: Vec<(Origin, String, Secret, CredentialStatus)>,
    pub(super) git_credentials: Vec<(Origin, Secret, CredentialStatus)>,
    pub(super) ssh_keys: Vec<FixtureSshKey>,
    pub(super) console_password: Option<Secret>,
}

#[derive(Debug)]
pub(super) struct FixtureRepository {
    pub(super) origin: Origin,
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) default_branch: Option<String>,
    pub(super) content: Option<PathBuf>,
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

    let users = parse_users(&loc, base, &doc.users)?;
    let repos = parse_repositories(&loc, base, &doc.repositories)?;
    let mut webhooks = Vec::new();
    for w in &doc.webhooks {
        let arn = w.arn.get_ref();
        if !arn.starts_with("arn:aws") || arn.split(':').count() < 6 {
            return Err(loc
                .at(&w.arn)
                .error("arn must be an ARN (arn:aws:sns:REGION:ACCOUNT:TOPIC, …)"));
        }
        let url = w.url.get_ref();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(loc
                .at(&w.url)
                .error("url must start with http:// or https://"));
        }
        webhooks.push((arn.clone(), url.clone()));
    }

    Ok(Fixture {
        path: path.to_owned(),
        account_id: doc.account_id.map(|a| a.into_inner()),
        region: doc.region.map(|r| r.into_inner()),
        users,
        groups: access::groups(&loc, &doc.groups)?,
        repositories: repos,
        workloads: workloads::parse(
            &loc,
            base,
            &doc.roles,
            &doc.imds,
            &doc.container_credentials,
            &doc.oidc_issuers,
        )?,
        webhooks,
    })
}

/// The `[[users]]` entries, validated (names, keys and IDs unique across the file).
pub(super) fn parse_users(
    loc: &Locator<'_>,
    base: &Path,
    docs: &[UserDoc],
) -> Result<Vec<FixtureUser>, FixtureError> {
    let mut user_names = HashSet::new();
    let mut access_key_ids = HashSet::new();
    let mut ssh_key_ids = HashSet::new();
    let mut users = Vec::new();
    for u in docs {
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
        let permissions = access::permissions(loc, &u.policies, &u.inline_policies)?;
        let groups = u
            .groups
            .iter()
            .map(|g| (loc.at(g), g.get_ref().clone()))
            .collect();
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
                status(loc, &k.status)?,
            ));
        }
        if u.git_credentials.len() > iam::MAX_SERVICE_CREDENTIALS_PER_SERVICE {
            return Err(origin
                .error("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2"));
        }
        let mut git_credentials = Vec::new();
        for g in &u.git_credentials {
            git_credentials.push((
                loc.at(&g.password),
                fixture_password(loc, &g.password)?,
                status(loc, &g.status)?,
            ));
        }
        let console_password = match &u.console_password {
            Some(p) => Some(fixture_password(loc, p)?),
            None => None,
        };
        if u.ssh_keys.len() > iam::MAX_SSH_KEYS_PER_USER {
            return Err(origin.error("Cannot exceed quota for PublicKeysPerUser: 5"));
        }
        let ssh_keys = parse_ssh_keys(loc, base, u, &mut ssh_key_ids)?;
        users.push(FixtureUser {
            origin,
            name,
            path,
            permissions,
            groups,
            access_keys,
            git_credentials,
            ssh_keys,
            console_password,
        });
    }
    Ok(users)
}

/// A password a fixture fixes: 1–128 characters, none of them a control character.
pub(super) fn fixture_password(
    loc: &Locator<'_>,
    p: &Spanned<String>,
) -> Result<Secret, FixtureError> {
    let text = p.get_ref();
    if text.is_empty() || text.chars().count() > 128 || text.chars().any(|c| c.is_control()) {
        return Err(loc
            .at(p)
            .error("password must be 1-128 characters without control characters"));
    }
    Ok(Secret::new(text.as_str()))
}

/// One user's SSH keys: read (inline or from a file relative to `base`), parsed as IAM
/// parses them, IDs unique across the file (`ssh_key_ids`).
pub(super) fn parse_ssh_keys(
    loc: &Locator<'_>,
    base: &Path,
    u: &UserDoc,
    ssh_key_ids: &mut HashSet<String>,
) -> Result<Vec<FixtureSshKey>, FixtureError> {
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
        let key =
            ssh_keys::parse_openssh(body.trim()).map_err(|e| key_origin.error(e.to_string()))?;
        if !fingerprints.insert(key.md5_fingerprint()) {
            return Err(key_origin.error("the same SSH public key is listed twice for this user"));
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
        ssh_keys.push((key_origin, id, key, status(loc, &k.status)?));
    }
    Ok(ssh_keys)
}

/// The `[[repositories]]` entries, validated (content directories relative to `base`).
pub(super) fn parse_repositories(
    loc: &Locator<'_>,
    base: &Path,
    docs: &[RepositoryDoc],
) -> Result<Vec<FixtureRepository>, FixtureError> {
    let mut repo_names = HashSet::new();
    let mut repos = Vec::new();
    for r in docs {
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
    Ok(repos)
}

pub(super) fn is_valid_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}
