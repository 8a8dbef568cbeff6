//! A unified diff as the console shows it: one card per file, added and removed lines
//! coloured, with room for what a page hangs on its lines (a pull request's comments).

use maud::{Markup, html};

use super::layout::flash;
use super::repo::count;
use crate::codecommit::browse::{FilePatch, Line, PATCH_FILES, PatchPage};

/// What a page adds to a diff's lines.
pub trait Annotate {
    /// Where a line's number links to (a pull request's comment form), if anywhere.
    fn line_link(&self, _path: &str, _line: &Line) -> Option<String> {
        None
    }
    /// What follows a line in the table (its comments, a form).
    fn after_line(&self, _path: &str, _line: &Line) -> Option<Markup> {
        None
    }
}

/// A diff with nothing added.
pub struct Plain;
impl Annotate for Plain {}

/// The path a file is shown under (its new one, unless it was deleted).
pub fn shown_path(f: &FilePatch) -> &str {
    f.new_path
        .as_deref()
        .or(f.old_path.as_deref())
        .unwrap_or_default()
}

/// "2 files changed, 3 additions, 1 deletion" (of the files shown, when a page shows some).
pub fn summary(page: &PatchPage) -> Markup {
    let (added, removed) = page
        .files
        .iter()
        .fold((0, 0), |(a, r), f| (a + f.added, r + f.removed));
    let partial = page.files.len() < page.total_files;
    html! {
        p.stat {
            (count(page.total_files, "file", "files")) " changed"
            @if partial {
                "; files " (page.first + 1) "–" (page.first + page.files.len()) " shown, with "
            } @else { ", " }
            span.plus { (count(added, "addition", "additions")) } ", "
            span.minus { (count(removed, "deletion", "deletions")) }
        }
    }
}

/// A page of a patch: its summary, its files, and links to the files before and after
/// (`link(first)` is the page starting at file `first`).
pub fn patch_view(
    page: &PatchPage,
    notes: &dyn Annotate,
    link: &dyn Fn(usize) -> String,
) -> Markup {
    let shown_to = page.first + page.files.len();
    html! {
        section.card { div.body { (summary(page)) } }
        @if page.truncated {
            (flash("info", "This diff is too large to show whole.", "Only its first lines are shown."))
        }
        @for f in &page.files { (file_diff(f, notes)) }
        @if page.first > 0 || shown_to < page.total_files {
            div.pager data-testid="diff-pager" {
                @if page.first > 0 {
                    a.btn href=(link(page.first.saturating_sub(PATCH_FILES))) { "Previous files" }
                }
                @if shown_to < page.total_files {
                    a.btn href=(link(shown_to)) { "Next files" }
                }
            }
        }
    }
}

pub fn file_diff(f: &FilePatch, notes: &dyn Annotate) -> Markup {
    let path = shown_path(f);
    let number = |n: Option<u32>, l: &Line| match (n, notes.line_link(path, l)) {
        (Some(n), Some(href)) => html! { a href=(href) title="Comment on this line" { (n) } },
        (Some(n), None) => html! { (n) },
        (None, _) => html! {},
    };
    html! {
        section.card.file data-testid="diff-file" {
            header {
                h2.path {
                    @if f.change == 'R' { (f.old_path.as_deref().unwrap_or_default()) " → " }
                    (path)
                }
                span.stat {
                    span.badge { (match f.change { 'A' => "added", 'D' => "deleted", 'R' => "renamed", _ => "modified" }) }
                    " " span.plus { "+" (f.added) } " " span.minus { "−" (f.removed) }
                }
            }
            @if f.binary {
                p.empty { "Binary file changed." }
            } @else {
                table.code.diff {
                    tbody {
                        @for h in &f.hunks {
                            tr.hunk { td.ln {} td.ln {} td { (h.header) } }
                            @for l in &h.lines {
                                tr class=(match l.origin { '+' => "add", '-' => "del", _ => "ctx" }) {
                                    td.ln { (number(l.old, l)) }
                                    td.ln { (number(l.new, l)) }
                                    td { (l.origin) (l.text) }
                                }
                                @if let Some(extra) = notes.after_line(path, l) {
                                    tr.note { td colspan="3" { (extra) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
