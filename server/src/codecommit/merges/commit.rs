//! The commit a merge makes and the compare-and-swap move of the branch it targets.

use git2::{Commit, Oid, Repository};

use super::compute::{Merge, MergeOption};
use crate::codecommit::commits::{self, check_branch_name};
use crate::codecommit::content;
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::repositories::RefsMoved;
use crate::store::RepositoryRow;

/// The branch a merge moves: `targetBranch`, else the destination when it names a branch.
pub fn target_branch<'a>(
    repo: &Repository,
    target: Option<&'a str>,
    destination: Option<&'a str>,
) -> Result<&'a str, E> {
    let name = match target.filter(|t| !t.is_empty()) {
        Some(t) => t,
        None => destination
            .filter(|d| content::branch_tip(repo, d).is_some())
            .ok_or_else(E::branch_name_required)?,
    };
    check_branch_name(name)?;
    if content::branch_tip(repo, name).is_none() {
        if repo.find_reference(&format!("refs/tags/{name}")).is_ok() {
            return Err(E::branch_name_is_tag_name(name));
        }
        return Err(E::branch_does_not_exist(name));
    }
    Ok(name)
}

/// Moves `branch` of `row` from `from` to `to` for `actor`, or refuses if it moved meanwhile.
pub fn move_branch(
    repo: &Repository,
    row: &RepositoryRow,
    actor: &str,
    branch: &str,
    (from, to): (Oid, Oid),
) -> Result<RefsMoved<()>, E> {
    repo.reference_matching(
        &format!("refs/heads/{branch}"),
        to,
        true,
        from,
        "codecommit-local: merge",
    )
    .map(|_| RefsMoved::new(row, actor, "merge", ()))
    .map_err(|_| E::concurrent_reference_update())
}

/// Who writes a merge commit, and what it says.
pub struct Authoring<'a> {
    pub caller: &'a str,
    pub author_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub message: Option<&'a str>,
}

/// The commit a merge makes (not referenced by any branch yet): the source itself for a
/// fast-forward, else a squash (parent: the destination) or three-way (parents: the
/// destination, then the source) commit of the merged tree.
pub fn merge_commit(
    merge: &mut Merge<'_>,
    option: MergeOption,
    keep_empty_folders: bool,
    who: &Authoring<'_>,
) -> Result<(Oid, Oid), E> {
    if option == MergeOption::FastForward {
        if !merge.fast_forwardable() {
            return Err(E::manual_merge_required());
        }
        return Ok((merge.source.id(), merge.source.tree_id()));
    }
    let tree_id = merge.write_tree(keep_empty_folders)?;
    let tree = merge.repo.find_tree(tree_id)?;
    let default_message = format!(
        "Merge {} into {}",
        short(merge.source.id()),
        short(merge.destination.id())
    );
    let (sig, message) = commits::author(
        who.caller,
        who.author_name,
        who.email,
        who.message
            .filter(|m| !m.is_empty())
            .or(Some(&default_message)),
    )?;
    let parents: Vec<&Commit<'_>> = match option {
        MergeOption::ThreeWay => vec![&merge.destination, &merge.source],
        _ => vec![&merge.destination],
    };
    let id = merge
        .repo
        .commit(None, &sig, &sig, message, &tree, &parents)?;
    Ok((id, tree_id))
}

fn short(id: Oid) -> String {
    id.to_string()[..7].to_owned()
}

/// GetMergeCommit's `mergedCommitId`: the first commit of the destination's first-parent
/// history that contains the source (the merge that brought it in), if it does.
pub fn merged_commit(repo: &Repository, source: Oid, destination: Oid) -> Result<Option<Oid>, E> {
    if source != destination && !repo.graph_descendant_of(destination, source)? {
        return Ok(None);
    }
    let mut found = destination;
    let mut at = repo.find_commit(destination)?;
    while let Ok(parent) = at.parent(0) {
        if parent.id() != source && !repo.graph_descendant_of(parent.id(), source)? {
            break;
        }
        found = parent.id();
        at = parent;
    }
    Ok(Some(found))
}
