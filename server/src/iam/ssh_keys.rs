//! Parsing of the SSH public keys IAM accepts for CodeCommit: RSA, 2048–16384 bits, in
//! OpenSSH `ssh-rsa AAAA…` form. The fingerprint is IAM's: MD5 of the decoded key blob as
//! colon-separated hex, equal to `ssh-keygen -l -E md5`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};

pub const MIN_RSA_BITS: usize = 2048;
pub const MAX_RSA_BITS: usize = 16384;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SshKeyError {
    /// Not an encoding IAM recognises (another key type, not base64, not a key at all).
    #[error("the public key is not in a recognized encoding")]
    UnrecognizedEncoding,
    /// Recognised as RSA but unusable (too short, too long, broken structure).
    #[error("the public key is not valid: {0}")]
    Invalid(&'static str),
}

/// A parsed RSA public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    /// The SSH wire-format blob (`string "ssh-rsa", mpint e, mpint n`).
    pub blob: Vec<u8>,
    pub bits: usize,
}

impl RsaPublicKey {
    /// `ssh-rsa <base64 blob>`, without the comment.
    pub fn openssh(&self) -> String {
        format!("ssh-rsa {}", STANDARD.encode(&self.blob))
    }

    /// MD5 of the blob, as colon-separated lower-case hex.
    pub fn md5_fingerprint(&self) -> String {
        let digest = Md5::digest(&self.blob);
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// Parses an OpenSSH-format public key line (`ssh-rsa AAAA… [comment]`).
pub fn parse_openssh(text: &str) -> Result<RsaPublicKey, SshKeyError> {
    let mut parts = text.split_whitespace();
    let kind = parts.next().ok_or(SshKeyError::UnrecognizedEncoding)?;
    let b64 = parts.next().ok_or(SshKeyError::UnrecognizedEncoding)?;
    if kind != "ssh-rsa" {
        return Err(SshKeyError::UnrecognizedEncoding);
    }
    let blob = STANDARD
        .decode(b64)
        .map_err(|_| SshKeyError::UnrecognizedEncoding)?;
    parse_blob(blob)
}

fn parse_blob(blob: Vec<u8>) -> Result<RsaPublicKey, SshKeyError> {
    let mut rest = blob.as_slice();
    let kind = read_string(&mut rest).ok_or(SshKeyError::Invalid("truncated key type"))?;
    if kind != b"ssh-rsa" {
        return Err(SshKeyError::UnrecognizedEncoding);
    }
    let e = read_string(&mut rest).ok_or(SshKeyError::Invalid("truncated exponent"))?;
    let n = read_string(&mut rest).ok_or(SshKeyError::Invalid("truncated modulus"))?;
    if !rest.is_empty() {
        return Err(SshKeyError::Invalid("trailing bytes after the modulus"));
    }
    if significant_bits(e) < 2 {
        return Err(SshKeyError::Invalid("bad exponent"));
    }
    let bits = significant_bits(n);
    if bits < MIN_RSA_BITS {
        return Err(SshKeyError::Invalid(
            "the RSA key is shorter than 2048 bits",
        ));
    }
    if bits > MAX_RSA_BITS {
        return Err(SshKeyError::Invalid(
            "the RSA key is longer than 16384 bits",
        ));
    }
    Ok(RsaPublicKey { blob, bits })
}

fn read_string<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let value = rest.get(4..4 + len)?;
    *rest = &rest[4 + len..];
    Some(value)
}

fn significant_bits(mpint: &[u8]) -> usize {
    let skip = mpint.iter().take_while(|&&b| b == 0).count();
    match mpint.get(skip) {
        None => 0,
        Some(first) => (mpint.len() - skip - 1) * 8 + (8 - first.leading_zeros() as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(e: &[u8], n: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        for part in [b"ssh-rsa".as_slice(), e, n] {
            b.extend_from_slice(&(part.len() as u32).to_be_bytes());
            b.extend_from_slice(part);
        }
        b
    }

    #[test]
    fn accepts_2048_bit_rsa_and_fingerprints_the_blob() {
        let mut n = vec![0u8];
        n.extend(std::iter::repeat_n(0xc5, 256));
        let b = blob(&[1, 0, 1], &n);
        let line = format!("ssh-rsa {} me@host", STANDARD.encode(&b));
        let key = parse_openssh(&line).unwrap();
        assert_eq!(key.bits, 2048);
        assert_eq!(key.md5_fingerprint().len(), 47);
        assert_eq!(key.openssh(), line.trim_end_matches(" me@host"));
    }

    #[test]
    fn rejects_short_and_other_keys() {
        let short = blob(&[1, 0, 1], &[0xc5; 128]);
        assert_eq!(
            parse_openssh(&format!("ssh-rsa {}", STANDARD.encode(short))),
            Err(SshKeyError::Invalid(
                "the RSA key is shorter than 2048 bits"
            ))
        );
        assert_eq!(
            parse_openssh("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEf2"),
            Err(SshKeyError::UnrecognizedEncoding)
        );
        assert_eq!(
            parse_openssh("ssh-rsa !!!"),
            Err(SshKeyError::UnrecognizedEncoding)
        );
        assert_eq!(parse_openssh(""), Err(SshKeyError::UnrecognizedEncoding));
    }
}
