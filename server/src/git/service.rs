//! The one Git service runner the transports share: `{service, repository, protocol}` →
//! a `git upload-pack|receive-pack` child whose stdin and stdout the transport streams.
//! Nothing here buffers a pack. Only `GIT_PROTOCOL` comes from the client.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader, ReadBuf};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};

use super::pack_hook::PackHook;
use super::ref_guard::RefGuard;

/// The whole environment of a `git` the server runs in `repo_dir` (after `env_clear`): its
/// PATH, and no system, global or user configuration, and never a prompt.
pub fn isolated_env(repo_dir: &std::path::Path) -> [(&'static str, std::ffi::OsString); 5] {
    [
        ("PATH", std::env::var_os("PATH").unwrap_or_default()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
        ("GIT_TERMINAL_PROMPT", "0".into()),
        ("HOME", repo_dir.into()),
    ]
}

/// The most an upload-pack request (wants, haves) may send, decoded: git http-backend's
/// default `GIT_HTTP_MAX_REQUEST_BUFFER`.
pub const UPLOAD_PACK_REQUEST_LIMIT: u64 = 10 << 20;

/// What a push may send besides its pack: the ref update commands.
const PUSH_COMMANDS_ALLOWANCE: u64 = 16 << 20;

/// The most a request to `service` may send (after any gzip is undone), for a server whose
/// pushes may send `max_push_bytes` of pack (zero: no limit).
pub fn request_limit(service: GitService, max_push_bytes: u64) -> u64 {
    match service {
        GitService::UploadPack => UPLOAD_PACK_REQUEST_LIMIT,
        GitService::ReceivePack if max_push_bytes == 0 => u64::MAX,
        GitService::ReceivePack => max_push_bytes.saturating_add(PUSH_COMMANDS_ALLOWANCE),
    }
}

/// A reader that fails once more than `limit` bytes came through, so a gzip bomb (or an
/// endless request) stops at the limit instead of reaching git whole.
pub struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R> Capped<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        Capped {
            inner,
            left: limit,
            limit,
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Capped<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        if read > self.left {
            let limit = self.limit;
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("request body exceeds {limit} bytes"),
            )));
        }
        self.left -= read;
        polled
    }
}

/// The two Git services a client may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitService {
    UploadPack,
    ReceivePack,
}

impl GitService {
    /// From the name git uses on the wire (`git-upload-pack`, `git-receive-pack`).
    pub fn from_wire_name(name: &str) -> Option<Self> {
        match name {
            "git-upload-pack" => Some(GitService::UploadPack),
            "git-receive-pack" => Some(GitService::ReceivePack),
            _ => None,
        }
    }

    pub fn wire_name(self) -> &'static str {
        match self {
            GitService::UploadPack => "git-upload-pack",
            GitService::ReceivePack => "git-receive-pack",
        }
    }

    /// The `git` subcommand.
    fn subcommand(self) -> &'static str {
        match self {
            GitService::UploadPack => "upload-pack",
            GitService::ReceivePack => "receive-pack",
        }
    }
}

/// How the service talks to its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Smart HTTP `info/refs`: the ref (or v2 capability) advertisement, then exit.
    AdvertiseRefs,
    /// Smart HTTP POST: one request in, one response out.
    StatelessRpc,
    /// SSH: one bidirectional conversation.
    Stateful,
}

/// What a transport asks the runner for.
#[derive(Debug, Clone)]
pub struct ServiceRequest {
    pub service: GitService,
    /// The bare repository, as the store names it (never a path from the client).
    pub repo_dir: PathBuf,
    pub mode: Mode,
    /// The client's `Git-Protocol` header or `GIT_PROTOCOL` env request, if well-formed.
    pub git_protocol: Option<String>,
    /// The `git pack-objects` hook an upload-pack uses, if the server has one.
    pub pack_hook: Option<Arc<PackHook>>,
    /// The per-ref authorization of a push ([`super::ref_guard`]), when enforced.
    pub ref_guard: Option<Arc<RefGuard>>,
    /// The largest pack a push may send (`receive.maxInputSize`); zero: no limit.
    pub max_input_size: u64,
}

/// A running service: the transport writes `stdin` and streams `stdout`; `stderr` is for
/// the transport to forward (SSH) or log ([`log_stderr`]).
pub struct ServiceProcess {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub stdout: ChildStdout,
    pub stderr: Option<ChildStderr>,
}

/// Drains a service's stderr into the log.
pub fn log_stderr(stderr: Option<ChildStderr>, service: GitService) {
    if let Some(stderr) = stderr {
        let service = service.wire_name();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::debug!(service, "git: {line}");
            }
        });
    }
}

/// Accepts a client-supplied protocol string only in the form git sends
/// (`version=2`, `version=2:object-format=sha1`): short, no shell or control characters.
pub fn sanitize_git_protocol(value: &str) -> Option<String> {
    let ok = !value.is_empty()
        && value.len() <= 256
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"=:._-".contains(&b));
    ok.then(|| value.to_owned())
}

/// Whether the protocol string asks for protocol v2.
pub fn is_protocol_v2(git_protocol: Option<&str>) -> bool {
    git_protocol.is_some_and(|p| p.split(':').any(|kv| kv == "version=2"))
}

impl ServiceRequest {
    /// Starts the child. It runs in its own process
    /// group, so a Ctrl-C meant for the server does not kill a push half-way: on shutdown
    /// the server lets in-flight services finish.
    pub fn spawn(&self) -> std::io::Result<ServiceProcess> {
        let mut cmd = Command::new("git");
        if self.service == GitService::ReceivePack && self.max_input_size > 0 {
            // index-pack (or unpack-objects) stops reading past the limit; the client gets
            // git's own "pack exceeds maximum allowed size" and nothing is stored.
            cmd.arg("-c")
                .arg(format!("receive.maxInputSize={}", self.max_input_size));
        }
        cmd.arg(self.service.subcommand());
        match self.mode {
            Mode::AdvertiseRefs => {
                cmd.args(["--stateless-rpc", "--http-backend-info-refs"]);
            }
            Mode::StatelessRpc => {
                cmd.arg("--stateless-rpc");
            }
            Mode::Stateful => {}
        }
        cmd.arg(".")
            .current_dir(&self.repo_dir)
            .env_clear()
            .envs(isolated_env(&self.repo_dir))
            .stdin(if self.mode == Mode::AdvertiseRefs {
                Stdio::null()
            } else {
                Stdio::piped()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        if let Some(p) = &self.git_protocol {
            cmd.env("GIT_PROTOCOL", p);
        }
        if let (GitService::UploadPack, Some(hook)) = (self.service, &self.pack_hook) {
            hook.configure(&mut cmd);
        }
        if let (GitService::ReceivePack, Some(guard)) = (self.service, &self.ref_guard)
            && self.mode != Mode::AdvertiseRefs
        {
            guard.configure(&mut cmd);
        }
        let mut child = cmd.spawn()?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take();
        Ok(ServiceProcess {
            child,
            stdin,
            stdout,
            stderr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_strings() {
        assert_eq!(
            sanitize_git_protocol("version=2").as_deref(),
            Some("version=2")
        );
        assert!(sanitize_git_protocol("version=2; rm -rf /").is_none());
        assert!(sanitize_git_protocol("").is_none());
        assert!(is_protocol_v2(Some("version=2")));
        assert!(is_protocol_v2(Some("object-format=sha1:version=2")));
        assert!(!is_protocol_v2(Some("version=1")));
        assert!(!is_protocol_v2(None));
    }
}
