//! The SSH server's host keys: an RSA key (as CodeCommit has) and an Ed25519 key, generated
//! on first start and kept in `DATA_DIR/ssh/`, so clients see the same keys after a restart.
//!
//! A 3072-bit RSA key takes 100 ms to over a second to generate (the prime search is random),
//! which was nearly all of a first start. So it is generated on its own thread while the
//! server starts and serves; SSH connections made before it exists wait for it. Ephemeral
//! data dirs (test servers) share one RSA key per process: nothing outlives the process
//! that could tell them apart, and a test binary starting fifty servers generates one key.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::{KeypairData, RsaKeypair};
use russh::keys::{Algorithm, HashAlg, PrivateKey};

/// Bits of a generated RSA host key.
const RSA_BITS: usize = 3072;

#[derive(Debug, thiserror::Error)]
pub enum HostKeyError {
    #[error("SSH host key {path}: {reason}")]
    Key { path: PathBuf, reason: String },
    #[error("SSH host key dir {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn load_or_generate(
    path: &Path,
    generate: impl FnOnce() -> Result<PrivateKey, String>,
) -> Result<PrivateKey, HostKeyError> {
    let err = |reason: String| HostKeyError::Key {
        path: path.to_owned(),
        reason,
    };
    if path.exists() {
        return PrivateKey::read_openssh_file(path).map_err(|e| err(e.to_string()));
    }
    let key = generate().map_err(err)?;
    let tmp = path.with_extension("tmp");
    key.write_openssh_file(&tmp, LineEnding::LF)
        .map_err(|e| err(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|source| HostKeyError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(key)
}

/// A data dir's host keys: those ready now, and the RSA key while its first generation runs.
pub struct HostKeys {
    /// Ed25519, then RSA once it exists.
    pub ready: Vec<PrivateKey>,
    /// The RSA key's generation on a first start (it is written to the dir when done).
    pub generating: Option<std::thread::JoinHandle<Result<PrivateKey, HostKeyError>>>,
}

/// The RSA key this process's ephemeral data dirs share, generated once.
static EPHEMERAL_RSA: OnceLock<Result<PrivateKey, String>> = OnceLock::new();

fn generate_rsa() -> Result<PrivateKey, String> {
    let pair = RsaKeypair::random(&mut rand::rng(), RSA_BITS).map_err(|e| e.to_string())?;
    PrivateKey::new(KeypairData::Rsa(pair), "codecommit-local").map_err(|e| e.to_string())
}

/// The host keys in `dir` (Ed25519 first, then RSA), created on first use; a missing RSA key
/// is generated on a thread of its own, or shared when `ephemeral` (see the module's text).
pub fn load_or_start(dir: &Path, ephemeral: bool) -> Result<HostKeys, HostKeyError> {
    std::fs::create_dir_all(dir).map_err(|source| HostKeyError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let ed25519 = load_or_generate(&dir.join("ssh_host_ed25519_key"), || {
        PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(|e| e.to_string())
    })?;
    let rsa_path = dir.join("ssh_host_rsa_key");
    let generate = move || match ephemeral {
        true => EPHEMERAL_RSA.get_or_init(generate_rsa).clone(),
        false => generate_rsa(),
    };
    if rsa_path.exists() || (ephemeral && EPHEMERAL_RSA.get().is_some()) {
        let rsa = load_or_generate(&rsa_path, generate)?;
        return Ok(HostKeys {
            ready: vec![ed25519, rsa],
            generating: None,
        });
    }
    let generating = std::thread::Builder::new()
        .name("ssh-host-key".into())
        .spawn(move || load_or_generate(&rsa_path, generate))
        .map_err(|source| HostKeyError::Io {
            path: dir.to_owned(),
            source,
        })?;
    Ok(HostKeys {
        ready: vec![ed25519],
        generating: Some(generating),
    })
}

/// `SHA256:…` fingerprints with the key type, as `ssh-keygen -l` prints them.
pub fn fingerprints(keys: &[PrivateKey]) -> Vec<String> {
    keys.iter()
        .map(|k| {
            format!(
                "{} {}",
                k.public_key().fingerprint(HashAlg::Sha256),
                k.algorithm().as_str()
            )
        })
        .collect()
}
