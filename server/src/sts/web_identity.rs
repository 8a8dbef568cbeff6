//! AssumeRoleWithWebIdentity: an OpenID Connect ID token in, a role session out. The token's
//! issuer must be an IAM OpenID Connect provider of the role's account; its signature must
//! verify against the issuer's keys (the server's own issuer's, or those a fixture gave);
//! `exp`, `nbf` and `aud` (one of the provider's client IDs) must hold; then the role's
//! trust policy decides over the token's claims (`HOST:sub`, `HOST:aud`, `HOST:amr`, …).

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::{ASSUME_ROLE_DEFAULT, TemporaryCredentials};
use crate::crypto::jwt::{self, IssuerKeys, KeySet};
use crate::iam::IamError;
use crate::iam::oidc_providers::{arn_for, issuer_host_path};
use crate::iam::trust;
use crate::policy::Keys;
use crate::principal::Principal;
use crate::store::roles::{self as rows, SessionSource};
use crate::store::workloads::{self as provider_rows, OidcList, OidcProviderRow};

pub struct WebIdentityRequest<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub token: &'a str,
    pub seconds: Option<i64>,
}

/// What AssumeRoleWithWebIdentity answers besides the credentials.
pub struct WebIdentitySession {
    pub credentials: TemporaryCredentials,
    pub principal: Principal,
    /// The token's `sub`.
    pub subject: String,
    /// The provider's ARN.
    pub provider: String,
    /// The client ID the token was issued for.
    pub audience: String,
}

fn refusal(code: &'static str, status: u16, message: impl Into<String>) -> IamError {
    IamError::Request {
        code,
        status,
        message: message.into(),
    }
}

fn invalid_token(message: impl Into<String>) -> IamError {
    refusal("InvalidIdentityToken", 400, message)
}

fn not_authorized() -> IamError {
    IamError::AccessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity".into())
}

/// A claim as a list of strings (`aud` may be either).
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn number(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

pub fn assume(
    c: &Connection,
    own_issuer: Option<&IssuerKeys>,
    req: &WebIdentityRequest<'_>,
) -> Result<WebIdentitySession, IamError> {
    let account = req
        .role_arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split_once(':'))
        .map(|(a, _)| a)
        .ok_or_else(not_authorized)?;
    let (provider, claims) = verified_claims(c, own_issuer, account, req.token)?;
    check_validity(&claims)?;
    let client_ids = provider_rows::oidc_list(c, &provider.arn, OidcList::ClientIds)?;
    let audience = strings(claims.get("aud"))
        .into_iter()
        .find(|a| client_ids.contains(a))
        .ok_or_else(|| invalid_token("Incorrect token audience"))?;
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            refusal(
                "IDPRejectedClaim",
                403,
                "The ID Token provided does not contain a sub claim",
            )
        })?
        .to_owned();

    let role_name = req
        .role_arn
        .rsplit_once('/')
        .map(|(_, n)| n)
        .ok_or_else(not_authorized)?;
    let role = rows::find_role_by_name(c, account, role_name)?
        .filter(|r| r.arn() == req.role_arn)
        .ok_or_else(not_authorized)?;
    let keys = claim_keys(
        &provider.url,
        &claims,
        &audience,
        req.session_name,
        &provider.arn,
    );
    if !trust::admits_web_identity(&role.assume_role_policy, &provider.arn, &keys) {
        tracing::info!(
            role = req.role_arn,
            sub = subject,
            "trust policy refuses the web identity"
        );
        return Err(not_authorized());
    }
    let seconds = req.seconds.unwrap_or(ASSUME_ROLE_DEFAULT);
    super::check_duration(&role, seconds)?;
    let (credentials, principal) = super::mint_role_session(
        c,
        &role,
        req.session_name,
        seconds,
        SessionSource::WebIdentity,
    )?;
    Ok(WebIdentitySession {
        credentials,
        principal,
        subject,
        provider: provider.arn,
        audience,
    })
}

/// The token's claims, once its issuer is an OIDC provider of `account` and the issuer's
/// key signed it.
fn verified_claims(
    c: &Connection,
    own_issuer: Option<&IssuerKeys>,
    account: &str,
    token: &str,
) -> Result<(OidcProviderRow, Map<String, Value>), IamError> {
    let token = jwt::parse(token).map_err(|e| {
        tracing::info!("web identity token refused: {e}");
        invalid_token(
            "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
        )
    })?;
    let iss = token
        .claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_token("The ID Token provided does not contain an iss claim"))?;
    let provider =
        provider_rows::find_oidc_provider(c, &arn_for(account, iss))?.ok_or_else(|| {
            invalid_token(format!(
                "No OpenIDConnect provider found in your account for {iss}"
            ))
        })?;
    let keys = match (own_issuer, &provider.jwks) {
        (Some(own), _) if issuer_host_path(&own.url) == issuer_host_path(&provider.url) => {
            own.keys.clone()
        }
        (_, Some(jwks)) => KeySet::parse(jwks).map_err(|_| no_verification_key())?,
        _ => return Err(no_verification_key()),
    };
    token.verify(&keys).map_err(|e| {
        tracing::info!(issuer = iss, "web identity token refused: {e}");
        invalid_token("The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
    })?;
    Ok((provider, token.claims))
}

/// `exp` (required) and `nbf` against the clock.
fn check_validity(claims: &Map<String, Value>) -> Result<(), IamError> {
    let now = chrono::Utc::now().timestamp();
    let exp = number(claims.get("exp"))
        .ok_or_else(|| invalid_token("The ID Token provided does not contain an exp claim"))?;
    if now >= exp {
        return Err(refusal(
            "ExpiredTokenException",
            400,
            // AWS's message, its missing space included.
            format!(
                "Token expired: current date/time {now} must be before the expiration date/time{exp}"
            ),
        ));
    }
    if let Some(nbf) = number(claims.get("nbf"))
        && now < nbf
    {
        return Err(refusal(
            "IDPRejectedClaim",
            403,
            format!(
                "Token is not valid yet: current date/time {now} must not be before the not-before date/time {nbf}"
            ),
        ));
    }
    Ok(())
}

fn no_verification_key() -> IamError {
    // AWS's message, its double space included.
    invalid_token(
        "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
    )
}

/// The token's claims as the trust policy's condition keys: `HOST:aud` (the `azp` when the
/// token has one, else the matched audience), `HOST:oaud` (the token's audience), `HOST:sub`,
/// `HOST:amr`, plus `aws:FederatedProvider` and `sts:RoleSessionName`.
fn claim_keys(
    url: &str,
    claims: &Map<String, Value>,
    audience: &str,
    session_name: &str,
    provider_arn: &str,
) -> Keys {
    let host = issuer_host_path(url);
    let mut keys = Keys::new();
    keys.prefix_known(&format!("{host}:"));
    let azp = strings(claims.get("azp"));
    keys.set(
        &format!("{host}:aud"),
        if azp.is_empty() {
            vec![audience.to_owned()]
        } else {
            azp
        },
    );
    keys.set(&format!("{host}:oaud"), strings(claims.get("aud")));
    for claim in ["sub", "amr"] {
        let values = strings(claims.get(claim));
        if !values.is_empty() {
            keys.set(&format!("{host}:{claim}"), values);
        }
    }
    keys.set("aws:FederatedProvider", vec![provider_arn.to_owned()]);
    keys.set("sts:RoleSessionName", vec![session_name.to_owned()]);
    crate::policy::decide::set_time_keys(&mut keys);
    keys
}
