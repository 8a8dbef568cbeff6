//! IAM and STS request bodies (the Query protocol): the form decoder, the model's
//! constraints and each operation's typed request. `Action=` picks the operation, as on the
//! wire; a body naming none goes to the operation its first byte picks.
#![no_main]

use codecommit_local::transport::aws::protocol::query::Params;
use codecommit_local::transport::aws::registry::{self, Body};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let params = Params::parse(data, "");
    let mut entries = registry::IAM.iter().chain(registry::STS);
    let entry = match params.raw("Action") {
        Some(action) => entries.find(|e| e.name == action),
        None => None,
    };
    let entry = entry.unwrap_or_else(|| {
        let all: Vec<_> = registry::IAM.iter().chain(registry::STS).collect();
        all[data.first().copied().unwrap_or(0) as usize % all.len()]
    });
    let _ = (entry.check)(Body::Query(&params));
});
