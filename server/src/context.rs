//! What every transport hands to the domain: the store, the password hasher, where the
//! bare repositories live, and this server's account and region.

use std::path::PathBuf;

use crate::iam::passwords::PasswordHasher;
use crate::store::Store;

pub struct Context {
    pub store: Store,
    pub hasher: PasswordHasher,
    /// The directory holding the bare repositories, each named by repository ID.
    pub repos_root: PathBuf,
    pub account_id: String,
    pub region: String,
    /// `https://host:port` and `ssh://host:port`, for the clone URLs the API returns; set
    /// once the listeners are bound.
    pub clone_bases: std::sync::OnceLock<(String, String)>,
    /// The `git pack-objects` hook (cache and limit) upload-packs share, when enabled.
    pub pack_hook: Option<std::sync::Arc<crate::git::pack_hook::PackHook>>,
    /// Access keys' last use, written at most once a second per key.
    pub key_use: crate::iam::access_keys::UseRecorder,
    /// The authorization engine: on or off, and the principals' parsed policies.
    pub authorizer: crate::authz::Authorizer,
    /// The credentials the instance-metadata listener and container endpoints serve.
    pub workloads: crate::sts::workloads::WorkloadCredentials,
    /// The server's own OpenID Connect issuer, set once the HTTPS listener is bound.
    pub issuer: std::sync::OnceLock<crate::sts::issuer::Issuer>,
    /// Sends a trigger's test record at once (TestRepositoryTriggers); set by the server.
    pub deliver: std::sync::OnceLock<std::sync::Arc<dyn crate::codecommit::triggers::Deliver>>,
    /// Woken when events are queued, so the delivery worker sends them at once.
    pub events_queued: tokio::sync::Notify,
    /// The receive-pack hooks that enforce per-ref push decisions, installed on first use.
    ref_hooks: std::sync::OnceLock<crate::git::ref_guard::Hooks>,
    ref_hooks_install: std::sync::Mutex<()>,
    /// The largest pack a push may send; zero: no limit.
    pub max_push_bytes: u64,
    /// Slows sources that keep failing to sign in with a Git password.
    pub auth_throttle: crate::auth::throttle::FailureThrottle,
    /// Places for API requests in flight (body read, handler running).
    pub api_slots: tokio::sync::Semaphore,
    /// Repositories to repack once pushes leave them quiet.
    pub upkeep: std::sync::Arc<crate::git::upkeep::Upkeep>,
    /// Costly listings' whole answers, for their next pages.
    pub listings: crate::codecommit::listings::Listings,
    /// Opened repositories kept for the next API request.
    pub handles: crate::git::handles::Handles,
}

impl Context {
    /// The Git service `request` of `repo`, within this server's limits.
    pub fn git_service(
        &self,
        service: crate::git::service::GitService,
        repo: &crate::codecommit::repositories::RepositoryRow,
        mode: crate::git::service::Mode,
        git_protocol: Option<String>,
        ref_guard: Option<std::sync::Arc<crate::git::ref_guard::RefGuard>>,
    ) -> crate::git::service::ServiceRequest {
        crate::git::service::ServiceRequest {
            service,
            repo_dir: crate::codecommit::repositories::repo_dir(
                &self.repos_root,
                &repo.repository_id,
            ),
            mode,
            git_protocol,
            pack_hook: self.pack_hook.clone(),
            ref_guard,
            max_input_size: self.max_push_bytes,
        }
    }

    /// A context whose clone URLs are set once the listeners are bound.
    pub fn new(
        store: Store,
        hasher: PasswordHasher,
        repos_root: PathBuf,
        account_id: String,
        region: String,
        pack_hook: Option<std::sync::Arc<crate::git::pack_hook::PackHook>>,
    ) -> Context {
        Context {
            store,
            hasher,
            repos_root,
            account_id,
            region,
            clone_bases: std::sync::OnceLock::new(),
            pack_hook,
            key_use: Default::default(),
            authorizer: Default::default(),
            workloads: Default::default(),
            issuer: std::sync::OnceLock::new(),
            events_queued: tokio::sync::Notify::new(),
            deliver: std::sync::OnceLock::new(),
            ref_hooks: std::sync::OnceLock::new(),
            ref_hooks_install: std::sync::Mutex::new(()),
            max_push_bytes: 0,
            auth_throttle: Default::default(),
            api_slots: tokio::sync::Semaphore::new(256),
            upkeep: Default::default(),
            listings: Default::default(),
            handles: Default::default(),
        }
    }

    /// The receive-pack hooks under the repositories' root (written once: concurrent first
    /// pushes wait for one install rather than racing on its files).
    pub fn ref_hooks(&self) -> std::io::Result<&crate::git::ref_guard::Hooks> {
        if let Some(h) = self.ref_hooks.get() {
            return Ok(h);
        }
        let _installing = self
            .ref_hooks_install
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(h) = self.ref_hooks.get() {
            return Ok(h);
        }
        let hooks = crate::git::ref_guard::Hooks::install(&self.repos_root)?;
        Ok(self.ref_hooks.get_or_init(|| hooks))
    }
}
