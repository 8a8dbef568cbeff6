//! Comments: PostCommentForComparedCommit, PostCommentForPullRequest, PostCommentReply,
//! GetComment, GetCommentsForComparedCommit, GetCommentsForPullRequest, UpdateComment,
//! DeleteCommentContent, PutCommentReaction, GetCommentReactions.

use serde::{Deserialize, Serialize};

use super::{
    epoch, max_results, max_results_up_to, page, repository, repository_arn, repository_target,
};
use super::{pr, pull_request_target};
use crate::codecommit::comments::{self, Place};
use crate::codecommit::content;
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::reactions::{self, Reactions};
use crate::context::Context;
use crate::operation::{Authorization, Call, Operation, Target};
use crate::principal::Principal;
use crate::store::comments::{self as rows, CommentRow};

/// A comment as CodeCommit returns it (a deleted one without its content).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub comment_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    pub creation_date: Option<f64>,
    pub last_modified_date: Option<f64>,
    pub author_arn: String,
    pub deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    pub caller_reactions: Vec<String>,
    pub reaction_counts: std::collections::BTreeMap<String, i64>,
}

impl Comment {
    /// `c` as `caller` sees it: with the caller's reactions and everyone's counts.
    fn new(c: &CommentRow, reactions: &Reactions, caller: &str) -> Comment {
        Comment {
            comment_id: c.comment_id.clone(),
            content: c.content.clone().filter(|_| !c.deleted),
            in_reply_to: c.in_reply_to.clone(),
            creation_date: epoch(&c.created_at),
            last_modified_date: epoch(&c.last_modified_at),
            author_arn: c.author_arn.clone(),
            deleted: c.deleted,
            client_request_token: c.client_request_token.clone(),
            caller_reactions: reactions.callers(&c.comment_id, caller),
            reaction_counts: reactions.counts(&c.comment_id),
        }
    }
}

/// Comments as the caller sees them, their reactions read in one go.
fn shown(call: &Call<'_>, all: &[CommentRow]) -> Result<Vec<Comment>, E> {
    let ids: Vec<&str> = all.iter().map(|c| c.comment_id.as_str()).collect();
    let reactions = Reactions::load(call.ctx, &ids)?;
    Ok(all
        .iter()
        .map(|c| Comment::new(c, &reactions, &call.principal.arn))
        .collect())
}

fn shown_one(call: &Call<'_>, c: &CommentRow) -> Result<Comment, E> {
    Ok(shown(call, std::slice::from_ref(c))?.remove(0))
}

#[derive(Debug, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_position: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_file_version: Option<String>,
}

fn location_of(c: &CommentRow) -> Option<Location> {
    c.file_path.as_ref().map(|p| Location {
        file_path: Some(p.clone()),
        file_position: c.file_position,
        relative_file_version: c.relative_file_version.clone(),
    })
}

/// Where a comment thread is, as the comment operations answer it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub repository_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_commit_id: Option<String>,
    pub after_commit_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_blob_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_blob_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Thread {
    fn of(c: &CommentRow, repository_name: &str) -> Thread {
        Thread {
            repository_name: repository_name.to_owned(),
            pull_request_id: c.pull_request_id.map(|i| i.to_string()),
            before_commit_id: c.before_commit_id.clone(),
            after_commit_id: c.after_commit_id.clone(),
            before_blob_id: c.before_blob_id.clone(),
            after_blob_id: c.after_blob_id.clone(),
            location: location_of(c),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostedComment {
    #[serde(flatten)]
    pub thread: Thread,
    pub comment: Comment,
}

/// The repository a comment belongs to, for a comment-ID request's authorization.
fn comment_target(ctx: &Context, principal: &Principal, id: Option<&str>) -> Target {
    let name = comments::get(ctx, &principal.account_id, id)
        .ok()
        .and_then(|c| {
            ctx.store
                .read(|s| crate::store::repositories::repository_name_by_id(s, &c.repository_id))
                .ok()
                .flatten()
        });
    match name {
        Some(n) => repository_target(ctx, principal, Some(&n)),
        None => Target::arn(repository_arn(ctx, principal, "*")),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostCommentForComparedCommit {
    pub repository_name: Option<String>,
    pub before_commit_id: Option<String>,
    pub after_commit_id: Option<String>,
    pub location: Option<Location>,
    pub content: Option<String>,
    pub client_request_token: Option<String>,
}

fn place<'a>(
    before: &'a Option<String>,
    after: &'a Option<String>,
    l: &'a Option<Location>,
) -> Place<'a> {
    Place {
        before: before.as_deref(),
        after: after.as_deref(),
        file_path: l.as_ref().and_then(|l| l.file_path.as_deref()),
        file_position: l.as_ref().and_then(|l| l.file_position),
        relative_file_version: l.as_ref().and_then(|l| l.relative_file_version.as_deref()),
    }
}

impl Operation for PostCommentForComparedCommit {
    const NAME: &'static str = "PostCommentForComparedCommit";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:PostCommentForComparedCommit");
    type Output = PostedComment;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<PostedComment, E> {
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let text = comments::check_content(self.content.as_deref())?;
        let repo = content::open(call.ctx, &row)?;
        let mut c = comments::new_comment(
            &repo,
            &place(
                &self.before_commit_id,
                &self.after_commit_id,
                &self.location,
            ),
            text,
        )?;
        c.account_id = row.account_id.clone();
        c.region = row.region.clone();
        c.repository_id = row.repository_id.clone();
        let c = comments::store(
            call.ctx,
            c,
            &call.principal.arn,
            self.client_request_token.as_deref(),
        )?;
        Ok(PostedComment {
            thread: Thread::of(&c, &row.name),
            comment: shown_one(call, &c)?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostCommentForPullRequest {
    pub pull_request_id: Option<String>,
    pub repository_name: Option<String>,
    pub before_commit_id: Option<String>,
    pub after_commit_id: Option<String>,
    pub location: Option<Location>,
    pub content: Option<String>,
    pub client_request_token: Option<String>,
}

impl Operation for PostCommentForPullRequest {
    const NAME: &'static str = "PostCommentForPullRequest";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:PostCommentForPullRequest");
    type Output = PostedComment;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<PostedComment, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        if row.repository_id != p.repository_id {
            return Err(crate::codecommit::pull_requests::not_associated(
                &row.name,
                p.pull_request_id,
            ));
        }
        let text = comments::check_content(self.content.as_deref())?;
        if self
            .before_commit_id
            .as_deref()
            .unwrap_or_default()
            .is_empty()
        {
            return Err(E::commit_id_required());
        }
        let repo = content::open(call.ctx, &row)?;
        let mut c = comments::new_comment(
            &repo,
            &place(
                &self.before_commit_id,
                &self.after_commit_id,
                &self.location,
            ),
            text,
        )?;
        c.account_id = p.account_id.clone();
        c.region = p.region.clone();
        c.repository_id = row.repository_id.clone();
        c.pull_request_id = Some(p.pull_request_id);
        let c = comments::store(
            call.ctx,
            c,
            &call.principal.arn,
            self.client_request_token.as_deref(),
        )?;
        Ok(PostedComment {
            thread: Thread::of(&c, &row.name),
            comment: shown_one(call, &c)?,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct CommentOutput {
    pub comment: Comment,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostCommentReply {
    pub in_reply_to: Option<String>,
    pub client_request_token: Option<String>,
    pub content: Option<String>,
}

impl Operation for PostCommentReply {
    const NAME: &'static str = "PostCommentReply";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:PostCommentReply");
    type Output = CommentOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(comment_target(ctx, principal, self.in_reply_to.as_deref()))
    }

    fn handle(self, call: &Call<'_>) -> Result<CommentOutput, E> {
        let parent = comments::get(
            call.ctx,
            &call.principal.account_id,
            self.in_reply_to.as_deref(),
        )?;
        let text = comments::check_content(self.content.as_deref())?;
        let reply = comments::store(
            call.ctx,
            comments::reply_to(&parent, text),
            &call.principal.arn,
            self.client_request_token.as_deref(),
        )?;
        Ok(CommentOutput {
            comment: shown_one(call, &reply)?,
        })
    }
}

/// A request naming one comment.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentId {
    pub comment_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GetComment(pub CommentId);

impl Operation for GetComment {
    const NAME: &'static str = "GetComment";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetComment");
    type Output = CommentOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(comment_target(ctx, principal, self.0.comment_id.as_deref()))
    }

    fn handle(self, call: &Call<'_>) -> Result<CommentOutput, E> {
        let c = comments::get(
            call.ctx,
            &call.principal.account_id,
            self.0.comment_id.as_deref(),
        )?;
        comments::not_deleted(&c)?;
        Ok(CommentOutput {
            comment: shown_one(call, &c)?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateComment {
    pub comment_id: Option<String>,
    pub content: Option<String>,
}

impl Operation for UpdateComment {
    const NAME: &'static str = "UpdateComment";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:UpdateComment");
    type Output = CommentOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(comment_target(ctx, principal, self.comment_id.as_deref()))
    }

    fn handle(self, call: &Call<'_>) -> Result<CommentOutput, E> {
        let c = comments::get(
            call.ctx,
            &call.principal.account_id,
            self.comment_id.as_deref(),
        )?;
        let text = comments::check_content(self.content.as_deref())?;
        let c = comments::change(call.ctx, c, Some(text), &call.principal.arn)?;
        Ok(CommentOutput {
            comment: shown_one(call, &c)?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct DeleteCommentContent(pub CommentId);

impl Operation for DeleteCommentContent {
    const NAME: &'static str = "DeleteCommentContent";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:DeleteCommentContent");
    type Output = CommentOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(comment_target(ctx, principal, self.0.comment_id.as_deref()))
    }

    fn handle(self, call: &Call<'_>) -> Result<CommentOutput, E> {
        let c = comments::get(
            call.ctx,
            &call.principal.account_id,
            self.0.comment_id.as_deref(),
        )?;
        let c = comments::change(call.ctx, c, None, &call.principal.arn)?;
        Ok(CommentOutput {
            comment: shown_one(call, &c)?,
        })
    }
}

/// A thread with its comments, as the listing operations answer it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadComments {
    #[serde(flatten)]
    pub thread: Thread,
    pub comments: Vec<Comment>,
}

fn listed(
    call: &Call<'_>,
    all: Vec<CommentRow>,
    repository_name: &str,
) -> Result<Vec<ThreadComments>, E> {
    comments::threads(all)
        .into_iter()
        .map(|t| {
            Ok(ThreadComments {
                thread: Thread::of(&t[0], repository_name),
                comments: shown(call, &t)?,
            })
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetCommentsForComparedCommit {
    pub repository_name: Option<String>,
    pub before_commit_id: Option<String>,
    pub after_commit_id: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentsForComparedCommitOutput {
    pub comments_for_compared_commit_data: Vec<ThreadComments>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for GetCommentsForComparedCommit {
    const NAME: &'static str = "GetCommentsForComparedCommit";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:GetCommentsForComparedCommit");
    type Output = CommentsForComparedCommitOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<CommentsForComparedCommitOutput, E> {
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let max = max_results(self.max_results)?;
        let repo = content::open(call.ctx, &row)?;
        let after = self
            .after_commit_id
            .as_deref()
            .filter(|a| !a.is_empty())
            .ok_or_else(E::commit_id_required)?;
        let after = content::find_commit(&repo, after)?.id().to_string();
        let before = match self.before_commit_id.as_deref().filter(|b| !b.is_empty()) {
            Some(b) => Some(content::find_commit(&repo, b)?.id().to_string()),
            None => None,
        };
        let all = call
            .ctx
            .store
            .read(|c| rows::for_commits(c, &row.repository_id, before.as_deref(), &after))?;
        let (data, next_token) = page(
            listed(call, all, &row.name)?,
            self.next_token.as_deref(),
            max,
        )?;
        Ok(CommentsForComparedCommitOutput {
            comments_for_compared_commit_data: data,
            next_token,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetCommentsForPullRequest {
    pub pull_request_id: Option<String>,
    pub repository_name: Option<String>,
    pub before_commit_id: Option<String>,
    pub after_commit_id: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentsForPullRequestOutput {
    pub comments_for_pull_request_data: Vec<ThreadComments>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for GetCommentsForPullRequest {
    const NAME: &'static str = "GetCommentsForPullRequest";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:GetCommentsForPullRequest");
    type Output = CommentsForPullRequestOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(pull_request_target(
            ctx,
            principal,
            self.pull_request_id.as_deref(),
            false,
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<CommentsForPullRequestOutput, E> {
        let p = pr(call, self.pull_request_id.as_deref())?;
        if let Some(name) = self.repository_name.as_deref().filter(|n| !n.is_empty()) {
            let row = repository(call.ctx, call.principal, Some(name))?;
            if row.repository_id != p.repository_id {
                return Err(crate::codecommit::pull_requests::not_associated(
                    name,
                    p.pull_request_id,
                ));
            }
        }
        let max = max_results(self.max_results)?;
        let all = call.ctx.store.read(|c| {
            rows::for_pull_request(
                c,
                &p.account_id,
                &p.region,
                p.pull_request_id,
                self.before_commit_id.as_deref().filter(|b| !b.is_empty()),
                self.after_commit_id.as_deref().filter(|a| !a.is_empty()),
            )
        })?;
        let (data, next_token) = page(
            listed(call, all, &p.repository_name)?,
            self.next_token.as_deref(),
            max,
        )?;
        Ok(CommentsForPullRequestOutput {
            comments_for_pull_request_data: data,
            next_token,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutCommentReaction {
    pub comment_id: Option<String>,
    pub reaction_value: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

impl Operation for PutCommentReaction {
    const NAME: &'static str = "PutCommentReaction";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:PutCommentReaction");
    type Output = Empty;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(comment_target(ctx, principal, self.comment_id.as_deref()))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, E> {
        let c = comments::get(
            call.ctx,
            &call.principal.account_id,
            self.comment_id.as_deref(),
        )?;
        let reaction = reactions::parse(self.reaction_value.as_deref())?;
        comments::not_deleted(&c)?;
        reactions::put(call.ctx, &c.comment_id, &call.principal.arn, reaction)?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetCommentReactions {
    pub comment_id: Option<String>,
    pub reaction_user_arn: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReactionValue {
    pub emoji: &'static str,
    pub short_code: &'static str,
    pub unicode: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReactionForComment {
    pub reaction: ReactionValue,
    pub reaction_users: Vec<String>,
    pub reactions_from_deleted_users_count: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentReactionsOutput {
    pub reactions_for_comment: Vec<ReactionForComment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// GetCommentReactions' page size when the request names none (its maximum).
const MAX_REACTIONS: i64 = 1000;

impl Operation for GetCommentReactions {
    const NAME: &'static str = "GetCommentReactions";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetCommentReactions");
    type Output = CommentReactionsOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(comment_target(ctx, principal, self.comment_id.as_deref()))
    }

    fn handle(self, call: &Call<'_>) -> Result<CommentReactionsOutput, E> {
        let c = comments::get(
            call.ctx,
            &call.principal.account_id,
            self.comment_id.as_deref(),
        )?;
        comments::not_deleted(&c)?;
        let user = self.reaction_user_arn.as_deref().filter(|u| !u.is_empty());
        if let Some(u) = user
            && !is_identity_arn(u)
        {
            return Err(E::invalid_reaction_user_arn(u));
        }
        let max = max_results_up_to(self.max_results, MAX_REACTIONS, MAX_REACTIONS)?;
        let reactions = Reactions::load(call.ctx, &[c.comment_id.as_str()])?;
        let all: Vec<ReactionForComment> = reactions
            .grouped(&c.comment_id, user)
            .into_iter()
            .map(|(r, users)| ReactionForComment {
                reaction: ReactionValue {
                    emoji: r.emoji,
                    short_code: r.short_code,
                    unicode: r.unicode,
                },
                reaction_users: users,
                reactions_from_deleted_users_count: 0,
            })
            .collect();
        let (reactions_for_comment, next_token) = page(all, self.next_token.as_deref(), max)?;
        Ok(CommentReactionsOutput {
            reactions_for_comment,
            next_token,
        })
    }
}

/// `arn:aws:iam::ACCOUNT:…` or `arn:aws:sts::ACCOUNT:…`: what a reaction's user can be.
fn is_identity_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && matches!(parts[2], "iam" | "sts")
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && !parts[5].is_empty()
}
