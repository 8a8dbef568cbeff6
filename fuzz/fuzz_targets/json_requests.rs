//! CodeCommit request bodies (JSON 1.1): each operation's typed request with the model's
//! constraints. An input is `OperationName\n{json}` (the name X-Amz-Target carries); an
//! unknown name picks the operation by its first byte.
#![no_main]

use codecommit_local::transport::aws::registry::{self, Body};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (name, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let entries = registry::CODECOMMIT;
    let entry = entries
        .iter()
        .find(|e| e.name.as_bytes() == name)
        .unwrap_or(&entries[name.first().copied().unwrap_or(0) as usize % entries.len()]);
    let _ = (entry.check)(Body::Json(body));
});
