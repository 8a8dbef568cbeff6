//! Emoji reactions to comments: CodeCommit's fixed set, one reaction per user and comment.

use std::collections::BTreeMap;

use crate::codecommit::error::CodeCommitError as E;
use crate::context::Context;
use crate::store::comments as rows;
use crate::store::now_timestamp;

/// One reaction CodeCommit offers: the emoji, its short code and its code point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reaction {
    pub emoji: &'static str,
    pub short_code: &'static str,
    pub unicode: &'static str,
}

const fn r(emoji: &'static str, short_code: &'static str, unicode: &'static str) -> Reaction {
    Reaction {
        emoji,
        short_code,
        unicode,
    }
}

/// The reactions CodeCommit accepts.
pub const REACTIONS: &[Reaction] = &[
    r("\u{1F44D}", ":thumbsup:", "U+1F44D"),
    r("\u{1F44E}", ":thumbsdown:", "U+1F44E"),
    r("\u{1F600}", ":smile:", "U+1F600"),
    r("\u{1F602}", ":laugh:", "U+1F602"),
    r("\u{1F615}", ":confused:", "U+1F615"),
    r("\u{2764}", ":heart:", "U+2764"),
    r("\u{1F389}", ":hooray:", "U+1F389"),
    r("\u{1F680}", ":rocket:", "U+1F680"),
    r("\u{1F440}", ":eyes:", "U+1F440"),
];

pub fn by_short_code(code: &str) -> Option<&'static Reaction> {
    REACTIONS.iter().find(|r| r.short_code == code)
}

/// A PutCommentReaction value: an emoji, its short code (with or without colons) or its
/// code point; blank or `none` removes the caller's reaction (None).
pub fn parse(value: Option<&str>) -> Result<Option<&'static Reaction>, E> {
    let value = value.ok_or_else(E::reaction_value_required)?;
    let v = value.trim();
    if v.is_empty() || v.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let bare = v.trim_matches(':');
    REACTIONS
        .iter()
        .find(|r| {
            r.emoji == v.trim_end_matches('\u{FE0F}')
                || r.short_code.trim_matches(':') == bare
                || r.unicode.eq_ignore_ascii_case(v)
        })
        .map(Some)
        .ok_or_else(|| E::invalid_reaction_value(value))
}

/// Sets the caller's reaction to a comment (None removes it).
pub fn put(
    ctx: &Context,
    comment_id: &str,
    caller: &str,
    reaction: Option<&Reaction>,
) -> Result<(), E> {
    let now = now_timestamp();
    ctx.store.write(|c| {
        rows::set_reaction(c, comment_id, caller, reaction.map(|r| r.short_code), &now)
    })?;
    Ok(())
}

/// The reactions of some comments: per comment, each reaction with its users in order.
#[derive(Debug, Default)]
pub struct Reactions {
    by_comment: BTreeMap<String, Vec<(String, String)>>,
}

impl Reactions {
    pub fn load(ctx: &Context, comment_ids: &[&str]) -> Result<Reactions, E> {
        let all = ctx.store.read(|c| rows::reactions(c, comment_ids))?;
        let mut by_comment: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (comment, user, code) in all {
            by_comment.entry(comment).or_default().push((user, code));
        }
        Ok(Reactions { by_comment })
    }

    fn of(&self, comment_id: &str) -> &[(String, String)] {
        self.by_comment
            .get(comment_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The caller's own reactions to a comment (short codes).
    pub fn callers(&self, comment_id: &str, caller: &str) -> Vec<String> {
        self.of(comment_id)
            .iter()
            .filter(|(u, _)| u == caller)
            .map(|(_, code)| code.clone())
            .collect()
    }

    /// How many users reacted with each reaction (short code → count).
    pub fn counts(&self, comment_id: &str) -> BTreeMap<String, i64> {
        let mut counts = BTreeMap::new();
        for (_, code) in self.of(comment_id) {
            *counts.entry(code.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// Each reaction to a comment in table order, with the users who gave it (optionally
    /// only `user`'s).
    pub fn grouped(
        &self,
        comment_id: &str,
        user: Option<&str>,
    ) -> Vec<(&'static Reaction, Vec<String>)> {
        REACTIONS
            .iter()
            .filter_map(|r| {
                let users: Vec<String> = self
                    .of(comment_id)
                    .iter()
                    .filter(|(u, code)| code == r.short_code && user.is_none_or(|x| x == u))
                    .map(|(u, _)| u.clone())
                    .collect();
                (!users.is_empty()).then_some((r, users))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_in_every_form_and_removal() {
        for v in ["\u{1F44D}", ":thumbsup:", "thumbsup", "U+1F44D", "u+1f44d"] {
            assert_eq!(
                parse(Some(v)).unwrap().unwrap().short_code,
                ":thumbsup:",
                "{v}"
            );
        }
        assert_eq!(
            parse(Some("\u{2764}\u{FE0F}")).unwrap().unwrap().short_code,
            ":heart:"
        );
        assert!(parse(Some("")).unwrap().is_none());
        assert!(parse(Some("none")).unwrap().is_none());
        assert_eq!(
            parse(None).unwrap_err().code,
            "ReactionValueRequiredException"
        );
        assert_eq!(
            parse(Some(":poop:")).unwrap_err().code,
            "InvalidReactionValueException"
        );
    }
}
