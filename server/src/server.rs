//! Wires the layers together: data dir → store → fixtures → TLS → listeners, then the
//! ready banner and `DATA_DIR/endpoints.json`; and a graceful stop.

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum_server::Handle;
use axum_server::accept::NoDelayAcceptor;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use serde::Serialize;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{DataDir, ServerConfig};
use crate::context::Context;
use crate::crypto::passwords::PasswordHasher;
use crate::fixtures;
use crate::git::pack_hook::PackHook;
use crate::iam::{self, CODECOMMIT_SERVICE};
use crate::store::Store;
use crate::sts::issuer::Issuer;
use crate::transport::limits::{ConnectionLimit, LimitAcceptor};
use crate::transport::state::TransportState;
use crate::transport::{http, ssh, tls};

/// How long a stop waits for in-flight requests (a push in progress) before closing.
const GRACE: Duration = Duration::from_secs(60);
/// Concurrent HTTP/2 streams per connection (hyper's default is 200).
const MAX_HTTP2_STREAMS: u32 = 32;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("data dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Fixture(#[from] fixtures::FixtureError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error(transparent)]
    HostKey(#[from] ssh::host_keys::HostKeyError),
    #[error("password pepper: {0}")]
    Pepper(#[from] crate::crypto::passwords::PepperError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// What a running server tells its users and tests (also `DATA_DIR/endpoints.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Endpoints {
    pub https_addr: SocketAddr,
    pub http_addr: SocketAddr,
    pub https_url: String,
    pub http_url: String,
    pub ssh_addr: SocketAddr,
    /// `ssh://<host>:<port>`; the user name is an IAM SSH key ID.
    pub ssh_url: String,
    /// The SSH host keys' SHA-256 fingerprints, as `ssh-keygen -l` prints them.
    pub ssh_host_key_fingerprints: Vec<String>,
    /// The CA clients trust (`GIT_SSL_CAINFO`, `AWS_CA_BUNDLE`); absent with `--tls-cert`.
    pub ca_file: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub store_file: PathBuf,
    pub account_id: String,
    pub region: String,
    /// `enforced` (IAM policies decide) or `off`.
    pub authorization: &'static str,
    /// The instance-metadata listener (`AWS_EC2_METADATA_SERVICE_ENDPOINT`), if serving.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imds_url: Option<String>,
    /// The server's own OpenID Connect issuer (`<https_url>/oidc`).
    pub oidc_issuer: String,
    pub pid: u32,
}

pub struct RunningServer {
    pub endpoints: Endpoints,
    pub context: Arc<Context>,
    handles: Vec<Handle<SocketAddr>>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
    ssh_shutdown: CancellationToken,
    ssh_sessions: TaskTracker,
    ssh_task: JoinHandle<()>,
    /// Remove expired pack cache entries and STS sessions; aborted when the server is
    /// dropped (which [`RunningServer::shutdown`] ends with, too).
    sweepers: Vec<JoinHandle<()>>,
    /// Sends queued events; aborted with the server (what it has not sent stays queued).
    delivery: JoinHandle<()>,
    stopped: bool,
    demo_password: Option<String>,
    demo_console_password: Option<String>,
    admin_key: Option<(String, String)>,
    /// `endpoints.json` and the ready file, rewritten when the RSA host key arrives.
    published: Arc<Published>,
    _ephemeral: Option<tempfile::TempDir>,
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> StartError + '_ {
    move |source| StartError::DataDir {
        path: path.to_owned(),
        source,
    }
}

fn validate(config: &ServerConfig) -> Result<(), StartError> {
    if !(config.account_id.len() == 12 && config.account_id.bytes().all(|b| b.is_ascii_digit())) {
        return Err(StartError::Config("--account-id must be 12 digits".into()));
    }
    if config.region.is_empty()
        || !config
            .region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(StartError::Config(
            "--region must look like us-east-1".into(),
        ));
    }
    Ok(())
}

fn bind(addr: &str) -> Result<TcpListener, StartError> {
    let bind_err = |source| StartError::Bind {
        addr: addr.to_owned(),
        source,
    };
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs().map_err(bind_err)?.collect();
    TcpListener::bind(&addrs[..]).map_err(bind_err)
}

/// Everything a start does before it listens: data dir, store, fixtures, TLS material, SSH
/// host keys. All of it blocks (files, SQLite, key generation), so it runs on a blocking
/// thread, never on the runtime's workers.
struct Prepared {
    data_dir: PathBuf,
    ephemeral: Option<tempfile::TempDir>,
    store_file: PathBuf,
    ctx: Arc<Context>,
    pack_hook: Option<Arc<PackHook>>,
    material: tls::TlsMaterial,
    host_keys: ssh::host_keys::HostKeys,
    demo_password: Option<String>,
    demo_console_password: Option<String>,
    admin_key: Option<(String, String)>,
    /// Where events go: the endpoint and the fixtures' webhooks.
    routes: crate::delivery::Routes,
}

/// The delivery routes of `config` and the fixtures' `[[webhooks]]`.
fn routes(
    config: &ServerConfig,
    loaded: &[fixtures::Fixture],
) -> Result<crate::delivery::Routes, StartError> {
    let endpoint = match &config.events.endpoint {
        None => None,
        Some(url) => {
            let uri: hyper::Uri = url
                .parse()
                .map_err(|e| StartError::Config(format!("--events-endpoint {url}: {e}")))?;
            if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
                return Err(StartError::Config(format!(
                    "--events-endpoint {url}: must be an http:// or https:// URL"
                )));
            }
            Some(crate::delivery::Endpoint {
                url: uri,
                access_key_id: config
                    .events
                    .access_key_id
                    .clone()
                    .unwrap_or_else(|| "test".into()),
                secret_access_key: config
                    .events
                    .secret_access_key
                    .clone()
                    .unwrap_or_else(|| zeroize::Zeroizing::new("test".into())),
                region: config
                    .events
                    .region
                    .clone()
                    .unwrap_or_else(|| config.region.clone()),
            })
        }
    };
    let webhooks: Vec<(String, String)> = loaded.iter().flat_map(|f| f.webhooks.clone()).collect();
    crate::delivery::Routes::new(endpoint, &webhooks).map_err(StartError::Config)
}

fn prepare(config: &ServerConfig) -> Result<Prepared, StartError> {
    validate(config)?;
    crate::git::repo::configure_libgit2();
    let (data_dir, ephemeral) = match &config.data_dir {
        DataDir::Persistent(p) => {
            std::fs::create_dir_all(p).map_err(io_at(p))?;
            (p.canonicalize().map_err(io_at(p))?, None)
        }
        DataDir::Ephemeral => {
            let t = tempfile::Builder::new()
                .prefix("codecommit-local-")
                .tempdir()
                .map_err(io_at(Path::new("(temporary dir)")))?;
            (t.path().to_owned(), Some(t))
        }
    };
    // Only the server's user may enter the data dir: it holds the store, keys and packs.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io_at(&data_dir))?;
    }
    // First, so that a first start's RSA key generation overlaps everything else.
    let host_keys = ssh::host_keys::load_or_start(&data_dir.join("ssh"), ephemeral.is_some())?;
    let repos_root = data_dir.join("repositories");
    std::fs::create_dir_all(&repos_root).map_err(io_at(&repos_root))?;
    let store_file = data_dir.join("store.sqlite3");
    let store = Store::open(&store_file)?;
    let hasher = PasswordHasher::for_data_dir(&data_dir.join("pepper"), &store)?;
    let pack_hook = match &config.pack_hook {
        Some(c) => {
            let dir = data_dir.join("cache");
            let hook = PackHook::open(&dir, c).map_err(io_at(&dir))?;
            hook.is_active().then(|| Arc::new(hook))
        }
        None => None,
    };
    let mut ctx = Context::new(
        store,
        hasher,
        repos_root,
        config.account_id.clone(),
        config.region.clone(),
        pack_hook.clone(),
    );
    ctx.policies_enforced = config.authorization;
    let ctx = Arc::new(ctx);

    // Fixtures: the given files, or the embedded default on an empty store (written out to
    // a temporary dir that lives until they are applied).
    let default_dir = tempfile::tempdir().map_err(io_at(Path::new("(temporary dir)")))?;
    let loaded = if !config.fixtures.is_empty() {
        config
            .fixtures
            .iter()
            .map(|p| fixtures::load(p))
            .collect::<Result<Vec<_>, _>>()?
    } else if ctx.store.is_empty()? {
        vec![fixtures::load_default(default_dir.path())?]
    } else {
        Vec::new()
    };
    let routes = routes(config, &loaded)?;
    if !loaded.is_empty() {
        let applied = fixtures::apply(&ctx, &loaded)?;
        tracing::info!(
            users_created = applied.users_created,
            repositories_created = applied.repositories_created,
            "fixtures applied"
        );
    }
    drop(default_dir);
    // What a crash left behind: half-created and deleted repositories' directories.
    match crate::codecommit::repositories::sweep_orphans(&ctx.store, &ctx.repos_root) {
        Ok(0) => {}
        Ok(n) => tracing::info!(directories = n, "removed what no repository owns"),
        Err(e) => tracing::warn!("removing what no repository owns: {e}"),
    }
    // Repositories from before reference events were recorded start from what they hold.
    match crate::codecommit::events::seed_snapshots(&ctx) {
        Ok(0) => {}
        Ok(n) => tracing::info!(repositories = n, "recorded refs for reference events"),
        Err(e) => tracing::warn!("recording refs for reference events: {e}"),
    }

    let material = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => tls::load_custom(cert, key)?,
        _ => tls::load_or_create(
            &data_dir.join("tls"),
            &tls::server_names(&config.public_host, &config.region),
        )?,
    };
    Ok(Prepared {
        demo_password: demo_password(&ctx),
        demo_console_password: demo_console_password(&ctx),
        admin_key: admin_key(&ctx),
        routes,
        data_dir,
        ephemeral,
        store_file,
        ctx,
        pack_hook,
        material,
        host_keys,
    })
}

/// The HTTPS and plain HTTP listeners, bound and serving the same router.
struct HttpServing {
    https_addr: SocketAddr,
    http_addr: SocketAddr,
    /// For a graceful stop.
    handles: Vec<Handle<SocketAddr>>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
}

/// The TLS listener offers only HTTP/1.1 in ALPN, so git (libcurl) never speaks HTTP/2 to it.
/// libcurl 7.84.0 to 8.1.2 (Debian 12's 7.88.1 among them) can call a streamed request
/// body's read callback again after it has returned the end of the body, but only over
/// HTTP/2 (over HTTP/1.1 git's streamed bodies are chunked, which turns that path off); git's
/// callback then waits for more of the pack from send-pack, which waits for the server's
/// answer, and a large push hangs at its very end, the server never seeing the end of the
/// body (curl commit 6a095da, "avoid calling the read callback again after EOF"). HTTP/1.1
/// has no flow-control windows of its own to tune, and the AWS CLI and SDKs speak it anyway.
fn http1_only(rustls: RustlsConfig) -> RustlsConfig {
    let mut tls = (*rustls.get_inner()).clone();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    RustlsConfig::from_config(Arc::new(tls))
}

fn serve_http(
    config: &ServerConfig,
    state: &Arc<TransportState>,
    rustls: RustlsConfig,
    data_dir: &Path,
) -> Result<HttpServing, StartError> {
    let https_listener = bind(&config.https_addr)?;
    let http_listener = bind(&config.http_addr)?;
    let https_addr = https_listener.local_addr().map_err(io_at(data_dir))?;
    let http_addr = http_listener.local_addr().map_err(io_at(data_dir))?;
    let https_app = http::router(state.clone(), true);
    let http_app = http::router(state.clone(), false);
    let https_handle = Handle::new();
    let http_handle = Handle::new();
    let limits = &config.limits;
    // TCP_NODELAY: git's request/response exchanges (401, ref advertisement, negotiation) are
    // small writes; with Nagle each one waits for the peer's delayed ACK (40 ms on Linux).
    // Each listener admits its own connections; TLS handshakes get the header timeout too.
    let tls = RustlsAcceptor::new(rustls)
        .handshake_timeout(limits.header_timeout)
        .acceptor(NoDelayAcceptor::new());
    let mut https_server = axum_server::from_tcp(https_listener)
        .map_err(|source| StartError::Bind {
            addr: config.https_addr.clone(),
            source,
        })?
        .acceptor(LimitAcceptor::new(
            tls,
            ConnectionLimit::new(limits.max_connections, "https"),
        ))
        .first_request_timeout(limits.header_timeout)
        .handle(https_handle.clone());
    let mut http_server = axum_server::from_tcp(http_listener)
        .map_err(|source| StartError::Bind {
            addr: config.http_addr.clone(),
            source,
        })?
        .acceptor(LimitAcceptor::new(
            NoDelayAcceptor::new(),
            ConnectionLimit::new(limits.max_connections, "http"),
        ))
        .first_request_timeout(limits.header_timeout)
        .handle(http_handle.clone());
    for builder in [https_server.http_builder(), http_server.http_builder()] {
        // Slow senders (slowloris) are cut off after the header timeout.
        builder.http1().header_read_timeout(limits.header_timeout);
        // HTTP/2 comes only from clients that start it unasked (h2c prior knowledge, or an
        // h2 preface without ALPN): hyper's default 64 KiB windows would throttle a pushed
        // pack to a crawl, so large fixed windows, the connection window bounding what one
        // connection buffers whatever its streams; a few dozen streams at once is plenty.
        builder
            .http2()
            .initial_stream_window_size(8 << 20)
            .initial_connection_window_size(16 << 20)
            .max_frame_size(256 * 1024)
            .max_concurrent_streams(MAX_HTTP2_STREAMS)
            .max_header_list_size(64 << 10)
            .max_pending_accept_reset_streams(Some(20));
    }
    let tasks = vec![
        tokio::spawn(
            https_server.serve(https_app.into_make_service_with_connect_info::<SocketAddr>()),
        ),
        tokio::spawn(
            http_server.serve(http_app.into_make_service_with_connect_info::<SocketAddr>()),
        ),
    ];
    Ok(HttpServing {
        https_addr,
        http_addr,
        handles: vec![https_handle, http_handle],
        tasks,
    })
}

/// A listener serving: its bound address, handle (for a graceful stop) and task.
type Serving = (
    SocketAddr,
    Handle<SocketAddr>,
    JoinHandle<std::io::Result<()>>,
);

/// The instance-metadata listener: plain HTTP, as EC2's is.
fn serve_imds(
    addr: &str,
    state: &Arc<TransportState>,
    allow_v1: bool,
) -> Result<Serving, StartError> {
    let listener = bind(addr)?;
    let bound = listener.local_addr().map_err(|source| StartError::Bind {
        addr: addr.to_owned(),
        source,
    })?;
    let handle = Handle::new();
    let server = axum_server::from_tcp(listener)
        .map_err(|source| StartError::Bind {
            addr: addr.to_owned(),
            source,
        })?
        .handle(handle.clone());
    let app = crate::transport::imds::router(state.clone(), allow_v1);
    let task = tokio::spawn(server.serve(app.into_make_service()));
    Ok((bound, handle, task))
}

/// The SSH listener, bound and serving.
struct SshServing {
    ssh_addr: SocketAddr,
    ssh_shutdown: CancellationToken,
    ssh_sessions: TaskTracker,
    ssh_task: JoinHandle<()>,
}

fn serve_ssh(
    config: &ServerConfig,
    state: &Arc<TransportState>,
    ssh_config: tokio::sync::watch::Receiver<SshConfig>,
    data_dir: &Path,
) -> Result<SshServing, StartError> {
    let ssh_listener = bind(&config.ssh_addr)?;
    let ssh_addr = ssh_listener.local_addr().map_err(io_at(data_dir))?;
    ssh_listener
        .set_nonblocking(true)
        .map_err(io_at(data_dir))?;
    let ssh_listener =
        tokio::net::TcpListener::from_std(ssh_listener).map_err(|source| StartError::Bind {
            addr: config.ssh_addr.clone(),
            source,
        })?;
    let ssh_shutdown = CancellationToken::new();
    let ssh_sessions = TaskTracker::new();
    let ssh_task = tokio::spawn(ssh::serve(
        ssh_listener,
        state.clone(),
        ssh_config,
        ssh::SshLimits {
            connections: ConnectionLimit::new(config.limits.max_connections, "ssh"),
            login_grace_time: config.limits.ssh_login_grace_time,
        },
        ssh_shutdown.clone(),
        ssh_sessions.clone(),
    ));
    Ok(SshServing {
        ssh_addr,
        ssh_shutdown,
        ssh_sessions,
        ssh_task,
    })
}

/// Removes expired pack cache entries on the hook's interval (none when the cache is off).
fn spawn_sweeper(hook: Arc<PackHook>) -> Option<JoinHandle<()>> {
    let interval = hook.sweep_interval()?;
    Some(tokio::spawn(async move {
        let mut every = tokio::time::interval(interval);
        loop {
            every.tick().await;
            let hook = hook.clone();
            let _ = tokio::task::spawn_blocking(move || hook.sweep()).await;
        }
    }))
}

/// How long an expired STS session is kept (a call with it is answered `ExpiredToken`, as
/// on AWS, rather than `InvalidClientTokenId`) before it is deleted.
const EXPIRED_SESSIONS_KEPT: chrono::Duration = chrono::Duration::days(1);

/// Deletes long-expired STS sessions, at start and then hourly.
fn spawn_session_sweeper(ctx: Arc<Context>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            let ctx = ctx.clone();
            let _ = tokio::task::spawn_blocking(move || {
                let cutoff = (chrono::Utc::now() - EXPIRED_SESSIONS_KEPT)
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                match ctx.store.write_bookkeeping(|tx| {
                    crate::store::roles::delete_sessions_expired_before(tx, &cutoff)
                }) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(sessions = n, "deleted expired STS sessions"),
                    Err(e) => tracing::warn!("deleting expired STS sessions: {e}"),
                }
            })
            .await;
        }
    })
}

/// Starts the server; returns once every listener is bound and serving.
pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
    let prepared = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || prepare(&config))
            .await
            .map_err(|e| StartError::Config(format!("start-up task failed: {e}")))??
    };
    let Prepared {
        data_dir,
        ephemeral,
        store_file,
        ctx,
        pack_hook,
        material,
        host_keys,
        demo_password,
        demo_console_password,
        admin_key,
        routes,
    } = prepared;
    let rustls = RustlsConfig::from_pem(material.cert_chain_pem, material.key_pem)
        .await
        .map_err(|e| StartError::Config(format!("TLS certificate or key: {e}")))?;
    let rustls = http1_only(rustls);

    let ssh::host_keys::HostKeys {
        ready: host_keys,
        generating: rsa_generating,
    } = host_keys;
    let ssh_host_key_fingerprints = ssh::host_keys::fingerprints(&host_keys);
    let state = Arc::new(TransportState::new(
        ctx.clone(),
        config.limits.max_api_requests,
        config.limits.max_push_bytes,
    ));
    let (ssh_config, ssh_config_rx) = ssh_config_channel(&host_keys, rsa_generating.is_none());

    let HttpServing {
        https_addr,
        http_addr,
        handles,
        tasks,
    } = serve_http(&config, &state, rustls, &data_dir)?;
    let imds = config
        .imds_addr
        .as_deref()
        .map(|addr| serve_imds(addr, &state, config.imds_v1))
        .transpose()?;
    let SshServing {
        ssh_addr,
        ssh_shutdown,
        ssh_sessions,
        ssh_task,
    } = serve_ssh(&config, &state, ssh_config_rx, &data_dir)?;

    let host = |addr: SocketAddr| public_host(&config, addr);
    let https_url = format!("https://{}:{}", host(https_addr), https_addr.port());
    let issuer = Issuer::load_or_create(&data_dir, format!("{https_url}/oidc"))
        .map_err(io_at(&crate::sts::issuer::key_path(&data_dir)))?;
    let oidc_issuer = issuer.url.clone();
    state.set_issuer(issuer);
    let endpoints = Endpoints {
        https_url,
        http_url: format!("http://{}:{}", host(http_addr), http_addr.port()),
        https_addr,
        http_addr,
        ssh_url: format!("ssh://{}:{}", host(ssh_addr), ssh_addr.port()),
        ssh_addr,
        ssh_host_key_fingerprints,
        ca_file: material.ca_file,
        data_dir: data_dir.clone(),
        store_file,
        account_id: config.account_id.clone(),
        region: config.region.clone(),
        authorization: if config.authorization {
            "enforced"
        } else {
            "off"
        },
        imds_url: imds.as_ref().map(|(a, ..)| format!("http://{a}")),
        oidc_issuer,
        pid: std::process::id(),
    };
    let (mut handles, mut tasks) = (handles, tasks);
    if let Some((_, handle, task)) = imds {
        handles.push(handle);
        tasks.push(task);
    }
    let _ = ctx
        .clone_bases
        .set((endpoints.https_url.clone(), endpoints.ssh_url.clone()));
    let published = publish(&config, &data_dir, &endpoints)?;

    let sweepers = pack_hook
        .and_then(spawn_sweeper)
        .into_iter()
        .chain([
            spawn_session_sweeper(ctx.clone()),
            crate::git::upkeep::start(ctx.upkeep.clone()),
        ])
        .chain(rsa_generating.map(|generating| {
            spawn_host_key_wait(generating, host_keys, ssh_config, published.clone())
        }))
        .collect();
    let delivery = crate::delivery::start(ctx.clone(), routes);

    Ok(RunningServer {
        endpoints,
        context: ctx,
        handles,
        tasks,
        ssh_shutdown,
        ssh_sessions,
        ssh_task,
        sweepers,
        delivery,
        stopped: false,
        demo_password,
        demo_console_password,
        admin_key,
        published,
        _ephemeral: ephemeral,
    })
}

/// The host a URL names for a listener bound to `addr`: `--public-host` for loopback and
/// wildcard addresses, else the address itself.
fn public_host(config: &ServerConfig, addr: SocketAddr) -> String {
    if addr.ip().is_loopback() || addr.ip().is_unspecified() {
        config.public_host.clone()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    }
}

/// Writes `endpoints.json` (and exports the CA if asked): the start of [`Published`].
fn publish(
    config: &ServerConfig,
    data_dir: &Path,
    endpoints: &Endpoints,
) -> Result<Arc<Published>, StartError> {
    if let (Some(target), Some(ca)) = (&config.export_ca, &endpoints.ca_file) {
        std::fs::copy(ca, target).map_err(io_at(target))?;
    }
    let published = Arc::new(Published {
        endpoints_file: data_dir.join("endpoints.json"),
        ready_file: config.ready_file.clone(),
        state: std::sync::Mutex::new((endpoints.clone(), false)),
    });
    published
        .write()
        .map_err(io_at(&published.endpoints_file))?;
    Ok(published)
}

/// What a server publishes: `DATA_DIR/endpoints.json` from the start, and the ready file
/// once [`RunningServer::announce_ready`] says everything (the banner too) is out. Both are
/// rewritten when a first start's RSA host key is generated, to name its fingerprint.
struct Published {
    endpoints_file: PathBuf,
    ready_file: Option<PathBuf>,
    /// The endpoints, and whether the ready file has been written.
    state: std::sync::Mutex<(Endpoints, bool)>,
}

impl Published {
    fn state(&self) -> std::sync::MutexGuard<'_, (Endpoints, bool)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the files (each via rename, so a reader never sees half of one).
    fn write(&self) -> std::io::Result<()> {
        let state = self.state();
        let json = serde_json::to_vec_pretty(&state.0).expect("serializable");
        let mut files = vec![&self.endpoints_file];
        files.extend(self.ready_file.as_ref().filter(|_| state.1));
        for file in files {
            let tmp = file.with_extension("tmp");
            std::fs::write(&tmp, &json)?;
            std::fs::rename(&tmp, file)?;
        }
        Ok(())
    }
}

/// SSH's configuration: none until every host key exists.
type SshConfig = Option<Arc<russh::server::Config>>;

/// The channel the SSH listener waits on: set now when every host key exists, else by
/// [`spawn_host_key_wait`] once a first start's RSA key does.
fn ssh_config_channel(
    keys: &[russh::keys::PrivateKey],
    complete: bool,
) -> (
    tokio::sync::watch::Sender<SshConfig>,
    tokio::sync::watch::Receiver<SshConfig>,
) {
    tokio::sync::watch::channel(complete.then(|| Arc::new(ssh::config(keys.to_vec()))))
}

/// Waits for the RSA host key a first start generates; then SSH serves it (connections made
/// meanwhile waited) and the published endpoints name its fingerprint. Should generation
/// fail, SSH serves the Ed25519 key alone.
fn spawn_host_key_wait(
    generating: std::thread::JoinHandle<
        Result<russh::keys::PrivateKey, ssh::host_keys::HostKeyError>,
    >,
    mut keys: Vec<russh::keys::PrivateKey>,
    ssh_config: tokio::sync::watch::Sender<SshConfig>,
    published: Arc<Published>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        match tokio::task::spawn_blocking(move || generating.join()).await {
            Ok(Ok(Ok(rsa))) => keys.push(rsa),
            Ok(Ok(Err(e))) => tracing::error!("{e}; SSH serves the Ed25519 host key only"),
            _ => tracing::error!(
                "SSH RSA host key generation failed; SSH serves the Ed25519 host key only"
            ),
        }
        let fingerprints = ssh::host_keys::fingerprints(&keys);
        ssh_config.send_replace(Some(Arc::new(ssh::config(keys))));
        tracing::info!(fingerprints = ?fingerprints, "SSH host keys ready");
        published.state().0.ssh_host_key_fingerprints = fingerprints;
        if let Err(e) = published.write() {
            tracing::warn!("rewriting {}: {e}", published.endpoints_file.display());
        }
    })
}

/// The embedded default's demo password, if that credential is in the store and active.
fn demo_password(ctx: &Context) -> Option<String> {
    let (user_name, password) = fixtures::default_demo_login()?;
    let user = ctx
        .store
        .read(|c| crate::store::iam::find_user_by_name(c, &ctx.account_id, &user_name))
        .ok()??;
    let cred = ctx
        .store
        .read(|c| {
            iam::credentials::find_by_password(
                c,
                &ctx.hasher,
                &user.user_id,
                CODECOMMIT_SERVICE,
                &password,
            )
        })
        .ok()??;
    (cred.status == crate::store::CredentialStatus::Active).then(|| password.expose().to_owned())
}

/// The embedded default's demo console password, if the demo user's login profile still has it.
fn demo_console_password(ctx: &Context) -> Option<String> {
    let password = fixtures::default_demo_console_password()?;
    let user = ctx
        .store
        .read(|c| crate::store::iam::find_user_by_name(c, &ctx.account_id, "demo"))
        .ok()??;
    let profile = ctx
        .store
        .read(|c| crate::store::login_profiles::find(c, &user.user_id))
        .ok()??;
    ctx.hasher
        .verify(
            password.expose(),
            &profile.password_salt,
            &profile.password_hash,
        )
        .then(|| password.expose().to_owned())
}

/// The embedded default's admin access key, if it is in the store, active, unchanged.
fn admin_key(ctx: &Context) -> Option<(String, String)> {
    let (id, secret) = fixtures::default_admin_key()?;
    let key = ctx
        .store
        .read(|c| crate::store::iam::find_access_key(c, &id))
        .ok()??;
    (key.status == crate::store::CredentialStatus::Active
        && key.secret_access_key.ct_eq(secret.expose()))
    .then(|| (id, secret.expose().to_owned()))
}

impl RunningServer {
    /// Writes the ready file (if one was asked for): the signal that everything, the banner
    /// included, is out. Written via rename so a watcher never reads half a file.
    pub fn announce_ready(&self) -> Result<(), StartError> {
        self.published.state().1 = true;
        self.published.write().map_err(io_at(
            self.published
                .ready_file
                .as_deref()
                .unwrap_or(Path::new(".")),
        ))
    }

    /// The SSH host keys' fingerprints: [`Endpoints::ssh_host_key_fingerprints`], with the
    /// RSA key's once a first start has generated it.
    pub fn ssh_host_key_fingerprints(&self) -> Vec<String> {
        self.published.state().0.ssh_host_key_fingerprints.clone()
    }

    /// The ready banner: addresses, CA, and copy-paste commands.
    pub fn banner(&self) -> String {
        let e = &self.endpoints;
        let ca = e
            .ca_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(your --tls-cert's issuer)".into());
        let login = iam::service_user_name("demo", &e.account_id);
        let mut s = format!(
            "codecommit-local is ready\n\
             \n  HTTPS    {https}   (Git smart HTTP; CA: {ca})\
             \n  HTTP     {http}\
             \n  console  {https}/console   (also {http}/console)\
             \n  SSH      {ssh}   (user name: an IAM SSH key ID, APKA…)\
             \n  account  {account}   region {region}\
             \n  IAM      {authz}\
             \n  data dir {data}\n",
            https = e.https_url,
            http = e.http_url,
            ssh = e.ssh_url,
            account = e.account_id,
            region = e.region,
            authz = match e.authorization {
                "off" => "authorization off: every authenticated caller may do everything",
                _ => "policies enforced, as on AWS (--authorization off to turn off)",
            },
            data = e.data_dir.display(),
        );
        if let Some(password) = &self.demo_password {
            s.push_str(&format!(
                "\nClone the demo repository with the demo user's Git credential\n\
                 (user {login}, password {password}):\n\
                 \n  GIT_SSL_CAINFO={ca} git clone https://{login}:{password}@{https_host}/v1/repos/demo\
                 \n  git clone http://{login}:{password}@{http_host}/v1/repos/demo\n",
                https_host = e.https_url.trim_start_matches("https://"),
                http_host = e.http_url.trim_start_matches("http://"),
            ));
        }
        if let Some(password) = &self.demo_console_password {
            s.push_str(&format!(
                "\nSign in to the console at {https}/console as IAM user demo\n\
                 (account {account}, password {password}).\n",
                https = e.https_url,
                account = e.account_id,
            ));
        }
        let https_host = e.https_url.trim_start_matches("https://");
        s.push_str(
            "\nSigV4 (the AWS CLI's credential helper, git-remote-codecommit, the AWS APIs):\n\n",
        );
        match &self.admin_key {
            Some((id, secret)) => s.push_str(&format!(
                "  export AWS_ACCESS_KEY_ID={id} AWS_SECRET_ACCESS_KEY={secret}\n"
            )),
            None => s.push_str("  export AWS_ACCESS_KEY_ID=<key> AWS_SECRET_ACCESS_KEY=<secret>\n"),
        }
        let region = &e.region;
        let https = &e.https_url;
        let ssh_port = e.ssh_addr.port();
        let ssh_host = e
            .ssh_url
            .trim_start_matches("ssh://")
            .rsplit_once(':')
            .map_or("localhost", |(h, _)| h);
        let mut fingerprints = self.ssh_host_key_fingerprints();
        if fingerprints.len() == 1 {
            fingerprints
                .push("(RSA: being generated on this first start; logged when ready)".into());
        }
        let fingerprints = fingerprints.join("\n    ");
        let ssh_section = format!(
            "\nSSH: upload an RSA public key, then use its SSH key ID (APKA…) as the user name:\n\n\
             \x20 ssh-keygen -t rsa -b 4096 -N '' -f ~/.ssh/codecommit_rsa\n\
             \x20 aws iam upload-ssh-public-key --user-name demo --ssh-public-key-body file://$HOME/.ssh/codecommit_rsa.pub\n\
             \x20 # ~/.ssh/config\n\
             \x20 Host codecommit-local\n\
             \x20   HostName {ssh_host}\n\
             \x20   Port {ssh_port}\n\
             \x20   User <SSHPublicKeyId>\n\
             \x20   IdentityFile ~/.ssh/codecommit_rsa\n\
             \x20 git clone ssh://codecommit-local/v1/repos/demo\n\
             \n  Host key fingerprints:\n    {fingerprints}\n"
        );
        for line in [
            format!(
                "  export AWS_DEFAULT_REGION={region} AWS_ENDPOINT_URL={https} AWS_CA_BUNDLE={ca} GIT_SSL_CAINFO={ca}"
            ),
            String::new(),
            "  git -c credential.helper='!aws codecommit credential-helper $@ --ignore-host-check' \\".into(),
            format!("      -c credential.UseHttpPath=true clone {https}/v1/repos/demo"),
            format!("  CODE_COMMIT_ENDPOINT={https_host} git clone codecommit::{region}://demo"),
            "  aws iam create-service-specific-credential --user-name demo --service-name codecommit.amazonaws.com".into(),
        ] {
            s.push_str(&line);
            s.push('\n');
        }
        s.push_str(&ssh_section);
        s.push_str("\nWithout an IAM user (role sessions; see the README's auth paths):\n\n");
        if let Some(imds) = &e.imds_url {
            s.push_str(&format!(
                "  instance role:  AWS_EC2_METADATA_SERVICE_ENDPOINT={imds}/\n"
            ));
        }
        s.push_str(&format!(
            "  containers:     AWS_CONTAINER_CREDENTIALS_FULL_URI={http}/container-credentials/<name>\n\
             \x20 web identity:   OIDC issuer {issuer}\n\
             \x20                 codecommit-local oidc-token --data-dir {data} --sub <subject>\n",
            http = e.http_url,
            issuer = e.oidc_issuer,
            data = e.data_dir.display(),
        ));
        s
    }

    /// Stops accepting connections, lets in-flight requests (pushes) finish, then returns.
    pub async fn shutdown(mut self) {
        self.stopped = true;
        for h in &self.handles {
            h.graceful_shutdown(Some(GRACE));
        }
        self.ssh_shutdown.cancel();
        let _ = (&mut self.ssh_task).await;
        self.ssh_sessions.close();
        if tokio::time::timeout(GRACE, self.ssh_sessions.wait())
            .await
            .is_err()
        {
            tracing::warn!("SSH sessions still open after {GRACE:?}; closing");
        }
        for t in std::mem::take(&mut self.tasks) {
            match t.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!("listener: {e}"),
                Err(e) => tracing::error!("listener task: {e}"),
            }
        }
    }
}

impl Drop for RunningServer {
    /// A server dropped without [`RunningServer::shutdown`] stops at once.
    fn drop(&mut self) {
        for s in &self.sweepers {
            s.abort();
        }
        self.delivery.abort();
        if !self.stopped {
            for h in &self.handles {
                h.shutdown();
            }
            self.ssh_shutdown.cancel();
        }
    }
}
