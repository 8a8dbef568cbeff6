//! codecommit-local: AWS CodeCommit plus the slice of IAM and STS that CodeCommit's
//! authentication needs, entirely offline.
//!
//! The module tree is the architecture, each layer depending only on the ones below it:
//!
//! - [`transport`]: the protocols clients speak (Git smart HTTP over HTTPS and HTTP).
//! - [`auth`]: who is calling (Git credentials), and [`authz`], whether they may.
//! - [`iam`] and [`codecommit`]: the emulated AWS services' domain rules.
//! - [`git`]: bare repositories on disk and the streaming `git` service runner.
//! - [`store`]: the SQLite store every domain module reads and writes.
//!
//! [`server`] wires them together; [`cli`] is the command line; [`fixtures`] seeds the store.

pub mod auth;
pub mod authz;
pub mod cli;
pub mod codecommit;
pub mod config;
pub mod context;
pub mod fixtures;
pub mod git;
pub mod iam;
pub mod secret;
pub mod server;
pub mod store;
pub mod sts;
pub mod testing;
pub mod transport;
