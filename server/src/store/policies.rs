//! Rows and queries of IAM's authorization data: customer managed policies and their
//! versions, groups and their members, managed-policy attachments and inline policies.

use rusqlite::{Connection, OptionalExtension, Row, params};

/// What a policy is attached to, or an inline policy embedded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKind {
    User,
    Group,
    Role,
}

impl OwnerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerKind::User => "user",
            OwnerKind::Group => "group",
            OwnerKind::Role => "role",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicyRow {
    pub policy_id: String,
    pub account_id: String,
    pub policy_name: String,
    pub path: String,
    pub description: Option<String>,
    pub default_version: i64,
    pub next_version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl ManagedPolicyRow {
    /// `arn:aws:iam::123456789012:policy/path/name`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:policy{}{}",
            self.account_id, self.path, self.policy_name
        )
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(ManagedPolicyRow {
            policy_id: r.get(0)?,
            account_id: r.get(1)?,
            policy_name: r.get(2)?,
            path: r.get(3)?,
            description: r.get(4)?,
            default_version: r.get(5)?,
            next_version: r.get(6)?,
            created_at: r.get(7)?,
            updated_at: r.get(8)?,
        })
    }
}

const POLICY_COLUMNS: &str = "policy_id, account_id, policy_name, path, description, \
     default_version, next_version, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionRow {
    pub version: i64,
    pub document: String,
    pub created_at: String,
}

impl PolicyVersionRow {
    /// From `SELECT version, document, created_at`.
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(PolicyVersionRow {
            version: r.get(0)?,
            document: r.get(1)?,
            created_at: r.get(2)?,
        })
    }
}

pub fn insert_policy(c: &Connection, p: &ManagedPolicyRow) -> rusqlite::Result<()> {
    c.execute(
        &format!(
            "INSERT INTO managed_policies ({POLICY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ),
        params![
            p.policy_id,
            p.account_id,
            p.policy_name,
            p.path,
            p.description,
            p.default_version,
            p.next_version,
            p.created_at,
            p.updated_at
        ],
    )?;
    Ok(())
}

pub fn find_policy_by_name(
    c: &Connection,
    account_id: &str,
    name: &str,
) -> rusqlite::Result<Option<ManagedPolicyRow>> {
    c.prepare_cached(&format!(
        "SELECT {POLICY_COLUMNS} FROM managed_policies
         WHERE account_id = ?1 AND policy_name = ?2 COLLATE NOCASE"
    ))?
    .query_row(params![account_id, name], ManagedPolicyRow::from_row)
    .optional()
}

pub fn list_policies(c: &Connection, account_id: &str) -> rusqlite::Result<Vec<ManagedPolicyRow>> {
    c.prepare_cached(&format!(
        "SELECT {POLICY_COLUMNS} FROM managed_policies WHERE account_id = ?1
         ORDER BY policy_name COLLATE NOCASE"
    ))?
    .query_map([account_id], ManagedPolicyRow::from_row)?
    .collect()
}

/// Records a new version (and the policy's next version number and update time).
pub fn insert_version(
    c: &Connection,
    policy_id: &str,
    version: i64,
    document: &str,
    now: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO policy_versions (policy_id, version, document, created_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![policy_id, version, document, now],
    )?;
    c.execute(
        "UPDATE managed_policies SET next_version = ?2 + 1, updated_at = ?3 WHERE policy_id = ?1",
        params![policy_id, version, now],
    )?;
    Ok(())
}

pub fn set_default_version(
    c: &Connection,
    policy_id: &str,
    version: i64,
    now: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE managed_policies SET default_version = ?2, updated_at = ?3 WHERE policy_id = ?1",
        params![policy_id, version, now],
    )?;
    Ok(())
}

pub fn versions(c: &Connection, policy_id: &str) -> rusqlite::Result<Vec<PolicyVersionRow>> {
    c.prepare_cached(
        "SELECT version, document, created_at FROM policy_versions WHERE policy_id = ?1
         ORDER BY version DESC",
    )?
    .query_map([policy_id], PolicyVersionRow::from_row)?
    .collect()
}

pub fn find_version(
    c: &Connection,
    policy_id: &str,
    version: i64,
) -> rusqlite::Result<Option<PolicyVersionRow>> {
    c.prepare_cached(
        "SELECT version, document, created_at FROM policy_versions
         WHERE policy_id = ?1 AND version = ?2",
    )?
    .query_row(params![policy_id, version], PolicyVersionRow::from_row)
    .optional()
}

pub fn delete_version(c: &Connection, policy_id: &str, version: i64) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "DELETE FROM policy_versions WHERE policy_id = ?1 AND version = ?2",
        params![policy_id, version],
    )? == 1)
}

pub fn delete_policy(c: &Connection, policy_id: &str) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "DELETE FROM managed_policies WHERE policy_id = ?1",
        [policy_id],
    )? == 1)
}

pub fn insert_policy_tag(
    c: &Connection,
    policy_id: &str,
    key: &str,
    value: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO policy_tags (policy_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (policy_id, key) DO UPDATE SET value = excluded.value",
        params![policy_id, key, value],
    )?;
    Ok(())
}

pub fn policy_tags(c: &Connection, policy_id: &str) -> rusqlite::Result<Vec<(String, String)>> {
    c.prepare_cached("SELECT key, value FROM policy_tags WHERE policy_id = ?1 ORDER BY key")?
        .query_map([policy_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

// --- attachments -------------------------------------------------------------------------

/// Attaches `policy_arn`; false when it already was.
pub fn attach(
    c: &Connection,
    kind: OwnerKind,
    owner_id: &str,
    policy_arn: &str,
) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "INSERT INTO attachments (owner_kind, owner_id, policy_arn) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![kind.as_str(), owner_id, policy_arn],
    )? == 1)
}

pub fn detach(
    c: &Connection,
    kind: OwnerKind,
    owner_id: &str,
    policy_arn: &str,
) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "DELETE FROM attachments WHERE owner_kind = ?1 AND owner_id = ?2 AND policy_arn = ?3",
        params![kind.as_str(), owner_id, policy_arn],
    )? == 1)
}

pub fn attached(c: &Connection, kind: OwnerKind, owner_id: &str) -> rusqlite::Result<Vec<String>> {
    c.prepare_cached(
        "SELECT policy_arn FROM attachments WHERE owner_kind = ?1 AND owner_id = ?2
         ORDER BY policy_arn",
    )?
    .query_map(params![kind.as_str(), owner_id], |r| r.get(0))?
    .collect()
}

/// How many users, groups and roles a managed policy is attached to.
pub fn attachment_count(c: &Connection, policy_arn: &str) -> rusqlite::Result<i64> {
    c.prepare_cached("SELECT count(*) FROM attachments WHERE policy_arn = ?1")?
        .query_row([policy_arn], |r| r.get(0))
}

// --- inline policies ---------------------------------------------------------------------

/// Creates or replaces the inline policy `name`.
pub fn put_inline(
    c: &Connection,
    kind: OwnerKind,
    owner_id: &str,
    name: &str,
    document: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO inline_policies (owner_kind, owner_id, policy_name, document)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (owner_kind, owner_id, policy_name) DO UPDATE SET document = excluded.document",
        params![kind.as_str(), owner_id, name, document],
    )?;
    Ok(())
}

pub fn find_inline(
    c: &Connection,
    kind: OwnerKind,
    owner_id: &str,
    name: &str,
) -> rusqlite::Result<Option<(String, String)>> {
    c.prepare_cached(
        "SELECT policy_name, document FROM inline_policies
         WHERE owner_kind = ?1 AND owner_id = ?2 AND policy_name = ?3",
    )?
    .query_row(params![kind.as_str(), owner_id, name], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
}

/// The inline policies of an owner, `(name, document)`, by name.
pub fn inline(
    c: &Connection,
    kind: OwnerKind,
    owner_id: &str,
) -> rusqlite::Result<Vec<(String, String)>> {
    c.prepare_cached(
        "SELECT policy_name, document FROM inline_policies
         WHERE owner_kind = ?1 AND owner_id = ?2 ORDER BY policy_name",
    )?
    .query_map(params![kind.as_str(), owner_id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .collect()
}

pub fn delete_inline(
    c: &Connection,
    kind: OwnerKind,
    owner_id: &str,
    name: &str,
) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "DELETE FROM inline_policies WHERE owner_kind = ?1 AND owner_id = ?2 AND policy_name = ?3",
        params![kind.as_str(), owner_id, name],
    )? == 1)
}

/// Whether the owner has inline policies, and attached ones (DeleteUser, DeleteRole and
/// DeleteGroup refuse while it does).
pub fn has_policies(
    c: &Connection,
    kind: OwnerKind,
    owner_id: &str,
) -> rusqlite::Result<(bool, bool)> {
    c.query_row(
        "SELECT EXISTS (SELECT 1 FROM inline_policies WHERE owner_kind = ?1 AND owner_id = ?2),
                EXISTS (SELECT 1 FROM attachments WHERE owner_kind = ?1 AND owner_id = ?2)",
        params![kind.as_str(), owner_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

// --- groups ------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    pub group_id: String,
    pub account_id: String,
    pub group_name: String,
    pub path: String,
    pub created_at: String,
}

impl GroupRow {
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:group{}{}",
            self.account_id, self.path, self.group_name
        )
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(GroupRow {
            group_id: r.get(0)?,
            account_id: r.get(1)?,
            group_name: r.get(2)?,
            path: r.get(3)?,
            created_at: r.get(4)?,
        })
    }
}

const GROUP_COLUMNS: &str = "g.group_id, g.account_id, g.group_name, g.path, g.created_at";

pub fn insert_group(c: &Connection, g: &GroupRow) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO groups (group_id, account_id, group_name, path, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![g.group_id, g.account_id, g.group_name, g.path, g.created_at],
    )?;
    Ok(())
}

pub fn find_group_by_name(
    c: &Connection,
    account_id: &str,
    name: &str,
) -> rusqlite::Result<Option<GroupRow>> {
    c.prepare_cached(&format!(
        "SELECT {GROUP_COLUMNS} FROM groups g
         WHERE g.account_id = ?1 AND g.group_name = ?2 COLLATE NOCASE"
    ))?
    .query_row(params![account_id, name], GroupRow::from_row)
    .optional()
}

pub fn list_groups(c: &Connection, account_id: &str) -> rusqlite::Result<Vec<GroupRow>> {
    c.prepare_cached(&format!(
        "SELECT {GROUP_COLUMNS} FROM groups g WHERE g.account_id = ?1
         ORDER BY g.group_name COLLATE NOCASE"
    ))?
    .query_map([account_id], GroupRow::from_row)?
    .collect()
}

pub fn groups_of_user(c: &Connection, user_id: &str) -> rusqlite::Result<Vec<GroupRow>> {
    c.prepare_cached(&format!(
        "SELECT {GROUP_COLUMNS} FROM groups g JOIN group_members m ON m.group_id = g.group_id
         WHERE m.user_id = ?1 ORDER BY g.group_name COLLATE NOCASE"
    ))?
    .query_map([user_id], GroupRow::from_row)?
    .collect()
}

/// The user IDs in a group.
pub fn members(c: &Connection, group_id: &str) -> rusqlite::Result<Vec<String>> {
    c.prepare_cached("SELECT user_id FROM group_members WHERE group_id = ?1")?
        .query_map([group_id], |r| r.get(0))?
        .collect()
}

pub fn add_member(c: &Connection, group_id: &str, user_id: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO group_members (group_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![group_id, user_id],
    )?;
    Ok(())
}

pub fn remove_member(c: &Connection, group_id: &str, user_id: &str) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "DELETE FROM group_members WHERE group_id = ?1 AND user_id = ?2",
        params![group_id, user_id],
    )? == 1)
}

pub fn delete_group(c: &Connection, group_id: &str) -> rusqlite::Result<bool> {
    Ok(c.execute("DELETE FROM groups WHERE group_id = ?1", [group_id])? == 1)
}

// --- STS session policies ----------------------------------------------------------------

/// The session policy and policy ARNs an STS session was issued with.
pub fn session_policies(
    c: &Connection,
    access_key_id: &str,
) -> rusqlite::Result<Option<(Option<String>, Option<String>)>> {
    c.prepare_cached(
        "SELECT session_policy, session_policy_arns FROM sts_sessions WHERE access_key_id = ?1",
    )?
    .query_row([access_key_id], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

pub fn set_session_policies(
    c: &Connection,
    access_key_id: &str,
    policy: Option<&str>,
    arns: Option<&str>,
) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE sts_sessions SET session_policy = ?2, session_policy_arns = ?3
         WHERE access_key_id = ?1",
        params![access_key_id, policy, arns],
    )?;
    Ok(())
}
