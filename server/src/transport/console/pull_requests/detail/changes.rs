//! The changes tab: the patch between the merge base and the source, with comments shown
//! (and added) on their lines.

use std::collections::HashMap;
use std::sync::Arc;

use maud::{Markup, PreEscaped, html};

use super::super::{pr_link, who};
use super::repo_of;
use crate::codecommit::browse::Line;
use crate::codecommit::ops::browse::GetCommitPatch;
use crate::codecommit::ops::comments::{Comment, GetCommentsForPullRequest, ThreadComments};
use crate::codecommit::ops::pull_requests::{PullRequest, PullRequestTarget};
use crate::codecommit::ops::repository_arn;
use crate::transport::console::diff::{Annotate, patch_view, shown_path};
use crate::transport::console::layout::{ago_epoch, csrf};
use crate::transport::console::{PageError, Viewer, call, enc, markdown};
use crate::transport::state::TransportState;

/// Every comment of the pull request, all pages of them.
pub(super) async fn all_comments(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    p: &PullRequest,
) -> Result<Vec<ThreadComments>, PageError> {
    let mut out = Vec::new();
    let mut next = None;
    loop {
        let page = call(
            ctx,
            viewer,
            GetCommentsForPullRequest {
                pull_request_id: Some(p.pull_request_id.clone()),
                repository_name: None,
                before_commit_id: None,
                after_commit_id: None,
                next_token: next,
                max_results: Some(100),
            },
        )
        .await?;
        out.extend(page.comments_for_pull_request_data);
        match page.next_token {
            Some(n) => next = Some(n),
            None => return Ok(out),
        }
    }
}

/// Where a comment on a line is: (path, `BEFORE`/`AFTER`, line).
pub(super) type Spot = (String, String, i64);

pub(super) fn spot_of(thread: &ThreadComments) -> Option<Spot> {
    let l = thread.thread.location.as_ref()?;
    Some((
        l.file_path.clone()?,
        l.relative_file_version
            .clone()
            .unwrap_or_else(|| "AFTER".into()),
        l.file_position?,
    ))
}

/// The line's place in the version a comment on it is about: a removed line's in the
/// destination, any other line's in the source.
pub(super) fn spot_of_line(path: &str, l: &Line) -> Option<Spot> {
    match (l.origin, l.old, l.new) {
        ('-', Some(old), _) => Some((path.to_owned(), "BEFORE".into(), old.into())),
        (_, _, Some(new)) => Some((path.to_owned(), "AFTER".into(), new.into())),
        _ => None,
    }
}

pub(super) fn parse_at(at: &str) -> Option<Spot> {
    let (version, rest) = at.split_once(':')?;
    let (line, path) = rest.split_once(':')?;
    Some((path.to_owned(), version.to_owned(), line.parse().ok()?))
}

pub(super) struct LineComments<'a> {
    viewer: &'a Viewer,
    link: String,
    first_file: usize,
    threads: HashMap<Spot, Vec<&'a Comment>>,
    form_at: Option<Spot>,
    may_comment: bool,
    before: &'a str,
    after: &'a str,
}

impl Annotate for LineComments<'_> {
    fn line_link(&self, path: &str, line: &Line) -> Option<String> {
        let (path, version, n) = spot_of_line(path, line).filter(|_| self.may_comment)?;
        Some(format!(
            "{}?tab=changes&files={}&at={}#comment-form",
            self.link,
            self.first_file,
            enc(&format!("{version}:{n}:{path}"))
        ))
    }

    fn after_line(&self, path: &str, line: &Line) -> Option<Markup> {
        let spot = spot_of_line(path, line)?;
        let comments = self.threads.get(&spot);
        let form_here = self.form_at.as_ref() == Some(&spot);
        if comments.is_none() && !form_here {
            return None;
        }
        Some(html! {
            div.thread data-testid="line-comments" {
                @if let Some(cs) = comments { @for c in cs { (comment_box(c)) } }
                @if form_here {
                    form #comment-form method="post" action={(self.link) "/comments"} {
                        (csrf(self.viewer))
                        input type="hidden" name="path" value=(spot.0);
                        input type="hidden" name="version" value=(spot.1);
                        input type="hidden" name="line" value=(spot.2);
                        input type="hidden" name="before" value=(self.before);
                        input type="hidden" name="after" value=(self.after);
                        input type="hidden" name="back" value="changes";
                        input type="hidden" name="files" value=(self.first_file);
                        label for="line-comment" { "Comment on line " (spot.2) }
                        textarea #line-comment name="content" rows="3" required maxlength="10240" {}
                        div.submit { button.btn.primary type="submit" { "Comment" } }
                    }
                }
            }
        })
    }
}

pub(super) fn comment_box(c: &Comment) -> Markup {
    html! {
        div.comment data-testid="comment" {
            p.meta {
                strong { (who(&c.author_arn)) }
                @if let Some(d) = c.creation_date { " · " (ago_epoch(d)) }
            }
            @if c.deleted { p.empty { "This comment was deleted." } }
            @else if let Some(text) = &c.content { div.readme { (PreEscaped(markdown::render(text))) } }
        }
    }
}

pub(super) async fn changes(
    ctx: &Arc<TransportState>,
    viewer: &Viewer,
    p: &PullRequest,
    t: &PullRequestTarget,
    at: Option<&str>,
    first_file: usize,
) -> Result<Markup, PageError> {
    let patch = call(
        ctx,
        viewer,
        GetCommitPatch {
            repository_name: t.repository_name.clone(),
            before_commit_id: Some(t.destination_commit.clone()),
            commit_id: t.source_commit.clone(),
            since_merge_base: true,
            first_file,
        },
    )
    .await?
    .patch;
    let comments = all_comments(ctx, viewer, p).await?;
    let mut threads: HashMap<Spot, Vec<&Comment>> = HashMap::new();
    for thread in &comments {
        if let Some(spot) = spot_of(thread) {
            threads
                .entry(spot)
                .or_default()
                .extend(thread.comments.iter());
        }
    }
    let repo_arn = repository_arn(ctx, &viewer.principal, repo_of(p));
    let link = pr_link(&t.repository_name, &p.pull_request_id);
    let notes = LineComments {
        viewer,
        link: link.clone(),
        first_file,
        threads,
        form_at: at.and_then(parse_at),
        may_comment: viewer.may(ctx, "codecommit:PostCommentForPullRequest", &repo_arn),
        before: &t.destination_commit,
        after: &t.source_commit,
    };
    // Comments on files the diff no longer has (only known when it is all on this page).
    let whole = patch.first == 0 && patch.files.len() == patch.total_files;
    let paths: Vec<&str> = patch.files.iter().map(shown_path).collect();
    let elsewhere: Vec<&ThreadComments> = comments
        .iter()
        .filter(|c| whole && spot_of(c).is_some_and(|s| !paths.contains(&s.0.as_str())))
        .collect();
    let page_link = |first: usize| format!("{link}?tab=changes&files={first}");
    Ok(html! {
        @if notes.may_comment { p.hint { "Select a line number to comment on that line." } }
        (patch_view(&patch, &notes, &page_link))
        @if !elsewhere.is_empty() {
            section.card {
                header { h2 { "Comments on lines no longer in the diff" } }
                div.body { @for t in elsewhere { @for c in &t.comments { (comment_box(c)) } } }
            }
        }
    })
}
