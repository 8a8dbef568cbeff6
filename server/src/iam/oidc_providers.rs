//! IAM OpenID Connect providers: the issuers whose tokens AssumeRoleWithWebIdentity accepts.
//! The ARN names the issuer without its scheme
//! (`arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com`).

use rusqlite::Connection;

use crate::iam::IamError;
use crate::store::now_timestamp;
use crate::store::workloads::{self as rows, OidcList, OidcProviderRow};

pub const MAX_CLIENT_IDS: usize = 100;
pub const MAX_THUMBPRINTS: usize = 5;

/// A provider with its lists and tags, as GetOpenIDConnectProvider returns it.
pub struct Provider {
    pub row: OidcProviderRow,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub tags: Vec<(String, String)>,
}

/// The issuer without `https://` and a trailing `/`: what the ARN and `Url` show, and what
/// a token's `iss` is compared with.
pub fn issuer_host_path(url: &str) -> &str {
    url.strip_prefix("https://")
        .unwrap_or(url)
        .trim_end_matches('/')
}

pub fn arn_for(account_id: &str, url: &str) -> String {
    format!(
        "arn:aws:iam::{account_id}:oidc-provider/{}",
        issuer_host_path(url)
    )
}

fn not_found(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("OpenIDConnect Provider not found for arn {arn}"))
}

fn check_thumbprints(thumbprints: &[String]) -> Result<(), IamError> {
    if thumbprints.len() > MAX_THUMBPRINTS {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: {MAX_THUMBPRINTS}"
        )));
    }
    if let Some(bad) = thumbprints
        .iter()
        .find(|t| t.len() != 40 || !t.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(IamError::InvalidInput(format!(
            "Thumbprint {bad} is not a valid SHA-1 fingerprint: 40 hexadecimal characters"
        )));
    }
    Ok(())
}

/// What CreateOpenIDConnectProvider takes.
pub struct NewProvider<'a> {
    pub account_id: &'a str,
    pub url: &'a str,
    pub client_ids: &'a [String],
    pub thumbprints: &'a [String],
    pub tags: &'a [(String, String)],
    /// The issuer's keys (fixtures).
    pub jwks: Option<&'a str>,
}

pub fn create(c: &Connection, new: &NewProvider<'_>) -> Result<OidcProviderRow, IamError> {
    let rest = new.url.strip_prefix("https://").ok_or_else(|| {
        IamError::Validation(format!(
            "Invalid URL {}: it must begin with https://",
            new.url
        ))
    })?;
    if rest.is_empty() || rest.starts_with('/') || rest.contains(['?', '#']) {
        return Err(IamError::Validation(format!("Invalid URL {}", new.url)));
    }
    if new.client_ids.len() > MAX_CLIENT_IDS {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
        )));
    }
    check_thumbprints(new.thumbprints)?;
    let arn = arn_for(new.account_id, new.url);
    if rows::find_oidc_provider(c, &arn)?.is_some() {
        return Err(IamError::EntityAlreadyExists(format!(
            "Provider with url {} already exists.",
            new.url
        )));
    }
    let row = OidcProviderRow {
        arn,
        account_id: new.account_id.to_owned(),
        url: format!("https://{}", issuer_host_path(new.url)),
        jwks: new.jwks.map(str::to_owned),
        created_at: now_timestamp(),
    };
    rows::insert_oidc_provider(c, &row)?;
    for id in new.client_ids {
        rows::oidc_list_add(c, &row.arn, OidcList::ClientIds, id)?;
    }
    for t in new.thumbprints {
        rows::oidc_list_add(c, &row.arn, OidcList::Thumbprints, &t.to_ascii_lowercase())?;
    }
    for (k, v) in new.tags {
        rows::put_oidc_tag(c, &row.arn, k, v)?;
    }
    Ok(row)
}

/// The provider `arn` of the caller's account.
pub fn get_row(c: &Connection, account_id: &str, arn: &str) -> Result<OidcProviderRow, IamError> {
    rows::find_oidc_provider(c, arn)?
        .filter(|p| p.account_id == account_id)
        .ok_or_else(|| not_found(arn))
}

pub fn load(c: &Connection, row: OidcProviderRow) -> Result<Provider, IamError> {
    Ok(Provider {
        client_ids: rows::oidc_list(c, &row.arn, OidcList::ClientIds)?,
        thumbprints: rows::oidc_list(c, &row.arn, OidcList::Thumbprints)?,
        tags: rows::oidc_tags(c, &row.arn)?,
        row,
    })
}

/// DeleteOpenIDConnectProvider: idempotent, as IAM documents it.
pub fn delete(c: &Connection, account_id: &str, arn: &str) -> Result<(), IamError> {
    if let Some(p) = rows::find_oidc_provider(c, arn)?
        && p.account_id == account_id
    {
        rows::delete_oidc_provider(c, arn)?;
    }
    Ok(())
}

pub fn set_thumbprints(
    c: &Connection,
    account_id: &str,
    arn: &str,
    thumbprints: &[String],
) -> Result<(), IamError> {
    let p = get_row(c, account_id, arn)?;
    check_thumbprints(thumbprints)?;
    rows::oidc_list_clear(c, &p.arn, OidcList::Thumbprints)?;
    for t in thumbprints {
        rows::oidc_list_add(c, &p.arn, OidcList::Thumbprints, &t.to_ascii_lowercase())?;
    }
    Ok(())
}

/// AddClientIDToOpenIDConnectProvider (adding one that is there already changes nothing).
pub fn add_client_id(
    c: &Connection,
    account_id: &str,
    arn: &str,
    client_id: &str,
) -> Result<(), IamError> {
    let p = get_row(c, account_id, arn)?;
    let ids = rows::oidc_list(c, &p.arn, OidcList::ClientIds)?;
    if !ids.iter().any(|i| i == client_id) && ids.len() >= MAX_CLIENT_IDS {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
        )));
    }
    rows::oidc_list_add(c, &p.arn, OidcList::ClientIds, client_id)?;
    Ok(())
}

/// RemoveClientIDFromOpenIDConnectProvider (removing one that is not there is no error).
pub fn remove_client_id(
    c: &Connection,
    account_id: &str,
    arn: &str,
    client_id: &str,
) -> Result<(), IamError> {
    let p = get_row(c, account_id, arn)?;
    rows::oidc_list_remove(c, &p.arn, OidcList::ClientIds, client_id)?;
    Ok(())
}

/// Creates or updates a fixture's provider: its client IDs and keys follow the fixture.
pub fn ensure(c: &Connection, new: &NewProvider<'_>) -> Result<OidcProviderRow, IamError> {
    let arn = arn_for(new.account_id, new.url);
    match rows::find_oidc_provider(c, &arn)? {
        None => create(c, new),
        Some(row) => {
            rows::set_oidc_jwks(c, &arn, new.jwks)?;
            for id in new.client_ids {
                rows::oidc_list_add(c, &arn, OidcList::ClientIds, id)?;
            }
            Ok(OidcProviderRow {
                jwks: new.jwks.map(str::to_owned),
                ..row
            })
        }
    }
}
