"""Approval rules, approvals, overrides and approval rule templates through boto3, with real
git on the same repository: the whole review lifecycle of a pull request."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, error_of, user_client

POWER_USER = "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"


def rule(needed, pool=None, destinations=None):
    statement = {"Type": "Approvers", "NumberOfApprovalsNeeded": needed}
    if pool is not None:
        statement["ApprovalPoolMembers"] = pool
    content = {"Version": "2018-11-08", "Statements": [statement]}
    if destinations is not None:
        content["DestinationReferences"] = destinations
    return json.dumps(content)


@pytest.fixture(scope="module")
def reviewers(server):
    """Two IAM users who may review, each with its CodeCommit client."""
    return {user: user_client(server, user, "codecommit", POWER_USER) for user in ("bob", "carol")}


def setup_repo(cc, name):
    cc.create_repository(repositoryName=name)
    base = cc.create_commit(repositoryName=name, branchName="main", putFiles=[
        {"filePath": "README.md", "fileContent": b"hello\n"}])["commitId"]
    cc.create_branch(repositoryName=name, branchName="feature", commitId=base)
    cc.create_commit(repositoryName=name, branchName="feature", parentCommitId=base,
                     putFiles=[{"filePath": "f.txt", "fileContent": b"f\n"}])
    return base


def open_pr(cc, name, source="feature"):
    return cc.create_pull_request(title="Review me", targets=[
        {"repositoryName": name, "sourceReference": source,
         "destinationReference": "main"}])["pullRequest"]


def evaluate(cc, pr_id, revision):
    return cc.evaluate_pull_request_approval_rules(pullRequestId=pr_id,
                                                   revisionId=revision)["evaluation"]


def revision_of(cc, pr_id):
    return cc.get_pull_request(pullRequestId=pr_id)["pullRequest"]["revisionId"]


def test_a_review_by_two_approvers_a_push_resets_them(server, cc, reviewers, login, tmp_path,
                                                       name):
    setup_repo(cc, name)
    template = f"two-reviewers-{name}"
    cc.create_approval_rule_template(
        approvalRuleTemplateName=template, approvalRuleTemplateDescription="two of us",
        approvalRuleTemplateContent=rule(2, [f"arn:aws:iam::{ACCOUNT}:user/*"],
                                         ["refs/heads/main"]))
    cc.associate_approval_rule_template_with_repository(approvalRuleTemplateName=template,
                                                        repositoryName=name)
    pr = open_pr(cc, name)
    pr_id, revision = pr["pullRequestId"], pr["revisionId"]
    [applied] = pr["approvalRules"]
    assert applied["approvalRuleName"] == template
    assert applied["originApprovalRuleTemplate"]["approvalRuleTemplateName"] == template
    assert evaluate(cc, pr_id, revision) == {
        "approved": False, "overridden": False, "approvalRulesSatisfied": [],
        "approvalRulesNotSatisfied": [template]}
    with pytest.raises(ClientError) as e:
        cc.merge_pull_request_by_three_way(pullRequestId=pr_id, repositoryName=name)
    assert error_of(e)[0] == "PullRequestApprovalRulesNotSatisfiedException"
    with pytest.raises(ClientError) as e:
        cc.update_pull_request_approval_state(pullRequestId=pr_id, revisionId=revision,
                                              approvalState="APPROVE")
    assert error_of(e)[0] == "PullRequestCannotBeApprovedByAuthorException"
    for client in reviewers.values():
        client.update_pull_request_approval_state(pullRequestId=pr_id, revisionId=revision,
                                                  approvalState="APPROVE")
    assert evaluate(cc, pr_id, revision)["approved"]

    # A push to the source makes a new revision: its approvals start over.
    work = tmp_path / "work"
    server.git("clone", "-q", "-b", "feature", server.git_url(login[0], login[1], name),
               str(work))
    (work / "g.txt").write_text("g\n")
    server.git("-C", str(work), "add", ".")
    server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "g")
    server.git("-C", str(work), "push", "-q", "origin", "feature")
    new_revision = revision_of(cc, pr_id)
    assert new_revision != revision
    with pytest.raises(ClientError) as e:
        evaluate(cc, pr_id, revision)
    assert error_of(e)[0] == "RevisionNotCurrentException"
    assert not evaluate(cc, pr_id, new_revision)["approved"]
    old = cc.get_pull_request_approval_states(pullRequestId=pr_id, revisionId=revision)
    assert sorted(a["userArn"] for a in old["approvals"]) == [
        f"arn:aws:iam::{ACCOUNT}:user/bob", f"arn:aws:iam::{ACCOUNT}:user/carol"]
    with pytest.raises(ClientError) as e:
        reviewers["bob"].update_pull_request_approval_state(
            pullRequestId=pr_id, revisionId=revision, approvalState="APPROVE")
    assert error_of(e)[0] == "RevisionNotCurrentException"

    # Approve again, merge three-way, and git pull sees the merge.
    for client in reviewers.values():
        client.update_pull_request_approval_state(pullRequestId=pr_id, revisionId=new_revision,
                                                  approvalState="APPROVE")
    merged = cc.merge_pull_request_by_three_way(pullRequestId=pr_id,
                                                repositoryName=name)["pullRequest"]
    commit = merged["pullRequestTargets"][0]["mergeMetadata"]["mergeCommitId"]
    server.git("-C", str(work), "pull", "-q", "origin", "main")
    assert server.git("-C", str(work), "rev-parse", "HEAD").stdout.strip() == commit
    parents = server.git("-C", str(work), "log", "-1", "--format=%P").stdout.split()
    assert len(parents) == 2
    types = [e["pullRequestEventType"] for e in cc.describe_pull_request_events(
        pullRequestId=pr_id, pullRequestEventType="PULL_REQUEST_APPROVAL_STATE_CHANGED")[
        "pullRequestEvents"]]
    assert len(types) == 4
    # Disassociated, the template gives no rule to the next pull request.
    cc.disassociate_approval_rule_template_from_repository(approvalRuleTemplateName=template,
                                                           repositoryName=name)
    cc.create_branch(repositoryName=name, branchName="later", commitId=commit)
    cc.create_commit(repositoryName=name, branchName="later", parentCommitId=commit,
                     putFiles=[{"filePath": "later.txt", "fileContent": b"l\n"}])
    assert open_pr(cc, name, source="later")["approvalRules"] == []


def test_pull_request_rules_and_their_refusals(cc, reviewers, name):
    setup_repo(cc, name)
    pr = open_pr(cc, name)
    pr_id = pr["pullRequestId"]
    created = cc.create_pull_request_approval_rule(
        pullRequestId=pr_id, approvalRuleName="one",
        approvalRuleContent=rule(1, [f"CodeCommitApprovers:{ACCOUNT}:carol"]))["approvalRule"]
    assert len(created["ruleContentSha256"]) == 64
    for kwargs, code in [
        ({"approvalRuleName": "one", "approvalRuleContent": rule(1)},
         "ApprovalRuleNameAlreadyExistsException"),
        ({"approvalRuleName": "bad", "approvalRuleContent": '{"Version":"2018-11-08"}'},
         "InvalidApprovalRuleContentException"),
        ({"approvalRuleName": "x" * 101, "approvalRuleContent": rule(1)},
         "InvalidApprovalRuleNameException"),
    ]:
        with pytest.raises(ClientError) as e:
            cc.create_pull_request_approval_rule(pullRequestId=pr_id, **kwargs)
        assert error_of(e)[0] == code
    # Bob is not in the pool; carol is.
    revision = revision_of(cc, pr_id)
    reviewers["bob"].update_pull_request_approval_state(pullRequestId=pr_id, revisionId=revision,
                                                        approvalState="APPROVE")
    assert not evaluate(cc, pr_id, revision)["approved"]
    reviewers["carol"].update_pull_request_approval_state(
        pullRequestId=pr_id, revisionId=revision, approvalState="APPROVE")
    assert evaluate(cc, pr_id, revision)["approvalRulesSatisfied"] == ["one"]
    reviewers["carol"].update_pull_request_approval_state(
        pullRequestId=pr_id, revisionId=revision, approvalState="REVOKE")
    assert not evaluate(cc, pr_id, revision)["approved"]
    with pytest.raises(ClientError) as e:
        cc.update_pull_request_approval_rule_content(
            pullRequestId=pr_id, approvalRuleName="one", existingRuleContentSha256="0" * 64,
            newRuleContent=rule(1))
    assert error_of(e)[0] == "InvalidRuleContentSha256Exception"
    updated = cc.update_pull_request_approval_rule_content(
        pullRequestId=pr_id, approvalRuleName="one",
        existingRuleContentSha256=created["ruleContentSha256"], newRuleContent=rule(1))
    assert updated["approvalRule"]["approvalRuleContent"] == rule(1)
    assert evaluate(cc, pr_id, revision)["approved"]  # bob's approval counts now
    deleted = cc.delete_pull_request_approval_rule(pullRequestId=pr_id, approvalRuleName="one")
    assert deleted["approvalRuleId"] == created["approvalRuleId"]
    assert cc.delete_pull_request_approval_rule(pullRequestId=pr_id,
                                                approvalRuleName="one")["approvalRuleId"] == ""
    events = [e["pullRequestEventType"] for e in cc.describe_pull_request_events(
        pullRequestId=pr_id)["pullRequestEvents"]]
    assert events.count("PULL_REQUEST_APPROVAL_RULE_CREATED") == 1
    assert "PULL_REQUEST_APPROVAL_RULE_UPDATED" in events
    assert "PULL_REQUEST_APPROVAL_RULE_DELETED" in events


def test_override_sets_the_rules_aside_for_the_revision(cc, name):
    setup_repo(cc, name)
    pr_id = open_pr(cc, name)["pullRequestId"]
    cc.create_pull_request_approval_rule(pullRequestId=pr_id, approvalRuleName="many",
                                         approvalRuleContent=rule(5))
    revision = revision_of(cc, pr_id)
    state = cc.get_pull_request_override_state(pullRequestId=pr_id, revisionId=revision)
    assert state["overridden"] is False and "overrider" not in state
    cc.override_pull_request_approval_rules(pullRequestId=pr_id, revisionId=revision,
                                            overrideStatus="OVERRIDE")
    with pytest.raises(ClientError) as e:
        cc.override_pull_request_approval_rules(pullRequestId=pr_id, revisionId=revision,
                                                overrideStatus="OVERRIDE")
    assert error_of(e)[0] == "OverrideAlreadySetException"
    state = cc.get_pull_request_override_state(pullRequestId=pr_id, revisionId=revision)
    assert state == {**state, "overridden": True,
                     "overrider": f"arn:aws:iam::{ACCOUNT}:user/admin"}
    assert evaluate(cc, pr_id, revision)["overridden"]
    merged = cc.merge_pull_request_by_squash(pullRequestId=pr_id,
                                             repositoryName=name)["pullRequest"]
    assert merged["pullRequestTargets"][0]["mergeMetadata"]["isMerged"]


def test_templates_crud_and_association(cc, name):
    setup_repo(cc, name)
    t = f"tmpl-{name}"
    created = cc.create_approval_rule_template(
        approvalRuleTemplateName=t,
        approvalRuleTemplateContent=rule(1, destinations=["refs/heads/release"]))[
        "approvalRuleTemplate"]
    assert created["approvalRuleTemplateDescription"] == ""
    with pytest.raises(ClientError) as e:
        cc.create_approval_rule_template(approvalRuleTemplateName=t,
                                         approvalRuleTemplateContent=rule(1))
    assert error_of(e)[0] == "ApprovalRuleTemplateNameAlreadyExistsException"
    assert t in cc.list_approval_rule_templates()["approvalRuleTemplateNames"]
    batch = cc.batch_associate_approval_rule_template_with_repositories(
        approvalRuleTemplateName=t, repositoryNames=[name, "no-such-repo"])
    assert batch["associatedRepositoryNames"] == [name]
    assert batch["errors"][0]["errorCode"] == "RepositoryDoesNotExistException"
    assert cc.list_associated_approval_rule_templates_for_repository(
        repositoryName=name)["approvalRuleTemplateNames"] == [t]
    assert cc.list_repositories_for_approval_rule_template(
        approvalRuleTemplateName=t)["repositoryNames"] == [name]
    # The template names release only: a pull request into main gets no rule.
    assert open_pr(cc, name)["approvalRules"] == []
    with pytest.raises(ClientError) as e:
        cc.delete_approval_rule_template(approvalRuleTemplateName=t)
    assert error_of(e)[0] == "ApprovalRuleTemplateInUseException"
    renamed = cc.update_approval_rule_template_name(
        oldApprovalRuleTemplateName=t, newApprovalRuleTemplateName=t + "-2")[
        "approvalRuleTemplate"]
    assert renamed["approvalRuleTemplateId"] == created["approvalRuleTemplateId"]
    t += "-2"
    cc.update_approval_rule_template_description(approvalRuleTemplateName=t,
                                                 approvalRuleTemplateDescription="now main")
    with pytest.raises(ClientError) as e:
        cc.update_approval_rule_template_content(
            approvalRuleTemplateName=t, newRuleContent=rule(1),
            existingRuleContentSha256="f" * 64)
    assert error_of(e)[0] == "InvalidRuleContentSha256Exception"
    got = cc.update_approval_rule_template_content(
        approvalRuleTemplateName=t, newRuleContent=rule(1, destinations=["refs/heads/main"]),
        existingRuleContentSha256=created["ruleContentSha256"])["approvalRuleTemplate"]
    assert got["approvalRuleTemplateDescription"] == "now main"
    cc.create_branch(repositoryName=name, branchName="other",
                     commitId=cc.get_branch(repositoryName=name,
                                            branchName="feature")["branch"]["commitId"])
    pr = open_pr(cc, name, source="other")
    assert [r["approvalRuleName"] for r in pr["approvalRules"]] == [t]
    for call, code in [
        (lambda: cc.update_pull_request_approval_rule_content(
            pullRequestId=pr["pullRequestId"], approvalRuleName=t, newRuleContent=rule(1)),
         "CannotModifyApprovalRuleFromTemplateException"),
        (lambda: cc.delete_pull_request_approval_rule(pullRequestId=pr["pullRequestId"],
                                                      approvalRuleName=t),
         "CannotDeleteApprovalRuleFromTemplateException"),
        (lambda: cc.get_approval_rule_template(approvalRuleTemplateName="nope"),
         "ApprovalRuleTemplateDoesNotExistException"),
    ]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[0] == code
    out = cc.batch_disassociate_approval_rule_template_from_repositories(
        approvalRuleTemplateName=t, repositoryNames=[name])
    assert out["disassociatedRepositoryNames"] == [name] and out["errors"] == []
    deleted = cc.delete_approval_rule_template(approvalRuleTemplateName=t)
    assert deleted["approvalRuleTemplateId"] == created["approvalRuleTemplateId"]


def test_template_lists_page(cc, name):
    setup_repo(cc, name)
    names = [f"page-{name}-{i}" for i in range(3)]
    for t in names:
        cc.create_approval_rule_template(approvalRuleTemplateName=t,
                                         approvalRuleTemplateContent=rule(1))
        cc.associate_approval_rule_template_with_repository(approvalRuleTemplateName=t,
                                                            repositoryName=name)
    for method, kwargs, key in [
        ("list_approval_rule_templates", {}, "approvalRuleTemplateNames"),
        ("list_associated_approval_rule_templates_for_repository", {"repositoryName": name},
         "approvalRuleTemplateNames"),
    ]:
        seen, token = [], None
        while True:
            page = getattr(cc, method)(maxResults=1, **kwargs, **(
                {"nextToken": token} if token else {}))
            assert len(page[key]) <= 1
            seen += page[key]
            token = page.get("nextToken")
            if not token:
                break
        assert [n for n in seen if n in names] == names, method
    repos = cc.list_repositories_for_approval_rule_template(approvalRuleTemplateName=names[0],
                                                           maxResults=1)
    assert repos["repositoryNames"] == [name] and "nextToken" not in repos
