//! IAM policy documents: identity, trust and session policies.
#![no_main]

use codecommit_local::policy::document::{self, Kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = document::parse(text, Kind::Identity);
    let _ = document::parse(text, Kind::Trust);
});
