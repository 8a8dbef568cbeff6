//! The contract every AWS operation implements, whatever protocol carries it.
//!
//! An operation is a type: its request struct (deserialised by the protocol codec), a
//! handler from the caller and that request to a response struct (serialised by the codec)
//! or the service's error, and a declaration of what IAM needs to decide the call: the
//! action, the resource the request names, and its condition keys. The transport's pipeline
//! authenticates, decodes, asks [`crate::authz::decide`] with exactly that declaration, and
//! only then runs the handler; the domain modules (`iam`, `sts`, `codecommit`) hold the
//! operations, and know nothing of HTTP, XML or JSON.

pub mod model;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::Context;
use crate::policy::decide::{IdentitySide, Origin};
use crate::principal::Principal;

/// What the pipeline does with the identity-policy decision for an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    /// No IAM action is evaluated: AWS lets anyone who authenticates call it
    /// (GetCallerIdentity, GetSessionToken).
    None,
    /// The action must be allowed on the operation's target before the handler runs.
    Required(&'static str),
    /// The handler combines the decision with a resource-based policy (AssumeRole and the
    /// role's trust policy): [`Call::identity`] carries the identity side.
    WithResourcePolicy(&'static str),
}

impl Authorization {
    /// The IAM action, e.g. `iam:CreateUser`.
    pub fn action(self) -> Option<&'static str> {
        match self {
            Authorization::None => None,
            Authorization::Required(a) | Authorization::WithResourcePolicy(a) => Some(a),
        }
    }
}

/// The resource a request names, as IAM sees it, with its condition-context values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// An ARN, or `*`.
    pub resource: String,
    /// Condition keys and their values, e.g. `codecommit:References`.
    pub context: Vec<(String, Vec<String>)>,
    /// The resource's tags (`aws:ResourceTag/…`), when the resource exists and has tags
    /// this server keeps (repositories).
    pub resource_tags: Option<Vec<(String, String)>>,
    /// The further resources a batch operation names: the action is decided on each, and
    /// one refused refuses the request (as IAM authorizes every resource a request names).
    pub more: Vec<Target>,
}

impl Target {
    /// The whole account (`*`).
    pub fn any() -> Target {
        Target::arn("*")
    }

    pub fn arn(arn: impl Into<String>) -> Target {
        Target {
            resource: arn.into(),
            context: Vec::new(),
            resource_tags: None,
            more: Vec::new(),
        }
    }

    /// Every one of `targets` (a batch operation's resources); the account (`*`) when there
    /// are none (the handler then refuses the request for naming none).
    pub fn each(targets: impl IntoIterator<Item = Target>) -> Target {
        let mut targets = targets.into_iter();
        let Some(mut first) = targets.next() else {
            return Target::any();
        };
        first.more.extend(targets);
        first
    }

    /// This resource and the further ones a batch names.
    pub fn resources(&self) -> impl Iterator<Item = &Target> {
        std::iter::once(self).chain(&self.more)
    }

    /// Adds a condition key with its values.
    pub fn with(mut self, key: impl Into<String>, values: Vec<String>) -> Target {
        self.context.push((key.into(), values));
        self
    }

    /// The tags a creating or tagging request carries: `aws:RequestTag/<key>` for each, and
    /// `aws:TagKeys` (left out when there are none: the key is then absent, as on AWS).
    pub fn with_request_tags<'t>(
        mut self,
        tags: impl IntoIterator<Item = (&'t str, &'t str)>,
    ) -> Target {
        let mut keys = Vec::new();
        for (k, v) in tags {
            self.context
                .push((format!("aws:RequestTag/{k}"), vec![v.to_owned()]));
            keys.push(k.to_owned());
        }
        self.with_tag_keys(keys.iter().map(String::as_str))
    }

    /// The tag keys an untagging request names (`aws:TagKeys`; left out when none).
    pub fn with_tag_keys<'t>(self, keys: impl IntoIterator<Item = &'t str>) -> Target {
        let keys: Vec<String> = keys.into_iter().map(str::to_owned).collect();
        if keys.is_empty() {
            return self;
        }
        self.with("aws:TagKeys", keys)
    }
}

/// What a handler is given: the server, the authenticated caller and the identity-policy
/// decision for this call.
pub struct Call<'a> {
    pub ctx: &'a Context,
    pub principal: &'a Principal,
    /// What the caller's identity and session policies say of the operation's action on its
    /// target. Always allowed for [`Authorization::Required`] operations (the pipeline
    /// refused the call otherwise); a [`Authorization::WithResourcePolicy`] handler combines
    /// it with the resource-based policy.
    pub identity: IdentitySide,
    /// Where the request came from (`aws:SourceIp`, `aws:SecureTransport`), for the
    /// resource-based policies a handler evaluates (a role's trust policy).
    pub origin: Origin,
}

/// A service's error: its AWS code and HTTP status; the protocol renders it in one place.
pub trait ServiceError: std::error::Error + Sized {
    /// The AWS error code (`NoSuchEntity`, `RepositoryDoesNotExistException`).
    fn code(&self) -> &str;
    fn status(&self) -> u16;
    /// `Sender` (the caller's fault) or `Receiver` (the service's), as the Query protocol says.
    fn sender_fault(&self) -> bool {
        self.status() < 500
    }
    /// What an internal failure came from: for the server log, never for the client.
    fn detail(&self) -> Option<&str> {
        None
    }
    /// The refusal when IAM's policies do not allow the call (`message` says who, what, on
    /// which resource and why, in AWS's words).
    fn access_denied(message: String) -> Self;
    /// A request that does not satisfy the model's constraints (all violations, one message).
    fn validation(message: String) -> Self;
    /// A request body this protocol cannot read into the operation's request type.
    fn malformed(message: String) -> Self;
}

/// One AWS operation.
pub trait Operation: DeserializeOwned + Send + 'static {
    /// The wire name (`Action=` or the `X-Amz-Target` suffix), as IAM names it too.
    const NAME: &'static str;
    /// The IAM action and how the pipeline applies it.
    const AUTHORIZATION: Authorization;
    /// The request members' constraints from the botocore model, checked before the request
    /// is decoded (Query protocol).
    const MEMBERS: &'static [model::Member] = &[];
    /// Whether the handler's work is small and bounded: it reads a few store rows (a page
    /// at most), never opens a repository, hashes a password or calls out. The API then runs
    /// it on the task that read the request instead of handing it to a blocking thread and
    /// back: on a 2-core machine those two wake-ups were half of such a call's round trip
    /// (GetRepository 0.52 → 0.27 ms, median).
    const LIGHT: bool = false;

    type Output: Serialize;
    type Error: ServiceError;

    /// The resource this request acts on (default: the whole account).
    fn target(&self, _ctx: &Context, _principal: &Principal) -> Result<Target, Self::Error> {
        Ok(Target::any())
    }

    fn handle(self, call: &Call<'_>) -> Result<Self::Output, Self::Error>;
}

/// An operation AWS accepts unsigned, whose request carries its own proof
/// (AssumeRoleWithWebIdentity's token): no caller, no identity-policy decision.
pub trait UnsignedOperation: DeserializeOwned + Send + 'static {
    const NAME: &'static str;
    const MEMBERS: &'static [model::Member] = &[];

    type Output: Serialize;
    type Error: ServiceError;

    fn handle(self, ctx: &Context) -> Result<Self::Output, Self::Error>;
}

/// A response with no members (AWS sends only the response metadata).
#[derive(Debug, Default, Serialize)]
pub struct Empty {}

/// A pagination token this server did not issue.
#[derive(Debug)]
pub struct BadToken;

/// One page of `items` starting at the opaque position `token`, at most `size` long, and
/// the token of the next page when there is one.
pub fn paginate<T>(
    items: Vec<T>,
    token: Option<&str>,
    size: i64,
) -> Result<(Vec<T>, Option<String>), BadToken> {
    let (start, size) = (offset(token)?, size.max(1) as usize);
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    Ok((page, next_token(start, size, total)))
}

/// [`paginate`] of a kept answer: the page is copied out of it.
pub fn paginate_kept<T: Clone>(
    items: &[T],
    token: Option<&str>,
    size: i64,
) -> Result<(Vec<T>, Option<String>), BadToken> {
    let (start, size) = (offset(token)?, size.max(1) as usize);
    let page = items.iter().skip(start).take(size).cloned().collect();
    Ok((page, next_token(start, size, items.len())))
}

fn next_token(start: usize, size: usize, total: usize) -> Option<String> {
    (start.saturating_add(size) < total).then(|| token_at(start + size))
}

/// The token of the page that starts at `offset` (for listings paged in SQL).
pub fn token_at(offset: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("offset:{offset}"))
}

/// Where a page starts: 0, or the offset a token of ours names.
pub fn offset(token: Option<&str>) -> Result<usize, BadToken> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    Ok(match token {
        None => 0,
        Some(t) => engine
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.strip_prefix("offset:")
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .ok_or(BadToken)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_tokens() {
        let (first, next) = paginate((0..5).collect(), None, 2).unwrap();
        assert_eq!(first, vec![0, 1]);
        let (second, next) = paginate((0..5).collect(), next.as_deref(), 2).unwrap();
        assert_eq!(second, vec![2, 3]);
        let (third, next) = paginate((0..5).collect::<Vec<i32>>(), next.as_deref(), 2).unwrap();
        assert_eq!((third, next), (vec![4], None));
        assert!(paginate(vec![1], Some("garbage"), 10).is_err());
    }
}
