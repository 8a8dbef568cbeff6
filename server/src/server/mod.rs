//! Wires the layers together: data dir → store → fixtures → TLS → listeners, then the
//! ready banner and `DATA_DIR/endpoints.json`; and a graceful stop.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum_server::Handle;
use serde::Serialize;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ServerConfig;
use crate::context::Context;
use crate::seed;
use crate::sts::issuer::Issuer;
use crate::transport::state::TransportState;
use crate::transport::{ssh, tls};

mod announce;
mod listeners;
mod prepare;
mod workers;

use announce::Published;

/// How long a stop waits for in-flight requests (a push in progress) before closing.
const GRACE: Duration = Duration::from_secs(60);

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
    Fixture(#[from] seed::FixtureError),
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

/// Starts the server; returns once every listener is bound and serving.
pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
    let prepared = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || prepare::prepare(&config))
            .await
            .map_err(|e| StartError::Config(format!("start-up task failed: {e}")))??
    };
    let (data_dir, ctx) = (prepared.data_dir.clone(), prepared.ctx.clone());
    let rustls =
        listeners::rustls(prepared.material.cert_chain_pem, prepared.material.key_pem).await?;

    let ssh::host_keys::HostKeys {
        ready: host_keys,
        generating: rsa_generating,
    } = prepared.host_keys;
    let ssh_host_key_fingerprints = ssh::host_keys::fingerprints(&host_keys);
    let state = Arc::new(TransportState::new(
        ctx.clone(),
        config.limits.max_api_requests,
        config.limits.max_push_bytes,
    ));
    let (ssh_config, ssh_config_rx) =
        listeners::ssh_config_channel(&host_keys, rsa_generating.is_none());

    let listeners::HttpServing {
        https_addr,
        http_addr,
        handles,
        tasks,
    } = listeners::serve_http(&config, &state, rustls, &data_dir)?;
    let imds = config
        .imds_addr
        .as_deref()
        .map(|addr| listeners::serve_imds(addr, &state, config.imds_v1))
        .transpose()?;
    let listeners::SshServing {
        ssh_addr,
        ssh_shutdown,
        ssh_sessions,
        ssh_task,
    } = listeners::serve_ssh(&config, &state, ssh_config_rx, &data_dir)?;

    let endpoints = announce::endpoints(
        &config,
        announce::Bound {
            https: https_addr,
            http: http_addr,
            ssh: ssh_addr,
            imds: imds.as_ref().map(|(a, ..)| *a),
        },
        &data_dir,
        prepared.store_file,
        prepared.material.ca_file,
        ssh_host_key_fingerprints,
    );
    let issuer = Issuer::load_or_create(&data_dir, endpoints.oidc_issuer.clone())
        .map_err(io_at(&crate::sts::issuer::key_path(&data_dir)))?;
    state.set_issuer(issuer);
    let (mut handles, mut tasks) = (handles, tasks);
    if let Some((_, handle, task)) = imds {
        handles.push(handle);
        tasks.push(task);
    }
    let _ = ctx
        .clone_bases
        .set((endpoints.https_url.clone(), endpoints.ssh_url.clone()));
    let published = announce::publish(&config, &data_dir, &endpoints)?;
    let sweepers = workers::spawn(
        &ctx,
        prepared.pack_hook,
        rsa_generating.map(|generating| workers::HostKeyWait {
            generating,
            keys: host_keys,
            ssh_config,
            published: published.clone(),
        }),
    );
    let delivery = crate::delivery::start(ctx.clone(), prepared.routes);

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
        demo_password: prepared.demo_password,
        demo_console_password: prepared.demo_console_password,
        admin_key: prepared.admin_key,
        published,
        _ephemeral: prepared.ephemeral,
    })
}

impl RunningServer {
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
