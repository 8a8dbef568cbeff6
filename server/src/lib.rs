//! codecommit-local: AWS CodeCommit plus the slice of IAM and STS that CodeCommit's
//! authentication needs, entirely offline.
//!
//! The module tree is the architecture, each layer depending only on the ones below it
//! (`ARCHITECTURE.md` follows one request through them):
//!
//! - [`transport`]: the protocols clients speak — Git smart HTTP, SSH, and the AWS APIs
//!   (`transport::aws`: the pipeline, the operation registry, the Query and JSON codecs).
//! - [`auth`]: who is calling (Git credentials, SigV4, SSH keys); [`authz`]: whether they may.
//! - [`iam`], [`sts`] and [`codecommit`]: the emulated services' rules and their operations
//!   (`*/ops`). They import neither `auth`, `authz` nor a transport.
//! - [`git`] and [`store`]: bare repositories with the streaming `git` runner, and the SQLite
//!   store every domain module reads and writes (always from a blocking thread).
//!
//! Two leaf contracts are shared across the layers: [`principal`] (the authenticated caller)
//! and [`operation`] (what an AWS operation is: typed request, handler, IAM declaration,
//! service error). [`server`] wires the layers together; [`cli`] is the command line;
//! [`fixtures`] seeds the store; [`testing`] embeds a server in Rust tests.

pub mod auth;
pub mod authz;
pub mod cli;
pub mod codecommit;
pub mod config;
pub mod context;
pub mod crypto;
pub mod delivery;
pub mod git;
pub mod iam;
pub mod operation;
pub mod policy;
pub mod principal;
pub mod secret;
pub mod seed;
pub mod server;
pub mod store;
pub mod sts;
pub mod testing;
pub mod transport;
