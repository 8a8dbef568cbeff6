//! SSH public keys as UploadSSHPublicKey takes them: OpenSSH or PEM.
#![no_main]

use codecommit_local::iam::ssh_keys;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ssh_keys::parse_any(text);
});
