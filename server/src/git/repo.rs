//! Bare repositories through libgit2: create, seed with a directory, read branches, point HEAD.

use std::fs;
use std::path::{Path, PathBuf};

use git2::{FileMode, Oid, Repository, RepositoryInitOptions, Signature};

/// Where the bare repository of `repository_id` lives.
pub fn repo_dir(root: &Path, repository_id: &str) -> PathBuf {
    root.join(format!("{repository_id}.git"))
}

/// Process-wide libgit2 settings, set once at start:
/// - objects read from a repository are not hashed again on every read (git itself does
///   not; `git fsck` does): the re-hash, with SHA-1 collision detection, was a third of the
///   time GetFile took for a 5 MB blob;
/// - no object cache: it kept every tree a history walk read (up to 256 MiB for one
///   ListFileCommitHistory of a 5,000-commit repository) for the request's lifetime.
pub fn configure_libgit2() {
    git2::opts::strict_hash_verification(false);
    git2::opts::enable_caching(false);
}

/// Creates a bare repository at `path` whose HEAD points at `refs/heads/<head_branch>`.
pub fn init_bare(path: &Path, head_branch: &str) -> Result<Repository, git2::Error> {
    let mut opts = RepositoryInitOptions::new();
    opts.bare(true)
        .no_reinit(true)
        .mkdir(true)
        .initial_head(head_branch);
    let repo = Repository::init_opts(path, &opts)?;
    {
        let mut config = repo.config()?;
        // CodeCommit accepts force pushes and branch deletion; keep git's defaults explicit.
        config.set_bool("receive.denyNonFastForwards", false)?;
        config.set_bool("receive.denyDeletes", false)?;
        config.set_bool("core.logAllRefUpdates", false)?;
    }
    Ok(repo)
}

/// Commits the files under `dir` (recursively, skipping any `.git`) as the first commit of
/// `branch`, and returns the commit ID.
pub fn commit_directory(
    repo: &Repository,
    dir: &Path,
    branch: &str,
    message: &str,
) -> Result<Oid, git2::Error> {
    let tree_id = write_tree(repo, dir)?;
    let tree = repo.find_tree(tree_id)?;
    let sig = Signature::now("codecommit-local", "codecommit-local@localhost")?;
    let refname = format!("refs/heads/{branch}");
    repo.commit(Some(&refname), &sig, &sig, message, &tree, &[])
}

fn write_tree(repo: &Repository, dir: &Path) -> Result<Oid, git2::Error> {
    let mut builder = repo.treebuilder(None)?;
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(io_to_git)?
        .collect::<Result<_, _>>()
        .map_err(io_to_git)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(git2::Error::from_str("file names must be UTF-8"));
        };
        if name == ".git" {
            continue;
        }
        let path = entry.path();
        let meta = fs::symlink_metadata(&path).map_err(io_to_git)?;
        if meta.is_dir() {
            let sub = write_tree(repo, &path)?;
            builder.insert(name, sub, FileMode::Tree.into())?;
        } else if meta.file_type().is_symlink() {
            let target = fs::read_link(&path).map_err(io_to_git)?;
            let blob = repo.blob(target.as_os_str().as_encoded_bytes())?;
            builder.insert(name, blob, FileMode::Link.into())?;
        } else {
            let blob = repo.blob_path(&path)?;
            builder.insert(name, blob, file_mode(&meta).into())?;
        }
    }
    builder.write()
}

fn file_mode(meta: &fs::Metadata) -> FileMode {
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & 0o111 != 0 {
        FileMode::BlobExecutable
    } else {
        FileMode::Blob
    }
}

fn io_to_git(e: std::io::Error) -> git2::Error {
    git2::Error::from_str(&e.to_string())
}

/// The repository's branch names (without `refs/heads/`), sorted.
pub fn branch_names(repo: &Repository) -> Result<Vec<String>, git2::Error> {
    let mut names = Vec::new();
    for r in repo.references_glob("refs/heads/*")? {
        let r = r?;
        // A name that is not UTF-8 (no CodeCommit API shape can carry one; pushes refuse
        // them) is left out rather than failing the listing.
        let Ok(full) = r.name() else {
            continue;
        };
        if let Some(name) = full.strip_prefix("refs/heads/") {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// The branch HEAD points at, whether or not it exists yet.
pub fn head_branch(repo: &Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    head.symbolic_target()
        .ok()??
        .strip_prefix("refs/heads/")
        .map(str::to_owned)
}

/// Points HEAD at `refs/heads/<branch>`.
pub fn set_head(repo: &Repository, branch: &str) -> Result<(), git2::Error> {
    repo.set_head(&format!("refs/heads/{branch}"))
}

/// `count` commits reachable from `start`, newest first as `git log` lists them, after
/// skipping `skip`; with `path`, only those that changed it (git's history simplification,
/// which the commit-graph's changed-path filters make fast). The path is literal, never a
/// pathspec pattern.
pub fn rev_list(
    dir: &Path,
    start: Oid,
    path: Option<&str>,
    skip: usize,
    count: usize,
) -> Result<Vec<Oid>, String> {
    run_rev_list(
        dir,
        &[format!("--skip={skip}"), format!("--max-count={count}")],
        start,
        path,
    )
}

/// Every commit reachable from `start` that differs from at least one of its parents at
/// `path` (a root commit: that has it), in `git log --date-order` (libgit2's
/// `TOPOLOGICAL | TIME`): all parents walked, no merge pruned. With the commit-graph's
/// changed-path filters, git answers without reading the trees of the commits that leave
/// the path alone.
pub fn commits_touching(dir: &Path, start: Oid, path: &str) -> Result<Vec<Oid>, String> {
    run_rev_list(
        dir,
        &["--full-history".into(), "--date-order".into()],
        start,
        Some(path),
    )
}

fn run_rev_list(
    dir: &Path,
    options: &[String],
    start: Oid,
    path: Option<&str>,
) -> Result<Vec<Oid>, String> {
    let mut cmd = std::process::Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .arg("--literal-pathspecs")
        .arg("rev-list")
        .args(options)
        .arg(start.to_string())
        .arg("--");
    if let Some(p) = path {
        cmd.arg(p);
    }
    let out = cmd
        .env_clear()
        .envs(super::service::isolated_env(dir))
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("git rev-list: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git rev-list: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| Oid::from_str(l).map_err(|e| format!("git rev-list printed {l:?}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_a_directory_and_moves_head() {
        let tmp = tempfile::tempdir().unwrap();
        let content = tmp.path().join("content");
        fs::create_dir_all(content.join("sub")).unwrap();
        fs::write(content.join("README.md"), "# hi\n").unwrap();
        fs::write(content.join("sub/a.txt"), "a").unwrap();
        let repo = init_bare(&tmp.path().join("r.git"), "main").unwrap();
        assert_eq!(head_branch(&repo).as_deref(), Some("main"));
        assert!(branch_names(&repo).unwrap().is_empty());
        let id = commit_directory(&repo, &content, "main", "Initial commit").unwrap();
        let tree = repo.find_commit(id).unwrap().tree().unwrap();
        assert!(tree.get_path(Path::new("sub/a.txt")).is_ok());
        assert_eq!(branch_names(&repo).unwrap(), vec!["main".to_owned()]);
        set_head(&repo, "other").unwrap();
        assert_eq!(head_branch(&repo).as_deref(), Some("other"));
    }
}
