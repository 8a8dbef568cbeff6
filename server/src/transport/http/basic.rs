//! HTTP Basic credentials, parsed without ever logging or echoing the password.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;

use crate::secret::Secret;

/// What the `Authorization` header holds.
#[derive(Debug)]
pub enum BasicAuth {
    /// No header, or a scheme other than Basic: ask the client for credentials.
    Missing,
    /// A Basic header that does not decode to `user:password`.
    Malformed,
    Present {
        user: String,
        password: Secret,
    },
}

pub fn parse(headers: &HeaderMap) -> BasicAuth {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return BasicAuth::Missing;
    };
    let Ok(value) = value.to_str() else {
        return BasicAuth::Malformed;
    };
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return BasicAuth::Missing;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return BasicAuth::Missing;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return BasicAuth::Malformed;
    };
    let decoded = zeroize::Zeroizing::new(decoded);
    let Ok(text) = std::str::from_utf8(&decoded) else {
        return BasicAuth::Malformed;
    };
    match text.split_once(':') {
        Some((user, password)) if !user.is_empty() => BasicAuth::Present {
            user: user.to_owned(),
            password: Secret::new(password),
        },
        _ => BasicAuth::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn parses_basic() {
        // "alice-at-123456789012:p:w" — the password may contain colons.
        let b = base64::engine::general_purpose::STANDARD.encode("alice-at-123456789012:p:w");
        match parse(&headers(&format!("Basic {b}"))) {
            BasicAuth::Present { user, password } => {
                assert_eq!(user, "alice-at-123456789012");
                assert!(password.ct_eq("p:w"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse(&HeaderMap::new()), BasicAuth::Missing));
        assert!(matches!(parse(&headers("Bearer x")), BasicAuth::Missing));
        assert!(matches!(parse(&headers("Basic !!!")), BasicAuth::Malformed));
        let no_colon = base64::engine::general_purpose::STANDARD.encode("nocolon");
        assert!(matches!(
            parse(&headers(&format!("Basic {no_colon}"))),
            BasicAuth::Malformed
        ));
    }
}
