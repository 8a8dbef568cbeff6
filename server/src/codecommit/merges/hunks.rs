//! Merge hunks: the regions of a text file that either side changed, each side's lines
//! there, and whether both changed them differently.

use serde::Serialize;

use super::compute::{Conflict, Merge, Side};
use super::metadata::object_type;
use crate::codecommit::error::CodeCommitError as E;

impl Merge<'_> {
    /// The merge hunks of a text file's three versions (none for binaries, folders, or a
    /// side that does not have it).
    pub fn hunks(&self, c: &Conflict) -> Result<Vec<MergeHunk>, E> {
        let text = |s: Option<Side>| -> Option<Vec<u8>> {
            let s = s.filter(|s| object_type(s.mode) == "FILE")?;
            let blob = self.repo.find_blob(s.id).ok()?;
            (!blob.is_binary()).then(|| blob.content().to_vec())
        };
        let (Some(d), Some(s)) = (text(c.destination), text(c.source)) else {
            return Ok(Vec::new());
        };
        merge_hunks(&text(c.base).unwrap_or_default(), &d, &s)
    }
}

/// One region of a file that either side changed, as CodeCommit reports it: each side's
/// lines there (`startLine` counted from 0, `endLine` exclusive) and content (base64).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeHunk {
    pub is_conflict: bool,
    pub source: HunkDetail,
    pub destination: HunkDetail,
    pub base: HunkDetail,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HunkDetail {
    pub start_line: i64,
    pub end_line: i64,
    pub hunk_content: String,
}

/// A change of one side against the base, as half-open line ranges (base, side).
#[derive(Debug, Clone, Copy)]
struct Change {
    base: (usize, usize),
    side: (usize, usize),
}

fn lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|&b| b == b'\n').collect()
}

/// The changes from `base` to `side`, from libgit2's diff without context.
fn changes(base: &[u8], side: &[u8]) -> Result<Vec<Change>, E> {
    let mut opts = git2::DiffOptions::new();
    opts.context_lines(0);
    let patch = git2::Patch::from_buffers(base, None, side, None, Some(&mut opts))?;
    let mut out = Vec::new();
    for i in 0..patch.num_hunks() {
        let (h, _) = patch.hunk(i)?;
        // libgit2 numbers lines from 1; an empty range starts after the line it names.
        let range = |start: u32, count: u32| {
            let start = start as usize;
            if count == 0 {
                (start, start)
            } else {
                (start - 1, start - 1 + count as usize)
            }
        };
        out.push(Change {
            base: range(h.old_start(), h.old_lines()),
            side: range(h.new_start(), h.new_lines()),
        });
    }
    Ok(out)
}

/// Where the region `[b0, b1)` of the base lies in a side with `changes`: the changes that
/// start before it shift its start, those that start inside it (`b0 ≤ start ≤ b1`, how the
/// regions are built) shift its end too.
fn map_range(changes: &[Change], b0: usize, b1: usize) -> (usize, usize) {
    let shift = |c: &Change| (c.side.1 - c.side.0) as i64 - (c.base.1 - c.base.0) as i64;
    let before: i64 = changes.iter().filter(|c| c.base.0 < b0).map(shift).sum();
    let inside: i64 = changes
        .iter()
        .filter(|c| (b0..=b1).contains(&c.base.0))
        .map(shift)
        .sum();
    (
        (b0 as i64 + before) as usize,
        (b1 as i64 + before + inside) as usize,
    )
}

fn detail(text: &[&[u8]], range: (usize, usize)) -> HunkDetail {
    use base64::Engine;
    let content: Vec<u8> = text[range.0.min(text.len())..range.1.min(text.len())].concat();
    HunkDetail {
        start_line: range.0 as i64,
        end_line: range.1 as i64,
        hunk_content: base64::engine::general_purpose::STANDARD.encode(content),
    }
}

/// The hunks of a three-way merge of text files: every region either side changed (regions
/// that overlap or touch are one), a conflict where both changed it differently.
pub fn merge_hunks(base: &[u8], destination: &[u8], source: &[u8]) -> Result<Vec<MergeHunk>, E> {
    let (dst_changes, src_changes) = (changes(base, destination)?, changes(base, source)?);
    let mut all: Vec<(Change, bool)> = dst_changes
        .iter()
        .map(|c| (*c, false))
        .chain(src_changes.iter().map(|c| (*c, true)))
        .collect();
    all.sort_by_key(|(c, _)| c.base);
    let mut regions: Vec<(usize, usize, bool, bool)> = Vec::new();
    for (c, from_source) in all {
        match regions.last_mut() {
            Some(r) if c.base.0 <= r.1 => {
                r.1 = r.1.max(c.base.1);
                if from_source {
                    r.3 = true;
                } else {
                    r.2 = true;
                }
            }
            _ => regions.push((c.base.0, c.base.1, !from_source, from_source)),
        }
    }
    let (b, d, s) = (lines(base), lines(destination), lines(source));
    let mut out = Vec::new();
    for (b0, b1, dst_changed, src_changed) in regions {
        let dr = map_range(&dst_changes, b0, b1);
        let sr = map_range(&src_changes, b0, b1);
        let dst_text: Vec<u8> = d[dr.0.min(d.len())..dr.1.min(d.len())].concat();
        let src_text: Vec<u8> = s[sr.0.min(s.len())..sr.1.min(s.len())].concat();
        out.push(MergeHunk {
            is_conflict: dst_changed && src_changed && dst_text != src_text,
            source: detail(&s, sr),
            destination: detail(&d, dr),
            base: detail(&b, (b0, b1)),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(h: &HunkDetail) -> String {
        use base64::Engine;
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(&h.hunk_content)
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn hunks_map_each_side_and_flag_conflicts() {
        let base = b"a\nb\nc\nd\ne\nf\n";
        // Destination: b changed, a line inserted after e. Source: b changed otherwise,
        // f deleted.
        let dst = b"a\nB-dst\nc\nd\ne\nnew\nf\n";
        let src = b"a\nB-src\nc\nd\ne\n";
        let hunks = merge_hunks(base, dst, src).unwrap();
        assert_eq!(hunks.len(), 2, "{hunks:?}");
        let first = &hunks[0];
        assert!(first.is_conflict);
        assert_eq!((first.base.start_line, first.base.end_line), (1, 2));
        assert_eq!(text(&first.destination), "B-dst\n");
        assert_eq!(text(&first.source), "B-src\n");
        // Inserting after e (destination) touches deleting f (source): one region.
        let second = &hunks[1];
        assert!(second.is_conflict);
        assert_eq!((second.base.start_line, second.base.end_line), (5, 6));
        assert_eq!(text(&second.base), "f\n");
        assert_eq!(text(&second.destination), "new\nf\n");
        assert_eq!((second.source.start_line, second.source.end_line), (5, 5));

        // One side's change alone is a hunk, not a conflict; positions follow earlier shifts.
        let dst = b"x\ny\na\nb\nc\nd\ne\nf\n";
        let src = b"a\nb\nc\nd\nE\nf\n";
        let hunks = merge_hunks(base, dst, src).unwrap();
        assert_eq!(hunks.len(), 2);
        assert!(hunks.iter().all(|h| !h.is_conflict));
        assert_eq!(
            (
                hunks[1].destination.start_line,
                hunks[1].destination.end_line
            ),
            (6, 7)
        );
        assert_eq!(text(&hunks[1].destination), "e\n");
        assert_eq!(text(&hunks[1].source), "E\n");
    }
}
