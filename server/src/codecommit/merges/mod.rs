//! Merges on the real repository, with libgit2's merge machinery: a source commit into a
//! destination commit, as CodeCommit's merge operations and pull requests do them.
//!
//! libgit2 merges the trees line by line (`merge_trees`, "ours" the destination, "theirs"
//! the source). CodeCommit's `FILE_LEVEL` detail then also counts every file both sides
//! changed (differently) as a conflict, unless the `AUTOMERGE` strategy lets the line-level
//! result stand; `ACCEPT_SOURCE`/`ACCEPT_DESTINATION` take that side's version of each
//! conflicting file; `conflictResolution` entries settle single files. A merge is mergeable
//! when every conflict is settled; its tree is then written, and the merge commit (squash:
//! one parent, three-way: destination and source) moves the target branch with a
//! compare-and-swap, so a concurrent push is never lost.
//!
//! In parts: `compute` merges and finds the conflicts at the requested detail, settles
//! them by strategy or by the caller's resolutions and writes the merged tree; `metadata`
//! describes a conflicting file as CodeCommit does; `hunks` splits a text file's three
//! versions into merge hunks; `commit` makes the merge commit and moves the target branch
//! with a compare-and-swap.

mod commit;
mod compute;
mod hunks;
mod metadata;

pub use commit::{Authoring, merge_commit, merged_commit, move_branch, target_branch};
pub use compute::{
    Conflict, Detail, Merge, MergeOption, Replacement, Resolutions, Side, Strategy, commit_of,
};
pub use hunks::{HunkDetail, MergeHunk, merge_hunks};
pub use metadata::{ConflictMetadata, MergeOperations, Triple};
