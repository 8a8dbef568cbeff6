//! The CodeCommit domain: repositories, their names, and what happens after a push.

pub mod approvals;
pub mod blob_diff;
pub mod browse;
pub mod comments;
pub mod commits;
pub mod content;
pub mod error;
pub mod events;
pub mod manage;
pub mod merges;
pub mod ops;
pub mod pull_request_log;
pub mod pull_requests;
pub mod reactions;
pub mod refs;
pub mod repositories;
pub mod triggers;
