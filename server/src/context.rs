//! The contract floor: what every layer above the store may be handed, and nothing defined
//! above it. The store, where the bare repositories live (with the handles, listings and
//! upkeep kept for them), this server's account and region, whether IAM policies are
//! enforced, the password hasher, the notifier and sender of events, and the public keys of
//! the server's own OIDC issuer. What only the transports need (the policy cache, throttles,
//! API slots, ref hooks, workload credential caches, the signing issuer) is the transport's
//! `State`, which wraps this.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::crypto::jwt::IssuerKeys;
use crate::crypto::passwords::PasswordHasher;
use crate::git::handles::Handles;
use crate::git::listings::Listings;
use crate::git::pack_hook::PackHook;
use crate::git::upkeep::Upkeep;
use crate::store::Store;

/// Sends one trigger record now, to where its destination is routed
/// (TestRepositoryTriggers). The delivery worker implements it and the server sets it, so
/// the domain never imports the delivery layer.
pub trait Deliver: Send + Sync {
    fn deliver_now(&self, kind: &str, destination: &str, body: &str) -> Result<(), String>;
}

pub struct Context {
    pub store: Store,
    pub hasher: PasswordHasher,
    /// The directory holding the bare repositories, each named by repository ID.
    pub repos_root: PathBuf,
    pub account_id: String,
    pub region: String,
    /// Whether IAM policies decide requests (`--authorization`); off, every authenticated
    /// request is allowed.
    pub policies_enforced: bool,
    /// `https://host:port` and `ssh://host:port`, for the clone URLs the API returns; set
    /// once the listeners are bound.
    pub clone_bases: OnceLock<(String, String)>,
    /// The `git pack-objects` hook (cache and limit) upload-packs share, when enabled.
    pub pack_hook: Option<Arc<PackHook>>,
    /// The server's own OpenID Connect issuer's URL and public keys, set once the HTTPS
    /// listener is bound (AssumeRoleWithWebIdentity verifies its tokens with them).
    pub own_issuer: OnceLock<IssuerKeys>,
    /// Sends a trigger's test record at once (TestRepositoryTriggers); set by the server.
    pub deliver: OnceLock<Arc<dyn Deliver>>,
    /// Woken when events are queued, so the delivery worker sends them at once.
    pub events_queued: tokio::sync::Notify,
    /// Repositories to repack once pushes leave them quiet.
    pub upkeep: Arc<Upkeep>,
    /// Costly listings' whole answers, for their next pages.
    pub listings: Listings,
    /// Opened repositories kept for the next API request.
    pub handles: Handles,
}

impl Context {
    /// A context with policies enforced, whose clone URLs, issuer and event sender are set
    /// once the listeners are bound.
    pub fn new(
        store: Store,
        hasher: PasswordHasher,
        repos_root: PathBuf,
        account_id: String,
        region: String,
        pack_hook: Option<Arc<PackHook>>,
    ) -> Context {
        Context {
            store,
            hasher,
            repos_root,
            account_id,
            region,
            policies_enforced: true,
            clone_bases: OnceLock::new(),
            pack_hook,
            own_issuer: OnceLock::new(),
            deliver: OnceLock::new(),
            events_queued: tokio::sync::Notify::new(),
            upkeep: Default::default(),
            listings: Default::default(),
            handles: Default::default(),
        }
    }

    /// Where the bare repository of `repository_id` lives.
    pub fn repo_dir(&self, repository_id: &str) -> PathBuf {
        crate::git::repo::repo_dir(&self.repos_root, repository_id)
    }
}
