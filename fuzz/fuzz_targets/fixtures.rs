//! Fixture files (TOML): parsed and checked, never applied.
#![no_main]

use codecommit_local::seed;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = seed::parse(std::path::Path::new("/fuzz/fixture.toml"), text);
});
