"""Comments through boto3 on real commits and files: on compared commits and on pull
requests, with a file position, replies, editing by the author only, deletion that keeps the
comment, idempotency and listing by thread."""

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, error_of, user_client

POWER_USER = "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"


@pytest.fixture(scope="module")
def bob(server):
    return user_client(server, "bob", "codecommit", POWER_USER)


@pytest.fixture
def commits(cc, name):
    cc.create_repository(repositoryName=name)
    first = cc.create_commit(repositoryName=name, branchName="main", putFiles=[
        {"filePath": "src/app.py", "fileContent": b"print('one')\n"}])["commitId"]
    second = cc.create_commit(repositoryName=name, branchName="main", parentCommitId=first,
                              putFiles=[{"filePath": "src/app.py",
                                         "fileContent": b"print('two')\n"}])["commitId"]
    return name, first, second


def test_comments_on_compared_commits(cc, bob, commits):
    name, first, second = commits
    location = {"filePath": "src/app.py", "filePosition": 1, "relativeFileVersion": "AFTER"}
    posted = cc.post_comment_for_compared_commit(
        repositoryName=name, beforeCommitId=first, afterCommitId=second, location=location,
        content="Why two?", clientRequestToken=f"c-{name}")
    comment = posted["comment"]
    assert posted["location"] == location and posted["afterBlobId"] != posted["beforeBlobId"]
    assert comment["authorArn"] == f"arn:aws:iam::{ACCOUNT}:user/admin"
    assert comment["deleted"] is False and comment["content"] == "Why two?"
    again = cc.post_comment_for_compared_commit(
        repositoryName=name, beforeCommitId=first, afterCommitId=second, location=location,
        content="Why two?", clientRequestToken=f"c-{name}")
    assert again["comment"]["commentId"] == comment["commentId"]
    with pytest.raises(ClientError) as e:
        cc.post_comment_for_compared_commit(
            repositoryName=name, beforeCommitId=first, afterCommitId=second,
            content="other", clientRequestToken=f"c-{name}")
    assert error_of(e)[0] == "IdempotencyParameterMismatchException"
    reply = bob.post_comment_reply(inReplyTo=comment["commentId"], content="Because.")["comment"]
    assert reply["inReplyTo"] == comment["commentId"]
    cc.post_comment_for_compared_commit(repositoryName=name, beforeCommitId=first,
                                        afterCommitId=second, content="General remark")
    data = cc.get_comments_for_compared_commit(repositoryName=name, beforeCommitId=first,
                                               afterCommitId=second)[
        "commentsForComparedCommitData"]
    assert [len(t["comments"]) for t in data] == [2, 1]
    assert data[0]["location"] == location and "location" not in data[1]
    page = cc.get_comments_for_compared_commit(repositoryName=name, beforeCommitId=first,
                                               afterCommitId=second, maxResults=1)
    rest = cc.get_comments_for_compared_commit(repositoryName=name, beforeCommitId=first,
                                               afterCommitId=second, maxResults=1,
                                               nextToken=page["nextToken"])
    assert len(page["commentsForComparedCommitData"] + rest["commentsForComparedCommitData"]) == 2

    # Only the author edits; anyone with the permission deletes the content.
    with pytest.raises(ClientError) as e:
        bob.update_comment(commentId=comment["commentId"], content="mine now")
    assert error_of(e)[0] == "CommentNotCreatedByCallerException"
    assert cc.update_comment(commentId=comment["commentId"],
                             content="Why two, exactly?")["comment"]["content"] == \
        "Why two, exactly?"
    gone = cc.delete_comment_content(commentId=comment["commentId"])["comment"]
    assert gone["deleted"] is True and "content" not in gone
    for call, code in [
        (lambda: cc.get_comment(commentId=comment["commentId"]), "CommentDeletedException"),
        (lambda: cc.update_comment(commentId=comment["commentId"], content="x"),
         "CommentDeletedException"),
        (lambda: cc.get_comment(commentId="no-such-comment"), "CommentDoesNotExistException"),
        (lambda: cc.post_comment_reply(inReplyTo="no-such-comment", content="x"),
         "CommentDoesNotExistException"),
        (lambda: cc.post_comment_for_compared_commit(
            repositoryName=name, beforeCommitId=first, afterCommitId=second, content=""),
         "CommentContentRequiredException"),
        (lambda: cc.post_comment_for_compared_commit(
            repositoryName=name, beforeCommitId=first, afterCommitId=second,
            content="x" * 10241), "CommentContentSizeLimitExceededException"),
        (lambda: cc.post_comment_for_compared_commit(
            repositoryName=name, beforeCommitId=second, afterCommitId=second, content="x"),
         "BeforeCommitIdAndAfterCommitIdAreSameException"),
        (lambda: cc.post_comment_for_compared_commit(
            repositoryName=name, afterCommitId=second, content="x",
            location={"filePath": "missing.txt", "relativeFileVersion": "AFTER"}),
         "PathDoesNotExistException"),
        (lambda: cc.post_comment_for_compared_commit(
            repositoryName=name, afterCommitId="0" * 40, content="x"),
         "CommitDoesNotExistException"),
    ]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[0] == code
    # The deleted comment stays in its thread, without content.
    data = cc.get_comments_for_compared_commit(repositoryName=name, beforeCommitId=first,
                                               afterCommitId=second)[
        "commentsForComparedCommitData"]
    assert data[0]["comments"][0]["deleted"] and "content" not in data[0]["comments"][0]


def test_comments_on_a_pull_request(cc, bob, commits):
    name, first, second = commits
    cc.create_branch(repositoryName=name, branchName="feature", commitId=second)
    feature = cc.create_commit(repositoryName=name, branchName="feature", parentCommitId=second,
                               putFiles=[{"filePath": "src/app.py",
                                          "fileContent": b"print('three')\n"}])["commitId"]
    pr_id = cc.create_pull_request(title="t", targets=[
        {"repositoryName": name, "sourceReference": "feature",
         "destinationReference": "main"}])["pullRequest"]["pullRequestId"]
    posted = bob.post_comment_for_pull_request(
        pullRequestId=pr_id, repositoryName=name, beforeCommitId=second, afterCommitId=feature,
        location={"filePath": "src/app.py", "filePosition": 1, "relativeFileVersion": "BEFORE"},
        content="Was two better?")
    assert posted["pullRequestId"] == pr_id and posted["repositoryName"] == name
    cc.post_comment_reply(inReplyTo=posted["comment"]["commentId"], content="No.")
    data = cc.get_comments_for_pull_request(pullRequestId=pr_id)["commentsForPullRequestData"]
    [thread] = data
    assert thread["pullRequestId"] == pr_id and len(thread["comments"]) == 2
    assert thread["location"]["relativeFileVersion"] == "BEFORE"
    cc.create_repository(repositoryName=name + "-other")
    with pytest.raises(ClientError) as e:
        cc.post_comment_for_pull_request(
            pullRequestId=pr_id, repositoryName=name + "-other", beforeCommitId=second,
            afterCommitId=feature, content="x")
    assert error_of(e)[0] == "RepositoryNotAssociatedWithPullRequestException"
    # Comments on the pull request are not comments on the compared commits.
    assert cc.get_comments_for_compared_commit(
        repositoryName=name, beforeCommitId=second,
        afterCommitId=feature)["commentsForComparedCommitData"] == []


def test_reactions_one_per_user_with_counts(cc, bob, server, commits):
    name, first, second = commits
    comment = cc.post_comment_for_compared_commit(
        repositoryName=name, beforeCommitId=first, afterCommitId=second,
        content="Ship it?")["comment"]
    cid = comment["commentId"]
    assert comment["callerReactions"] == [] and comment["reactionCounts"] == {}
    cc.put_comment_reaction(commentId=cid, reactionValue=":thumbsup:")
    bob.put_comment_reaction(commentId=cid, reactionValue="\U0001F44D")
    # One reaction per user: a second one replaces the first.
    bob.put_comment_reaction(commentId=cid, reactionValue=":confused:")
    seen = cc.get_comment(commentId=cid)["comment"]
    assert seen["callerReactions"] == [":thumbsup:"]
    assert seen["reactionCounts"] == {":thumbsup:": 1, ":confused:": 1}
    assert bob.get_comment(commentId=cid)["comment"]["callerReactions"] == [":confused:"]
    got = cc.get_comment_reactions(commentId=cid)["reactionsForComment"]
    assert [(r["reaction"]["shortCode"], r["reaction"]["unicode"], r["reactionUsers"])
            for r in got] == [
        (":thumbsup:", "U+1F44D", [f"arn:aws:iam::{ACCOUNT}:user/admin"]),
        (":confused:", "U+1F615", [f"arn:aws:iam::{ACCOUNT}:user/bob"]),
    ]
    assert got[0]["reaction"]["emoji"] == "\U0001F44D"
    assert got[0]["reactionsFromDeletedUsersCount"] == 0
    mine = cc.get_comment_reactions(commentId=cid,
                                    reactionUserArn=f"arn:aws:iam::{ACCOUNT}:user/bob")
    assert [r["reaction"]["shortCode"] for r in mine["reactionsForComment"]] == [":confused:"]
    page = cc.get_comment_reactions(commentId=cid, maxResults=1)
    assert len(page["reactionsForComment"]) == 1 and page["nextToken"]
    # "none" (or blank) takes the caller's reaction back.
    bob.put_comment_reaction(commentId=cid, reactionValue="none")
    assert cc.get_comment(commentId=cid)["comment"]["reactionCounts"] == {":thumbsup:": 1}
    # Listings carry the same reactions.
    data = cc.get_comments_for_compared_commit(repositoryName=name, beforeCommitId=first,
                                               afterCommitId=second)["commentsForComparedCommitData"]
    assert data[-1]["comments"][0]["callerReactions"] == [":thumbsup:"]
    for call, code in [
        (lambda: cc.put_comment_reaction(commentId=cid, reactionValue=":poop:"),
         "InvalidReactionValueException"),
        (lambda: cc.put_comment_reaction(commentId="no-such-comment", reactionValue=":heart:"),
         "CommentDoesNotExistException"),
        (lambda: cc.get_comment_reactions(commentId=cid, reactionUserArn="bob"),
         "InvalidReactionUserArnException"),
        (lambda: cc.get_comment_reactions(commentId=cid, maxResults=0),
         "InvalidMaxResultsException"),
        (lambda: cc.get_comment_reactions(commentId=cid, nextToken="garbage"),
         "InvalidContinuationTokenException"),
    ]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[0] == code
    cc.delete_comment_content(commentId=cid)
    for call in (lambda: cc.put_comment_reaction(commentId=cid, reactionValue=":heart:"),
                 lambda: cc.get_comment_reactions(commentId=cid)):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[0] == "CommentDeletedException"
