//! SigV4 verification of AWS API requests (the `Authorization` header form), as pure
//! functions: the clock is passed in and keys come from a [`KeyLookup`].
//!
//! parse → check the credential scope and the clock skew → look up the key (and session
//! token) → recompute the signature with `aws-sigv4`'s signing math → constant-time compare.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::time::{Duration, SystemTime};

use axum::http::HeaderMap;
use chrono::{DateTime, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth::Principal;
use crate::secret::Secret;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far a request's date may be from the server's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// Why a request was refused. Messages are AWS's; none holds a secret or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    #[error("Request is missing Authentication Token")]
    Missing,
    #[error("{0}")]
    Incomplete(String),
    /// Scope (date, region, service) or clock skew: reported as a signature mismatch.
    #[error("{0}")]
    BadScope(String),
    #[error("The security token included in the request is invalid.")]
    UnknownKey,
    #[error("The security token included in the request is expired")]
    ExpiredToken,
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    Mismatch,
    #[error("internal error while verifying the request")]
    Internal,
}

/// What the store knows about an access key.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub secret: Secret,
    /// SHA-256 of the session token, for temporary credentials.
    pub session_token_hash: Option<Vec<u8>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub principal: Principal,
}

/// Looks access keys up. Inactive and deleted keys are `Ok(None)`, like unknown ones.
pub trait KeyLookup {
    fn lookup(&self, access_key_id: &str) -> Result<Option<KeyRecord>, SigV4Error>;
}

/// The parts of an HTTP request the signature covers.
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// The path as received (still percent-encoded).
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    /// The URI authority, for HTTP/2 requests that carry no `Host` header.
    pub authority: Option<&'a str>,
    pub body: &'a [u8],
}

/// A parsed `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthHeader {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    signature: String,
}

/// A verified request.
#[derive(Debug, Clone)]
pub struct Verified {
    pub principal: Principal,
    pub access_key_id: String,
    pub region: String,
    pub service: String,
}

/// Parses the Authorization header; `Err(Missing)` when there is none.
pub fn parse_authorization(headers: &HeaderMap) -> Result<AuthHeader, SigV4Error> {
    let Some(value) = headers.get("authorization") else {
        return Err(SigV4Error::Missing);
    };
    let value = value
        .to_str()
        .map_err(|_| SigV4Error::Incomplete("Authorization header is not valid text.".into()))?;
    let (algorithm, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if algorithm != ALGORITHM {
        return Err(SigV4Error::Incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'."
        )));
    }
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            continue;
        };
        match k.trim() {
            "Credential" => credential = Some(v.trim()),
            "SignedHeaders" => signed = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => {}
        }
    }
    let mut missing = Vec::new();
    for (name, v) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed),
    ] {
        if v.is_none() {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    if !missing.is_empty() {
        return Err(SigV4Error::Incomplete(missing.join(" ")));
    }
    let credential = credential.expect("checked");
    let parts: Vec<&str> = credential.split('/').collect();
    if parts.len() != 5 || parts[4] != "aws4_request" || parts.iter().any(|p| p.is_empty()) {
        return Err(SigV4Error::Incomplete(format!(
            "Credential should be scoped to a valid region, service and date: '{credential}'."
        )));
    }
    let signature = signature.expect("checked");
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SigV4Error::Mismatch);
    }
    Ok(AuthHeader {
        access_key_id: parts[0].to_owned(),
        date: parts[1].to_owned(),
        region: parts[2].to_owned(),
        service: parts[3].to_owned(),
        signed_headers: signed
            .expect("checked")
            .split(';')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect(),
        signature: signature.to_ascii_lowercase(),
    })
}

/// What SigV4 leaves unencoded: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// The same, keeping `/` (a canonical URI path).
const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

/// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, everything
/// else becomes `%XX` (upper-case hex). With `keep_slash`, `/` stays too.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let set = if keep_slash {
        UNRESERVED_AND_SLASH
    } else {
        UNRESERVED
    };
    utf8_percent_encode(s, set).to_string()
}

fn percent_decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(k), false),
                uri_encode(&percent_decode(v), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn canonical_header_value(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(",")
}

/// The canonical request of `req` for the signed headers of `auth`.
pub fn canonical_request(req: &RequestParts<'_>, auth: &AuthHeader) -> Result<String, SigV4Error> {
    let path = if req.path.is_empty() { "/" } else { req.path };
    let mut canonical = format!(
        "{}\n{}\n{}\n",
        req.method,
        uri_encode(path, true),
        canonical_query(req.query)
    );
    for name in &auth.signed_headers {
        let values: Vec<&str> = req
            .headers
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let value = if values.is_empty() && name == "host" {
            req.authority
                .ok_or_else(|| SigV4Error::Incomplete("The request has no Host header.".into()))?
                .to_owned()
        } else {
            canonical_header_value(&values)
        };
        canonical.push_str(&format!("{name}:{value}\n"));
    }
    let body_hash = hex::encode(Sha256::digest(req.body));
    let payload_hash = match req
        .headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
    {
        Some(claimed) if !claimed.eq_ignore_ascii_case(&body_hash) => {
            return Err(SigV4Error::Mismatch);
        }
        _ => body_hash,
    };
    canonical.push_str(&format!(
        "\n{}\n{}",
        auth.signed_headers.join(";"),
        payload_hash
    ));
    Ok(canonical)
}

/// The signature (lower-case hex) of `string_to_sign` with `secret` for the given scope.
pub fn sign(
    secret: &str,
    when: DateTime<Utc>,
    region: &str,
    service: &str,
    string_to_sign: &str,
) -> String {
    let time: SystemTime = when.into();
    let key = aws_sigv4::sign::v4::generate_signing_key(secret, time, region, service);
    aws_sigv4::sign::v4::calculate_signature(key, string_to_sign.as_bytes())
}

/// The `Authorization` header value that signs an outgoing request (SigV4, every header in
/// `headers` signed; `headers` must hold `host` and `x-amz-date`).
#[allow(clippy::too_many_arguments)]
pub fn authorization_for(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    access_key_id: &str,
    secret: &str,
    region: &str,
    service: &str,
    when: DateTime<Utc>,
) -> Result<String, SigV4Error> {
    let mut signed_headers: Vec<String> = headers.keys().map(|k| k.as_str().to_owned()).collect();
    signed_headers.sort();
    signed_headers.dedup();
    let amz_date = format_amz_date(when);
    let auth = AuthHeader {
        access_key_id: access_key_id.to_owned(),
        date: amz_date[..8].to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        signed_headers,
        signature: String::new(),
    };
    let parts = RequestParts {
        method,
        path,
        query: "",
        headers,
        authority: None,
        body,
    };
    let canonical = canonical_request(&parts, &auth)?;
    let scope = format!("{}/{region}/{service}/aws4_request", auth.date);
    let signature = sign(
        secret,
        when,
        region,
        service,
        &string_to_sign(&amz_date, &scope, &canonical),
    );
    Ok(format!(
        "{ALGORITHM} Credential={access_key_id}/{scope}, SignedHeaders={}, Signature={signature}",
        auth.signed_headers.join(";")
    ))
}

/// `AWS4-HMAC-SHA256\n<amz-date>\n<scope>\n<hex sha256(canonical)>`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

/// Parses `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

fn format_amz_date(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Checks a request's timestamp against the clock, ±15 minutes, with AWS's messages.
pub fn check_skew(when: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), SigV4Error> {
    let skew = chrono::Duration::from_std(MAX_SKEW).expect("small duration");
    if when < now - skew {
        return Err(SigV4Error::BadScope(format!(
            "Signature expired: {} is now earlier than {} ({} - 15 min.)",
            format_amz_date(when),
            format_amz_date(now - skew),
            format_amz_date(now)
        )));
    }
    if when > now + skew {
        return Err(SigV4Error::BadScope(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            format_amz_date(when),
            format_amz_date(now + skew),
            format_amz_date(now)
        )));
    }
    Ok(())
}

/// Why a key's session token does not fit the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionProblem {
    /// A temporary key without its token.
    MissingToken,
    /// A long-term key with a token.
    UnexpectedToken,
    WrongToken,
    Expired,
}

/// Checks the session token a request carries against the key's (constant time), and the
/// session's expiry.
pub fn check_session(
    record: &KeyRecord,
    token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), SessionProblem> {
    match (&record.session_token_hash, token) {
        (None, None) => {}
        (Some(expected), Some(given)) => {
            let given = Sha256::digest(given.as_bytes());
            if !bool::from(given.as_slice().ct_eq(expected)) {
                return Err(SessionProblem::WrongToken);
            }
        }
        (Some(_), None) => return Err(SessionProblem::MissingToken),
        (None, Some(_)) => return Err(SessionProblem::UnexpectedToken),
    }
    match record.expires_at {
        Some(expires) if now >= expires => Err(SessionProblem::Expired),
        _ => Ok(()),
    }
}

/// Constant-time equality of two hex signatures.
pub fn signatures_match(expected: &str, given: &str) -> bool {
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

/// Verifies `req`. `region_ok(service, region)` says which credential scopes this server
/// answers for.
pub fn verify(
    req: &RequestParts<'_>,
    now: DateTime<Utc>,
    keys: &dyn KeyLookup,
    region_ok: &dyn Fn(&str, &str) -> bool,
) -> Result<Verified, SigV4Error> {
    let auth = parse_authorization(req.headers)?;
    let amz_date = req
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            SigV4Error::Incomplete(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                    .into(),
            )
        })?;
    let when = parse_amz_date(amz_date)
        .ok_or_else(|| SigV4Error::Incomplete(format!("Invalid X-Amz-Date '{amz_date}'.")))?;
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(SigV4Error::Incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    if auth.date != amz_date[..8] {
        return Err(SigV4Error::BadScope(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
            auth.date,
            &amz_date[..8]
        )));
    }
    if !region_ok(&auth.service, &auth.region) {
        return Err(SigV4Error::BadScope(format!(
            "Credential should be scoped to a valid region, not '{}'.",
            auth.region
        )));
    }
    check_skew(when, now)?;

    let record = keys
        .lookup(&auth.access_key_id)?
        .ok_or(SigV4Error::UnknownKey)?;
    let token = req
        .headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok());
    match check_session(&record, token, now) {
        Ok(()) => {}
        Err(SessionProblem::Expired) => return Err(SigV4Error::ExpiredToken),
        Err(_) => return Err(SigV4Error::UnknownKey),
    }

    let canonical = canonical_request(req, &auth)?;
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let expected = sign(
        record.secret.expose(),
        when,
        &auth.region,
        &auth.service,
        &string_to_sign(amz_date, &scope, &canonical),
    );
    if !signatures_match(&expected, &auth.signature) {
        return Err(SigV4Error::Mismatch);
    }
    Ok(Verified {
        principal: record.principal,
        access_key_id: auth.access_key_id,
        region: auth.region,
        service: auth.service,
    })
}

#[cfg(test)]
mod tests {
    //! AWS's published SigV4 test suite (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z,
    //! us-east-1, service "service"), and the verifier's refusals.

    use super::*;
    use crate::auth::{AuthMethod, Identity};
    use axum::http::HeaderValue;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const DATE: &str = "20150830T123600Z";

    struct OneKey {
        token_hash: Option<Vec<u8>>,
        expires_at: Option<DateTime<Utc>>,
    }

    impl KeyLookup for OneKey {
        fn lookup(&self, id: &str) -> Result<Option<KeyRecord>, SigV4Error> {
            Ok((id == "AKIDEXAMPLE").then(|| KeyRecord {
                secret: Secret::new(SECRET),
                session_token_hash: self.token_hash.clone(),
                expires_at: self.expires_at,
                principal: Principal {
                    account_id: "123456789012".into(),
                    arn: "arn:aws:iam::123456789012:user/test".into(),
                    identity: Identity::User {
                        user_id: "AIDAEXAMPLE".into(),
                        user_name: "test".into(),
                    },
                    method: AuthMethod::AccessKey {
                        access_key_id: id.into(),
                    },
                },
            }))
        }
    }

    fn long_term() -> OneKey {
        OneKey {
            token_hash: None,
            expires_at: None,
        }
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn auth_value(signed: &str, signature: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signed}, Signature={signature}"
        )
    }

    fn now() -> DateTime<Utc> {
        parse_amz_date(DATE).unwrap()
    }

    #[allow(clippy::too_many_arguments)] // a test vector is this many parts
    fn check(
        method: &str,
        path: &str,
        query: &str,
        mut pairs: Vec<(&str, String)>,
        body: &[u8],
        signed: &str,
        signature: &str,
        keys: &dyn KeyLookup,
    ) -> Result<Verified, SigV4Error> {
        let auth = auth_value(signed, signature);
        pairs.push(("Authorization", auth));
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let h = headers(&refs);
        let req = RequestParts {
            method,
            path,
            query,
            headers: &h,
            authority: None,
            body,
        };
        verify(&req, now(), keys, &|s, r| {
            s == "service" && r == "us-east-1"
        })
    }

    fn base() -> Vec<(&'static str, String)> {
        vec![
            ("Host", "example.amazonaws.com".into()),
            ("X-Amz-Date", DATE.into()),
        ]
    }

    #[test]
    fn get_vanilla() {
        let sig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        check(
            "GET",
            "/",
            "",
            base(),
            b"",
            "host;x-amz-date",
            sig,
            &long_term(),
        )
        .unwrap();
    }

    #[test]
    fn get_vanilla_query_order_key_case() {
        let sig = "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500";
        check(
            "GET",
            "/",
            "Param2=value2&Param1=value1",
            base(),
            b"",
            "host;x-amz-date",
            sig,
            &long_term(),
        )
        .unwrap();
    }

    #[test]
    fn get_vanilla_query_unreserved() {
        let u = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let sig = "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197";
        check(
            "GET",
            "/",
            &format!("{u}={u}"),
            base(),
            b"",
            "host;x-amz-date",
            sig,
            &long_term(),
        )
        .unwrap();
    }

    #[test]
    fn get_header_value_trim() {
        let mut h = base();
        h.push(("My-Header1", " value1".into()));
        h.push(("My-Header2", " \"a   b   c\"".into()));
        let sig = "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736";
        check(
            "GET",
            "/",
            "",
            h,
            b"",
            "host;my-header1;my-header2;x-amz-date",
            sig,
            &long_term(),
        )
        .unwrap();
    }

    #[test]
    fn post_header_key_sort_and_query() {
        let mut h = base();
        h.push(("My-Header1", "value1".into()));
        let sig = "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c";
        check(
            "POST",
            "/",
            "",
            h,
            b"",
            "host;my-header1;x-amz-date",
            sig,
            &long_term(),
        )
        .unwrap();
        let sig = "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11";
        check(
            "POST",
            "/",
            "Param1=value1",
            base(),
            b"",
            "host;x-amz-date",
            sig,
            &long_term(),
        )
        .unwrap();
    }

    #[test]
    fn post_x_www_form_urlencoded() {
        let mut h = base();
        h.push(("Content-Type", "application/x-www-form-urlencoded".into()));
        h.push(("Content-Length", "13".into()));
        h.push((
            "x-amz-content-sha256",
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e".into(),
        ));
        let sig = "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b";
        let signed = "content-length;content-type;host;x-amz-content-sha256;x-amz-date";
        check(
            "POST",
            "/",
            "",
            h.clone(),
            b"Param1=value1",
            signed,
            sig,
            &long_term(),
        )
        .unwrap();
        // The same request with a tampered body.
        assert_eq!(
            check(
                "POST",
                "/",
                "",
                h,
                b"Param1=value2",
                signed,
                sig,
                &long_term()
            )
            .unwrap_err(),
            SigV4Error::Mismatch
        );
    }

    #[test]
    fn get_vanilla_with_session_token() {
        let token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
        let keys = OneKey {
            token_hash: Some(Sha256::digest(token.as_bytes()).to_vec()),
            expires_at: Some(now() + chrono::Duration::hours(1)),
        };
        let mut h = base();
        h.push(("X-Amz-Security-Token", token.into()));
        let sig = "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8";
        let signed = "host;x-amz-date;x-amz-security-token";
        check("GET", "/", "", h.clone(), b"", signed, sig, &keys).unwrap();
        // A different token, no token, or an expired session: refused.
        let mut wrong = base();
        wrong.push(("X-Amz-Security-Token", "0".repeat(64)));
        assert_eq!(
            check("GET", "/", "", wrong, b"", signed, sig, &keys).unwrap_err(),
            SigV4Error::UnknownKey
        );
        let vanilla = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        assert_eq!(
            check(
                "GET",
                "/",
                "",
                base(),
                b"",
                "host;x-amz-date",
                vanilla,
                &keys
            )
            .unwrap_err(),
            SigV4Error::UnknownKey
        );
        let expired = OneKey {
            token_hash: keys.token_hash.clone(),
            expires_at: Some(now()),
        };
        assert_eq!(
            check("GET", "/", "", h, b"", signed, sig, &expired).unwrap_err(),
            SigV4Error::ExpiredToken
        );
    }

    #[test]
    fn refusals() {
        let sig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        let bad = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf30";
        assert_eq!(
            check(
                "GET",
                "/",
                "",
                base(),
                b"",
                "host;x-amz-date",
                bad,
                &long_term()
            )
            .unwrap_err(),
            SigV4Error::Mismatch
        );
        struct NoKeys;
        impl KeyLookup for NoKeys {
            fn lookup(&self, _: &str) -> Result<Option<KeyRecord>, SigV4Error> {
                Ok(None)
            }
        }
        assert_eq!(
            check("GET", "/", "", base(), b"", "host;x-amz-date", sig, &NoKeys).unwrap_err(),
            SigV4Error::UnknownKey
        );
        assert!(matches!(
            check("GET", "/", "", base(), b"", "x-amz-date", sig, &long_term()).unwrap_err(),
            SigV4Error::Incomplete(_)
        ));
        // Another region in the scope.
        let h = headers(&[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", DATE),
            (
                "Authorization",
                &format!(
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={sig}"
                ),
            ),
        ]);
        let req = RequestParts {
            method: "GET",
            path: "/",
            query: "",
            headers: &h,
            authority: None,
            body: b"",
        };
        let err = verify(&req, now(), &long_term(), &|_, r| r == "us-east-1").unwrap_err();
        assert!(err.to_string().contains("not 'eu-west-1'"), "{err}");
        // Stale and future dates.
        let h = headers(&[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", DATE),
            ("Authorization", &auth_value("host;x-amz-date", sig)),
        ]);
        let req = RequestParts {
            method: "GET",
            path: "/",
            query: "",
            headers: &h,
            authority: None,
            body: b"",
        };
        let later = now() + chrono::Duration::minutes(16);
        let err = verify(&req, later, &long_term(), &|_, _| true).unwrap_err();
        assert!(err.to_string().starts_with("Signature expired"), "{err}");
        let earlier = now() - chrono::Duration::minutes(16);
        let err = verify(&req, earlier, &long_term(), &|_, _| true).unwrap_err();
        assert!(
            err.to_string().starts_with("Signature not yet current"),
            "{err}"
        );
        let within = now() + chrono::Duration::minutes(14);
        verify(&req, within, &long_term(), &|_, _| true).unwrap();
        // No Authorization at all; another algorithm.
        let h = headers(&[("Host", "x")]);
        assert_eq!(parse_authorization(&h).unwrap_err(), SigV4Error::Missing);
        let h = headers(&[("Authorization", "AWS AKID:sig")]);
        assert!(matches!(
            parse_authorization(&h).unwrap_err(),
            SigV4Error::Incomplete(_)
        ));
        let h = headers(&[("Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host")]);
        let err = parse_authorization(&h).unwrap_err().to_string();
        assert!(
            err.contains("'Credential'") && err.contains("'Signature'"),
            "{err}"
        );
    }

    #[test]
    fn http2_requests_sign_the_authority() {
        let sig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        let h = headers(&[
            ("X-Amz-Date", DATE),
            ("Authorization", &auth_value("host;x-amz-date", sig)),
        ]);
        let req = RequestParts {
            method: "GET",
            path: "/",
            query: "",
            headers: &h,
            authority: Some("example.amazonaws.com"),
            body: b"",
        };
        verify(&req, now(), &long_term(), &|_, _| true).unwrap();
    }
}
