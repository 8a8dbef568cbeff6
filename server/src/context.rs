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
}

impl Context {
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
        }
    }
}
