//! The CodeCommit domain: repositories, their names, and what happens after a push.

pub mod repositories;
