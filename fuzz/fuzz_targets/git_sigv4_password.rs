//! A SigV4 Git password (`git-remote-codecommit`, `aws codecommit credential-helper`):
//! `user:password` as Basic carries it, checked against one known key.
#![no_main]

use chrono::{TimeZone, Utc};
use codecommit_local::auth::git_sigv4::{self, GitSigV4Request};
use codecommit_local::auth::sigv4::{KeyLookup, KeyRecord, SigV4Error};
use codecommit_local::principal::{AuthMethod, Identity, Principal};
use codecommit_local::secret::Secret;
use libfuzzer_sys::fuzz_target;

struct OneKey;

impl KeyLookup for OneKey {
    fn lookup(&self, access_key_id: &str) -> Result<Option<KeyRecord>, SigV4Error> {
        Ok(
            (access_key_id == "AKIAIOSFODNN7EXAMPLE").then(|| KeyRecord {
                secret: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                session_token_hash: None,
                expires_at: None,
                principal: Principal {
                    account_id: "123456789012".into(),
                    arn: "arn:aws:iam::123456789012:user/admin".into(),
                    identity: Identity::User {
                        user_id: "AIDAEXAMPLE".into(),
                        user_name: "admin".into(),
                    },
                    method: AuthMethod::AccessKey {
                        access_key_id: access_key_id.into(),
                    },
                },
            }),
        )
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (user, password) = text.split_once(':').unwrap_or((text, ""));
    let password = Secret::new(password);
    let request = GitSigV4Request {
        user,
        password: &password,
        path: "/v1/repos/demo",
        host: "git-codecommit.us-east-1.amazonaws.com",
        server_region: "us-east-1",
    };
    let now = Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
    let _ = git_sigv4::verify(&request, now, &OneKey);
});
