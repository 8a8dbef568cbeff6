//! Rows and queries of what serves credentials without an IAM user: instance profiles (and
//! the one the instance-metadata listener serves), container credential endpoints, and
//! OpenID Connect providers.

use rusqlite::{Connection, OptionalExtension, Row, params};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfileRow {
    pub instance_profile_id: String,
    pub account_id: String,
    pub name: String,
    pub path: String,
    pub created_at: String,
}

impl InstanceProfileRow {
    /// `arn:aws:iam::123456789012:instance-profile/path/name`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:instance-profile{}{}",
            self.account_id, self.path, self.name
        )
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(InstanceProfileRow {
            instance_profile_id: r.get(0)?,
            account_id: r.get(1)?,
            name: r.get(2)?,
            path: r.get(3)?,
            created_at: r.get(4)?,
        })
    }
}

const PROFILE_COLUMNS: &str = "p.instance_profile_id, p.account_id, p.name, p.path, p.created_at";

pub fn insert_instance_profile(c: &Connection, p: &InstanceProfileRow) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO instance_profiles (instance_profile_id, account_id, name, path, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            p.instance_profile_id,
            p.account_id,
            p.name,
            p.path,
            p.created_at
        ],
    )?;
    Ok(())
}

pub fn find_instance_profile(
    c: &Connection,
    account_id: &str,
    name: &str,
) -> rusqlite::Result<Option<InstanceProfileRow>> {
    c.prepare_cached(&format!(
        "SELECT {PROFILE_COLUMNS} FROM instance_profiles p
         WHERE p.account_id = ?1 AND p.name = ?2 COLLATE NOCASE"
    ))?
    .query_row(params![account_id, name], InstanceProfileRow::from_row)
    .optional()
}

pub fn list_instance_profiles(
    c: &Connection,
    account_id: &str,
    path_prefix: &str,
) -> rusqlite::Result<Vec<InstanceProfileRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {PROFILE_COLUMNS} FROM instance_profiles p
         WHERE p.account_id = ?1 AND substr(p.path, 1, length(?2)) = ?2
         ORDER BY p.name COLLATE NOCASE"
    ))?;
    stmt.query_map(
        params![account_id, path_prefix],
        InstanceProfileRow::from_row,
    )?
    .collect()
}

/// The instance profiles holding the role `role_id`.
pub fn instance_profiles_for_role(
    c: &Connection,
    role_id: &str,
) -> rusqlite::Result<Vec<InstanceProfileRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {PROFILE_COLUMNS} FROM instance_profiles p
         JOIN instance_profile_roles r ON r.instance_profile_id = p.instance_profile_id
         WHERE r.role_id = ?1 ORDER BY p.name COLLATE NOCASE"
    ))?;
    stmt.query_map([role_id], InstanceProfileRow::from_row)?
        .collect()
}

pub fn delete_instance_profile(c: &Connection, id: &str) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "DELETE FROM instance_profiles WHERE instance_profile_id = ?1",
        [id],
    )? == 1)
}

/// The role the instance profile holds (IAM allows one).
pub fn profile_role_id(c: &Connection, profile_id: &str) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT role_id FROM instance_profile_roles WHERE instance_profile_id = ?1")?
        .query_row([profile_id], |r| r.get(0))
        .optional()
}

pub fn set_profile_role(c: &Connection, profile_id: &str, role_id: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO instance_profile_roles (instance_profile_id, role_id) VALUES (?1, ?2)",
        params![profile_id, role_id],
    )?;
    Ok(())
}

pub fn remove_profile_role(
    c: &Connection,
    profile_id: &str,
    role_id: &str,
) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "DELETE FROM instance_profile_roles WHERE instance_profile_id = ?1 AND role_id = ?2",
        params![profile_id, role_id],
    )? == 1)
}

pub fn profile_tags(c: &Connection, profile_id: &str) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT key, value FROM instance_profile_tags WHERE instance_profile_id = ?1 ORDER BY rowid",
    )?;
    stmt.query_map([profile_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

pub fn insert_profile_tag(
    c: &Connection,
    profile_id: &str,
    key: &str,
    value: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO instance_profile_tags (instance_profile_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (instance_profile_id, key) DO UPDATE SET value = excluded.value",
        params![profile_id, key, value],
    )?;
    Ok(())
}

/// What the instance-metadata listener serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImdsInstance {
    pub account_id: String,
    pub instance_profile_name: String,
    pub lifetime_seconds: i64,
}

pub fn imds_instance(c: &Connection) -> rusqlite::Result<Option<ImdsInstance>> {
    c.prepare_cached(
        "SELECT account_id, instance_profile_name, lifetime_seconds FROM imds_instance",
    )?
    .query_row([], |r| {
        Ok(ImdsInstance {
            account_id: r.get(0)?,
            instance_profile_name: r.get(1)?,
            lifetime_seconds: r.get(2)?,
        })
    })
    .optional()
}

pub fn set_imds_instance(c: &Connection, i: &ImdsInstance) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO imds_instance (id, account_id, instance_profile_name, lifetime_seconds)
         VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id,
           instance_profile_name = excluded.instance_profile_name,
           lifetime_seconds = excluded.lifetime_seconds",
        params![i.account_id, i.instance_profile_name, i.lifetime_seconds],
    )?;
    Ok(())
}

/// A container credentials endpoint (`/container-credentials/NAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerCredentialsRow {
    pub name: String,
    pub account_id: String,
    pub role_id: String,
    /// SHA-256 of the authorization token.
    pub token_hash: Vec<u8>,
    pub lifetime_seconds: i64,
}

pub fn find_container_credentials(
    c: &Connection,
    name: &str,
) -> rusqlite::Result<Option<ContainerCredentialsRow>> {
    c.prepare_cached(
        "SELECT name, account_id, role_id, token_hash, lifetime_seconds
         FROM container_credentials WHERE name = ?1",
    )?
    .query_row([name], |r| {
        Ok(ContainerCredentialsRow {
            name: r.get(0)?,
            account_id: r.get(1)?,
            role_id: r.get(2)?,
            token_hash: r.get(3)?,
            lifetime_seconds: r.get(4)?,
        })
    })
    .optional()
}

pub fn put_container_credentials(
    c: &Connection,
    row: &ContainerCredentialsRow,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO container_credentials (name, account_id, role_id, token_hash, lifetime_seconds)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (name) DO UPDATE SET account_id = excluded.account_id,
           role_id = excluded.role_id, token_hash = excluded.token_hash,
           lifetime_seconds = excluded.lifetime_seconds",
        params![
            row.name,
            row.account_id,
            row.role_id,
            row.token_hash,
            row.lifetime_seconds
        ],
    )?;
    Ok(())
}

/// An IAM OpenID Connect provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProviderRow {
    pub arn: String,
    pub account_id: String,
    /// The issuer URL as registered (`https://host/path`).
    pub url: String,
    /// The issuer's JSON Web Key Set, when a fixture gave it.
    pub jwks: Option<String>,
    pub created_at: String,
}

impl OidcProviderRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(OidcProviderRow {
            arn: r.get(0)?,
            account_id: r.get(1)?,
            url: r.get(2)?,
            jwks: r.get(3)?,
            created_at: r.get(4)?,
        })
    }
}

const OIDC_COLUMNS: &str = "arn, account_id, url, jwks, created_at";

pub fn insert_oidc_provider(c: &Connection, p: &OidcProviderRow) -> rusqlite::Result<()> {
    c.execute(
        &format!("INSERT INTO oidc_providers ({OIDC_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"),
        params![p.arn, p.account_id, p.url, p.jwks, p.created_at],
    )?;
    Ok(())
}

pub fn set_oidc_jwks(c: &Connection, arn: &str, jwks: Option<&str>) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE oidc_providers SET jwks = ?2 WHERE arn = ?1",
        params![arn, jwks],
    )?;
    Ok(())
}

pub fn find_oidc_provider(c: &Connection, arn: &str) -> rusqlite::Result<Option<OidcProviderRow>> {
    c.prepare_cached(&format!(
        "SELECT {OIDC_COLUMNS} FROM oidc_providers WHERE arn = ?1"
    ))?
    .query_row([arn], OidcProviderRow::from_row)
    .optional()
}

pub fn list_oidc_providers(
    c: &Connection,
    account_id: &str,
) -> rusqlite::Result<Vec<OidcProviderRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {OIDC_COLUMNS} FROM oidc_providers WHERE account_id = ?1 ORDER BY arn"
    ))?;
    stmt.query_map([account_id], OidcProviderRow::from_row)?
        .collect()
}

pub fn delete_oidc_provider(c: &Connection, arn: &str) -> rusqlite::Result<bool> {
    Ok(c.execute("DELETE FROM oidc_providers WHERE arn = ?1", [arn])? == 1)
}

/// A provider's list-valued attributes: client IDs, thumbprints.
#[derive(Debug, Clone, Copy)]
pub enum OidcList {
    ClientIds,
    Thumbprints,
}

impl OidcList {
    fn table_and_column(self) -> (&'static str, &'static str) {
        match self {
            OidcList::ClientIds => ("oidc_provider_client_ids", "client_id"),
            OidcList::Thumbprints => ("oidc_provider_thumbprints", "thumbprint"),
        }
    }
}

pub fn oidc_list(c: &Connection, arn: &str, list: OidcList) -> rusqlite::Result<Vec<String>> {
    let (table, column) = list.table_and_column();
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {column} FROM {table} WHERE arn = ?1 ORDER BY rowid"
    ))?;
    stmt.query_map([arn], |r| r.get(0))?.collect()
}

/// Adds `value` (kept once); whether it was new.
pub fn oidc_list_add(
    c: &Connection,
    arn: &str,
    list: OidcList,
    value: &str,
) -> rusqlite::Result<bool> {
    let (table, column) = list.table_and_column();
    Ok(c.execute(
        &format!("INSERT OR IGNORE INTO {table} (arn, {column}) VALUES (?1, ?2)"),
        params![arn, value],
    )? == 1)
}

pub fn oidc_list_remove(
    c: &Connection,
    arn: &str,
    list: OidcList,
    value: &str,
) -> rusqlite::Result<bool> {
    let (table, column) = list.table_and_column();
    Ok(c.execute(
        &format!("DELETE FROM {table} WHERE arn = ?1 AND {column} = ?2"),
        params![arn, value],
    )? == 1)
}

pub fn oidc_list_clear(c: &Connection, arn: &str, list: OidcList) -> rusqlite::Result<()> {
    let (table, _) = list.table_and_column();
    c.execute(&format!("DELETE FROM {table} WHERE arn = ?1"), [arn])?;
    Ok(())
}

pub fn oidc_tags(c: &Connection, arn: &str) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT key, value FROM oidc_provider_tags WHERE arn = ?1 ORDER BY rowid",
    )?;
    stmt.query_map([arn], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

pub fn put_oidc_tag(c: &Connection, arn: &str, key: &str, value: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO oidc_provider_tags (arn, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
        params![arn, key, value],
    )?;
    Ok(())
}

pub fn delete_oidc_tag(c: &Connection, arn: &str, key: &str) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM oidc_provider_tags WHERE arn = ?1 AND key = ?2",
        params![arn, key],
    )?;
    Ok(())
}
