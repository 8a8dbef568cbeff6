//! JSON Web Tokens as OpenID Connect ID tokens use them (compact JWS): parsed, and their
//! signature verified against an issuer's JSON Web Key Set (RS256 and ES256), on ring.
//! Claims are checked by the caller (`crate::sts::web_identity`): this module only says
//! whether the issuer's key signed these bytes. Also signs ES256 tokens for the server's
//! own issuer.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Why a token cannot be used. Never holds the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("not a JWT: {0}")]
    Malformed(&'static str),
    #[error("unsupported algorithm {0}")]
    Algorithm(String),
    #[error("no key of the issuer verifies the signature")]
    BadSignature,
    #[error("the key set cannot be read: {0}")]
    KeySet(String),
}

/// A parsed, not yet verified, token.
#[derive(Debug)]
pub struct Jwt {
    pub alg: String,
    pub kid: Option<String>,
    pub claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// The largest token accepted (STS allows 20,000 characters).
pub const MAX_TOKEN_LEN: usize = 20_000;

/// Parses a compact JWS; surrounding whitespace (a token file's final newline) is ignored.
pub fn parse(token: &str) -> Result<Jwt, JwtError> {
    let token = token.trim_ascii();
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::Malformed("too long"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed("not three dot-separated parts"));
    };
    let decode = |p: &str| {
        URL_SAFE_NO_PAD
            .decode(p.trim_end_matches('='))
            .map_err(|_| JwtError::Malformed("a part is not base64url"))
    };
    let header: Header = serde_json::from_slice(&decode(h)?)
        .map_err(|_| JwtError::Malformed("the header is not a JSON object with alg"))?;
    let claims: Map<String, Value> = serde_json::from_slice(&decode(c)?)
        .map_err(|_| JwtError::Malformed("the claims are not a JSON object"))?;
    Ok(Jwt {
        alg: header.alg,
        kid: header.kid,
        claims,
        signing_input: format!("{h}.{c}"),
        signature: decode(s)?,
    })
}

/// One key of a JSON Web Key Set.
#[derive(Debug, Clone, Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

/// An issuer's URL and the keys it signs with: what a verifier needs of an issuer.
#[derive(Debug, Clone)]
pub struct IssuerKeys {
    pub url: String,
    pub keys: KeySet,
}

/// An issuer's keys (`{"keys":[…]}`).
#[derive(Debug, Clone)]
pub struct KeySet {
    keys: Vec<Jwk>,
}

impl KeySet {
    pub fn parse(json: &str) -> Result<KeySet, JwtError> {
        #[derive(Deserialize)]
        struct Doc {
            keys: Vec<Jwk>,
        }
        let doc: Doc = serde_json::from_str(json).map_err(|e| JwtError::KeySet(e.to_string()))?;
        Ok(KeySet { keys: doc.keys })
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl Jwt {
    /// Whether a key of `keys` (the one the header's `kid` names, or any of the right type)
    /// signed the token with the header's algorithm.
    pub fn verify(&self, keys: &KeySet) -> Result<(), JwtError> {
        let kty = match self.alg.as_str() {
            "RS256" => "RSA",
            "ES256" => "EC",
            other => return Err(JwtError::Algorithm(other.to_owned())),
        };
        let candidates = keys.keys.iter().filter(|k| {
            k.kty == kty && (self.kid.is_none() || k.kid.is_none() || k.kid == self.kid)
        });
        let message = self.signing_input.as_bytes();
        for key in candidates {
            if verify_with(key, message, &self.signature) {
                return Ok(());
            }
        }
        Err(JwtError::BadSignature)
    }
}

fn verify_with(key: &Jwk, message: &[u8], sig: &[u8]) -> bool {
    let b64 = |v: &Option<String>| v.as_deref().and_then(|s| URL_SAFE_NO_PAD.decode(s).ok());
    match key.kty.as_str() {
        "RSA" => {
            let (Some(n), Some(e)) = (b64(&key.n), b64(&key.e)) else {
                return false;
            };
            RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
                .is_ok()
        }
        "EC" if key.crv.as_deref() == Some("P-256") => {
            let (Some(x), Some(y)) = (b64(&key.x), b64(&key.y)) else {
                return false;
            };
            if x.len() != 32 || y.len() != 32 {
                return false;
            }
            let mut point = Vec::with_capacity(65);
            point.push(4);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(message, sig)
                .is_ok()
        }
        _ => false,
    }
}

/// An ES256 signing key with its key ID.
pub struct SigningKey {
    pair: EcdsaKeyPair,
    pub kid: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    /// A new key, as PKCS#8 DER (to store) and loaded.
    pub fn generate() -> Result<(Vec<u8>, SigningKey), JwtError> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| JwtError::KeySet("cannot generate a P-256 key".into()))?;
        let key = SigningKey::from_pkcs8(pkcs8.as_ref())?;
        Ok((pkcs8.as_ref().to_vec(), key))
    }

    pub fn from_pkcs8(der: &[u8]) -> Result<SigningKey, JwtError> {
        let rng = ring::rand::SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng)
            .map_err(|_| JwtError::KeySet("not a P-256 PKCS#8 key".into()))?;
        let digest = ring::digest::digest(&ring::digest::SHA256, pair.public_key().as_ref());
        let kid = URL_SAFE_NO_PAD.encode(&digest.as_ref()[..12]);
        Ok(SigningKey { pair, kid })
    }

    /// The public key as a JWK (`kty` EC, `crv` P-256, `use` sig, `alg` ES256).
    pub fn jwk(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        serde_json::json!({
            "kty": "EC",
            "crv": "P-256",
            "use": "sig",
            "alg": "ES256",
            "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        })
    }

    /// A compact ES256 JWS of `claims`.
    pub fn sign(&self, claims: &Value) -> Result<String, JwtError> {
        let header = serde_json::json!({"alg": "ES256", "typ": "JWT", "kid": self.kid});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let rng = ring::rand::SystemRandom::new();
        let sig = self
            .pair
            .sign(&rng, input.as_bytes())
            .map_err(|_| JwtError::KeySet("signing failed".into()))?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_set(key: &SigningKey) -> KeySet {
        KeySet::parse(&serde_json::json!({ "keys": [key.jwk()] }).to_string()).unwrap()
    }

    #[test]
    fn es256_round_trip_and_refusals() {
        let (_, key) = SigningKey::generate().unwrap();
        let token = key
            .sign(&serde_json::json!({"iss": "https://x", "sub": "s"}))
            .unwrap();
        let jwt = parse(&token).unwrap();
        assert_eq!(jwt.alg, "ES256");
        assert_eq!(jwt.claims["sub"], "s");
        jwt.verify(&key_set(&key)).unwrap();

        let (_, other) = SigningKey::generate().unwrap();
        let mut other_jwk = other.jwk();
        other_jwk["kid"] = key.kid.clone().into();
        let wrong = KeySet::parse(&serde_json::json!({ "keys": [other_jwk] }).to_string()).unwrap();
        assert_eq!(jwt.verify(&wrong), Err(JwtError::BadSignature));

        // A changed claim breaks the signature.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"iss":"https://x","sub":"root"}"#);
        parts[1] = &forged;
        let forged = parse(&parts.join(".")).unwrap();
        assert_eq!(forged.verify(&key_set(&key)), Err(JwtError::BadSignature));

        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode("{}")
        );
        assert_eq!(
            parse(&none).unwrap().verify(&key_set(&key)),
            Err(JwtError::Algorithm("none".into()))
        );
        assert!(parse("a.b").is_err());
        assert!(parse("not-a-jwt").is_err());
        assert!(parse(&"a".repeat(MAX_TOKEN_LEN + 1)).is_err());
    }
}
