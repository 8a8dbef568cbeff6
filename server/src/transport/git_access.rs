//! The one Git access check both Git transports (smart HTTP, SSH) make once the caller is
//! authenticated: the repository by validated name in the caller's account, then
//! `codecommit:GitPull` / `codecommit:GitPush` on its ARN. It reads the store: call it on a
//! blocking thread.

use crate::authz::{self, Decision};
use crate::codecommit::repositories::{self, RepositoryRow};
use crate::context::Context;
use crate::git::service::GitService;
use crate::principal::Principal;

/// Why a Git request goes no further.
#[derive(Debug)]
pub enum Refused {
    /// No repository of that name in the caller's account (or not a valid name).
    NotFound,
    /// The authorization decision was Deny for this action.
    Denied(&'static str),
    /// The store failed; the detail is for the log.
    Internal(String),
}

/// The IAM action a Git service needs.
pub fn action_for(service: GitService) -> &'static str {
    match service {
        GitService::UploadPack => authz::GIT_PULL,
        GitService::ReceivePack => authz::GIT_PUSH,
    }
}

/// The repository `name` that `principal` may run `service` on.
pub fn authorize(
    ctx: &Context,
    principal: &Principal,
    name: &str,
    service: GitService,
) -> Result<RepositoryRow, Refused> {
    if repositories::validate_name(name).is_err() {
        return Err(Refused::NotFound);
    }
    let repo = repositories::find(&ctx.store, &principal.account_id, &ctx.region, name)
        .map_err(|e| Refused::Internal(format!("looking up repository: {e}")))?
        .ok_or(Refused::NotFound)?;
    let action = action_for(service);
    let arn = repo.arn();
    let request = authz::Request {
        action,
        resource: &arn,
        context: &[],
    };
    match authz::decide(principal, &request) {
        Decision::Allow => {
            tracing::debug!(user = %principal.arn, repository = %repo.name, action, "authorized");
            Ok(repo)
        }
        Decision::Deny => {
            tracing::warn!(user = %principal.arn, repository = %repo.name, action, "denied");
            Err(Refused::Denied(action))
        }
    }
}
