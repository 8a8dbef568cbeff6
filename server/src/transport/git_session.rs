//! One Git session, written once for both Git transports (smart HTTP and SSH): what the
//! caller was granted ([`git_access::authorize`]), the per-ref guard of a push, the `git`
//! child with the transport's streams, the guard fed the push's command list, the wait, the
//! work after a push, and the guard dropped last.
//!
//! The order is the point: git's `pre-receive`/`update` hooks read the guard's verdicts
//! until git exits, so the guard lives until [`GitSession::finish`] has waited for git and
//! run the after-push work; the after-push work runs before the transport's last bytes
//! (HTTP's body end, SSH's exit status), so the client sees the finished repository.

use std::process::ExitStatus;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::process::Child;

use crate::codecommit::refs;
use crate::codecommit::repositories::RepositoryRow;
use crate::git::ref_guard::{self, RefGuard};
use crate::git::service::{GitService, Mode, ServiceProcess, ServiceRequest};
use crate::transport::git_access::Granted;
use crate::transport::state::TransportState;

/// A service granted on a repository, ready to run.
pub struct GitSession {
    state: Arc<TransportState>,
    repo: RepositoryRow,
    /// The caller's ARN.
    caller: String,
    service: GitService,
    /// A push's per-ref decisions (with authorization on). Dropped last.
    ref_guard: Option<Arc<RefGuard>>,
}

impl GitSession {
    /// The session `granted` allows, with the per-ref guard of a push.
    pub fn open(
        state: Arc<TransportState>,
        granted: Granted,
        service: GitService,
    ) -> std::io::Result<GitSession> {
        let Granted { repo, caller, push } = granted;
        let ref_guard = match push {
            Some(check) => Some(check.into_guard(&state)?),
            // Without policies a push still has every ref name checked: one that is not
            // UTF-8 is refused whatever the policies would say.
            None if service == GitService::ReceivePack => {
                Some(Arc::new(state.ref_hooks()?.guard(Box::new(|_| None))))
            }
            None => None,
        };
        Ok(GitSession {
            state,
            repo,
            caller,
            service,
            ref_guard,
        })
    }

    pub fn repository(&self) -> &RepositoryRow {
        &self.repo
    }

    pub fn service(&self) -> GitService {
        self.service
    }

    /// Starts `git upload-pack|receive-pack` in `mode`, with the client's `GIT_PROTOCOL`.
    pub fn spawn(
        &self,
        mode: Mode,
        git_protocol: Option<String>,
    ) -> std::io::Result<ServiceProcess> {
        request(
            &self.state,
            self.service,
            &self.repo,
            mode,
            git_protocol,
            self.ref_guard.clone(),
        )
        .spawn()
    }

    /// What copies the client's input into git's stdin, the push's commands through the
    /// guard first (so every ref is decided before git reads one).
    pub fn feeder(&self) -> Feeder {
        Feeder(self.ref_guard.clone())
    }

    /// Waits for git; after a successful push, runs the work refs moved owe (on a blocking
    /// thread: it writes the store); then drops the guard. git's exit status, if it had one.
    pub async fn finish(self, mut child: Child) -> Option<ExitStatus> {
        let GitSession {
            state,
            repo,
            caller,
            service,
            ref_guard,
        } = self;
        let status = match child.wait().await {
            Ok(status) => status,
            Err(e) => {
                tracing::error!("waiting for git: {e}");
                return None;
            }
        };
        if !status.success() {
            tracing::warn!(service = service.wire_name(), repository = %repo.name, "git exited with {status}");
        } else if service == GitService::ReceivePack {
            let ctx = state.ctx.clone();
            let done =
                tokio::task::spawn_blocking(move || refs::after_push(&ctx, &repo, &caller)).await;
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!("after push: {e}"),
                Err(e) => tracing::error!("after push: {e}"),
            }
        }
        // Last: the hooks read the verdicts until git exits.
        drop(ref_guard);
        Some(status)
    }
}

/// Copies a client's input into git's stdin through a push's ref guard.
pub struct Feeder(Option<Arc<RefGuard>>);

impl Feeder {
    pub async fn feed(
        self,
        input: impl AsyncRead + Unpin,
        stdin: &mut (impl AsyncWrite + Unpin),
    ) -> std::io::Result<u64> {
        ref_guard::feed(input, stdin, self.0.as_deref()).await
    }
}

/// The ref advertisement of `service` on `repo` (HTTP's `info/refs`): no session, no guard.
pub fn advertisement(
    state: &TransportState,
    service: GitService,
    repo: &RepositoryRow,
    git_protocol: Option<String>,
) -> ServiceRequest {
    request(
        state,
        service,
        repo,
        Mode::AdvertiseRefs,
        git_protocol,
        None,
    )
}

/// The Git service `service` of `repo`, within this server's limits.
fn request(
    state: &TransportState,
    service: GitService,
    repo: &RepositoryRow,
    mode: Mode,
    git_protocol: Option<String>,
    ref_guard: Option<Arc<RefGuard>>,
) -> ServiceRequest {
    ServiceRequest {
        service,
        repo_dir: state.repo_dir(&repo.repository_id),
        mode,
        git_protocol,
        pack_hook: state.pack_hook.clone(),
        ref_guard,
        max_input_size: state.max_push_bytes,
    }
}
