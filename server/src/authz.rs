//! Authorization: the one policy decision point every Git operation and API call passes
//! after authentication, before any object or ref lands.
//!
//! IAM's logic for a caller in its own account: the caller's identity policies (a user's
//! inline and attached policies and its groups', or an assumed role's) are evaluated by the
//! one evaluator ([`crate::policy`]); an explicit `Deny` wins, then an `Allow`, else the
//! request is implicitly denied. A role session issued with session policies gets the
//! intersection: both sets must allow, and a `Deny` in either wins. Resources of another
//! account are denied (this server has no resource-based policies for them). With
//! `--authorization off` every authenticated request is allowed.
//!
//! The parsed policies of each principal are cached and reloaded after any write to the
//! store but bookkeeping ([`crate::store::Store::write_bookkeeping`]: an access key's last
//! use), so a new policy version takes effect on the next request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::context::Context;
use crate::iam::policies as iam_policies;
use crate::operation::{Authorization, Call, Operation, ServiceError};
use crate::policy::decide;
pub use crate::policy::decide::{
    Decision, Denial, GIT_PULL, GIT_PUSH, IdentitySide, Origin, PolicySet, Request, denial_message,
};
use crate::principal::{AuthMethod, Identity, Principal};

/// The decision point's state: each principal's parsed policies with the store generation
/// they were read at. Whether policies are enforced at all is the context's
/// (`Context::policies_enforced`).
#[derive(Default)]
pub struct Authorizer {
    cache: Mutex<HashMap<String, (u64, Arc<PolicySet>)>>,
}

/// The most principals whose policies are kept parsed.
const CACHE_LIMIT: usize = 4096;

impl Authorizer {
    /// The principal's policies, from the cache when nothing was written since they were
    /// read. Reads the store: call it on a blocking thread.
    pub fn policies(&self, ctx: &Context, principal: &Principal) -> Result<Arc<PolicySet>, String> {
        let (key, session_key) = cache_key(principal);
        let generation = ctx.store.generation();
        if let Some((g, set)) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            && *g == generation
        {
            return Ok(set.clone());
        }
        let docs = ctx
            .store
            .read(|c| match &principal.identity {
                Identity::User { user_id, .. } => {
                    iam_policies::user_documents(c, &principal.account_id, user_id)
                }
                Identity::AssumedRole { role_id, .. } => iam_policies::role_session_documents(
                    c,
                    &principal.account_id,
                    role_id,
                    session_key.as_deref(),
                ),
            })
            .map_err(|e| e.to_string())?;
        tracing::debug!(principal = %principal.arn, generation, "policies loaded");
        let set = Arc::new(docs.parse());
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, (generation, set.clone()));
        Ok(set)
    }

    /// Runs one operation for `principal`: its target, the decision on its action, the handler.
    /// The API's pipeline and the web console both call operations only through here, so a
    /// button in the console is allowed exactly when the API call behind it is.
    pub fn invoke<T: Operation>(
        &self,
        ctx: &Context,
        principal: &Principal,
        origin: &Origin,
        request: T,
    ) -> Result<T::Output, T::Error> {
        let identity = match T::AUTHORIZATION.action() {
            None => IdentitySide::ALLOWED,
            Some(action) => {
                let target = request.target(ctx, principal)?;
                let mut first = None;
                // A batch's every resource is decided; the first refused refuses the call.
                for t in target.resources() {
                    let identity = self.identity_side(
                        ctx,
                        principal,
                        origin,
                        &Request {
                            action,
                            resource: &t.resource,
                            context: &t.context,
                            resource_tags: t.resource_tags.as_deref(),
                        },
                    );
                    if let Decision::Deny(why) = identity.decision
                        && matches!(T::AUTHORIZATION, Authorization::Required(_))
                    {
                        return Err(T::Error::access_denied(denial_message(
                            principal,
                            action,
                            &t.resource,
                            why,
                        )));
                    }
                    first.get_or_insert(identity);
                }
                first.unwrap_or(IdentitySide::ALLOWED)
            }
        };
        request.handle(&Call {
            ctx,
            principal,
            identity,
            origin: *origin,
        })
    }

    /// Decides whether `principal` may do `request`. Reads the store (the principal's policies,
    /// cached): call it on a blocking thread.
    pub fn decide(
        &self,
        ctx: &Context,
        principal: &Principal,
        origin: &Origin,
        request: &Request<'_>,
    ) -> Decision {
        self.identity_side(ctx, principal, origin, request).decision
    }

    /// [`Self::decide`], with whether the session policies allow the request on their own,
    /// for an operation whose resource-based policy decides with the identity side.
    pub fn identity_side(
        &self,
        ctx: &Context,
        principal: &Principal,
        origin: &Origin,
        request: &Request<'_>,
    ) -> IdentitySide {
        if decide::other_account(principal, request) {
            tracing::debug!(principal = %principal.arn, action = request.action, resource = request.resource, "denied: another account's resource");
            return IdentitySide::refused(Denial::OtherAccount);
        }
        if !ctx.policies_enforced {
            return IdentitySide::ALLOWED;
        }
        let set = match self.policies(ctx, principal) {
            Ok(set) => set,
            Err(e) => {
                tracing::error!(principal = %principal.arn, "loading policies failed: {e}");
                return IdentitySide::refused(Denial::ImplicitIdentity);
            }
        };
        let region = [decide::requested_region(request.action, &ctx.region)];
        let outcome = decide::evaluate_with(&set, principal, origin, request, &region);
        if tracing::enabled!(tracing::Level::DEBUG) {
            let statements: Vec<String> = outcome
                .matched
                .iter()
                .map(|(s, m)| match &m.sid {
                    Some(sid) => format!("{} ({}) statement {} {sid:?}", s.id, s.kind, m.statement),
                    None => format!("{} ({}) statement {}", s.id, s.kind, m.statement),
                })
                .collect();
            tracing::debug!(
                principal = %principal.arn,
                action = request.action,
                resource = request.resource,
                decision = ?outcome.decision,
                statements = ?statements,
                "authorization"
            );
        }
        outcome.identity_side()
    }
}

/// The cache key of a principal's policy set, and the session's access key for a role
/// session (its session policies are its own).
fn cache_key(principal: &Principal) -> (String, Option<String>) {
    match (&principal.identity, &principal.method) {
        (Identity::User { user_id, .. }, _) => (format!("user:{user_id}"), None),
        (Identity::AssumedRole { role_id, .. }, AuthMethod::SessionToken { access_key_id, .. }) => {
            (
                format!("role:{role_id}:{access_key_id}"),
                Some(access_key_id.clone()),
            )
        }
        (Identity::AssumedRole { role_id, .. }, _) => (format!("role:{role_id}"), None),
    }
}
