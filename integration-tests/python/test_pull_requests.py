"""Pull requests through boto3 on the real repository, with real git pushing to the same
branches: creation (idempotent, sequential IDs), tracking pushes, merges, a merge made with
plain git, updates, listing and events."""

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, error_of

ADMIN_ARN = f"arn:aws:iam::{ACCOUNT}:user/admin"


class Repo:
    def __init__(self, server, cc, login, tmp_path, name):
        self.server, self.cc, self.name, self.tmp = server, cc, name, tmp_path
        cc.create_repository(repositoryName=name)
        self.base = cc.create_commit(repositoryName=name, branchName="main", putFiles=[
            {"filePath": "README.md", "fileContent": b"hello\n"}])["commitId"]
        self.url = server.git_url(login[0], login[1], name)

    def branch(self, name, files, at=None):
        at = at or self.base
        self.cc.create_branch(repositoryName=self.name, branchName=name, commitId=at)
        return self.cc.create_commit(
            repositoryName=self.name, branchName=name, parentCommitId=at,
            putFiles=[{"filePath": p, "fileContent": c.encode()}
                      for p, c in files.items()])["commitId"]

    def clone(self, tag):
        work = self.tmp / f"{self.name}-{tag}"
        self.server.git("clone", "-q", self.url, str(work))
        return work

    def git(self, work, *args):
        return self.server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e",
                               *args).stdout.strip()

    def create(self, source, title="Add a feature", **kwargs):
        return self.cc.create_pull_request(
            title=title, targets=[{"repositoryName": self.name, "sourceReference": source,
                                   "destinationReference": "main"}], **kwargs)["pullRequest"]

    def get(self, pr_id):
        return self.cc.get_pull_request(pullRequestId=pr_id)["pullRequest"]


@pytest.fixture
def repo(server, cc, login, tmp_path, name):
    return Repo(server, cc, login, tmp_path, name)


def test_create_is_idempotent_sequential_and_tracks_a_push(repo, cc, name):
    src = repo.branch("feature", {"a.txt": "a\n"})
    pr = repo.create("feature", description="why", clientRequestToken=f"token-{name}")
    target = pr["pullRequestTargets"][0]
    assert pr["pullRequestStatus"] == "OPEN" and pr["authorArn"] == ADMIN_ARN
    assert (target["sourceReference"], target["destinationReference"]) == (
        "refs/heads/feature", "refs/heads/main")
    assert (target["sourceCommit"], target["destinationCommit"], target["mergeBase"]) == (
        src, repo.base, repo.base)
    assert target["mergeMetadata"] == {"isMerged": False}
    again = repo.create("feature", description="why", clientRequestToken=f"token-{name}")
    assert again["pullRequestId"] == pr["pullRequestId"]
    with pytest.raises(ClientError) as e:
        repo.create("feature", title="other", clientRequestToken=f"token-{name}")
    assert error_of(e)[0] == "IdempotencyParameterMismatchException"
    second = repo.create("feature", title="second")
    assert int(second["pullRequestId"]) == int(pr["pullRequestId"]) + 1

    # A git push to the source moves the pull request to a new revision.
    work = repo.clone("push")
    repo.git(work, "checkout", "-q", "feature")
    (work / "b.txt").write_text("b\n")
    repo.git(work, "add", ".")
    repo.git(work, "commit", "-qm", "more")
    repo.git(work, "push", "-q", "origin", "feature")
    pushed = repo.git(work, "rev-parse", "HEAD")
    now = repo.get(pr["pullRequestId"])
    assert now["pullRequestTargets"][0]["sourceCommit"] == pushed
    assert now["revisionId"] != pr["revisionId"]
    events = cc.describe_pull_request_events(
        pullRequestId=pr["pullRequestId"],
        pullRequestEventType="PULL_REQUEST_SOURCE_REFERENCE_UPDATED")["pullRequestEvents"]
    [updated] = events
    meta = updated["pullRequestSourceReferenceUpdatedEventMetadata"]
    assert (meta["beforeCommitId"], meta["afterCommitId"]) == (src, pushed)
    assert updated["actorArn"] == ADMIN_ARN


def test_merge_three_way_and_git_sees_it(repo, cc):
    repo.branch("feature", {"a.txt": "a\n"})
    cc.create_commit(repositoryName=repo.name, branchName="main", parentCommitId=repo.base,
                     putFiles=[{"filePath": "m.txt", "fileContent": b"m\n"}])
    pr = repo.create("feature")
    pr_id = pr["pullRequestId"]
    with pytest.raises(ClientError) as e:
        cc.merge_pull_request_by_three_way(pullRequestId=pr_id, repositoryName=repo.name,
                                           sourceCommitId=repo.base)
    assert error_of(e)[0] == "TipOfSourceReferenceIsDifferentException"
    with pytest.raises(ClientError) as e:
        cc.merge_pull_request_by_fast_forward(pullRequestId=pr_id, repositoryName=repo.name)
    assert error_of(e)[0] == "ManualMergeRequiredException"
    merged = cc.merge_pull_request_by_three_way(
        pullRequestId=pr_id, repositoryName=repo.name,
        sourceCommitId=pr["pullRequestTargets"][0]["sourceCommit"],
        commitMessage="Merge the feature")["pullRequest"]
    meta = merged["pullRequestTargets"][0]["mergeMetadata"]
    assert merged["pullRequestStatus"] == "CLOSED"
    assert meta["isMerged"] and meta["mergedBy"] == ADMIN_ARN
    assert meta["mergeOption"] == "THREE_WAY_MERGE"
    work = repo.clone("after")
    assert repo.git(work, "rev-parse", "HEAD") == meta["mergeCommitId"]
    parents, subject = repo.git(work, "log", "-1", "--format=%P|%s").split("|")
    assert len(parents.split()) == 2 and subject == "Merge the feature"
    assert (work / "a.txt").exists() and (work / "m.txt").exists()
    repo.git(work, "fsck", "--strict")
    types = [e["pullRequestEventType"] for e in cc.describe_pull_request_events(
        pullRequestId=pr_id)["pullRequestEvents"]]
    assert types == ["PULL_REQUEST_CREATED", "PULL_REQUEST_MERGE_STATE_CHANGED",
                     "PULL_REQUEST_STATUS_CHANGED"]
    with pytest.raises(ClientError) as e:
        cc.merge_pull_request_by_squash(pullRequestId=pr_id, repositoryName=repo.name)
    assert error_of(e)[0] == "PullRequestAlreadyClosedException"


def test_a_merge_pushed_with_plain_git_closes_the_pull_request(repo, cc):
    repo.branch("topic", {"t.txt": "t\n"})
    pr_id = repo.create("topic")["pullRequestId"]
    work = repo.clone("merge")
    repo.git(work, "merge", "-q", "--no-ff", "-m", "merge topic", "origin/topic")
    repo.git(work, "push", "-q", "origin", "main")
    now = repo.get(pr_id)
    meta = now["pullRequestTargets"][0]["mergeMetadata"]
    assert now["pullRequestStatus"] == "CLOSED" and meta["isMerged"]
    assert meta["mergedBy"] == ADMIN_ARN
    assert meta["mergeCommitId"] == repo.git(work, "rev-parse", "HEAD")


def test_fast_forward_and_squash_merges(repo, cc):
    ahead = repo.branch("ff", {"f.txt": "f\n"})
    pr_id = repo.create("ff")["pullRequestId"]
    merged = cc.merge_pull_request_by_fast_forward(pullRequestId=pr_id,
                                                   repositoryName=repo.name)["pullRequest"]
    assert merged["pullRequestTargets"][0]["mergeMetadata"]["mergeCommitId"] == ahead
    assert cc.get_branch(repositoryName=repo.name,
                         branchName="main")["branch"]["commitId"] == ahead
    repo.branch("sq", {"s.txt": "s\n"}, at=ahead)
    cc.create_commit(repositoryName=repo.name, branchName="sq",
                     parentCommitId=cc.get_branch(repositoryName=repo.name,
                                                  branchName="sq")["branch"]["commitId"],
                     putFiles=[{"filePath": "s2.txt", "fileContent": b"s2\n"}])
    pr_id = repo.create("sq")["pullRequestId"]
    merged = cc.merge_pull_request_by_squash(pullRequestId=pr_id, repositoryName=repo.name,
                                             authorName="Squasher")["pullRequest"]
    commit = cc.get_commit(repositoryName=repo.name, commitId=merged["pullRequestTargets"][0][
        "mergeMetadata"]["mergeCommitId"])["commit"]
    assert commit["parents"] == [ahead] and commit["author"]["name"] == "Squasher"


def test_updates_listing_and_refusals(repo, cc, server):
    repo.branch("one", {"1.txt": "1\n"})
    repo.branch("two", {"2.txt": "2\n"})
    first = repo.create("one")["pullRequestId"]
    second = repo.create("two")["pullRequestId"]
    assert cc.update_pull_request_title(pullRequestId=first,
                                        title="Renamed")["pullRequest"]["title"] == "Renamed"
    assert cc.update_pull_request_description(
        pullRequestId=first, description="d")["pullRequest"]["description"] == "d"
    closed = cc.update_pull_request_status(pullRequestId=second,
                                           pullRequestStatus="CLOSED")["pullRequest"]
    assert closed["pullRequestStatus"] == "CLOSED"
    for call, code in [
        (lambda: cc.update_pull_request_status(pullRequestId=second, pullRequestStatus="OPEN"),
         "InvalidPullRequestStatusUpdateException"),
        (lambda: cc.update_pull_request_title(pullRequestId=second, title="x"),
         "PullRequestAlreadyClosedException"),
        (lambda: cc.get_pull_request(pullRequestId="999999"), "PullRequestDoesNotExistException"),
        (lambda: cc.get_pull_request(pullRequestId="abc"), "InvalidPullRequestIdException"),
        (lambda: repo.create("main"), "SourceAndDestinationAreSameException"),
        (lambda: repo.create("missing"), "ReferenceDoesNotExistException"),
        (lambda: repo.create("one", title="x" * 151), "InvalidTitleException"),
        (lambda: cc.merge_pull_request_by_three_way(pullRequestId=first,
                                                    repositoryName="no-such-repo"),
         "RepositoryDoesNotExistException"),
        (lambda: cc.list_pull_requests(repositoryName=repo.name, pullRequestStatus="DONE"),
         "InvalidPullRequestStatusException"),
    ]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[0] == code
    ids = cc.list_pull_requests(repositoryName=repo.name)["pullRequestIds"]
    assert ids == [second, first]
    assert cc.list_pull_requests(repositoryName=repo.name,
                                 pullRequestStatus="OPEN")["pullRequestIds"] == [first]
    assert cc.list_pull_requests(repositoryName=repo.name,
                                 authorArn=f"arn:aws:iam::{ACCOUNT}:user/nobody")[
        "pullRequestIds"] == []
    page = cc.list_pull_requests(repositoryName=repo.name, maxResults=1)
    rest = cc.list_pull_requests(repositoryName=repo.name, maxResults=1,
                                 nextToken=page["nextToken"])
    assert page["pullRequestIds"] + rest["pullRequestIds"] == [second, first]
    assert "nextToken" not in rest
    events = cc.describe_pull_request_events(pullRequestId=second, maxResults=1)
    assert events["pullRequestEvents"][0]["pullRequestEventType"] == "PULL_REQUEST_CREATED"
    more = cc.describe_pull_request_events(pullRequestId=second, maxResults=1,
                                           nextToken=events["nextToken"])
    status = more["pullRequestEvents"][0]
    assert status["pullRequestStatusChangedEventMetadata"] == {"pullRequestStatus": "CLOSED"}
    # The paginators botocore ships walk the same pages.
    paged = [i for p in cc.get_paginator("list_pull_requests").paginate(
        repositoryName=repo.name, PaginationConfig={"PageSize": 1}) for i in p["pullRequestIds"]]
    assert paged == [second, first]
