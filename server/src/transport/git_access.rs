//! The one Git access check both Git transports (smart HTTP, SSH) make once the caller is
//! authenticated: the repository by validated name in the caller's account, then
//! `codecommit:GitPull` / `codecommit:GitPush` on its ARN (for a push, first without
//! `codecommit:References`, as IAM evaluates `info/refs`; then per ref through
//! [`PushCheck`]). It reads the store: call it on a blocking thread.

use std::sync::Arc;

use crate::authz::{self, Decision, Origin, PolicySet};
use crate::codecommit::repositories::{self, RepositoryRow};
use crate::git::ref_guard::RefGuard;
use crate::git::service::GitService;
use crate::principal::Principal;
use crate::transport::state::TransportState;

/// Why a Git request goes no further.
#[derive(Debug)]
pub enum Refused {
    /// No repository of that name in the caller's account (or not a valid name).
    NotFound,
    /// The authorization decision was Deny: AWS's message.
    Denied(String),
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

/// What the caller may do with the repository.
pub struct Granted {
    pub repo: RepositoryRow,
    /// Who is calling (an ARN), for what a push changes (pull request events).
    pub caller: String,
    /// For a push with authorization on: the per-ref decision.
    pub push: Option<PushCheck>,
}

/// Decides `codecommit:GitPush` for one ref (`codecommit:References`), from policies
/// already loaded: no store access, so it can run while a push streams.
pub struct PushCheck {
    set: Arc<PolicySet>,
    principal: Principal,
    origin: Origin,
    arn: String,
    tags: Vec<(String, String)>,
    /// `aws:RequestedRegion`.
    region: [(String, Vec<String>); 1],
}

impl PushCheck {
    /// `Some(AWS's message)` when the ref may not be updated.
    pub fn check(&self, reference: &str) -> Option<String> {
        let context = [(
            "codecommit:References".to_owned(),
            vec![reference.to_owned()],
        )];
        let request = authz::Request {
            action: authz::GIT_PUSH,
            resource: &self.arn,
            context: &context,
            resource_tags: Some(&self.tags),
        };
        let outcome = crate::policy::decide::evaluate_with(
            &self.set,
            &self.principal,
            &self.origin,
            &request,
            &self.region,
        );
        match outcome.decision {
            Decision::Allow => None,
            Decision::Deny(why) => {
                tracing::info!(user = %self.principal.arn, reference, "push to ref denied");
                Some(authz::denial_message(
                    &self.principal,
                    authz::GIT_PUSH,
                    &self.arn,
                    why,
                ))
            }
        }
    }

    /// The guard that has git enforce this check per ref.
    pub fn into_guard(self, ctx: &TransportState) -> std::io::Result<Arc<RefGuard>> {
        let hooks = ctx.ref_hooks()?;
        Ok(Arc::new(hooks.guard(Box::new(move |r| self.check(r)))))
    }
}

/// The repository `name` that `principal` may run `service` on.
pub fn authorize(
    ctx: &TransportState,
    principal: &Principal,
    origin: &Origin,
    name: &str,
    service: GitService,
) -> Result<Granted, Refused> {
    if repositories::validate_name(name).is_err() {
        return Err(Refused::NotFound);
    }
    let repo = repositories::find(&ctx.store, &principal.account_id, &ctx.region, name)
        .map_err(|e| Refused::Internal(format!("looking up repository: {e}")))?
        .ok_or(Refused::NotFound)?;
    let action = action_for(service);
    let arn = repo.arn();
    let tags = repositories::resource_tags(ctx, &principal.account_id, &repo.name)
        .map_err(|e| Refused::Internal(format!("reading repository tags: {e}")))?
        .unwrap_or_default();
    let request = authz::Request {
        action,
        resource: &arn,
        context: &[],
        resource_tags: Some(&tags),
    };
    if let Decision::Deny(why) = ctx.authorizer.decide(ctx, principal, origin, &request) {
        tracing::warn!(user = %principal.arn, repository = %repo.name, action, "denied");
        return Err(Refused::Denied(authz::denial_message(
            principal, action, &arn, why,
        )));
    }
    tracing::debug!(user = %principal.arn, repository = %repo.name, action, "authorized");
    let push = match service {
        GitService::ReceivePack if ctx.policies_enforced => Some(PushCheck {
            set: ctx
                .authorizer
                .policies(ctx, principal)
                .map_err(Refused::Internal)?,
            principal: principal.clone(),
            origin: *origin,
            arn,
            tags,
            region: [crate::policy::decide::requested_region(
                authz::GIT_PUSH,
                &ctx.region,
            )],
        }),
        _ => None,
    };
    Ok(Granted {
        repo,
        push,
        caller: principal.arn.clone(),
    })
}
