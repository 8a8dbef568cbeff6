//! codecommit-local: AWS CodeCommit plus the slice of IAM and STS that CodeCommit's
//! authentication needs, entirely offline.
//!
//! The module tree is the architecture, each layer importing only the layers below it
//! (`ARCHITECTURE.md` draws them and follows one API request and one push through them):
//!
//! - [`transport`]: the protocols clients speak — Git smart HTTP, SSH, the AWS APIs
//!   (`transport::aws`: the pipeline, the operation registry, the Query and JSON codecs), the
//!   console — with what only listeners keep (`transport::state::TransportState`) and the one
//!   Git session both Git transports run (`transport::git_session`). [`delivery`] sends the
//!   events the domain queued.
//! - [`auth`]: who is calling (Git credentials, SigV4, SSH keys); [`authz`]: the cached
//!   decision point.
//! - [`iam`], [`sts`] and [`codecommit`]: the emulated services' rules and their operations
//!   (`*/ops`). They import neither `auth`, `authz`, a transport nor `delivery`.
//! - [`operation`]: what an AWS operation is (typed request, handler, IAM declaration,
//!   service error); [`context`]: the contract floor every layer above may be handed.
//! - [`policy`] (the pure IAM decision), [`git`] (bare repositories, the streaming `git`
//!   runner), [`crypto`] (JWT, password hashing, random bytes) and [`store`] (SQLite,
//!   always from a blocking thread).
//! - Leaves: [`principal`] (the authenticated caller), [`config`], [`secret`].
//!
//! [`server`] wires the layers together; [`cli`] is the command line; [`seed`] seeds the
//! store from fixture files; [`testing`] embeds a server in Rust tests.

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
