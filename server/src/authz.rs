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
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::context::Context;
use crate::iam::policies::{self as iam_policies, PrincipalDocuments, Source};
use crate::operation::{Authorization, Call, Operation, ServiceError};
use crate::policy::eval::{self, Evaluation, Matched};
use crate::policy::{Decision as Eval, Keys, Kind, Policy};
use crate::principal::{AuthMethod, Identity, Principal};

/// `git fetch` / `git clone`, as IAM names it.
pub const GIT_PULL: &str = "codecommit:GitPull";
/// `git push`, as IAM names it.
pub const GIT_PUSH: &str = "codecommit:GitPush";

/// Where a request came from, for `aws:SourceIp` and `aws:SecureTransport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin {
    pub source_ip: Option<IpAddr>,
    /// HTTPS or SSH (plain HTTP is not).
    pub secure_transport: bool,
}

/// What a caller asks to do: one IAM action on one resource, with the condition keys the
/// request carries (e.g. `codecommit:References`).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `service:Action`, e.g. `iam:CreateUser`.
    pub action: &'a str,
    /// The resource's ARN, or `*`.
    pub resource: &'a str,
    pub context: &'a [(&'static str, Vec<String>)],
    /// The resource's tags, when it has tags this server knows (`aws:ResourceTag/…`).
    pub resource_tags: Option<&'a [(String, String)]>,
}

impl<'a> Request<'a> {
    pub fn new(action: &'a str, resource: &'a str) -> Request<'a> {
        Request {
            action,
            resource,
            context: &[],
            resource_tags: None,
        }
    }
}

/// Why a request was denied: AWS's wording ends the message with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    ExplicitIdentity,
    ImplicitIdentity,
    ExplicitSession,
    ImplicitSession,
    /// A resource of another account.
    OtherAccount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(Denial),
}

impl Decision {
    pub fn allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// AWS's AccessDenied message: "User: ARN is not authorized to perform: ACTION on resource:
/// RESOURCE because no identity-based policy allows the ACTION action".
pub fn denial_message(principal: &Principal, action: &str, resource: &str, why: Denial) -> String {
    let head = format!(
        "User: {} is not authorized to perform: {action} on resource: {resource}",
        principal.arn
    );
    match why {
        Denial::ExplicitIdentity => {
            format!("{head} with an explicit deny in an identity-based policy")
        }
        Denial::ImplicitIdentity => {
            format!("{head} because no identity-based policy allows the {action} action")
        }
        Denial::ExplicitSession => format!("{head} with an explicit deny in a session policy"),
        Denial::ImplicitSession => {
            format!("{head} because no session policy allows the {action} action")
        }
        Denial::OtherAccount => head,
    }
}

/// A principal's parsed policies.
pub struct PolicySet {
    pub identity: Vec<(Source, Policy)>,
    pub session: Option<Vec<(Source, Policy)>>,
    pub role_arn: Option<String>,
}

/// A document that denies everything: what a stored document that no longer parses
/// becomes, so it can never fail open.
fn deny_all() -> Policy {
    crate::policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#,
        Kind::Identity,
    )
    .expect("a valid document")
}

fn parse_all(docs: Vec<(Source, String)>) -> Vec<(Source, Policy)> {
    docs.into_iter()
        .map(|(source, text)| {
            let policy = match crate::iam::aws_policies::by_name(&source.id) {
                Some(p) if source.kind == "aws-managed" => p.parsed().clone(),
                _ => crate::policy::parse(&text, Kind::Identity).unwrap_or_else(|e| {
                    tracing::warn!(policy = %source.id, "stored policy no longer parses ({e}): denying all");
                    deny_all()
                }),
            };
            (source, policy)
        })
        .collect()
}

impl PolicySet {
    pub fn parse(docs: PrincipalDocuments) -> PolicySet {
        PolicySet {
            identity: parse_all(docs.identity),
            session: docs.session.map(parse_all),
            role_arn: docs.role_arn,
        }
    }
}

/// The authorization engine's state: whether it is on, and each principal's parsed
/// policies with the store generation they were read at.
pub struct Authorizer {
    enforced: AtomicBool,
    cache: Mutex<HashMap<String, (u64, Arc<PolicySet>)>>,
}

impl Default for Authorizer {
    fn default() -> Self {
        Authorizer {
            enforced: AtomicBool::new(true),
            cache: Mutex::new(HashMap::new()),
        }
    }
}

/// The most principals whose policies are kept parsed.
const CACHE_LIMIT: usize = 4096;

impl Authorizer {
    pub fn enforced(&self) -> bool {
        self.enforced.load(Ordering::Relaxed)
    }

    pub fn set_enforced(&self, on: bool) {
        self.enforced.store(on, Ordering::Relaxed);
    }

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
        let set = Arc::new(PolicySet::parse(docs));
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, (generation, set.clone()));
        Ok(set)
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

/// The account an ARN names (`arn:partition:service:region:account:…`), if any.
fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    (parts.next() == Some("arn")).then_some(())?;
    parts.nth(3).filter(|a| !a.is_empty())
}

/// The request's condition keys: the principal's, the origin's, the time, the resource's
/// tags and the request's own.
pub fn keys(
    principal: &Principal,
    role_arn: Option<&str>,
    origin: &Origin,
    request: &Request<'_>,
) -> Keys {
    let mut keys = Keys::of_principal(principal, role_arn);
    if let Some(ip) = origin.source_ip {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        keys.set("aws:SourceIp", vec![ip.to_string()]);
    }
    keys.set(
        "aws:SecureTransport",
        vec![origin.secure_transport.to_string()],
    );
    let now = chrono::Utc::now();
    keys.set(
        "aws:CurrentTime",
        vec![now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)],
    );
    keys.set("aws:EpochTime", vec![now.timestamp().to_string()]);
    if let Some(tags) = request.resource_tags {
        keys.resource_tags_known();
        for (k, v) in tags {
            keys.set(&format!("aws:ResourceTag/{k}"), vec![v.clone()]);
        }
    }
    for (k, v) in request.context {
        keys.set(k, v.clone());
    }
    keys
}

/// The full outcome for the simulator and the log: the decision and the statements behind it.
pub struct Outcome {
    pub decision: Decision,
    /// `(source, statement)` of the statements that decided.
    pub matched: Vec<(Source, Matched)>,
}

fn matched_of(set: &[(Source, Policy)], e: &Evaluation) -> Vec<(Source, Matched)> {
    e.matched
        .iter()
        .map(|m| (set[m.policy].0.clone(), m.clone()))
        .collect()
}

/// Evaluates `request` against a policy set (no account or on/off check).
pub fn evaluate(
    set: &PolicySet,
    principal: &Principal,
    origin: &Origin,
    request: &Request<'_>,
) -> Outcome {
    evaluate_with(set, principal, origin, request, &[])
}

/// [`evaluate`], with condition keys given by name (the policy simulator's context entries).
pub fn evaluate_with(
    set: &PolicySet,
    principal: &Principal,
    origin: &Origin,
    request: &Request<'_>,
    extra: &[(String, Vec<String>)],
) -> Outcome {
    let mut keys = keys(principal, set.role_arn.as_deref(), origin, request);
    for (k, v) in extra {
        keys.set(k, v.clone());
    }
    let question = eval::Request {
        action: request.action,
        resource: request.resource,
        keys: &keys,
    };
    let identity = eval::evaluate(set.identity.iter().map(|(_, p)| p), &question);
    if identity.decision == Eval::ExplicitDeny {
        return Outcome {
            decision: Decision::Deny(Denial::ExplicitIdentity),
            matched: matched_of(&set.identity, &identity),
        };
    }
    let session = set
        .session
        .as_ref()
        .map(|s| (s, eval::evaluate(s.iter().map(|(_, p)| p), &question)));
    if let Some((s, e)) = &session
        && e.decision == Eval::ExplicitDeny
    {
        return Outcome {
            decision: Decision::Deny(Denial::ExplicitSession),
            matched: matched_of(s, e),
        };
    }
    if identity.decision != Eval::Allowed {
        return Outcome {
            decision: Decision::Deny(Denial::ImplicitIdentity),
            matched: Vec::new(),
        };
    }
    let mut matched = matched_of(&set.identity, &identity);
    if let Some((s, e)) = &session {
        if e.decision != Eval::Allowed {
            return Outcome {
                decision: Decision::Deny(Denial::ImplicitSession),
                matched: Vec::new(),
            };
        }
        matched.extend(matched_of(s, e));
    }
    Outcome {
        decision: Decision::Allow,
        matched,
    }
}

/// Runs one operation for `principal`: its target, the decision on its action, the handler.
/// The API's pipeline and the web console both call operations only through here, so a
/// button in the console is allowed exactly when the API call behind it is.
pub fn invoke<T: Operation>(
    ctx: &Context,
    principal: &Principal,
    origin: &Origin,
    request: T,
) -> Result<T::Output, T::Error> {
    let permitted = match T::AUTHORIZATION.action() {
        None => true,
        Some(action) => {
            let target = request.target(ctx, principal)?;
            let decision = decide(
                ctx,
                principal,
                origin,
                &Request {
                    action,
                    resource: &target.resource,
                    context: &target.context,
                    resource_tags: target.resource_tags.as_deref(),
                },
            );
            if let Decision::Deny(why) = decision
                && matches!(T::AUTHORIZATION, Authorization::Required(_))
            {
                return Err(T::Error::access_denied(denial_message(
                    principal,
                    action,
                    &target.resource,
                    why,
                )));
            }
            decision.allowed()
        }
    };
    request.handle(&Call {
        ctx,
        principal,
        permitted,
    })
}

/// Decides whether `principal` may do `request`. Reads the store (the principal's policies,
/// cached): call it on a blocking thread.
pub fn decide(
    ctx: &Context,
    principal: &Principal,
    origin: &Origin,
    request: &Request<'_>,
) -> Decision {
    let account = arn_account(request.resource).unwrap_or(&principal.account_id);
    if account != principal.account_id && account != "aws" {
        tracing::debug!(principal = %principal.arn, action = request.action, resource = request.resource, "denied: another account's resource");
        return Decision::Deny(Denial::OtherAccount);
    }
    if !ctx.authorizer.enforced() {
        return Decision::Allow;
    }
    let set = match ctx.authorizer.policies(ctx, principal) {
        Ok(set) => set,
        Err(e) => {
            tracing::error!(principal = %principal.arn, "loading policies failed: {e}");
            return Decision::Deny(Denial::ImplicitIdentity);
        }
    };
    let outcome = evaluate(&set, principal, origin, request);
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
    outcome.decision
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_accounts() {
        assert_eq!(
            arn_account("arn:aws:iam::123456789012:user/a"),
            Some("123456789012")
        );
        assert_eq!(
            arn_account("arn:aws:codecommit:us-east-1:111111111111:demo"),
            Some("111111111111")
        );
        assert_eq!(arn_account("*"), None);
        assert_eq!(
            arn_account("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            Some("aws")
        );
    }

    #[test]
    fn messages_say_why() {
        let p = Principal {
            account_id: "123456789012".into(),
            arn: "arn:aws:iam::123456789012:user/bob".into(),
            identity: Identity::User {
                user_id: "AIDAEXAMPLEEXAMPLE001".into(),
                user_name: "bob".into(),
            },
            method: AuthMethod::AccessKey {
                access_key_id: "AKIAEXAMPLE".into(),
            },
        };
        assert_eq!(
            denial_message(
                &p,
                GIT_PUSH,
                "arn:aws:codecommit:us-east-1:123456789012:demo",
                Denial::ImplicitIdentity
            ),
            "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: codecommit:GitPush on resource: arn:aws:codecommit:us-east-1:123456789012:demo because no identity-based policy allows the codecommit:GitPush action"
        );
    }
}
