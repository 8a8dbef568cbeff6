//! CodeCommit's description of a conflicting file: sizes, modes, object types, what each
//! side did to it and how many conflicting hunks it has.

use serde::Serialize;

use super::compute::{Conflict, Merge, Side};

/// CodeCommit's description of one conflicting file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictMetadata {
    pub file_path: String,
    pub file_sizes: Triple<i64>,
    pub file_modes: Triple<&'static str>,
    pub object_types: Triple<&'static str>,
    pub number_of_conflicts: i64,
    pub is_binary_file: Triple<bool>,
    pub content_conflict: bool,
    pub file_mode_conflict: bool,
    pub object_type_conflict: bool,
    pub merge_operations: MergeOperations,
}

#[derive(Debug, Clone, Serialize)]
pub struct Triple<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<T>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MergeOperations {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<&'static str>,
}

pub(super) fn object_type(mode: u32) -> &'static str {
    match mode {
        0o040000 => "DIRECTORY",
        0o160000 => "GIT_LINK",
        0o120000 => "SYMBOLIC_LINK",
        _ => "FILE",
    }
}

fn file_mode(mode: u32) -> Option<&'static str> {
    match mode {
        0o100755 => Some("EXECUTABLE"),
        0o100644 => Some("NORMAL"),
        0o120000 => Some("SYMLINK"),
        _ => None,
    }
}

/// A (side's) change against the base: A, M or D (none when unchanged).
fn operation(base: Option<Side>, side: Option<Side>) -> Option<&'static str> {
    match (base, side) {
        (None, Some(_)) => Some("A"),
        (Some(_), None) => Some("D"),
        (Some(b), Some(s)) if b != s => Some("M"),
        _ => None,
    }
}

impl Merge<'_> {
    /// The metadata CodeCommit reports for a conflict.
    pub fn metadata(&self, c: &Conflict) -> ConflictMetadata {
        let blob = |s: Option<Side>| {
            s.filter(|s| object_type(s.mode) == "FILE" || object_type(s.mode) == "SYMBOLIC_LINK")
                .and_then(|s| self.repo.find_blob(s.id).ok())
        };
        let (b, d, s) = (blob(c.base), blob(c.destination), blob(c.source));
        let triple = |f: &dyn Fn(Side) -> Option<&'static str>| Triple {
            source: c.source.and_then(f),
            destination: c.destination.and_then(f),
            base: c.base.and_then(f),
        };
        let sizes = Triple {
            source: s.as_ref().map(|b| b.size() as i64),
            destination: d.as_ref().map(|b| b.size() as i64),
            base: b.as_ref().map(|b| b.size() as i64),
        };
        let binary = Triple {
            source: s.as_ref().map(|b| b.is_binary()),
            destination: d.as_ref().map(|b| b.is_binary()),
            base: b.as_ref().map(|b| b.is_binary()),
        };
        let types = (
            c.source.map(|s| object_type(s.mode)),
            c.destination.map(|d| object_type(d.mode)),
        );
        let object_type_conflict = matches!(types, (Some(a), Some(b)) if a != b);
        let modes_changed = |side: Option<Side>| match (c.base, side) {
            (Some(b), Some(s)) => b.mode != s.mode,
            _ => false,
        };
        let file_mode_conflict = !object_type_conflict
            && matches!((c.source, c.destination), (Some(s), Some(d)) if s.mode != d.mode)
            && modes_changed(c.source)
            && modes_changed(c.destination);
        let content_conflict = match (c.source, c.destination) {
            (Some(s), Some(d)) => s.id != d.id && !object_type_conflict,
            // A change on one side against a deletion on the other.
            (Some(_), None) | (None, Some(_)) => c.base.is_some(),
            (None, None) => false,
        };
        let number_of_conflicts = match (&b, &d, &s) {
            (_, Some(d), Some(s)) if content_conflict && !d.is_binary() && !s.is_binary() => {
                conflict_hunks(b.as_ref().map(|b| b.content()), d.content(), s.content())
            }
            _ => i64::from(content_conflict || file_mode_conflict || object_type_conflict),
        };
        ConflictMetadata {
            file_path: c.path.clone(),
            file_sizes: sizes,
            file_modes: triple(&|s: Side| file_mode(s.mode)),
            object_types: triple(&|s: Side| Some(object_type(s.mode))),
            number_of_conflicts,
            is_binary_file: binary,
            content_conflict,
            file_mode_conflict,
            object_type_conflict,
            merge_operations: MergeOperations {
                source: operation(c.base, c.source),
                destination: operation(c.base, c.destination),
            },
        }
    }
}

/// How many conflicting hunks a line-level merge of the three versions leaves (at least
/// one: a FILE_LEVEL conflict whose lines merge cleanly still counts).
fn conflict_hunks(base: Option<&[u8]>, ours: &[u8], theirs: &[u8]) -> i64 {
    let mut b = git2::MergeFileInput::new();
    b.content(base.unwrap_or_default());
    let mut o = git2::MergeFileInput::new();
    o.content(ours);
    let mut t = git2::MergeFileInput::new();
    t.content(theirs);
    match git2::merge_file(&b, &o, &t, None) {
        Ok(r) if !r.is_automergeable() => {
            let n = r
                .content()
                .split(|&c| c == b'\n')
                .filter(|l| l.starts_with(b"<<<<<<<"))
                .count() as i64;
            n.max(1)
        }
        _ => 1,
    }
}
