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

/// Parses a PEM RSA public key: X.509 SubjectPublicKeyInfo or PKCS#1.
pub fn parse_pem(text: &str) -> Result<RsaPublicKey, SshKeyError> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let begin = lines.next().ok_or(SshKeyError::UnrecognizedEncoding)?;
    let label = begin
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or(SshKeyError::UnrecognizedEncoding)?;
    let mut b64 = String::new();
    let mut ended = false;
    for line in lines {
        if line == format!("-----END {label}-----") {
            ended = true;
            break;
        }
        b64.push_str(line);
    }
    if !ended {
        return Err(SshKeyError::UnrecognizedEncoding);
    }
    let der = STANDARD
        .decode(b64)
        .map_err(|_| SshKeyError::UnrecognizedEncoding)?;
    let (n, e) = match label {
        "PUBLIC KEY" => der::spki_rsa(&der)?,
        "RSA PUBLIC KEY" => der::pkcs1_rsa(&der)?,
        _ => return Err(SshKeyError::UnrecognizedEncoding),
    };
    let mut blob = Vec::new();
    for part in [b"ssh-rsa".as_slice(), &mpint(&e), &mpint(&n)] {
        blob.extend_from_slice(&(part.len() as u32).to_be_bytes());
        blob.extend_from_slice(part);
    }
    parse_blob(blob)
}

/// An unsigned big-endian integer as an SSH mpint / DER INTEGER body: no superfluous
/// leading zeros, one zero byte if the high bit is set.
fn mpint(unsigned: &[u8]) -> Vec<u8> {
    let skip = unsigned.iter().take_while(|&&b| b == 0).count();
    let digits = &unsigned[skip..];
    let mut out = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_some_and(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

impl RsaPublicKey {
    fn components(&self) -> (Vec<u8>, Vec<u8>) {
        let mut rest = self.blob.as_slice();
        let _ = read_string(&mut rest);
        let e = read_string(&mut rest).unwrap_or_default().to_vec();
        let n = read_string(&mut rest).unwrap_or_default().to_vec();
        (n, e)
    }

    /// `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo), as GetSSHPublicKey returns it.
    pub fn pem(&self) -> String {
        let (n, e) = self.components();
        let der = der::spki_rsa_encode(&mpint(&n), &mpint(&e));
        let b64 = STANDARD.encode(der);
        let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
            out.push('\n');
        }
        out.push_str("-----END PUBLIC KEY-----\n");
        out
    }
}

/// Just enough DER for RSA public keys.
mod der {
    use super::SshKeyError;

    const SEQUENCE: u8 = 0x30;
    const INTEGER: u8 = 0x02;
    const BIT_STRING: u8 = 0x03;
    const NULL: u8 = 0x05;
    const OID: u8 = 0x06;
    /// 1.2.840.113549.1.1.1 (rsaEncryption).
    const RSA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

    fn bad() -> SshKeyError {
        SshKeyError::Invalid("malformed DER")
    }

    /// Reads one TLV with the expected tag; returns (content, rest).
    fn read(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), SshKeyError> {
        let (&t, rest) = input.split_first().ok_or_else(bad)?;
        if t != tag {
            return Err(if tag == OID {
                SshKeyError::UnrecognizedEncoding
            } else {
                bad()
            });
        }
        let (&first, rest) = rest.split_first().ok_or_else(bad)?;
        let (len, rest) = if first < 0x80 {
            (first as usize, rest)
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 || rest.len() < n {
                return Err(bad());
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | b as usize);
            (len, &rest[n..])
        };
        if rest.len() < len {
            return Err(bad());
        }
        Ok((&rest[..len], &rest[len..]))
    }

    /// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } → (n, e).
    pub fn pkcs1_rsa(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), SshKeyError> {
        let (seq, _) = read(der, SEQUENCE)?;
        let (n, rest) = read(seq, INTEGER)?;
        let (e, _) = read(rest, INTEGER)?;
        Ok((n.to_vec(), e.to_vec()))
    }

    /// SubjectPublicKeyInfo with the rsaEncryption algorithm → (n, e). Other algorithms
    /// are not a recognised encoding.
    pub fn spki_rsa(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), SshKeyError> {
        let (spki, _) = read(der, SEQUENCE)?;
        let (alg, rest) = read(spki, SEQUENCE)?;
        let (oid, _) = read(alg, OID)?;
        if oid != RSA_OID {
            return Err(SshKeyError::UnrecognizedEncoding);
        }
        let (bits, _) = read(rest, BIT_STRING)?;
        let (&unused, key) = bits.split_first().ok_or_else(bad)?;
        if unused != 0 {
            return Err(bad());
        }
        pkcs1_rsa(key)
    }

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|&b| b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    /// SubjectPublicKeyInfo of an RSA key from its DER INTEGER bodies.
    pub fn spki_rsa_encode(n: &[u8], e: &[u8]) -> Vec<u8> {
        let mut ints = tlv(INTEGER, n);
        ints.extend(tlv(INTEGER, e));
        let key = tlv(SEQUENCE, &ints);
        let mut bits = vec![0u8];
        bits.extend(key);
        let mut alg = tlv(OID, RSA_OID);
        alg.extend(tlv(NULL, &[]));
        let mut spki = tlv(SEQUENCE, &alg);
        spki.extend(tlv(BIT_STRING, &bits));
        tlv(SEQUENCE, &spki)
    }
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
