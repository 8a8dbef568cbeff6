//! CodeCommit's second auth path: SigV4-signed Git passwords, as `aws codecommit
//! credential-helper` and git-remote-codecommit make them.
//!
//! Basic user: `<AccessKeyId>` or `<AccessKeyId>%<SessionToken>`. Password:
//! `<YYYYMMDDTHHMMSS>Z<hex signature>`, the signature being SigV4 (service `codecommit`)
//! over the canonical request `GIT\n<path>\n\nhost:<host>\n\nhost\n`, whose string to sign
//! carries the timestamp without its `Z`. The AWS CLI signs the host without its port,
//! git-remote-codecommit signs `CODE_COMMIT_ENDPOINT` as given: both are accepted.

use chrono::{DateTime, Utc};

use crate::auth::sigv4::{self, KeyLookup, SigV4Error};
use crate::auth::{AuthFailure, Principal};
use crate::iam::ids::IdKind;
use crate::secret::Secret;

/// Whether a Basic user name selects SigV4 (an access key ID, maybe with `%<token>`).
pub fn is_sigv4_user(user: &str) -> bool {
    let key = user.split_once('%').map_or(user, |(k, _)| k);
    IdKind::AccessKey.matches(key) || IdKind::TemporaryAccessKey.matches(key)
}

/// The canonical request the helpers sign.
pub fn canonical_request(path: &str, host: &str) -> String {
    format!("GIT\n{path}\n\nhost:{host}\n\nhost\n")
}

/// `<timestamp>Z<signature>` for `secret`, as the helpers compute it.
pub fn password(secret: &str, region: &str, path: &str, host: &str, timestamp: &str) -> String {
    format!(
        "{timestamp}Z{}",
        signature(secret, region, path, host, timestamp)
    )
}

fn signature(secret: &str, region: &str, path: &str, host: &str, timestamp: &str) -> String {
    let when = sigv4::parse_amz_date(&format!("{timestamp}Z")).unwrap_or_default();
    let scope = format!(
        "{}/{region}/codecommit/aws4_request",
        &timestamp[..8.min(timestamp.len())]
    );
    let to_sign = sigv4::string_to_sign(timestamp, &scope, &canonical_request(path, host));
    sigv4::sign(secret, when, region, "codecommit", &to_sign)
}

/// The region a CodeCommit Git host names (`git-codecommit(-fips).<region>.amazonaws.com`).
pub fn region_of_host(host: &str) -> Option<&str> {
    let host = host.split(':').next().unwrap_or(host);
    let rest = host
        .strip_prefix("git-codecommit-fips.")
        .or_else(|| host.strip_prefix("git-codecommit."))?;
    let (region, domain) = rest.split_once('.')?;
    (domain == "amazonaws.com" || domain == "amazonaws.com.cn").then_some(region)
}

/// `host` without a trailing `:port` (IPv6 literals keep their brackets).
fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, p))
            if !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (h.ends_with(']') || !h.contains(':')) =>
        {
            h
        }
        _ => host,
    }
}

/// What the request offers for verification.
pub struct GitSigV4Request<'a> {
    pub user: &'a str,
    pub password: &'a Secret,
    /// The repository URL path the helper signed: `/v1/repos/<name>`.
    pub path: &'a str,
    /// `Host` (or `:authority`) as received, possibly with a port.
    pub host: &'a str,
    /// The region this server serves.
    pub server_region: &'a str,
}

/// Verifies a SigV4 Git password. Failure reasons are for the log only.
pub fn verify(
    req: &GitSigV4Request<'_>,
    now: DateTime<Utc>,
    keys: &dyn KeyLookup,
) -> Result<Principal, AuthFailure> {
    let (key_id, token) = match req.user.split_once('%') {
        Some((k, t)) => (k, Some(t)),
        None => (req.user, None),
    };
    let pw = req.password.expose();
    let (timestamp, sig) = match (pw.get(..15), pw.get(15..16), pw.get(16..)) {
        (Some(ts), Some("Z"), Some(sig)) if sig.len() == 64 => (ts, sig),
        _ => {
            return Err(AuthFailure::Malformed(
                "password is not <timestamp>Z<signature>",
            ));
        }
    };
    let when = sigv4::parse_amz_date(&format!("{timestamp}Z")).ok_or(AuthFailure::Malformed(
        "bad timestamp in the signed password",
    ))?;
    sigv4::check_skew(when, now).map_err(|e| AuthFailure::SigV4(e.to_string()))?;
    let region = region_of_host(req.host).unwrap_or(req.server_region);
    if region != req.server_region {
        return Err(AuthFailure::SigV4(format!(
            "host names region {region}, this server serves {}",
            req.server_region
        )));
    }
    let record = match keys.lookup(key_id) {
        Ok(Some(r)) => r,
        Ok(None) => {
            return Err(AuthFailure::SigV4(format!(
                "unknown or inactive access key {key_id:?}"
            )));
        }
        Err(SigV4Error::Internal) | Err(_) => return Err(AuthFailure::Store),
    };
    if let Err(problem) = sigv4::check_session(&record, token, now) {
        return Err(AuthFailure::SigV4(format!(
            "{key_id:?}: session {problem:?}"
        )));
    }
    // The AWS CLI signs the host without its port; git-remote-codecommit signs it as given.
    let without_port = strip_port(req.host);
    let mut matched = false;
    for host in [req.host, without_port] {
        let expected = signature(record.secret.expose(), region, req.path, host, timestamp);
        matched |= sigv4::signatures_match(&expected, &sig.to_ascii_lowercase());
    }
    if !matched {
        return Err(AuthFailure::SigV4(format!(
            "signature mismatch for {key_id:?} (path {}, host {})",
            req.path, req.host
        )));
    }
    Ok(record.principal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::sigv4::KeyRecord;
    use crate::auth::{AuthMethod, Identity};

    #[test]
    fn golden_vector() {
        assert_eq!(
            password(
                "abc123xyz",
                "us-west-2",
                "/v1/repos/project",
                "git-codecommit.us-west-2.amazonaws.com",
                "19700101T000000"
            ),
            "19700101T000000Z105088f0165351288fd9bad861105f60ce80fc5da9d824b68e0601155157c657"
        );
    }

    struct Key;
    impl KeyLookup for Key {
        fn lookup(&self, id: &str) -> Result<Option<KeyRecord>, SigV4Error> {
            Ok((id == "AKIAIOSFODNN7EXAMPLE").then(|| KeyRecord {
                secret: Secret::new("abc123xyz"),
                session_token_hash: None,
                expires_at: None,
                principal: Principal {
                    account_id: "123456789012".into(),
                    arn: "arn:aws:iam::123456789012:user/u".into(),
                    identity: Identity::User {
                        user_id: "AIDAX".into(),
                        user_name: "u".into(),
                    },
                    method: AuthMethod::AccessKey {
                        access_key_id: id.into(),
                    },
                },
            }))
        }
    }

    fn check(
        host: &str,
        signed_host: &str,
        region: &str,
        ts: &str,
        now: &str,
    ) -> Result<Principal, AuthFailure> {
        let pw = Secret::new(password(
            "abc123xyz",
            region,
            "/v1/repos/project",
            signed_host,
            ts,
        ));
        verify(
            &GitSigV4Request {
                user: "AKIAIOSFODNN7EXAMPLE",
                password: &pw,
                path: "/v1/repos/project",
                host,
                server_region: "us-west-2",
            },
            sigv4::parse_amz_date(now).unwrap(),
            &Key,
        )
    }

    #[test]
    fn host_with_and_without_port() {
        let ts = "20261126T060000";
        let now = "20261126T060500Z";
        // AWS CLI: signed without the port, request carries it.
        check("localhost:8443", "localhost", "us-west-2", ts, now).unwrap();
        // git-remote-codecommit: signed with the port.
        check("localhost:8443", "localhost:8443", "us-west-2", ts, now).unwrap();
        check("localhost", "localhost", "us-west-2", ts, now).unwrap();
        assert!(check("localhost:8443", "otherhost", "us-west-2", ts, now).is_err());
        // Real CodeCommit host names: the region comes from the host.
        let aws = "git-codecommit.us-west-2.amazonaws.com";
        check(aws, aws, "us-west-2", ts, now).unwrap();
        assert!(
            check(
                "git-codecommit.eu-west-1.amazonaws.com",
                "git-codecommit.eu-west-1.amazonaws.com",
                "eu-west-1",
                ts,
                now
            )
            .is_err()
        );
    }

    #[test]
    fn refusals() {
        let now = "20261126T060000Z";
        // Another region, a stale or a future timestamp.
        assert!(
            check(
                "localhost",
                "localhost",
                "us-east-1",
                "20261126T060000",
                now
            )
            .is_err()
        );
        assert!(
            check(
                "localhost",
                "localhost",
                "us-west-2",
                "20261126T054400",
                now
            )
            .is_err()
        );
        assert!(
            check(
                "localhost",
                "localhost",
                "us-west-2",
                "20261126T061600",
                now
            )
            .is_err()
        );
        check(
            "localhost",
            "localhost",
            "us-west-2",
            "20261126T054600",
            now,
        )
        .unwrap();
        assert!(is_sigv4_user("AKIAIOSFODNN7EXAMPLE"));
        assert!(is_sigv4_user("ASIAIOSFODNN7EXAMPLE%token"));
        assert!(!is_sigv4_user("alice-at-123456789012"));
        assert_eq!(
            region_of_host("git-codecommit-fips.us-gov-west-1.amazonaws.com:443"),
            Some("us-gov-west-1")
        );
        assert_eq!(region_of_host("localhost:8443"), None);
    }
}
