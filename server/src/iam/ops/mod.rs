//! IAM's operations (Query API, version 2010-05-08), one file per area: a request type, a
//! handler and the response each. The shapes and helpers they share live here.

pub mod access_keys;
pub mod account_aliases;
pub mod attached;
pub mod credentials;
pub mod groups;
pub mod inline;
pub mod instance_profiles;
pub mod login_profiles;
pub mod oidc_providers;
pub mod owners;
pub mod policies;
pub mod roles;
pub mod simulate;
pub mod ssh_keys;
pub mod users;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::iam::{IamError, users as iam_users};
use crate::operation::model::{Member, NAME, PATH, PATH_PREFIX, WORD};
use crate::operation::{Target, paginate};
use crate::principal::{Identity, Principal};
use crate::store::{UserRow, iam as rows};

pub const USER_NAME: Member = Member::string("UserName", 1, 64, Some(NAME));
/// An existing user's name (the model allows longer names to look up than to create).
pub const EXISTING_USER_NAME: Member = Member::string("UserName", 1, 128, Some(NAME));
pub const PATH_MEMBER: Member = Member::string("Path", 1, 512, Some(PATH));
pub const PREFIX: Member = Member::string("PathPrefix", 1, 512, Some(PATH_PREFIX));
pub const MARKER: Member = Member::string("Marker", 1, 320, None);
pub const MAX_ITEMS: Member = Member::int("MaxItems", 1, 1000);
pub const STATUS: Member = Member::one_of("Status", &["Active", "Inactive", "Expired"]).required();
pub const ACCESS_KEY_ID: Member = Member::string("AccessKeyId", 16, 128, Some(WORD));

/// A list as the Query protocol writes it: one `<member>` element per item.
#[derive(Debug, Serialize)]
pub struct List<T> {
    pub member: Vec<T>,
}

impl<T> From<Vec<T>> for List<T> {
    fn from(member: Vec<T>) -> Self {
        List { member }
    }
}

/// A tag, in requests (`Tags.member.N.Key`) and responses.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

pub fn tag_pairs(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

/// `Tags`, when there are any (IAM leaves the element out otherwise).
pub fn tags_of(tags: &[(String, String)]) -> Option<List<Tag>> {
    (!tags.is_empty()).then(|| {
        List::from(
            tags.iter()
                .map(|(key, value)| Tag {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect::<Vec<_>>(),
        )
    })
}

/// IAM prints dates to the second: `2026-11-26T06:37:24Z`.
pub fn aws_date(stored: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(stored) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Err(_) => stored.to_owned(),
    }
}

/// One page of `items` from `marker`, at most `max_items` (default 100), and the marker of
/// the next page when truncated.
pub fn page<T>(
    items: Vec<T>,
    marker: Option<&str>,
    max_items: Option<i64>,
) -> Result<(Vec<T>, Option<String>), IamError> {
    paginate(items, marker, max_items.unwrap_or(100))
        .map_err(|_| IamError::InvalidInput("Invalid Marker.".into()))
}

/// The user a call names, or the calling user when it names none.
pub fn target_user(
    c: &Connection,
    principal: &Principal,
    name: Option<&str>,
) -> Result<UserRow, IamError> {
    match (name, &principal.identity) {
        (Some(name), _) => iam_users::get(c, &principal.account_id, name),
        (None, Identity::User { user_name, .. }) => {
            iam_users::get(c, &principal.account_id, user_name)
        }
        (None, Identity::AssumedRole { .. }) => Err(IamError::Validation(
            "Must specify userName when calling with non-User credentials".into(),
        )),
    }
}

/// The ARN of the user a call names (the caller when it names none): the stored user's, with
/// its path, or `user/<name>` for a user that does not exist.
pub fn user_target(
    ctx: &Context,
    principal: &Principal,
    name: Option<&str>,
) -> Result<Target, IamError> {
    let Some(name) = name.or(principal.user_name()) else {
        return Ok(Target::arn(principal.arn.clone()));
    };
    let found = ctx
        .store
        .read(|c| rows::find_user_by_name(c, &principal.account_id, name))?;
    Ok(Target::arn(match found {
        Some(user) => user.arn(),
        None => format!("arn:aws:iam::{}:user/{name}", principal.account_id),
    }))
}

/// A status a caller may set: Active or Inactive (the model's `Expired` is IAM's to set).
pub fn settable(status: &str) -> Result<crate::store::CredentialStatus, IamError> {
    crate::store::CredentialStatus::parse(status)
        .ok_or_else(|| IamError::InvalidInput(format!("Invalid status {status}")))
}

/// Percent-encoding as IAM applies it to policy documents (space as `%20`).
pub fn encode_policy(doc: &str) -> String {
    form_urlencoded::byte_serialize(doc.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
