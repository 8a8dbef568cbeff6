//! The background workers a running server keeps: the pack cache's and the STS sessions'
//! sweepers, the repositories' upkeep, and the wait for a first start's RSA host key.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::Published;
use super::listeners::SshConfig;
use crate::context::Context;
use crate::git::pack_hook::PackHook;
use crate::transport::ssh;

/// A first start's RSA host key being generated, and what changes once it exists.
pub(super) struct HostKeyWait {
    pub generating:
        std::thread::JoinHandle<Result<russh::keys::PrivateKey, ssh::host_keys::HostKeyError>>,
    /// The host keys SSH serves meanwhile.
    pub keys: Vec<russh::keys::PrivateKey>,
    pub ssh_config: tokio::sync::watch::Sender<SshConfig>,
    pub published: Arc<Published>,
}

/// Starts the workers: the pack cache's sweeper (when the cache is on), the STS sessions'
/// sweeper, the repositories' upkeep, and the wait for the RSA host key (on a first start).
pub(super) fn spawn(
    ctx: &Arc<Context>,
    pack_hook: Option<Arc<PackHook>>,
    host_key: Option<HostKeyWait>,
) -> Vec<JoinHandle<()>> {
    pack_hook
        .and_then(spawn_sweeper)
        .into_iter()
        .chain([
            spawn_session_sweeper(ctx.clone()),
            crate::git::upkeep::start(ctx.upkeep.clone()),
        ])
        .chain(host_key.map(spawn_host_key_wait))
        .collect()
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

/// Waits for the RSA host key a first start generates; then SSH serves it (connections made
/// meanwhile waited) and the published endpoints name its fingerprint. Should generation
/// fail, SSH serves the Ed25519 key alone.
fn spawn_host_key_wait(wait: HostKeyWait) -> JoinHandle<()> {
    let HostKeyWait {
        generating,
        mut keys,
        ssh_config,
        published,
    } = wait;
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
