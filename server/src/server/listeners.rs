//! The listeners, bound and serving: HTTPS and plain HTTP (one router), the instance
//! metadata endpoint, and SSH, each behind its own connection cap.

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;

use axum_server::Handle;
use axum_server::accept::NoDelayAcceptor;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{StartError, io_at};
use crate::config::ServerConfig;
use crate::transport::limits::{ConnectionLimit, LimitAcceptor};
use crate::transport::state::TransportState;
use crate::transport::{http, ssh};

/// Concurrent HTTP/2 streams per connection (hyper's default is 200).
pub(super) const MAX_HTTP2_STREAMS: u32 = 32;

pub(super) fn bind(addr: &str) -> Result<TcpListener, StartError> {
    let bind_err = |source| StartError::Bind {
        addr: addr.to_owned(),
        source,
    };
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs().map_err(bind_err)?.collect();
    TcpListener::bind(&addrs[..]).map_err(bind_err)
}

/// The HTTPS and plain HTTP listeners, bound and serving the same router.
pub(super) struct HttpServing {
    pub(super) https_addr: SocketAddr,
    pub(super) http_addr: SocketAddr,
    /// For a graceful stop.
    pub(super) handles: Vec<Handle<SocketAddr>>,
    pub(super) tasks: Vec<JoinHandle<std::io::Result<()>>>,
}

/// The HTTPS listener's TLS configuration, from the certificate and key.
pub(super) async fn rustls(
    cert_chain_pem: Vec<u8>,
    key_pem: Vec<u8>,
) -> Result<RustlsConfig, StartError> {
    let rustls = RustlsConfig::from_pem(cert_chain_pem, key_pem)
        .await
        .map_err(|e| StartError::Config(format!("TLS certificate or key: {e}")))?;
    Ok(http1_only(rustls))
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

pub(super) fn serve_http(
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
pub(super) type Serving = (
    SocketAddr,
    Handle<SocketAddr>,
    JoinHandle<std::io::Result<()>>,
);

/// The instance-metadata listener: plain HTTP, as EC2's is.
pub(super) fn serve_imds(
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
pub(super) struct SshServing {
    pub(super) ssh_addr: SocketAddr,
    pub(super) ssh_shutdown: CancellationToken,
    pub(super) ssh_sessions: TaskTracker,
    pub(super) ssh_task: JoinHandle<()>,
}

pub(super) fn serve_ssh(
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

/// SSH's configuration: none until every host key exists.
pub(super) type SshConfig = Option<Arc<russh::server::Config>>;

/// The channel the SSH listener waits on: set now when every host key exists, else by
/// [`spawn_host_key_wait`] once a first start's RSA key does.
pub(super) fn ssh_config_channel(
    keys: &[russh::keys::PrivateKey],
    complete: bool,
) -> (
    tokio::sync::watch::Sender<SshConfig>,
    tokio::sync::watch::Receiver<SshConfig>,
) {
    tokio::sync::watch::channel(complete.then(|| Arc::new(ssh::config(keys.to_vec()))))
}
