//! What the transports share above the contract floor: the [`Context`] every layer gets, and
//! what only a listener needs — the policy cache of the decision point, the throttle of
//! failing sign-ins, the places for API requests, the receive-pack hooks of per-ref
//! decisions, the push size cap, access keys' last use, the workload credentials the
//! metadata and container endpoints serve, and the server's own (signing) OIDC issuer.
//!
//! `TransportState` dereferences to the `Context`, so a handler holding an `Arc<TransportState>` passes
//! `&state` wherever a `&Context` is wanted.

use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock};

use crate::auth::throttle::FailureThrottle;
use crate::authz::Authorizer;
use crate::context::Context;
use crate::git::ref_guard::Hooks;
use crate::iam::access_keys::UseRecorder;
use crate::sts::issuer::Issuer;
use crate::sts::workloads::WorkloadCredentials;

pub struct TransportState {
    pub ctx: Arc<Context>,
    /// The decision point: each principal's parsed policies.
    pub authorizer: Authorizer,
    /// Slows sources that keep failing to sign in with a Git or console password.
    pub auth_throttle: FailureThrottle,
    /// Places for API requests in flight (body read, handler running).
    pub api_slots: tokio::sync::Semaphore,
    /// The largest pack a push may send; zero: no limit.
    pub max_push_bytes: u64,
    /// Access keys' last use, written at most once a second per key.
    pub key_use: UseRecorder,
    /// The credentials the instance-metadata listener and container endpoints serve.
    pub workloads: WorkloadCredentials,
    /// The server's own OpenID Connect issuer, set once the HTTPS listener is bound.
    pub issuer: OnceLock<Issuer>,
    /// The receive-pack hooks that enforce per-ref push decisions, installed on first use.
    ref_hooks: OnceLock<Hooks>,
    ref_hooks_install: Mutex<()>,
}

impl Deref for TransportState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}

impl TransportState {
    /// The transports' state around `ctx`, with `max_api_requests` places for API requests
    /// and pushes capped at `max_push_bytes` (zero: no cap).
    pub fn new(ctx: Arc<Context>, max_api_requests: usize, max_push_bytes: u64) -> TransportState {
        TransportState {
            ctx,
            authorizer: Default::default(),
            auth_throttle: Default::default(),
            api_slots: tokio::sync::Semaphore::new(max_api_requests),
            max_push_bytes,
            key_use: Default::default(),
            workloads: Default::default(),
            issuer: OnceLock::new(),
            ref_hooks: OnceLock::new(),
            ref_hooks_install: Mutex::new(()),
        }
    }

    /// Sets the server's own issuer, and its public keys in the context for the verifiers.
    pub fn set_issuer(&self, issuer: Issuer) {
        let _ = self.ctx.own_issuer.set(issuer.published());
        let _ = self.issuer.set(issuer);
    }

    /// The receive-pack hooks under the repositories' root (written once: concurrent first
    /// pushes wait for one install rather than racing on its files).
    pub fn ref_hooks(&self) -> std::io::Result<&Hooks> {
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
        let hooks = Hooks::install(&self.ctx.repos_root)?;
        Ok(self.ref_hooks.get_or_init(|| hooks))
    }
}
