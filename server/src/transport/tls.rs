//! TLS for the HTTPS listener: a local CA generated on first start and persisted in
//! `DATA_DIR/tls/`, and a server certificate it signs for the names clients use (localhost,
//! the loopback addresses, `--public-host` and AWS's CodeCommit, IAM and STS hostnames).
//! Both are reused on restart; the server certificate is re-issued when the names change
//! or it nears expiry. The CA is constrained to those names (and signs no other CA), and
//! is replaced when they change. `--tls-cert/--tls-key` replace all of this.

use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    NameConstraints,
};
use serde::{Deserialize, Serialize};

/// Days a server certificate is valid, and how close to expiry it is re-issued.
const SERVER_CERT_DAYS: i64 = 397;
const RENEW_BEFORE_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("TLS files in {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("generating certificates: {0}")]
    Rcgen(#[from] rcgen::Error),
}

/// The certificate chain and key the HTTPS listener serves, and the CA file clients trust.
pub struct TlsMaterial {
    pub cert_chain_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// The CA to give clients (`GIT_SSL_CAINFO`, `AWS_CA_BUNDLE`); `None` with `--tls-cert`.
    pub ca_file: Option<PathBuf>,
}

/// The names the server certificate covers.
pub fn server_names(public_host: &str, region: &str) -> Vec<String> {
    let mut names: Vec<String> = vec![
        "localhost".into(),
        "127.0.0.1".into(),
        "::1".into(),
        public_host.into(),
        format!("git-codecommit.{region}.amazonaws.com"),
        format!("codecommit.{region}.amazonaws.com"),
        "iam.amazonaws.com".into(),
        format!("sts.{region}.amazonaws.com"),
        "sts.amazonaws.com".into(),
    ];
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

/// Loads user-supplied PEM files (`--tls-cert`, `--tls-key`).
pub fn load_custom(cert: &Path, key: &Path) -> Result<TlsMaterial, TlsError> {
    Ok(TlsMaterial {
        cert_chain_pem: read(cert)?,
        key_pem: read(key)?,
        ca_file: None,
    })
}

#[derive(Serialize, Deserialize, PartialEq)]
struct ServerCertInfo {
    names: Vec<String>,
    not_after_unix: i64,
}

/// The local CA and a server certificate for `names`, from `dir`, created as needed.
pub fn load_or_create(dir: &Path, names: &[String]) -> Result<TlsMaterial, TlsError> {
    fs::create_dir_all(dir).map_err(|source| TlsError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let ca_cert = dir.join("ca.pem");
    let ca_key = dir.join("ca-key.pem");
    // The CA may sign only `names`: a CA made for other names (or, before name
    // constraints, for any) is replaced.
    let ca_info = dir.join("ca.json");
    let ca_names: Option<Vec<String>> = fs::read(&ca_info)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let ca_key_pair = if ca_cert.exists() && ca_key.exists() && ca_names.as_deref() == Some(names) {
        KeyPair::from_pem(&String::from_utf8_lossy(&read(&ca_key)?))?
    } else {
        let key = KeyPair::generate()?;
        let cert = ca_params(names).self_signed(&key)?;
        write(&ca_key, key.serialize_pem().as_bytes(), 0o600)?;
        write(&ca_cert, cert.pem().as_bytes(), 0o644)?;
        write(
            &ca_info,
            &serde_json::to_vec_pretty(names).expect("serializable"),
            0o644,
        )?;
        // A new CA invalidates any server certificate signed by an old one.
        let _ = fs::remove_file(dir.join("server.json"));
        key
    };

    let server_cert = dir.join("server.pem");
    let server_key = dir.join("server-key.pem");
    let info_path = dir.join("server.json");
    let now = chrono::Utc::now().timestamp();
    let info: Option<ServerCertInfo> = fs::read(&info_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let fresh = info
        .is_some_and(|i| i.names == names && i.not_after_unix - now > RENEW_BEFORE_DAYS * 86_400)
        && server_cert.exists()
        && server_key.exists();
    if !fresh {
        let issuer = Issuer::new(ca_params(names), &ca_key_pair);
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(names.to_vec())?;
        params
            .distinguished_name
            .push(DnType::CommonName, "codecommit-local");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let not_before = time_from_unix(now - 86_400);
        let not_after_unix = now + SERVER_CERT_DAYS * 86_400;
        params.not_before = not_before;
        params.not_after = time_from_unix(not_after_unix);
        let cert = params.signed_by(&key, &issuer)?;
        write(&server_key, key.serialize_pem().as_bytes(), 0o600)?;
        write(&server_cert, cert.pem().as_bytes(), 0o644)?;
        let info = ServerCertInfo {
            names: names.to_vec(),
            not_after_unix,
        };
        write(
            &info_path,
            &serde_json::to_vec_pretty(&info).expect("serializable"),
            0o644,
        )?;
    }
    let mut chain = read(&server_cert)?;
    chain.extend_from_slice(&read(&ca_cert)?);
    Ok(TlsMaterial {
        cert_chain_pem: chain,
        key_pem: read(&server_key)?,
        ca_file: Some(ca_cert),
    })
}

/// The CA's parameters for a server certificate naming `names`. Deterministic, so the
/// persisted CA key plus these parameters re-create the issuer that signed the persisted
/// CA certificate. The CA signs no other CA (path length 0) and no name but `names`
/// (name constraints), so a client that trusts it for the AWS host names the server
/// answers to trusts it for nothing else.
fn ca_params(names: &[String]) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "codecommit-local local CA");
    dn.push(DnType::OrganizationName, "codecommit-local");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: names
            .iter()
            .map(|n| match n.parse::<IpAddr>() {
                Ok(ip) => {
                    GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(ip, full_prefix(ip)))
                }
                Err(_) => GeneralSubtree::DnsName(n.clone()),
            })
            .collect(),
        excluded_subtrees: Vec::new(),
    });
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2049, 12, 31);
    params
}

/// The prefix length that names one address.
fn full_prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

fn time_from_unix(secs: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    fs::read(path).map_err(|source| TlsError::Io {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8], mode: u32) -> Result<(), TlsError> {
    let tmp = path.with_extension("tmp");
    let io = |source| TlsError::Io {
        path: path.to_owned(),
        source,
    };
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    fs::rename(&tmp, path).map_err(io)
}
