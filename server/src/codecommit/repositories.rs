//! Repositories: metadata in the store, a bare Git repository on disk named by the
//! repository ID. A name from a URL is only ever looked up, never joined into a path.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use tempfile::TempDir;

use crate::context::Context;
use crate::git::repo as gitrepo;
pub use crate::store::RepositoryRow;
use crate::store::repositories as rows;
use crate::store::{Store, StoreError, now_timestamp};

/// The branch HEAD points at in a new, empty repository until the first push names one.
pub const INITIAL_HEAD: &str = "main";

#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    #[error("{0}")]
    InvalidName(&'static str),
    #[error("Repository named {0} already exists")]
    NameExists(String),
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    #[error("repository files: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for RepositoryError {
    fn from(e: rusqlite::Error) -> Self {
        RepositoryError::Store(e.into())
    }
}

/// CodeCommit's repository name rule: 1–100 characters of letters, digits, `.`, `_`, `-`,
/// not ending in `.git` (and not `.` or `..`).
pub fn validate_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 100 {
        return Err("The repository name must be between 1 and 100 characters long.");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(
            "The repository name can only contain letters, numbers, periods, underscores and dashes.",
        );
    }
    if name.ends_with(".git") || name == "." || name == ".." {
        return Err("The repository name cannot end in .git and cannot be . or ..");
    }
    Ok(())
}

pub use crate::git::repo::repo_dir;

/// The tags of the repository `name` of `account` that IAM decides on
/// (`aws:ResourceTag/…`): `None` when policies are not enforced (nothing reads them), none
/// for a repository that does not exist. The API's targets and the Git transports both ask
/// here.
pub fn resource_tags(
    ctx: &Context,
    account: &str,
    name: &str,
) -> Result<Option<Vec<(String, String)>>, StoreError> {
    if !ctx.policies_enforced {
        return Ok(None);
    }
    let tags = ctx
        .store
        .read(|c| rows::repository_tags_by_name(c, account, &ctx.region, name))?;
    Ok(Some(tags))
}

/// After a crash, removes what no repository owns: half-built repositories in `.staging/`,
/// deleted ones still in `.trash/`, directories no row names (a create that stopped
/// between moving its files into place and committing its row), and the quarantines of
/// pushes that never finished. Run at start, before
/// anything is served; how many directories went.
pub fn sweep_orphans(store: &Store, root: &Path) -> Result<usize, RepositoryError> {
    let known: std::collections::HashSet<String> =
        store.read(rows::all_repository_ids)?.into_iter().collect();
    let mut doomed = Vec::new();
    for holding in [".staging", ".trash"] {
        doomed.extend(subdirectories(&root.join(holding))?);
    }
    for dir in subdirectories(root)? {
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        let Some(id) = name.strip_suffix(".git") else {
            continue;
        };
        if known.contains(id) {
            // A push killed mid-way leaves receive-pack's quarantine (git never cleans it).
            doomed.extend(
                subdirectories(&dir.join("objects"))?
                    .into_iter()
                    .filter(|d| {
                        d.file_name()
                            .unwrap_or_default()
                            .to_string_lossy()
                            .starts_with("tmp_objdir-")
                    }),
            );
        } else if uuid::Uuid::parse_str(id).is_ok() {
            doomed.push(dir);
        }
    }
    for dir in &doomed {
        tracing::info!(dir = %dir.display(), "removing a directory no repository owns");
        std::fs::remove_dir_all(dir)?;
    }
    Ok(doomed.len())
}

/// The directories directly in `dir` (none if it does not exist).
fn subdirectories(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            dirs.push(entry.path());
        }
    }
    Ok(dirs)
}

/// What a caller asks to create.
#[derive(Debug, Clone)]
pub struct NewRepository {
    pub account_id: String,
    pub region: String,
    pub name: String,
    pub description: Option<String>,
    /// The branch the content is committed to (and HEAD points at). Default `main`.
    pub default_branch: Option<String>,
    /// A directory committed as the first commit.
    pub content: Option<PathBuf>,
}

/// A repository built on disk in a staging directory, not yet in the store. Dropping it
/// removes the staging directory.
pub struct Prepared {
    row: RepositoryRow,
    staging: TempDir,
}

impl Prepared {
    pub fn row(&self) -> &RepositoryRow {
        &self.row
    }
}

/// Builds the bare repository (and its first commit) in a staging directory under `root`.
pub fn prepare(root: &Path, new: &NewRepository) -> Result<Prepared, RepositoryError> {
    validate_name(&new.name).map_err(RepositoryError::InvalidName)?;
    let staging_root = root.join(".staging");
    std::fs::create_dir_all(&staging_root)?;
    let staging = tempfile::Builder::new()
        .prefix("repo-")
        .tempdir_in(&staging_root)?;
    let head = new.default_branch.as_deref().unwrap_or(INITIAL_HEAD);
    let repo = gitrepo::init_bare(staging.path(), head)?;
    let mut default_branch = None;
    if let Some(content) = &new.content {
        gitrepo::commit_directory(&repo, content, head, "Initial commit")?;
        default_branch = Some(head.to_owned());
    }
    let now = now_timestamp();
    Ok(Prepared {
        row: RepositoryRow {
            repository_id: uuid::Uuid::new_v4().to_string(),
            account_id: new.account_id.clone(),
            region: new.region.clone(),
            name: new.name.clone(),
            description: new.description.clone(),
            default_branch,
            kms_key_id: None,
            created_at: now.clone(),
            last_modified_at: now,
        },
        staging,
    })
}

/// Inserts the prepared repository's row and moves its files into place, inside the
/// caller's transaction. On error nothing is moved; if the transaction later rolls back,
/// the caller removes the returned directory.
pub fn install(
    c: &Connection,
    root: &Path,
    prepared: Prepared,
) -> Result<(RepositoryRow, PathBuf), RepositoryError> {
    let Prepared { row, staging } = prepared;
    if rows::find_repository_by_name(c, &row.account_id, &row.region, &row.name)?.is_some() {
        return Err(RepositoryError::NameExists(row.name));
    }
    rows::insert_repository(c, &row)?;
    let dest = repo_dir(root, &row.repository_id);
    std::fs::rename(staging.path(), &dest)?;
    let _ = staging.keep();
    Ok((row, dest))
}

/// Creates a repository: files and row together, or neither.
pub fn create(
    store: &Store,
    root: &Path,
    new: &NewRepository,
) -> Result<RepositoryRow, RepositoryError> {
    let prepared = prepare(root, new)?;
    let mut placed = None;
    let result = store.write(|tx| {
        let (row, dir) = install(tx, root, prepared)?;
        placed = Some(dir);
        Ok::<_, RepositoryError>(row)
    });
    if result.is_err()
        && let Some(dir) = placed
    {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

/// Looks a repository up by name in an account and region.
pub fn find(
    store: &Store,
    account_id: &str,
    region: &str,
    name: &str,
) -> Result<Option<RepositoryRow>, StoreError> {
    Ok(store.read(|c| rows::find_repository_by_name(c, account_id, region, name))?)
}

/// Refs of `repository` moved by `actor`, with what the move returned. Every function that
/// moves a ref returns one, and only [`crate::codecommit::refs::settle`] turns it into its
/// value, after the work every ref change owes (default branch, upkeep, reference events,
/// pull request tracking): the compiler, not a call in each writer, sees that it runs.
#[must_use = "moved refs must be settled by codecommit::refs::settle"]
pub struct RefsMoved<T> {
    pub(super) repository: RepositoryRow,
    pub(super) actor: String,
    /// What moved them, for the log (`CreateBranch`, `merge`, …).
    pub(super) what: &'static str,
    pub(super) value: T,
}

impl<T> RefsMoved<T> {
    /// `what` by `actor` moved refs of `repository`, returning `value`.
    pub(super) fn new(
        repository: &RepositoryRow,
        actor: &str,
        what: &'static str,
        value: T,
    ) -> RefsMoved<T> {
        RefsMoved {
            repository: repository.clone(),
            actor: actor.to_owned(),
            what,
            value,
        }
    }

    /// The same moved refs, returning `f` of the value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> RefsMoved<U> {
        RefsMoved {
            repository: self.repository,
            actor: self.actor,
            what: self.what,
            value: f(self.value),
        }
    }
}

/// After a successful receive-pack: a repository that had no default branch gets one, as
/// CodeCommit does with the first branch pushed (HEAD's branch if it was pushed, else
/// `main`, `master`, or the first by name), and HEAD follows it.
pub(super) fn after_receive(
    store: &Store,
    root: &Path,
    row: &RepositoryRow,
) -> Result<(), RepositoryError> {
    let now = now_timestamp();
    if row.default_branch.is_some() {
        store.write(|c| rows::touch_repository(c, &row.repository_id, &now))?;
        return Ok(());
    }
    let repo = git2::Repository::open_bare(repo_dir(root, &row.repository_id))?;
    let branches = gitrepo::branch_names(&repo)?;
    let head = gitrepo::head_branch(&repo);
    let chosen = head
        .filter(|h| branches.contains(h))
        .or_else(|| {
            ["main", "master"]
                .iter()
                .map(|s| s.to_string())
                .find(|b| branches.contains(b))
        })
        .or_else(|| branches.first().cloned());
    let Some(branch) = chosen else {
        return Ok(());
    };
    store.write(|tx| {
        if rows::set_default_branch_if_unset(tx, &row.repository_id, &branch, &now)? {
            gitrepo::set_head(&repo, &branch)?;
            tracing::info!(repository = %row.name, %branch, "first push set the default branch");
        }
        Ok::<_, RepositoryError>(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name("demo").is_ok());
        assert!(validate_name("My-Repo_1.0").is_ok());
        assert!(validate_name("").is_err());
        assert!(validate_name(&"a".repeat(101)).is_err());
        assert!(validate_name(&"a".repeat(100)).is_ok());
        assert!(validate_name("x.git").is_err());
        assert!(validate_name("..").is_err());
        assert!(validate_name("../etc").is_err());
        assert!(validate_name("a/b").is_err());
        assert!(validate_name("a b").is_err());
    }

    #[test]
    fn create_is_all_or_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open_in_memory().unwrap();
        store
            .write(|tx| crate::store::iam::ensure_account(tx, "123456789012", "now"))
            .unwrap();
        let new = NewRepository {
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            name: "demo".into(),
            description: None,
            default_branch: None,
            content: None,
        };
        let row = create(&store, tmp.path(), &new).unwrap();
        assert!(
            repo_dir(tmp.path(), &row.repository_id)
                .join("HEAD")
                .exists()
        );
        let err = create(&store, tmp.path(), &new).unwrap_err();
        assert!(matches!(err, RepositoryError::NameExists(_)));
        let dirs: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name() != ".staging")
            .collect();
        assert_eq!(dirs.len(), 1, "the failed create left no files");
        assert_eq!(
            std::fs::read_dir(tmp.path().join(".staging"))
                .unwrap()
                .count(),
            0
        );
    }
}
