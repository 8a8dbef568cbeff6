//! Rows and queries of approval rules, approvals, overrides and approval rule templates.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::pull_requests::PullRequestRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRow {
    pub approval_rule_id: String,
    pub name: String,
    pub content: String,
    pub created_at: String,
    pub last_modified_at: String,
    pub last_modified_user: String,
    /// The template it came from (ID, name).
    pub template: Option<(String, String)>,
}

impl RuleRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        let template_id: Option<String> = r.get(6)?;
        let template_name: Option<String> = r.get(7)?;
        Ok(RuleRow {
            approval_rule_id: r.get(0)?,
            name: r.get(1)?,
            content: r.get(2)?,
            created_at: r.get(3)?,
            last_modified_at: r.get(4)?,
            last_modified_user: r.get(5)?,
            template: template_id.zip(template_name),
        })
    }
}

const RULE_COLUMNS: &str = "approval_rule_id, name, content, created_at, last_modified_at, \
     last_modified_user, template_id, template_name";

pub fn rules(c: &Connection, p: &PullRequestRow) -> rusqlite::Result<Vec<RuleRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {RULE_COLUMNS} FROM approval_rules
         WHERE account_id = ?1 AND region = ?2 AND pull_request_id = ?3 ORDER BY rowid"
    ))?;
    stmt.query_map(
        params![p.account_id, p.region, p.pull_request_id],
        RuleRow::from_row,
    )?
    .collect()
}

pub fn insert_rule(c: &Connection, p: &PullRequestRow, r: &RuleRow) -> rusqlite::Result<()> {
    let (template_id, template_name) = r.template.clone().unzip();
    c.execute(
        &format!(
            "INSERT INTO approval_rules (account_id, region, pull_request_id, {RULE_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ),
        params![
            p.account_id,
            p.region,
            p.pull_request_id,
            r.approval_rule_id,
            r.name,
            r.content,
            r.created_at,
            r.last_modified_at,
            r.last_modified_user,
            template_id,
            template_name
        ],
    )?;
    Ok(())
}

pub fn update_rule(c: &Connection, r: &RuleRow) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE approval_rules SET content = ?2, last_modified_at = ?3, last_modified_user = ?4
         WHERE approval_rule_id = ?1",
        params![
            r.approval_rule_id,
            r.content,
            r.last_modified_at,
            r.last_modified_user
        ],
    )?;
    Ok(())
}

pub fn delete_rule(c: &Connection, id: &str) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM approval_rules WHERE approval_rule_id = ?1",
        [id],
    )?;
    Ok(())
}

/// `(user ARN, state)` of a revision, in the order they were first given.
pub fn approvals(
    c: &Connection,
    p: &PullRequestRow,
    revision: &str,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT user_arn, state FROM approvals
         WHERE account_id = ?1 AND region = ?2 AND pull_request_id = ?3 AND revision_id = ?4
         ORDER BY rowid",
    )?;
    stmt.query_map(
        params![p.account_id, p.region, p.pull_request_id, revision],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?
    .collect()
}

pub fn set_approval(
    c: &Connection,
    p: &PullRequestRow,
    user_arn: &str,
    state: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO approvals (account_id, region, pull_request_id, revision_id, user_arn, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account_id, region, pull_request_id, revision_id, user_arn)
         DO UPDATE SET state = excluded.state",
        params![
            p.account_id,
            p.region,
            p.pull_request_id,
            p.revision_id,
            user_arn,
            state
        ],
    )?;
    Ok(())
}

pub fn overrider(
    c: &Connection,
    p: &PullRequestRow,
    revision: &str,
) -> rusqlite::Result<Option<String>> {
    c.prepare_cached(
        "SELECT overrider_arn FROM approval_overrides
         WHERE account_id = ?1 AND region = ?2 AND pull_request_id = ?3 AND revision_id = ?4",
    )?
    .query_row(
        params![p.account_id, p.region, p.pull_request_id, revision],
        |r| r.get(0),
    )
    .optional()
}

pub fn set_override(
    c: &Connection,
    p: &PullRequestRow,
    overrider: Option<&str>,
) -> rusqlite::Result<()> {
    match overrider {
        Some(arn) => c.execute(
            "INSERT INTO approval_overrides (account_id, region, pull_request_id, revision_id,
               overrider_arn) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (account_id, region, pull_request_id, revision_id)
             DO UPDATE SET overrider_arn = excluded.overrider_arn",
            params![
                p.account_id,
                p.region,
                p.pull_request_id,
                p.revision_id,
                arn
            ],
        )?,
        None => c.execute(
            "DELETE FROM approval_overrides
             WHERE account_id = ?1 AND region = ?2 AND pull_request_id = ?3 AND revision_id = ?4",
            params![p.account_id, p.region, p.pull_request_id, p.revision_id],
        )?,
    };
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub template_id: String,
    pub account_id: String,
    pub region: String,
    pub name: String,
    pub description: String,
    pub content: String,
    pub created_at: String,
    pub last_modified_at: String,
    pub last_modified_user: String,
}

impl TemplateRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(TemplateRow {
            template_id: r.get(0)?,
            account_id: r.get(1)?,
            region: r.get(2)?,
            name: r.get(3)?,
            description: r.get(4)?,
            content: r.get(5)?,
            created_at: r.get(6)?,
            last_modified_at: r.get(7)?,
            last_modified_user: r.get(8)?,
        })
    }
}

const TEMPLATE_COLUMNS: &str = "t.template_id, t.account_id, t.region, t.name, t.description, \
     t.content, t.created_at, t.last_modified_at, t.last_modified_user";

pub fn insert_template(c: &Connection, t: &TemplateRow) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO approval_rule_templates (template_id, account_id, region, name, description,
           content, created_at, last_modified_at, last_modified_user)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            t.template_id,
            t.account_id,
            t.region,
            t.name,
            t.description,
            t.content,
            t.created_at,
            t.last_modified_at,
            t.last_modified_user
        ],
    )?;
    Ok(())
}

pub fn update_template(c: &Connection, t: &TemplateRow) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE approval_rule_templates SET name = ?2, description = ?3, content = ?4,
           last_modified_at = ?5, last_modified_user = ?6 WHERE template_id = ?1",
        params![
            t.template_id,
            t.name,
            t.description,
            t.content,
            t.last_modified_at,
            t.last_modified_user
        ],
    )?;
    Ok(())
}

pub fn find_template(
    c: &Connection,
    account_id: &str,
    region: &str,
    name: &str,
) -> rusqlite::Result<Option<TemplateRow>> {
    c.prepare_cached(&format!(
        "SELECT {TEMPLATE_COLUMNS} FROM approval_rule_templates t
         WHERE t.account_id = ?1 AND t.region = ?2 AND t.name = ?3"
    ))?
    .query_row(params![account_id, region, name], TemplateRow::from_row)
    .optional()
}

pub fn list_templates(
    c: &Connection,
    account_id: &str,
    region: &str,
) -> rusqlite::Result<Vec<TemplateRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {TEMPLATE_COLUMNS} FROM approval_rule_templates t
         WHERE t.account_id = ?1 AND t.region = ?2 ORDER BY t.name"
    ))?;
    stmt.query_map(params![account_id, region], TemplateRow::from_row)?
        .collect()
}

pub fn delete_template(c: &Connection, template_id: &str) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM approval_rule_templates WHERE template_id = ?1",
        [template_id],
    )?;
    Ok(())
}

/// The templates associated with a repository, by name.
pub fn templates_of_repository(
    c: &Connection,
    repository_id: &str,
) -> rusqlite::Result<Vec<TemplateRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {TEMPLATE_COLUMNS} FROM approval_rule_templates t
         JOIN approval_rule_template_repositories a ON a.template_id = t.template_id
         WHERE a.repository_id = ?1 ORDER BY t.name"
    ))?;
    stmt.query_map([repository_id], TemplateRow::from_row)?
        .collect()
}

/// The names of the repositories a template is associated with.
pub fn repositories_of_template(
    c: &Connection,
    template_id: &str,
) -> rusqlite::Result<Vec<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT r.name FROM repositories r
         JOIN approval_rule_template_repositories a ON a.repository_id = r.repository_id
         WHERE a.template_id = ?1 ORDER BY r.name",
    )?;
    stmt.query_map([template_id], |r| r.get(0))?.collect()
}

pub fn associate(c: &Connection, template_id: &str, repository_id: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT OR IGNORE INTO approval_rule_template_repositories (template_id, repository_id)
         VALUES (?1, ?2)",
        params![template_id, repository_id],
    )?;
    Ok(())
}

pub fn disassociate(
    c: &Connection,
    template_id: &str,
    repository_id: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM approval_rule_template_repositories
         WHERE template_id = ?1 AND repository_id = ?2",
        params![template_id, repository_id],
    )?;
    Ok(())
}
