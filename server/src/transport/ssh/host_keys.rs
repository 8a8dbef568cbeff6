//! The SSH server's host keys: an RSA key (as CodeCommit has) and an Ed25519 key, generated
//! on first start and kept in `DATA_DIR/ssh/`, so clients see the same keys after a restart.

use std::path::{Path, PathBuf};

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

/// The host keys in `dir` (Ed25519 first, then RSA), created on first use.
pub fn load_or_create(dir: &Path) -> Result<Vec<PrivateKey>, HostKeyError> {
    std::fs::create_dir_all(dir).map_err(|source| HostKeyError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let ed25519 = load_or_generate(&dir.join("ssh_host_ed25519_key"), || {
        PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(|e| e.to_string())
    })?;
    let rsa = load_or_generate(&dir.join("ssh_host_rsa_key"), || {
        let pair = RsaKeypair::random(&mut rand::rng(), RSA_BITS).map_err(|e| e.to_string())?;
        PrivateKey::new(KeypairData::Rsa(pair), "codecommit-local").map_err(|e| e.to_string())
    })?;
    Ok(vec![ed25519, rsa])
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
