//! The command line an SSH client asks to run (`git-upload-pack '/v1/repos/x'`).
#![no_main]

use codecommit_local::transport::ssh::exec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = exec::parse(text);
});
