//! Bare Git repositories on disk: creating them with git2, and running `git upload-pack` /
//! `git receive-pack` for the transports through one streaming service runner.

pub mod pack_cache;
pub mod repo;
pub mod service;
