//! The server's configuration, as the command line (or a library caller) gives it.

use std::path::PathBuf;
use std::time::Duration;

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum DataDir {
    /// A directory kept across restarts.
    Persistent(PathBuf),
    /// A temporary directory removed when the server stops.
    Ephemeral,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub data_dir: DataDir,
    /// Fixture files applied at start; empty = the embedded default on an empty store.
    pub fixtures: Vec<PathBuf>,
    pub https_addr: String,
    pub http_addr: String,
    /// The SSH listener.
    pub ssh_addr: String,
    pub region: String,
    pub account_id: String,
    /// The host name clone URLs and the banner use.
    pub public_host: String,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Written with the endpoints JSON once the server is ready.
    pub ready_file: Option<PathBuf>,
    /// The CA certificate is copied here once the server is ready.
    pub export_ca: Option<PathBuf>,
    /// The `git pack-objects` hook: a cache for repeated clones and a limit on packs
    /// streaming at once; neither when `None`.
    pub pack_hook: Option<PackHookConfig>,
    /// Whether IAM policies decide every call (as on AWS); off, every authenticated caller
    /// may do everything in its account.
    pub authorization: bool,
    /// The instance-metadata listener (IMDSv2); none unless given.
    pub imds_addr: Option<String>,
    /// Whether the metadata listener also answers IMDSv1 reads (no session token).
    pub imds_v1: bool,
    /// Where triggers and EventBridge events are sent (SNS, Lambda, EventBridge APIs).
    pub events: EventsConfig,
    /// What one client may hold or send.
    pub limits: LimitsConfig,
}

/// What one client may hold or send: connections, time to speak, push size.
#[derive(Debug, Clone)]
pub struct LimitsConfig {
    /// Connections each listener (HTTPS, HTTP, SSH) holds at once; more are closed as they
    /// are accepted.
    pub max_connections: usize,
    /// How long an HTTP client may take to send a request's headers (and the TLS handshake
    /// and first request of a new connection).
    pub header_timeout: Duration,
    /// How long an SSH client may take to authenticate (OpenSSH's `LoginGraceTime`).
    pub ssh_login_grace_time: Duration,
    /// The largest pack a push may send (git's `receive.maxInputSize`); zero: no limit.
    pub max_push_bytes: u64,
    /// API requests handled at once; more wait for a place, then are throttled.
    pub max_api_requests: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_connections: 512,
            header_timeout: Duration::from_secs(30),
            ssh_login_grace_time: Duration::from_secs(120),
            max_push_bytes: 2 << 30,
            max_api_requests: 256,
        }
    }
}

/// The AWS-compatible endpoint events go to, and how requests to it are signed.
#[derive(Clone, Default)]
pub struct EventsConfig {
    /// e.g. `http://localhost:4566` (LocalStack), `http://localhost:5000` (moto); none: only
    /// the fixtures' webhooks receive events.
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<zeroize::Zeroizing<String>>,
    /// Default: the server's region.
    pub region: Option<String>,
}

impl std::fmt::Debug for EventsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventsConfig")
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// The pack hook's program and settings (see [`crate::git::pack_hook`]).
#[derive(Debug, Clone)]
pub struct PackHookConfig {
    /// The `codecommit-local` executable, which git runs as `pack-objects-hook`.
    pub hook_exe: PathBuf,
    /// How long a cached pack is served after it was written; zero turns the cache off.
    pub cache_max_age: Duration,
    /// How many bytes the cached packs may take together (checked at every sweep, at least
    /// once a minute); zero turns the cache off.
    pub cache_max_bytes: u64,
    /// How many packs may stream at once; zero means no limit.
    pub limit: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            data_dir: DataDir::Persistent(PathBuf::from("./.codecommit-local")),
            fixtures: Vec::new(),
            https_addr: "127.0.0.1:8443".into(),
            http_addr: "127.0.0.1:8080".into(),
            ssh_addr: "127.0.0.1:2222".into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            public_host: "localhost".into(),
            tls_cert: None,
            tls_key: None,
            ready_file: None,
            export_ca: None,
            pack_hook: None,
            authorization: true,
            imds_addr: None,
            imds_v1: false,
            events: EventsConfig::default(),
            limits: LimitsConfig::default(),
        }
    }
}
