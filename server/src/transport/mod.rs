//! The protocols clients speak. Each submodule speaks one protocol and calls the domain.

pub mod aws;
pub mod git_access;
pub mod http;
pub mod imds;
pub mod limits;
pub mod ssh;
pub mod tls;
