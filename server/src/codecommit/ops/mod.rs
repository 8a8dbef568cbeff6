//! CodeCommit's operations (JSON 1.1, `CodeCommit_20150413`), one file per area: a request
//! type, a handler and the response each. Requests keep members optional where CodeCommit
//! answers a missing member with its own `…RequiredException`, which the handler raises.

pub mod approval_templates;
pub mod approvals;
pub mod branches;
pub mod browse;
pub mod comments;
pub mod commits;
pub mod differences;
pub mod files;
pub mod merges;
pub mod pull_requests;
pub mod repositories;
pub mod tags;
pub mod triggers;

use base64::Engine;

use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::{content, manage};
use crate::context::Context;
use crate::operation::{Call, ServiceError, Target, paginate};
use crate::principal::{Identity, Principal};
use crate::store::RepositoryRow;
use crate::store::pull_requests::PullRequestRow;

/// Page sizes.
pub const DEFAULT_MAX_RESULTS: i64 = 100;

/// The ARN of the repository `name` in the caller's account and this server's region.
pub fn repository_arn(ctx: &Context, principal: &Principal, name: &str) -> String {
    format!(
        "arn:aws:codecommit:{}:{}:{name}",
        ctx.region, principal.account_id
    )
}

/// The repository a request names, with its tags (`aws:ResourceTag/…`) when IAM policies
/// are enforced (a repository that does not exist has none).
pub fn repository_target(ctx: &Context, principal: &Principal, name: Option<&str>) -> Target {
    let name = name.unwrap_or_default();
    let mut target = Target::arn(repository_arn(ctx, principal, name));
    // A store failure leaves the tags unknown: conditions on them then never fail open.
    target.resource_tags =
        crate::codecommit::repositories::resource_tags(ctx, &principal.account_id, name)
            .ok()
            .flatten();
    target
}

/// The repository a request names, with the branch it writes as `codecommit:References`.
pub fn branch_target(
    ctx: &Context,
    principal: &Principal,
    name: Option<&str>,
    branch: Option<&str>,
) -> Target {
    let target = repository_target(ctx, principal, name);
    match branch {
        Some(b) if !b.is_empty() => {
            target.with("codecommit:References", vec![format!("refs/heads/{b}")])
        }
        _ => target,
    }
}

/// The pull request a request names.
pub fn pr(call: &Call<'_>, id: Option<&str>) -> Result<PullRequestRow, E> {
    crate::codecommit::pull_requests::get(call.ctx, &call.principal.account_id, id)
}

/// The repository a pull request belongs to (the account when it does not exist), and its
/// destination branch for the merges.
pub fn pull_request_target(
    ctx: &Context,
    principal: &Principal,
    id: Option<&str>,
    with_destination: bool,
) -> Target {
    match crate::codecommit::pull_requests::get(ctx, &principal.account_id, id) {
        Ok(p) if with_destination => branch_target(
            ctx,
            principal,
            Some(&p.repository_name),
            p.destination_reference.strip_prefix("refs/heads/"),
        ),
        Ok(p) => repository_target(ctx, principal, Some(&p.repository_name)),
        Err(_) => Target::arn(repository_arn(ctx, principal, "*")),
    }
}

/// A tagging request's tags as `aws:RequestTag/…` values (a value that is not a string,
/// which the handler then refuses, as an empty one).
pub fn request_tags(
    tags: &Option<std::collections::BTreeMap<String, serde_json::Value>>,
) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().flatten().map(|(k, v)| match v {
        serde_json::Value::String(s) => (k.as_str(), s.as_str()),
        _ => (k.as_str(), ""),
    })
}

/// The named repository of the caller's account (RepositoryNameRequired, InvalidRepositoryName,
/// RepositoryDoesNotExist).
pub fn repository(
    ctx: &Context,
    principal: &Principal,
    name: Option<&str>,
) -> Result<RepositoryRow, E> {
    manage::get(ctx, &principal.account_id, name.unwrap_or_default())
}

/// A commit specifier that is a full commit ID as written (40 lowercase hex digits), the form
/// under which a kept listing ([`crate::git::listings`]) is found without opening the
/// repository: an ID a listing was computed for named a commit, and commits never change.
pub fn literal_commit_id(spec: &str) -> Option<&str> {
    (spec.len() == 40 && spec.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then_some(spec)
}

/// The named repository's Git repository, for the operations that only read it.
pub fn open<'a>(call: &Call<'a>, name: Option<&str>) -> Result<crate::git::handles::Handle<'a>, E> {
    let row = repository(call.ctx, call.principal, name)?;
    content::open(call.ctx, &row)
}

/// One page and the next token, with CodeCommit's error for a token it did not issue.
pub fn page<T>(
    items: Vec<T>,
    token: Option<&str>,
    size: i64,
) -> Result<(Vec<T>, Option<String>), E> {
    paginate(items, token, size).map_err(|_| E::invalid_continuation_token())
}

/// [`page`] of a kept answer (see [`crate::git::listings`]).
pub fn page_kept<T: Clone>(
    items: &[T],
    token: Option<&str>,
    size: i64,
) -> Result<(Vec<T>, Option<String>), E> {
    crate::operation::paginate_kept(items, token, size).map_err(|_| E::invalid_continuation_token())
}

/// `maxResults` (default 100), at least 1.
pub fn max_results(requested: Option<i64>) -> Result<i64, E> {
    max_results_up_to(requested, DEFAULT_MAX_RESULTS, i64::MAX)
}

/// `maxResults` of an operation whose pages have a ceiling: `default` when absent, else
/// from 1 to `max`.
pub fn max_results_up_to(requested: Option<i64>, default: i64, max: i64) -> Result<i64, E> {
    match requested {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(E::invalid_max_results()),
    }
}

/// CodeCommit's timestamps: seconds since the epoch, with milliseconds.
pub fn epoch(ts: &str) -> Option<f64> {
    chrono::DateTime::parse_from_rfc3339(ts)
        .ok()
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
}

/// A base64 blob member.
pub fn blob(value: Option<&str>, member: &str) -> Result<Option<Vec<u8>>, E> {
    value
        .map(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| E::malformed(format!("{member} is not valid base64")))
        })
        .transpose()
}

/// The name API commits are authored by when the request names none.
pub fn caller_name(p: &Principal) -> String {
    match &p.identity {
        Identity::User { user_name, .. } => user_name.clone(),
        Identity::AssumedRole { session_name, .. } => session_name.clone(),
    }
}
