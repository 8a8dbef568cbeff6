//! The SSH public keys IAM accepts for CodeCommit: RSA, 2048–16384 bits, as OpenSSH
//! (`ssh-rsa AAAA…`) or PEM (`BEGIN PUBLIC KEY`, `BEGIN RSA PUBLIC KEY`). The fingerprint is
//! IAM's: MD5 of the key blob as colon-separated hex, equal to `ssh-keygen -l -E md5`.
//!
//! The encodings are parsed by the maintained crates: `ssh-key` (the SSH wire format),
//! `pem-rfc7468`, `spki` and `pkcs1` (PEM, SubjectPublicKeyInfo, PKCS#1).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use der::{Decode, Encode};
use md5::{Digest, Md5};
use russh::keys::ssh_encoding::Mpint;
use russh::keys::ssh_key::public::{KeyData, RsaPublicKey as SshRsa};
use russh::keys::ssh_key::{self, PublicKey};

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

    /// The RSA components `(n, e)`, unsigned big-endian.
    fn components(&self) -> (Vec<u8>, Vec<u8>) {
        match PublicKey::from_bytes(&self.blob).map(|k| k.key_data().clone()) {
            Ok(KeyData::Rsa(rsa)) => (positive(rsa.n()).to_vec(), positive(rsa.e()).to_vec()),
            _ => (Vec::new(), Vec::new()),
        }
    }

    /// `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo), as GetSSHPublicKey returns it.
    pub fn pem(&self) -> String {
        let (n, e) = self.components();
        let encoded = (|| {
            let pkcs1 = pkcs1::RsaPublicKey {
                modulus: der::asn1::UintRef::new(&n)?,
                public_exponent: der::asn1::UintRef::new(&e)?,
            }
            .to_der()?;
            spki::SubjectPublicKeyInfoRef {
                algorithm: pkcs1::ALGORITHM_ID,
                subject_public_key: der::asn1::BitStringRef::from_bytes(&pkcs1)?,
            }
            .to_der()
        })();
        encoded
            .ok()
            .and_then(|der| {
                pem_rfc7468::encode_string("PUBLIC KEY", pem_rfc7468::LineEnding::LF, &der).ok()
            })
            .unwrap_or_default()
    }
}

fn positive(m: &Mpint) -> &[u8] {
    m.as_positive_bytes().unwrap_or_default()
}

fn significant_bits(unsigned: &[u8]) -> usize {
    let skip = unsigned.iter().take_while(|&&b| b == 0).count();
    match unsigned.get(skip) {
        None => 0,
        Some(first) => (unsigned.len() - skip - 1) * 8 + (8 - first.leading_zeros() as usize),
    }
}

/// Parses a public key as IAM accepts it: OpenSSH (`ssh-rsa AAAA… [comment]`) or PEM
/// (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`).
pub fn parse_any(text: &str) -> Result<RsaPublicKey, SshKeyError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        parse_pem(text)
    } else {
        parse_openssh(text)
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

/// Checks an SSH wire blob: an RSA key of an accepted size.
fn parse_blob(blob: Vec<u8>) -> Result<RsaPublicKey, SshKeyError> {
    let key = PublicKey::from_bytes(&blob).map_err(|e| match e {
        ssh_key::Error::AlgorithmUnknown | ssh_key::Error::AlgorithmUnsupported { .. } => {
            SshKeyError::UnrecognizedEncoding
        }
        _ => SshKeyError::Invalid("malformed SSH key structure"),
    })?;
    let KeyData::Rsa(rsa) = key.key_data() else {
        return Err(SshKeyError::UnrecognizedEncoding);
    };
    if significant_bits(positive(rsa.e())) < 2 {
        return Err(SshKeyError::Invalid("bad exponent"));
    }
    let bits = significant_bits(positive(rsa.n()));
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

/// Parses a PEM RSA public key: X.509 SubjectPublicKeyInfo or PKCS#1.
pub fn parse_pem(text: &str) -> Result<RsaPublicKey, SshKeyError> {
    let text = text.trim().replace("\r\n", "\n");
    let (label, der) =
        pem_rfc7468::decode_vec(text.as_bytes()).map_err(|_| SshKeyError::UnrecognizedEncoding)?;
    let malformed = |_| SshKeyError::Invalid("malformed DER");
    let rsa_der = match label {
        "PUBLIC KEY" => {
            let spki = spki::SubjectPublicKeyInfoRef::from_der(&der).map_err(malformed)?;
            if spki.algorithm.oid != pkcs1::ALGORITHM_OID {
                return Err(SshKeyError::UnrecognizedEncoding);
            }
            spki.subject_public_key
                .as_bytes()
                .ok_or(SshKeyError::Invalid("malformed DER"))?
                .to_vec()
        }
        "RSA PUBLIC KEY" => der,
        _ => return Err(SshKeyError::UnrecognizedEncoding),
    };
    let rsa = pkcs1::RsaPublicKey::from_der(&rsa_der).map_err(malformed)?;
    let key = SshRsa::new(
        Mpint::from_positive_bytes(rsa.public_exponent.as_bytes()),
        Mpint::from_positive_bytes(rsa.modulus.as_bytes()),
    )
    .map_err(|_| SshKeyError::Invalid("bad RSA components"))?;
    let blob = PublicKey::new(KeyData::Rsa(key), "")
        .to_bytes()
        .map_err(|_| SshKeyError::Invalid("bad RSA components"))?;
    parse_blob(blob)
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
    fn pem_round_trips_through_the_ssh_blob() {
        let mut n = vec![0u8];
        n.extend(std::iter::repeat_n(0xa7, 256));
        let key = parse_blob(blob(&[1, 0, 1], &n)).unwrap();
        let pem = key.pem();
        assert!(pem.starts_with(
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
        ));
        let again = parse_any(&pem).unwrap();
        assert_eq!(again, key);
        assert_eq!(again.md5_fingerprint(), key.md5_fingerprint());
    }

    #[test]
    fn rejects_short_and_other_keys() {
        // A well-formed 1024-bit modulus (a positive mpint: high bit clear).
        let short = blob(&[1, 0, 1], &[0x45; 128]);
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
        let truncated = &blob(&[1, 0, 1], &[0x45; 300])[..100];
        assert_eq!(
            parse_openssh(&format!("ssh-rsa {}", STANDARD.encode(truncated))),
            Err(SshKeyError::Invalid("malformed SSH key structure"))
        );
    }
}
