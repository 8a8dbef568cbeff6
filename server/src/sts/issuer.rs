//! The server's own OpenID Connect issuer, for tests and demos that stand in for GitHub
//! Actions or EKS: an ES256 key kept in `DATA_DIR/oidc/signing-key.der` (mode 0600), a
//! discovery document and JWKS served under `<https_url>/oidc`, and tokens signed by
//! `codecommit-local oidc-token`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::crypto::jwt::{IssuerKeys, JwtError, KeySet, SigningKey};

/// Where the issuer's key lives under the data dir.
pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("oidc").join("signing-key.der")
}

/// The issuer: its URL (`https://host:port/oidc`) and signing key.
#[derive(Debug)]
pub struct Issuer {
    pub url: String,
    key: SigningKey,
}

impl Issuer {
    /// Loads the data dir's key, creating it (0600) on first use.
    pub fn load_or_create(data_dir: &Path, url: String) -> std::io::Result<Issuer> {
        let path = key_path(data_dir);
        let key = match std::fs::read(&path) {
            Ok(der) => SigningKey::from_pkcs8(&der).map_err(std::io::Error::other)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (der, key) = SigningKey::generate().map_err(std::io::Error::other)?;
                write_private(&path, &der)?;
                key
            }
            Err(e) => return Err(e),
        };
        Ok(Issuer { url, key })
    }

    /// Loads an existing issuer (the `oidc-token` subcommand).
    pub fn load(data_dir: &Path, url: String) -> std::io::Result<Issuer> {
        let der = std::fs::read(key_path(data_dir))?;
        let key = SigningKey::from_pkcs8(&der).map_err(std::io::Error::other)?;
        Ok(Issuer { url, key })
    }

    pub fn key_set(&self) -> KeySet {
        KeySet::parse(&self.jwks().to_string()).expect("our own JWKS parses")
    }

    /// What a verifier of this issuer's tokens needs: its URL and public keys.
    pub fn published(&self) -> IssuerKeys {
        IssuerKeys {
            url: self.url.clone(),
            keys: self.key_set(),
        }
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.key.jwk()] })
    }

    /// The discovery document (`/.well-known/openid-configuration`).
    pub fn discovery(&self) -> Value {
        json!({
            "issuer": self.url,
            "jwks_uri": format!("{}/jwks", self.url),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "nbf", "amr"],
        })
    }

    /// A token for `sub` and `aud`, valid for `expires_in` seconds from now, with `extra`
    /// claims (which may override the standard ones, for tests of refusals).
    pub fn token(
        &self,
        sub: &str,
        aud: &str,
        expires_in: i64,
        extra: &[(String, Value)],
    ) -> Result<String, JwtError> {
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({
            "iss": self.url,
            "sub": sub,
            "aud": aud,
            "iat": now,
            "nbf": now,
            "exp": now + expires_in,
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        for (k, v) in extra {
            claims[k] = v.clone();
        }
        self.key.sign(&claims)
    }
}

/// Writes `bytes` to `path`, readable by the owner only, via a rename (never half a key).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().expect("key path has a parent");
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
