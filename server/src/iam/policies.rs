//! IAM's policy rules: managed policies (AWS's, compiled in, and the account's own with up to
//! five versions), their attachment to users, groups and roles, and inline policies, with
//! IAM's limits and messages. Every document is validated with the one policy parser before
//! anything is stored.

use rusqlite::Connection;

use crate::iam::IamError;
use crate::iam::aws_policies::{self, AwsPolicy};
use crate::iam::ids::IdKind;
use crate::policy::decide::PolicySet;
use crate::policy::{self, Kind, Policy};
use crate::store::now_timestamp;
use crate::store::policies::{self as rows, ManagedPolicyRow, OwnerKind, PolicyVersionRow};

/// Versions a customer managed policy may have.
pub const MAX_VERSIONS: usize = 5;
/// Managed policies attached to one user, group or role.
pub const MAX_ATTACHED: usize = 10;
/// Characters of a managed policy document (whitespace not counted).
pub const MAX_MANAGED_SIZE: usize = 6144;

/// A managed policy: AWS's or the account's.
pub enum Managed {
    Aws(&'static AwsPolicy),
    Customer(ManagedPolicyRow),
}

impl Managed {
    pub fn arn(&self) -> String {
        match self {
            Managed::Aws(p) => p.arn(),
            Managed::Customer(p) => p.arn(),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Managed::Aws(p) => p.name,
            Managed::Customer(p) => &p.policy_name,
        }
    }
}

/// IAM's check of a document before it is stored: `MalformedPolicyDocument` with IAM's
/// message when it does not parse as a policy of `kind`.
pub fn validate(document: &str, kind: Kind) -> Result<policy::Policy, IamError> {
    policy::parse(document, kind).map_err(|e| IamError::MalformedPolicyDocument(e.0))
}

/// The size IAM counts: characters other than whitespace.
fn size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

fn not_found(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("Policy {arn} was not found."))
}

/// The managed policy `arn` names in `account_id` (or AWS's).
pub fn find(c: &Connection, account_id: &str, arn: &str) -> Result<Managed, IamError> {
    if let Some(p) = aws_policies::by_arn(arn) {
        return Ok(Managed::Aws(p));
    }
    let prefix = format!("arn:aws:iam::{account_id}:policy/");
    let name = arn
        .strip_prefix(&prefix)
        .map(|rest| rest.rsplit('/').next().unwrap_or(rest))
        .ok_or_else(|| not_found(arn))?;
    rows::find_policy_by_name(c, account_id, name)?
        .filter(|p| p.arn() == arn)
        .map(Managed::Customer)
        .ok_or_else(|| not_found(arn))
}

/// A customer managed policy (AWS's cannot be changed).
fn customer(c: &Connection, account_id: &str, arn: &str) -> Result<ManagedPolicyRow, IamError> {
    match find(c, account_id, arn)? {
        Managed::Customer(p) => Ok(p),
        Managed::Aws(_) => Err(IamError::InvalidInput(format!(
            "Policy {arn} is an AWS managed policy and cannot be modified."
        ))),
    }
}

pub struct NewPolicy<'a> {
    pub account_id: &'a str,
    pub name: &'a str,
    pub path: &'a str,
    pub description: Option<&'a str>,
    pub document: &'a str,
    pub tags: &'a [(String, String)],
}

/// CreatePolicy: version `v1`, the default.
pub fn create(c: &Connection, p: &NewPolicy<'_>) -> Result<ManagedPolicyRow, IamError> {
    validate(p.document, Kind::Identity)?;
    check_managed_size(p.document)?;
    if rows::find_policy_by_name(c, p.account_id, p.name)?.is_some() {
        return Err(IamError::EntityAlreadyExists(format!(
            "A policy called {} already exists. Duplicate names are not allowed.",
            p.name
        )));
    }
    let now = now_timestamp();
    let row = ManagedPolicyRow {
        policy_id: IdKind::Policy.generate(),
        account_id: p.account_id.to_owned(),
        policy_name: p.name.to_owned(),
        path: p.path.to_owned(),
        description: p.description.map(str::to_owned),
        default_version: 1,
        next_version: 1,
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    rows::insert_policy(c, &row)?;
    rows::insert_version(c, &row.policy_id, 1, p.document, &now)?;
    for (k, v) in p.tags {
        rows::insert_policy_tag(c, &row.policy_id, k, v)?;
    }
    Ok(ManagedPolicyRow {
        next_version: 2,
        ..row
    })
}

fn check_managed_size(document: &str) -> Result<(), IamError> {
    if size(document) > MAX_MANAGED_SIZE {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for PolicySize: {MAX_MANAGED_SIZE}"
        )));
    }
    Ok(())
}

/// `v3` → 3.
pub fn parse_version_id(id: &str) -> Option<i64> {
    id.strip_prefix('v')?.parse().ok().filter(|n| *n > 0)
}

pub fn version_id(n: i64) -> String {
    format!("v{n}")
}

/// CreatePolicyVersion: at most five versions; the new one optionally the default.
pub fn create_version(
    c: &Connection,
    account_id: &str,
    arn: &str,
    document: &str,
    set_as_default: bool,
) -> Result<(ManagedPolicyRow, PolicyVersionRow), IamError> {
    let p = customer(c, account_id, arn)?;
    validate(document, Kind::Identity)?;
    check_managed_size(document)?;
    if rows::versions(c, &p.policy_id)?.len() >= MAX_VERSIONS {
        return Err(IamError::LimitExceeded(format!(
            "A managed policy can have up to {MAX_VERSIONS} versions. Before you create a new \
             version, you must delete an existing version."
        )));
    }
    let now = now_timestamp();
    let version = p.next_version;
    rows::insert_version(c, &p.policy_id, version, document, &now)?;
    if set_as_default {
        rows::set_default_version(c, &p.policy_id, version, &now)?;
    }
    let p = customer(c, account_id, arn)?;
    let v = rows::find_version(c, &p.policy_id, version)?.ok_or_else(|| not_found(arn))?;
    Ok((p, v))
}

fn no_version(arn: &str, id: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "Policy {arn} version {id} does not exist or is not attachable."
    ))
}

/// A version of a managed policy: `(document, created_at, is_default)`.
pub fn version(
    c: &Connection,
    account_id: &str,
    arn: &str,
    id: &str,
) -> Result<(String, String, bool), IamError> {
    match find(c, account_id, arn)? {
        Managed::Aws(p) if p.version == id => {
            Ok((p.document.to_owned(), p.updated.to_owned(), true))
        }
        Managed::Aws(_) => Err(no_version(arn, id)),
        Managed::Customer(p) => {
            let n = parse_version_id(id).ok_or_else(|| no_version(arn, id))?;
            let v = rows::find_version(c, &p.policy_id, n)?.ok_or_else(|| no_version(arn, id))?;
            Ok((v.document, v.created_at, p.default_version == n))
        }
    }
}

/// ListPolicyVersions, newest first: `(version, created_at, is_default)`.
pub fn versions(
    c: &Connection,
    account_id: &str,
    arn: &str,
) -> Result<Vec<(String, String, bool)>, IamError> {
    Ok(match find(c, account_id, arn)? {
        Managed::Aws(p) => vec![(p.version.to_owned(), p.updated.to_owned(), true)],
        Managed::Customer(p) => rows::versions(c, &p.policy_id)?
            .into_iter()
            .map(|v| {
                (
                    version_id(v.version),
                    v.created_at,
                    v.version == p.default_version,
                )
            })
            .collect(),
    })
}

/// A customer managed policy and the number of its version `id` (which must exist).
fn customer_version(
    c: &Connection,
    account_id: &str,
    arn: &str,
    id: &str,
) -> Result<(ManagedPolicyRow, i64), IamError> {
    let p = customer(c, account_id, arn)?;
    let n = parse_version_id(id).ok_or_else(|| no_version(arn, id))?;
    rows::find_version(c, &p.policy_id, n)?.ok_or_else(|| no_version(arn, id))?;
    Ok((p, n))
}

pub fn set_default_version(
    c: &Connection,
    account_id: &str,
    arn: &str,
    id: &str,
) -> Result<(), IamError> {
    let (p, n) = customer_version(c, account_id, arn, id)?;
    rows::set_default_version(c, &p.policy_id, n, &now_timestamp())?;
    Ok(())
}

pub fn delete_version(
    c: &Connection,
    account_id: &str,
    arn: &str,
    id: &str,
) -> Result<(), IamError> {
    let (p, n) = customer_version(c, account_id, arn, id)?;
    if n == p.default_version {
        return Err(IamError::DeleteConflict(
            "Cannot delete the default version of a policy.".into(),
        ));
    }
    rows::delete_version(c, &p.policy_id, n)?;
    Ok(())
}

/// DeletePolicy: refused while attached or while it has versions besides the default.
pub fn delete(c: &Connection, account_id: &str, arn: &str) -> Result<(), IamError> {
    let p = customer(c, account_id, arn)?;
    if rows::attachment_count(c, arn)? > 0 {
        return Err(IamError::DeleteConflict(
            "Cannot delete a policy attached to entities.".into(),
        ));
    }
    if rows::versions(c, &p.policy_id)?.len() > 1 {
        return Err(IamError::DeleteConflict(
            "This policy has more than one version. Before you delete a policy, you must delete \
             the policy's versions. The default version is deleted with the policy."
                .into(),
        ));
    }
    rows::delete_policy(c, &p.policy_id)?;
    Ok(())
}

/// The document a managed policy's default version holds.
pub fn default_document(c: &Connection, p: &Managed) -> Result<String, IamError> {
    match p {
        Managed::Aws(p) => Ok(p.document.to_owned()),
        Managed::Customer(p) => Ok(rows::find_version(c, &p.policy_id, p.default_version)?
            .map(|v| v.document)
            .unwrap_or_default()),
    }
}

fn quota_name(kind: OwnerKind) -> &'static str {
    match kind {
        OwnerKind::User => "PoliciesPerUser",
        OwnerKind::Group => "PoliciesPerGroup",
        OwnerKind::Role => "PoliciesPerRole",
    }
}

/// Attach{User,Group,Role}Policy.
pub fn attach(
    c: &Connection,
    account_id: &str,
    kind: OwnerKind,
    owner_id: &str,
    arn: &str,
) -> Result<(), IamError> {
    find(c, account_id, arn).map_err(|_| {
        IamError::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
    })?;
    let attached = rows::attached(c, kind, owner_id)?;
    if attached.iter().any(|a| a == arn) {
        return Ok(());
    }
    if attached.len() >= MAX_ATTACHED {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for {}: {MAX_ATTACHED}",
            quota_name(kind)
        )));
    }
    rows::attach(c, kind, owner_id, arn)?;
    Ok(())
}

/// Detach{User,Group,Role}Policy.
pub fn detach(c: &Connection, kind: OwnerKind, owner_id: &str, arn: &str) -> Result<(), IamError> {
    if !rows::detach(c, kind, owner_id, arn)? {
        return Err(not_found(arn));
    }
    Ok(())
}

/// `(name, arn)` of the managed policies attached to an owner.
pub fn attached(
    c: &Connection,
    account_id: &str,
    kind: OwnerKind,
    owner_id: &str,
) -> Result<Vec<(String, String)>, IamError> {
    let mut out = Vec::new();
    for arn in rows::attached(c, kind, owner_id)? {
        let name = match find(c, account_id, &arn) {
            Ok(p) => p.name().to_owned(),
            Err(_) => arn.rsplit('/').next().unwrap_or(&arn).to_owned(),
        };
        out.push((name, arn));
    }
    Ok(out)
}

/// The most an owner's inline policies may hold together (characters, whitespace not
/// counted): users 2,048, groups 5,120, roles 10,240.
fn inline_quota(kind: OwnerKind) -> usize {
    match kind {
        OwnerKind::User => 2048,
        OwnerKind::Group => 5120,
        OwnerKind::Role => 10240,
    }
}

/// Put{User,Group,Role}Policy: creates or replaces the inline policy `name`.
pub fn put_inline(
    c: &Connection,
    kind: OwnerKind,
    owner_id: &str,
    owner_name: &str,
    name: &str,
    document: &str,
) -> Result<(), IamError> {
    validate(document, Kind::Identity)?;
    let others: usize = rows::inline(c, kind, owner_id)?
        .iter()
        .filter(|(n, _)| n != name)
        .map(|(_, d)| size(d))
        .sum();
    let quota = inline_quota(kind);
    if others + size(document) > quota {
        return Err(IamError::LimitExceeded(format!(
            "Maximum policy size of {quota} bytes exceeded for {} {owner_name}",
            kind.as_str()
        )));
    }
    rows::put_inline(c, kind, owner_id, name, document)?;
    Ok(())
}

fn no_inline(kind: OwnerKind, name: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The {} policy with name {name} cannot be found.",
        kind.as_str()
    ))
}

pub fn get_inline(
    c: &Connection,
    kind: OwnerKind,
    owner_id: &str,
    name: &str,
) -> Result<(String, String), IamError> {
    rows::find_inline(c, kind, owner_id, name)?.ok_or_else(|| no_inline(kind, name))
}

pub fn delete_inline(
    c: &Connection,
    kind: OwnerKind,
    owner_id: &str,
    name: &str,
) -> Result<(), IamError> {
    if !rows::delete_inline(c, kind, owner_id, name)? {
        return Err(no_inline(kind, name));
    }
    Ok(())
}

/// DeleteUser, DeleteGroup and DeleteRole refuse while policies remain.
pub fn refuse_delete_with_policies(
    c: &Connection,
    kind: OwnerKind,
    owner_id: &str,
) -> Result<(), IamError> {
    let (inline, attached) = rows::has_policies(c, kind, owner_id)?;
    if inline {
        return Err(IamError::DeleteConflict(
            "Cannot delete entity, must delete policies first.".into(),
        ));
    }
    if attached {
        return Err(IamError::DeleteConflict(
            "Cannot delete entity, must detach all policies first.".into(),
        ));
    }
    Ok(())
}

pub use crate::policy::decide::Source;

/// The documents that decide what a principal may do.
#[derive(Debug, Clone, Default)]
pub struct PrincipalDocuments {
    /// Identity policies: inline and attached, of the user and its groups, or of the role.
    pub identity: Vec<(Source, String)>,
    /// An assumed-role session's session policies (`Policy`, `PolicyArns`), when it was
    /// issued with any: the session gets the intersection.
    pub session: Option<Vec<(Source, String)>>,
    /// The role's ARN, for a role session (`aws:PrincipalArn`).
    pub role_arn: Option<String>,
}

pub fn owner_documents(
    c: &Connection,
    account_id: &str,
    kind: OwnerKind,
    owner_id: &str,
    out: &mut Vec<(Source, String)>,
) -> Result<(), IamError> {
    for (name, document) in rows::inline(c, kind, owner_id)? {
        out.push((
            Source {
                id: name,
                kind: kind.as_str(),
            },
            document,
        ));
    }
    for arn in rows::attached(c, kind, owner_id)? {
        out.push(managed_document(c, account_id, &arn)?);
    }
    Ok(())
}

/// A managed policy's default document, by ARN. A policy that no longer exists grants
/// nothing (its document is empty and fails to parse: the evaluator denies for it).
fn managed_document(
    c: &Connection,
    account_id: &str,
    arn: &str,
) -> Result<(Source, String), IamError> {
    Ok(match find(c, account_id, arn) {
        Ok(p @ Managed::Aws(_)) => (
            Source {
                id: p.name().to_owned(),
                kind: "aws-managed",
            },
            default_document(c, &p)?,
        ),
        Ok(p @ Managed::Customer(_)) => (
            Source {
                id: p.name().to_owned(),
                kind: "user-managed",
            },
            default_document(c, &p)?,
        ),
        Err(IamError::NoSuchEntity(_)) => (
            Source {
                id: arn.to_owned(),
                kind: "user-managed",
            },
            NO_PERMISSIONS.to_owned(),
        ),
        Err(e) => return Err(e),
    })
}

/// A document that allows nothing.
const NO_PERMISSIONS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","Resource":"*"}]}"#;

/// The policies of a user (with its groups').
pub fn user_documents(
    c: &Connection,
    account_id: &str,
    user_id: &str,
) -> Result<PrincipalDocuments, IamError> {
    let mut identity = Vec::new();
    owner_documents(c, account_id, OwnerKind::User, user_id, &mut identity)?;
    for g in rows::groups_of_user(c, user_id)? {
        owner_documents(c, account_id, OwnerKind::Group, &g.group_id, &mut identity)?;
    }
    Ok(PrincipalDocuments {
        identity,
        session: None,
        role_arn: None,
    })
}

/// The policies of a role session: the role's, and the session's own when it has any.
pub fn role_session_documents(
    c: &Connection,
    account_id: &str,
    role_id: &str,
    session_key: Option<&str>,
) -> Result<PrincipalDocuments, IamError> {
    let mut identity = Vec::new();
    owner_documents(c, account_id, OwnerKind::Role, role_id, &mut identity)?;
    let role_arn = crate::store::roles::find_role_by_id(c, role_id)?.map(|r| r.arn());
    let mut session = None;
    if let Some(key) = session_key
        && let Some((policy, arns)) = rows::session_policies(c, key)?
        && (policy.is_some() || arns.is_some())
    {
        let mut docs = Vec::new();
        if let Some(p) = policy {
            docs.push((
                Source {
                    id: "session".into(),
                    kind: "session",
                },
                p,
            ));
        }
        let arns: Vec<String> = arns
            .and_then(|a| serde_json::from_str(&a).ok())
            .unwrap_or_default();
        for arn in arns {
            docs.push(managed_document(c, account_id, &arn)?);
        }
        session = Some(docs);
    }
    Ok(PrincipalDocuments {
        identity,
        session,
        role_arn,
    })
}

/// A document that denies everything: what a stored document that no longer parses
/// becomes, so it can never fail open.
fn deny_all() -> Policy {
    policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#,
        Kind::Identity,
    )
    .expect("a valid document")
}

fn parse_all(docs: Vec<(Source, String)>) -> Vec<(Source, Policy)> {
    docs.into_iter()
        .map(|(source, text)| {
            let policy = match aws_policies::by_name(&source.id) {
                Some(p) if source.kind == "aws-managed" => p.parsed().clone(),
                _ => policy::parse(&text, Kind::Identity).unwrap_or_else(|e| {
                    tracing::warn!(policy = %source.id, "stored policy no longer parses ({e}): denying all");
                    deny_all()
                }),
            };
            (source, policy)
        })
        .collect()
}

impl PrincipalDocuments {
    /// The documents parsed for the decision (AWS managed policies from their kept parse).
    pub fn parse(self) -> PolicySet {
        PolicySet {
            identity: parse_all(self.identity),
            session: self.session.map(parse_all),
            role_arn: self.role_arn,
        }
    }
}
