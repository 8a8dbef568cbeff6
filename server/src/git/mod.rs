//! Bare Git repositories on disk: creating them with git2, and running `git upload-pack` /
//! `git receive-pack` for the transports through one streaming service runner, the hook
//! that caches and paces `git pack-objects`, and the background upkeep (geometric repacks,
//! bitmaps, commit-graphs) that keeps pushed repositories fast to serve.

pub mod handles;
pub mod listings;
pub mod pack_hook;
pub mod ref_guard;
pub mod repo;
pub mod service;
pub mod upkeep;
