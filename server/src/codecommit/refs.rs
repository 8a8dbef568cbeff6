//! After refs move: the one place, at the top of the CodeCommit domain, that runs what every
//! change of a repository's references owes, whoever made it (a push, an API commit or
//! branch, a merge): a first default branch, the repository's upkeep, the reference events
//! (triggers and EventBridge) and the open pull requests following their branches.
//!
//! Writers below this module return [`RefsMoved`]; only [`settle`] gives them their value
//! back, so a writer that forgets the work does not compile. A push has no value to hand
//! back: the Git session calls [`after_push`].

use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::repositories::{self, RefsMoved, RepositoryError};
use crate::codecommit::{events, pull_requests};
use crate::context::Context;
use crate::store::RepositoryRow;

/// Runs the work `moved` owes, then hands back what the move returned. The move itself has
/// happened: a failure here is the server's (InternalFailure), never the caller's.
pub fn settle<T>(ctx: &Context, moved: RefsMoved<T>) -> Result<T, E> {
    let RefsMoved {
        repository,
        actor,
        what,
        value,
    } = moved;
    after_ref_change(ctx, &repository, &actor)
        .map_err(|e| E::internal(format!("after {what}: {e}")))?;
    Ok(value)
}

/// After a successful receive-pack of `repository` by `caller` (an ARN).
pub fn after_push(
    ctx: &Context,
    repository: &RepositoryRow,
    caller: &str,
) -> Result<(), RepositoryError> {
    after_ref_change(ctx, repository, caller)
}

/// The default branch first (a repository's first push names it), then the upkeep, the
/// reference events and the pull requests. Events and pull requests that cannot be brought
/// up to date are logged, and never fail the change that already happened.
fn after_ref_change(
    ctx: &Context,
    row: &RepositoryRow,
    actor: &str,
) -> Result<(), RepositoryError> {
    repositories::after_receive(&ctx.store, &ctx.repos_root, row)?;
    ctx.upkeep.changed(&ctx.repo_dir(&row.repository_id));
    if let Err(e) = events::reference_changes(ctx, row, actor) {
        tracing::error!(repository = %row.name, "queueing reference events: {e}");
    }
    if let Err(e) = pull_requests::track(ctx, row, actor) {
        tracing::error!(repository = %row.name, "updating pull requests: {e}");
    }
    Ok(())
}
