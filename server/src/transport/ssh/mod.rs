//! The SSH endpoint: public-key auth with the IAM SSH key ID as the user name (RSA keys
//! only), `git-upload-pack`/`git-receive-pack` through the shared service runner, and
//! CodeCommit's greeting for a shell.
//!
//! Callbacks answer fast and hand channels to spawned tasks; output is written through
//! channel writers that wait for window space; then exit-status → EOF → close.

pub mod exec;
pub mod host_keys;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use russh::keys::{Algorithm, PrivateKey};
use russh::server::{Auth, ChannelOpenHandle, Msg, Session};
use russh::{Channel, ChannelId, ChannelReadHalf, ChannelWriteHalf, MethodKind, MethodSet, SshId};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::auth::{AuthFailure, ssh_keys};
use crate::authz::Origin;
use crate::git::service::{self, Mode};
use crate::principal::Principal;
use crate::transport::git_access::{self, Refused};
use crate::transport::git_session::GitSession;
use crate::transport::limits::ConnectionLimit;
use crate::transport::state::TransportState;

/// What CodeCommit prints for a shell (`ssh -T host`).
pub const GREETING: &str = "You have successfully authenticated over SSH. You can use Git to interact with AWS CodeCommit. Interactive shells are not supported.";

/// The russh configuration: public keys only, a delay on every rejection, few attempts.
pub fn config(keys: Vec<PrivateKey>) -> russh::server::Config {
    russh::server::Config {
        server_id: SshId::Standard("SSH-2.0-codecommit-local".into()),
        methods: MethodSet::from(&[MethodKind::PublicKey][..]),
        auth_rejection_time: Duration::from_millis(300),
        auth_rejection_time_initial: Some(Duration::ZERO),
        max_auth_attempts: 6,
        keys,
        inactivity_timeout: Some(Duration::from_secs(600)),
        nodelay: true,
        ..Default::default()
    }
}

/// What the SSH listener allows one client.
pub struct SshLimits {
    pub connections: ConnectionLimit,
    /// The time from connecting to authenticated; then the connection is closed.
    pub login_grace_time: Duration,
}

/// Accepts connections until `shutdown`; sessions run on `tracker`. `config` is `None` until
/// the host keys exist (a first start generates the RSA key while serving): a connection
/// waits for them, within its login grace time.
pub async fn serve(
    listener: TcpListener,
    ctx: Arc<TransportState>,
    config: tokio::sync::watch::Receiver<Option<Arc<russh::server::Config>>>,
    limits: SshLimits,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    loop {
        let (socket, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("ssh accept: {e}");
                    continue;
                }
            },
        };
        // Over the limit, the socket is dropped (closed) before any handshake.
        let Some(permit) = limits.connections.admit() else {
            continue;
        };
        let _ = socket.set_nodelay(true);
        let authenticated = Arc::new(AtomicBool::new(false));
        // Every line the connection logs carries its peer, and its key ID once known. russh
        // runs the handler on a task of its own: the handler names the span as the parent.
        let span = tracing::info_span!("ssh", %peer, key_id = tracing::field::Empty);
        let handler = Connection {
            span: span.clone(),
            ctx: ctx.clone(),
            peer,
            principal: None,
            authenticated: authenticated.clone(),
            channels: HashMap::new(),
            protocols: HashMap::new(),
            tracker: tracker.clone(),
        };
        let mut config = config.clone();
        let grace = limits.login_grace_time;
        let connection = async move {
            let _permit = permit;
            let run = async {
                let Ok(config) = config.wait_for(Option::is_some).await.map(|c| c.clone()) else {
                    return;
                };
                let config = config.expect("waited for");
                match russh::server::run_stream(config, socket, handler).await {
                    Ok(session) => {
                        if let Err(e) = session.await {
                            tracing::debug!("ssh session ended: {e}");
                        }
                    }
                    Err(e) => tracing::debug!("ssh handshake failed: {e}"),
                }
            };
            tokio::pin!(run);
            tokio::select! {
                () = &mut run => return,
                () = tokio::time::sleep(grace) => {}
            }
            if authenticated.load(Ordering::Acquire) {
                run.await;
            } else {
                // Dropping the session closes the connection.
                tracing::info!("ssh connection closed: not authenticated in {grace:?}");
            }
        };
        tracker.spawn(connection.instrument(span));
    }
}

struct Connection {
    /// The connection's span: peer and key ID.
    span: tracing::Span,
    ctx: Arc<TransportState>,
    peer: SocketAddr,
    principal: Option<Principal>,
    /// Set once a key is verified: the login grace time no longer applies.
    authenticated: Arc<AtomicBool>,
    /// Sessions opened and not yet given a command.
    channels: HashMap<ChannelId, Channel<Msg>>,
    /// `GIT_PROTOCOL` env requests, by channel.
    protocols: HashMap<ChannelId, String>,
    tracker: TaskTracker,
}

fn is_rsa(algorithm: &Algorithm) -> bool {
    matches!(algorithm, Algorithm::Rsa { .. })
}

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        offer: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        // Only a probe: RSA keys may go on to prove possession; the real check follows.
        Ok(if is_rsa(&offer.public_key.algorithm()) {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        if !is_rsa(&key.public_key.algorithm()) {
            tracing::warn!(parent: &self.span, user, "ssh refused: not an RSA key");
            return Ok(Auth::reject());
        }
        let blob = key.public_key.to_bytes().unwrap_or_default();
        let ctx = self.ctx.clone();
        let key_id = user.to_owned();
        // The store is read on a blocking thread, never on the session's task.
        let checked =
            tokio::task::spawn_blocking(move || ssh_keys::authenticate(&ctx, &key_id, &blob))
                .await
                .unwrap_or(Err(AuthFailure::Store));
        match checked {
            Ok(principal) => {
                self.span.record("key_id", user);
                tracing::info!(parent: &self.span, user = %principal.arn, signature = key.algorithm.as_str(), "ssh authenticated");
                self.principal = Some(principal);
                self.authenticated.store(true, Ordering::Release);
                Ok(Auth::Accept)
            }
            Err(reason) => {
                tracing::warn!(parent: &self.span, user, "ssh refused: {reason}");
                Ok(Auth::reject())
            }
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.insert(channel.id(), channel);
        reply.accept().await;
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // GIT_PROTOCOL (protocol v2) is honoured; every other variable is ignored.
        if name == "GIT_PROTOCOL"
            && let Some(p) = service::sanitize_git_protocol(value)
        {
            self.protocols.insert(channel, p);
            session.channel_success(channel)?;
        } else {
            session.channel_failure(channel)?;
        }
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Accepted (and ignored) so that `ssh host` without -T still gets the greeting.
        session.channel_success(channel)?;
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        if let Some(ch) = self.channels.remove(&channel) {
            self.tracker.spawn(async move {
                let (_rx, tx) = ch.split();
                let _ = tx.data_bytes(format!("{GREETING}\n")).await;
                finish_channel(&tx, 0).await;
            });
        }
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let Some(ch) = self.channels.remove(&channel) else {
            return Ok(());
        };
        let command = String::from_utf8_lossy(data).into_owned();
        let protocol = self.protocols.remove(&channel);
        let ctx = self.ctx.clone();
        let principal = self.principal.clone();
        let peer = self.peer;
        // Within the connection's span; the repository is recorded once the command names it.
        let span =
            tracing::info_span!(parent: &self.span, "exec", repository = tracing::field::Empty);
        let exec = async move {
            let (rx, tx) = ch.split();
            let code = match principal {
                Some(p) => run_command(ctx, rx, &tx, &p, &command, protocol, peer).await,
                None => 1,
            };
            finish_channel(&tx, code).await;
        };
        self.tracker.spawn(exec.instrument(span));
        Ok(())
    }
}

/// exit-status, then EOF, then close: the order git expects.
async fn finish_channel(ch: &ChannelWriteHalf<Msg>, code: u32) {
    let _ = ch.exit_status(code).await;
    let _ = ch.eof().await;
    let _ = ch.close().await;
}

async fn to_stderr(ch: &ChannelWriteHalf<Msg>, message: &str) {
    let _ = ch.extended_data_bytes(1, format!("{message}\n")).await;
}

/// Runs one exec command on `ch`; returns the exit status for the client.
async fn run_command(
    ctx: Arc<TransportState>,
    rx: ChannelReadHalf,
    ch: &ChannelWriteHalf<Msg>,
    principal: &Principal,
    command: &str,
    protocol: Option<String>,
    peer: SocketAddr,
) -> u32 {
    let git = match exec::parse(command) {
        Ok(g) => g,
        Err(message) => {
            tracing::warn!(command, "ssh command refused");
            to_stderr(ch, &message).await;
            return 1;
        }
    };
    tracing::Span::current().record("repository", git.repository.as_str());
    let checked = {
        let (ctx, principal, name) = (ctx.clone(), principal.clone(), git.repository.clone());
        let origin = Origin {
            source_ip: Some(peer.ip()),
            secure_transport: true,
        };
        tokio::task::spawn_blocking(move || {
            git_access::authorize(&ctx, &principal, &origin, &name, git.service)
        })
        .await
        .unwrap_or_else(|e| Err(Refused::Internal(e.to_string())))
    };
    let granted = match checked {
        Ok(granted) => granted,
        Err(refused) => {
            let message = match refused {
                Refused::NotFound => {
                    tracing::info!("ssh: no such repository");
                    format!("fatal: repository '/v1/repos/{}' not found", git.repository)
                }
                Refused::Denied(message) => format!("fatal: {message}"),
                Refused::Internal(detail) => {
                    tracing::error!("ssh git access: {detail}");
                    "fatal: the server could not look up the repository".into()
                }
            };
            to_stderr(ch, &message).await;
            return 128;
        }
    };
    tracing::info!(service = git.service.wire_name(), "ssh git");
    let session = match GitSession::open(ctx, granted, git.service) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("preparing the push's ref checks: {e}");
            to_stderr(ch, "fatal: the server could not check the push").await;
            return 128;
        }
    };
    stream_git(session, protocol, rx, ch).await
}

/// Runs `git upload-pack|receive-pack` for the repository with the channel as its stdin and
/// stdout; returns git's exit status for the client.
async fn stream_git(
    session: GitSession,
    protocol: Option<String>,
    mut rx: ChannelReadHalf,
    ch: &ChannelWriteHalf<Msg>,
) -> u32 {
    let mut process = match session.spawn(Mode::Stateful, protocol) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("starting git: {e}");
            to_stderr(ch, "fatal: the server could not start git").await;
            return 128;
        }
    };
    // Client → git's stdin. Reading re-opens the client's window, so a slow git stalls the
    // client instead of growing memory.
    let mut stdin = process.stdin.take().expect("stateful git has stdin");
    let feeder = session.feeder();
    let input = async move {
        let reader = rx.make_reader();
        let _ = feeder.feed(reader, &mut stdin).await;
        let _ = stdin.shutdown().await;
    };
    // git's stderr → the client's stderr; git's stdout → the client.
    let mut err_writer = ch.make_writer_ext(Some(1));
    let stderr = process.stderr.take();
    let errors = async move {
        if let Some(mut stderr) = stderr {
            let _ = tokio::io::copy(&mut stderr, &mut err_writer).await;
            let _ = err_writer.flush().await;
        }
    };
    let mut writer = ch.make_writer();
    // Large reads fill whole SSH packets instead of one 8 KiB packet per read.
    let mut stdout = tokio::io::BufReader::with_capacity(256 * 1024, process.stdout);
    let output = async move {
        let _ = tokio::io::copy_buf(&mut stdout, &mut writer).await;
        let _ = writer.flush().await;
    };
    let child = process.child;
    let run = async move {
        tokio::join!(output, errors);
        session.finish(child).await
    };
    // The input side ends on its own when the client sends EOF; when git is done first,
    // stop waiting for it.
    tokio::pin!(input);
    tokio::pin!(run);
    let mut input_done = false;
    let status = loop {
        tokio::select! {
            _ = &mut input, if !input_done => input_done = true,
            status = &mut run => break status,
        }
    };
    status.and_then(|s| s.code()).map_or(1, |c| c as u32)
}
