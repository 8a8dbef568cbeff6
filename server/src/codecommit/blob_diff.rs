//! GetBlobDifferences: line hunks between two blobs, as `git diff` computes them (libgit2's
//! Myers diff, the same hunk boundaries and line numbers as git's unified headers).

use git2::{DiffOptions, Patch};

use crate::codecommit::error::CodeCommitError as E;

/// The context lines GetBlobDifferences allows, and its default.
pub const MAX_CONTEXT: u32 = 20;
pub const DEFAULT_CONTEXT: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Context,
    Add,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub change: Change,
    pub before: Option<u32>,
    pub after: Option<u32>,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub before_start: u32,
    pub before_count: u32,
    pub after_start: u32,
    pub after_count: u32,
    pub lines: Vec<Line>,
}

/// Git's test for binary content: a NUL byte in the first 8000 bytes.
pub fn is_binary(content: &[u8]) -> bool {
    content[..content.len().min(8000)].contains(&0)
}

/// The hunks turning `before` into `after`.
pub fn hunks(
    before: &[u8],
    after: &[u8],
    context: u32,
    ignore_whitespace: bool,
) -> Result<Vec<Hunk>, E> {
    let mut opts = DiffOptions::new();
    opts.context_lines(context)
        .interhunk_lines(0)
        .ignore_whitespace(ignore_whitespace)
        .force_text(true);
    let patch = Patch::from_buffers(before, None, after, None, Some(&mut opts))
        .map_err(|e| E::internal(format!("diffing blobs: {e}")))?;
    let mut out = Vec::with_capacity(patch.num_hunks());
    for h in 0..patch.num_hunks() {
        let (hunk, n) = patch
            .hunk(h)
            .map_err(|e| E::internal(format!("reading a hunk: {e}")))?;
        let mut lines = Vec::with_capacity(n);
        for l in 0..n {
            let line = patch
                .line_in_hunk(h, l)
                .map_err(|e| E::internal(format!("reading a line: {e}")))?;
            let change = match line.origin() {
                ' ' => Change::Context,
                '+' => Change::Add,
                '-' => Change::Delete,
                // "\ No newline at end of file" markers are not lines of either blob.
                _ => continue,
            };
            let text = line.content();
            let text = text.strip_suffix(b"\n").unwrap_or(text);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            lines.push(Line {
                change,
                before: line.old_lineno(),
                after: line.new_lineno(),
                content: String::from_utf8_lossy(text).into_owned(),
            });
        }
        out.push(Hunk {
            before_start: hunk.old_start(),
            before_count: hunk.old_lines(),
            after_start: hunk.new_start(),
            after_count: hunk.new_lines(),
            lines,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_match_a_unified_diff() {
        let before = b"a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        let after = b"a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
        let h = hunks(before, after, 1, false).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(
            (
                h[0].before_start,
                h[0].before_count,
                h[0].after_start,
                h[0].after_count
            ),
            (1, 3, 1, 3)
        );
        let kinds: Vec<Change> = h[0].lines.iter().map(|l| l.change).collect();
        assert_eq!(
            kinds,
            [
                Change::Context,
                Change::Delete,
                Change::Add,
                Change::Context
            ]
        );
        assert_eq!(h[0].lines[1].content, "b");
        assert_eq!(h[0].lines[1].before, Some(2));
        assert_eq!(h[0].lines[1].after, None);
        assert_eq!(
            (
                h[1].before_start,
                h[1].before_count,
                h[1].after_start,
                h[1].after_count
            ),
            (10, 1, 10, 2)
        );
        assert!(hunks(b"x  y\n", b"x y\n", 3, true).unwrap().is_empty());
        assert_eq!(hunks(b"", b"new\n", 3, false).unwrap()[0].before_start, 0);
    }
}
