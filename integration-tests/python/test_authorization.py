"""IAM authorization with real clients: policies decide Git pulls and pushes (per ref, over
HTTPS and SSH) and every API call, with AWS's error codes and messages; the simulator agrees."""
import datetime
import json
import pathlib
import subprocess
import urllib.parse

import pytest
import urllib3
from botocore.exceptions import ClientError

from conftest import ACCOUNT, REGION, error_of, keygen
from test_ssh import Ssh

MANAGED = "arn:aws:iam::aws:policy/"
REPO_ARN = f"arn:aws:codecommit:{REGION}:{ACCOUNT}:demo"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


class User:
    """An IAM user made through the API, with a Git credential and an access key."""

    def __init__(self, server, name, managed=(), inline=None, groups=()):
        self.server, self.name = server, name
        iam = server.client("iam")
        iam.create_user(UserName=name)
        for p in managed:
            iam.attach_user_policy(UserName=name, PolicyArn=MANAGED + p)
        if inline:
            iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=inline)
        for g in groups:
            iam.add_user_to_group(GroupName=g, UserName=name)
        cred = iam.create_service_specific_credential(
            UserName=name, ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
        self.git_user, self.git_password = cred["ServiceUserName"], cred["ServicePassword"]
        key = iam.create_access_key(UserName=name)["AccessKey"]
        self.key, self.secret = key["AccessKeyId"], key["SecretAccessKey"]
        self.arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"

    def client(self, service):
        return self.server.client(service, self.key, self.secret)

    def url(self, repo="demo"):
        return self.server.git_url(self.git_user, self.git_password, repo)


def denied_message(arn, action, resource, why="because no identity-based policy allows the {a} action"):
    return (f"User: {arn} is not authorized to perform: {action} on resource: {resource} "
            + why.format(a=action))


def info_refs(server, user, service):
    pool = urllib3.PoolManager(ca_certs=server.ca)
    headers = urllib3.make_headers(basic_auth=f"{user.git_user}:{user.git_password}")
    r = pool.request("GET", f"{server.https}/v1/repos/demo/info/refs?service={service}",
                     headers=headers, retries=False)
    return r.status, r.data.decode()


def commit(server, clone, branch, text):
    server.git("-C", str(clone), "checkout", "-q", "-B", branch)
    (clone / f"{branch.replace('/', '-')}.txt").write_text(text)
    server.git("-C", str(clone), "add", ".")
    server.git("-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@example.com",
               "commit", "-qm", text)


def test_read_only_user_clones_but_cannot_push_over_https(server, name, tmp_path):
    reader = User(server, name, managed=["AWSCodeCommitReadOnly"])
    clone = tmp_path / "c"
    server.git("clone", "-q", reader.url(), str(clone))
    status, body = info_refs(server, reader, "git-receive-pack")
    assert status == 403
    assert body.strip() == denied_message(reader.arn, "codecommit:GitPush", REPO_ARN)
    commit(server, clone, "main", "read-only")
    out = server.git("-C", str(clone), "push", "origin", "main", check=False)
    assert out.returncode != 0
    assert "remote: " + denied_message(reader.arn, "codecommit:GitPush", REPO_ARN) in out.stderr
    assert "403" in out.stderr
    # The API agrees: reads allowed, writes denied with AccessDeniedException.
    cc = reader.client("codecommit")
    assert cc.get_repository(repositoryName="demo")["repositoryMetadata"]["repositoryName"] == "demo"
    with pytest.raises(ClientError) as e:
        cc.create_branch(repositoryName="demo", branchName="nope",
                         commitId=cc.get_branch(repositoryName="demo", branchName="main")["branch"]["commitId"])
    assert error_of(e)[0] == "AccessDeniedException"
    assert error_of(e)[2] == denied_message(reader.arn, "codecommit:CreateBranch", REPO_ARN)


def test_read_only_user_over_ssh(server, name, tmp_path):
    reader = User(server, name, managed=["AWSCodeCommitReadOnly", "IAMUserSSHKeys"])
    key = keygen(tmp_path, "k")
    key_id = reader.client("iam").upload_ssh_public_key(
        UserName=name, SSHPublicKeyBody=pathlib.Path(str(key) + ".pub").read_text())["SSHPublicKey"]["SSHPublicKeyId"]
    ssh = Ssh(server)
    clone = tmp_path / "c"
    ssh.git(key, "clone", "-q", ssh.url(key_id), str(clone))
    commit(server, clone, "main", "over ssh")
    out = ssh.git(key, "-C", str(clone), "push", "origin", "main", check=False)
    assert out.returncode != 0
    assert "fatal: " + denied_message(reader.arn, "codecommit:GitPush", REPO_ARN) in out.stderr
    # IAMUserSSHKeys uses ${aws:username}: the user's own keys only.
    with pytest.raises(ClientError) as e:
        reader.client("iam").list_ssh_public_keys(UserName="demo")
    assert error_of(e)[:2] == ("AccessDenied", 403)


def test_deny_main_refuses_that_ref_and_lands_the_others_in_one_push(server, name, tmp_path):
    no_main = doc(deny("codecommit:GitPush", Condition={
        "StringEqualsIfExists": {"codecommit:References": ["refs/heads/main"]},
        "Null": {"codecommit:References": "false"}}))
    dev = User(server, name, managed=["AWSCodeCommitPowerUser"], inline=no_main)
    clone = tmp_path / "c"
    server.git("clone", "-q", dev.url(), str(clone))
    before = server.git("ls-remote", dev.url(), "refs/heads/main").stdout.split()[0]
    commit(server, clone, f"{name}/feature", "feature work")
    commit(server, clone, "main", "straight to main")
    out = server.git("-C", str(clone), "push", "origin", f"{name}/feature", "main", check=False)
    assert out.returncode != 0
    assert f"* [new branch]      {name}/feature -> {name}/feature" in out.stderr
    assert "! [remote rejected] main -> main (hook declined)" in out.stderr
    assert "remote: " + denied_message(dev.arn, "codecommit:GitPush", REPO_ARN,
                                       "with an explicit deny in an identity-based policy") in out.stderr
    refs = server.git("ls-remote", dev.url()).stdout
    assert f"refs/heads/{name}/feature" in refs
    assert server.git("ls-remote", dev.url(), "refs/heads/main").stdout.split()[0] == before
    # A push of main alone is refused whole: nothing lands.
    out = server.git("-C", str(clone), "push", "origin", "main", check=False)
    assert "! [remote rejected] main -> main (pre-receive hook declined)" in out.stderr


def test_a_ref_name_that_is_not_utf8_is_refused_and_the_others_land(server, name, tmp_path):
    """Per-ref decisions name refs byte for byte: a name that is not UTF-8 (no CodeCommit
    API shape can carry one, no policy can name one) is refused with git's own report, even
    for a user whose policies allow every ref they name, and the push's other refs land."""
    own = doc(allow("codecommit:GitPull", REPO_ARN),
              allow("codecommit:GitPush", REPO_ARN, Condition={
                  "StringLikeIfExists": {"codecommit:References": ["refs/heads/users/${aws:username}/*"]}}))
    dev = User(server, name, inline=own)
    clone = tmp_path / "c"
    server.git("clone", "-q", dev.url(), str(clone))
    commit(server, clone, "work", "work")
    evil = b"refs/heads/users/" + name.encode() + b"/evil\xff"
    mine = f"refs/heads/users/{name}/ok"
    out = subprocess.run([b"git", b"-C", bytes(clone), b"push", b"origin",
                          f"work:{mine}".encode(), b"work:" + evil],
                         env=server.env(), capture_output=True, timeout=120)
    stderr = out.stderr.decode("utf-8", "replace")
    assert out.returncode != 0, stderr
    assert f"* [new branch]      work -> users/{name}/ok" in stderr
    assert "(hook declined)" in stderr
    assert "remote: refusing a ref whose name is not valid UTF-8" in stderr
    refs = subprocess.run(["git", "ls-remote", dev.url()], env=server.env(), capture_output=True,
                          timeout=120, check=True).stdout
    assert mine.encode() in refs and b"evil" not in refs


def test_a_repository_deny_holds_for_batch_and_tag_operations(server, name):
    """A Deny on one repository refuses every request naming it: a batch is decided on each
    repository it names, and a tag request's ARN of another partition is not that repository."""
    cc = server.client("codecommit")
    prod = f"{name}-prod"
    prod_arn = f"arn:aws:codecommit:{REGION}:{ACCOUNT}:{prod}"
    cc.create_repository(repositoryName=prod)
    cc.create_approval_rule_template(
        approvalRuleTemplateName=name,
        approvalRuleTemplateContent=json.dumps({"Version": "2018-11-08", "Statements": [
            {"Type": "Approvers", "NumberOfApprovalsNeeded": 1}]}))
    dev = User(server, name, inline=doc(allow("codecommit:*"), deny("codecommit:*", prod_arn)))
    mine = dev.client("codecommit")
    why = "with an explicit deny in an identity-based policy"
    with pytest.raises(ClientError) as e:
        mine.batch_get_repositories(repositoryNames=["demo", prod])
    assert error_of(e) == ("AccessDeniedException", 400, denied_message(
        dev.arn, "codecommit:BatchGetRepositories", prod_arn, why))
    assert [r["repositoryName"] for r in mine.batch_get_repositories(
        repositoryNames=["demo"])["repositories"]] == ["demo"]
    for call, action in [(mine.batch_associate_approval_rule_template_with_repositories,
                          "BatchAssociateApprovalRuleTemplateWithRepositories"),
                         (mine.batch_disassociate_approval_rule_template_from_repositories,
                          "BatchDisassociateApprovalRuleTemplateFromRepositories")]:
        with pytest.raises(ClientError) as e:
            call(approvalRuleTemplateName=name, repositoryNames=[prod])
        assert error_of(e) == ("AccessDeniedException", 400, denied_message(
            dev.arn, f"codecommit:{action}", prod_arn, why))
    assert cc.list_associated_approval_rule_templates_for_repository(
        repositoryName=prod)["approvalRuleTemplateNames"] == []
    for partition in ["aws-cn", "x"]:
        other = f"arn:{partition}:codecommit:{REGION}:{ACCOUNT}:{prod}"
        with pytest.raises(ClientError) as e:
            mine.tag_resource(resourceArn=other, tags={"owner": "mallory"})
        assert error_of(e)[0] == "RepositoryDoesNotExistException"
        with pytest.raises(ClientError) as e:
            mine.untag_resource(resourceArn=other, tagKeys=["owner"])
        assert error_of(e)[0] == "RepositoryDoesNotExistException"
    assert cc.list_tags_for_resource(resourceArn=prod_arn)["tags"] == {}


def test_update_user_and_access_key_last_used_are_decided_on_their_users(server, name):
    """IAM: renaming a user needs permission on the user and on the name it becomes;
    GetAccessKeyLastUsed is decided on the user the key belongs to."""
    me = f"arn:aws:iam::{ACCOUNT}:user/{name}"
    dev = User(server, name, inline=doc(
        allow(["iam:UpdateUser", "iam:GetAccessKeyLastUsed"], me)))
    mine = dev.client("iam")
    with pytest.raises(ClientError) as e:
        mine.update_user(UserName=name, NewUserName=f"{name}-renamed")
    assert error_of(e) == ("AccessDenied", 403, denied_message(
        dev.arn, "iam:UpdateUser", f"{me}-renamed"))
    assert mine.get_access_key_last_used(AccessKeyId=dev.key)["UserName"] == name
    other = User(server, f"{name}-other")
    with pytest.raises(ClientError) as e:
        mine.get_access_key_last_used(AccessKeyId=other.key)
    assert error_of(e) == ("AccessDenied", 403, denied_message(
        dev.arn, "iam:GetAccessKeyLastUsed", other.arn))
    # With both names allowed, the rename goes through.
    server.client("iam").put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=doc(
        allow("iam:UpdateUser", [me, f"{me}-renamed"])))
    mine.update_user(UserName=name, NewUserName=f"{name}-renamed")
    assert server.client("iam").get_user(UserName=f"{name}-renamed")["User"]["Arn"] == f"{me}-renamed"


def test_for_any_value_never_matches_an_absent_key(server, name):
    """ForAnyValue on a key the request lacks is false even with IfExists or a negated
    operator (IAM's "Single-valued vs. multivalued context keys"; the case AWS re:Post
    records: ForAnyValue:StringEqualsIfExists on an absent aws:TagKeys denied ListQueues)."""
    # A read names no ref: codecommit:References is absent from its request.
    refs = "codecommit:References"
    dev = User(server, name, inline=doc(
        allow("codecommit:GetRepository", Condition={
            "ForAnyValue:StringEqualsIfExists": {refs: ["refs/heads/main"]}}),
        allow("codecommit:ListBranches", Condition={
            "ForAnyValue:StringNotEquals": {refs: ["refs/heads/main"]}}),
        allow("codecommit:ListRepositories", Condition={
            "ForAllValues:StringEquals": {refs: ["refs/heads/main"]}})))
    cc = dev.client("codecommit")
    for call in [lambda: cc.get_repository(repositoryName="demo"),
                 lambda: cc.list_branches(repositoryName="demo")]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[:2] == ("AccessDeniedException", 400)
    # ForAllValues over the empty set holds.
    cc.list_repositories()


def test_the_region_guardrail_allows_this_region(server, name):
    """A common guardrail, Deny unless aws:RequestedRegion is the allowed one, lets this
    server's requests through as AWS does: CodeCommit's in its region, IAM's (a global
    service) as us-east-1's."""
    guard = doc(allow("*"), deny("*", Condition={
        "StringNotEquals": {"aws:RequestedRegion": REGION}}))
    dev = User(server, name, inline=guard)
    assert dev.client("codecommit").get_repository(repositoryName="demo")["repositoryMetadata"]
    assert dev.client("iam").get_user()["User"]["UserName"] == name
    elsewhere = User(server, f"{name}-eu", inline=doc(allow("*"), deny("*", Condition={
        "StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}})))
    with pytest.raises(ClientError) as e:
        elsewhere.client("codecommit").get_repository(repositoryName="demo")
    assert error_of(e)[:2] == ("AccessDeniedException", 400)


def test_request_tags_are_what_the_request_carries(server, name):
    """aws:RequestTag/… and aws:TagKeys are the tags a creating or tagging request carries,
    and absent from every other request (not unknown: a Deny on them does not refuse a
    read)."""
    refused = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}
    dev = User(server, name, inline=doc(
        allow(["codecommit:*", "iam:CreateUser", "iam:TagUser"]),
        deny(["codecommit:TagResource", "codecommit:UntagResource", "iam:CreateUser"],
             Condition=refused),
        deny("codecommit:CreateRepository", Condition={"Null": {"aws:RequestTag/owner": "true"}})))
    cc = dev.client("codecommit")
    assert cc.get_repository(repositoryName="demo")["repositoryMetadata"]
    repo = f"{name}-r"
    with pytest.raises(ClientError) as e:
        cc.create_repository(repositoryName=repo)
    assert error_of(e)[:2] == ("AccessDeniedException", 400)
    arn = cc.create_repository(repositoryName=repo, tags={"owner": name})["repositoryMetadata"]["Arn"]
    cc.tag_resource(resourceArn=arn, tags={"env": "dev"})
    for call in [lambda: cc.tag_resource(resourceArn=arn, tags={"team": "red"}),
                 lambda: cc.untag_resource(resourceArn=arn, tagKeys=["team"])]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[:2] == ("AccessDeniedException", 400)
    iam = dev.client("iam")
    iam.create_user(UserName=f"{name}-a", Tags=[{"Key": "env", "Value": "dev"}])
    with pytest.raises(ClientError) as e:
        iam.create_user(UserName=f"{name}-b", Tags=[{"Key": "team", "Value": "red"}])
    assert error_of(e)[:2] == ("AccessDenied", 403)


def test_a_user_without_policies_may_only_ask_who_it_is(server, name):
    nobody = User(server, name)
    assert nobody.client("sts").get_caller_identity()["Arn"] == nobody.arn
    with pytest.raises(ClientError) as e:
        nobody.client("iam").get_user()
    assert error_of(e) == ("AccessDenied", 403, denied_message(nobody.arn, "iam:GetUser", nobody.arn))
    with pytest.raises(ClientError) as e:
        nobody.client("codecommit").list_repositories()
    assert error_of(e)[0] == "AccessDeniedException"
    assert error_of(e)[2] == denied_message(nobody.arn, "codecommit:ListRepositories", "*")
    # GetSessionToken needs no permission, as on AWS; the session has the user's (none).
    creds = nobody.client("sts").get_session_token()["Credentials"]
    session = server.client("codecommit", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    with pytest.raises(ClientError) as e:
        session.get_repository(repositoryName="demo")
    assert error_of(e)[0] == "AccessDeniedException"
    status, body = info_refs(server, nobody, "git-upload-pack")
    assert status == 403 and "codecommit:GitPull" in body


def test_group_policies_apply_and_deny_beats_allow(server, name):
    iam = server.client("iam")
    iam.create_group(GroupName=f"{name}-readers")
    iam.attach_group_policy(GroupName=f"{name}-readers", PolicyArn=MANAGED + "AWSCodeCommitReadOnly")
    member = User(server, name, groups=[f"{name}-readers"])
    assert member.client("codecommit").get_repository(repositoryName="demo")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]] == [f"{name}-readers"]
    # An explicit deny in the group beats the user's AdministratorAccess.
    iam.attach_user_policy(UserName=name, PolicyArn=MANAGED + "AdministratorAccess")
    iam.put_group_policy(GroupName=f"{name}-readers", PolicyName="no-delete",
                         PolicyDocument=doc(deny("codecommit:DeleteRepository")))
    with pytest.raises(ClientError) as e:
        member.client("codecommit").delete_repository(repositoryName="demo")
    assert error_of(e)[2] == denied_message(member.arn, "codecommit:DeleteRepository", REPO_ARN,
                                            "with an explicit deny in an identity-based policy")
    # Removing the user from the group lifts the deny on the next request.
    iam.remove_user_from_group(GroupName=f"{name}-readers", UserName=name)
    with pytest.raises(ClientError) as e:
        iam.delete_group(GroupName=f"{name}-readers")
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
    assert member.client("codecommit").get_repository(repositoryName="demo")


def test_not_action_not_resource_and_variables(server, name):
    everything_but_iam = doc({"Effect": "Allow", "NotAction": "iam:*", "NotResource": f"{REPO_ARN}-secret*"},
                             allow("iam:*AccessKey*", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"))
    u = User(server, name, inline=everything_but_iam)
    assert u.client("codecommit").get_repository(repositoryName="demo")
    assert u.client("iam").list_access_keys()["AccessKeyMetadata"]
    with pytest.raises(ClientError) as e:
        u.client("iam").list_access_keys(UserName="demo")
    assert error_of(e)[:2] == ("AccessDenied", 403)
    with pytest.raises(ClientError) as e:
        u.client("iam").list_users()
    assert error_of(e)[:2] == ("AccessDenied", 403)


def test_source_ip_and_current_time_conditions(server, name):
    local_only = doc(allow("codecommit:GetRepository", Condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
                     allow("codecommit:ListRepositories", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    u = User(server, name, inline=local_only)
    assert u.client("codecommit").get_repository(repositoryName="demo")
    with pytest.raises(ClientError):
        u.client("codecommit").list_repositories()
    future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    server.client("iam").put_user_policy(UserName=name, PolicyName="until-tomorrow", PolicyDocument=doc(
        deny("codecommit:GetRepository", Condition={"DateLessThan": {"aws:CurrentTime": future}})))
    with pytest.raises(ClientError) as e:
        u.client("codecommit").get_repository(repositoryName="demo")
    assert "explicit deny" in error_of(e)[2]


def test_session_policies_narrow_an_assumed_role(server, name):
    iam = server.client("iam")
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"})
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]
    iam.attach_role_policy(RoleName=name, PolicyArn=MANAGED + "AWSCodeCommitPowerUser")
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == [
        {"PolicyName": "AWSCodeCommitPowerUser", "PolicyArn": MANAGED + "AWSCodeCommitPowerUser"}]
    sts = server.client("sts")
    wide = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="wide")["Credentials"]
    narrow = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="narrow",
                             Policy=doc(allow("codecommit:GetRepository")))["Credentials"]
    client = lambda c: server.client("codecommit", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    assert client(wide).list_repositories()["repositories"]
    assert client(narrow).get_repository(repositoryName="demo")
    with pytest.raises(ClientError) as e:
        client(narrow).list_repositories()
    session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/narrow"
    assert error_of(e)[2] == denied_message(session_arn, "codecommit:ListRepositories", "*",
                                            "because no session policy allows the {a} action")
    # The session policy cannot grant what the role lacks.
    admin_session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s3",
                                    PolicyArns=[{"arn": MANAGED + "AdministratorAccess"}])["Credentials"]
    with pytest.raises(ClientError) as e:
        client(admin_session).delete_repository(repositoryName="demo")
    assert "because no identity-based policy allows" in error_of(e)[2]
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="bad", Policy='{"Version":"2012-10-17"}')
    assert error_of(e)[:2] == ("MalformedPolicyDocument", 400)


def test_a_new_default_version_takes_effect_on_the_next_request(server, name):
    iam = server.client("iam")
    p = iam.create_policy(PolicyName=name, Path="/team/", PolicyDocument=doc(allow("codecommit:GetRepository")),
                          Description="reads")["Policy"]
    assert p["Arn"] == f"arn:aws:iam::{ACCOUNT}:policy/team/{name}"
    assert p["DefaultVersionId"] == "v1" and p["AttachmentCount"] == 0
    u = User(server, name)
    iam.attach_user_policy(UserName=name, PolicyArn=p["Arn"])
    assert iam.get_policy(PolicyArn=p["Arn"])["Policy"]["AttachmentCount"] == 1
    assert u.client("codecommit").get_repository(repositoryName="demo")
    v2 = iam.create_policy_version(PolicyArn=p["Arn"], PolicyDocument=doc(allow("codecommit:ListRepositories")),
                                   SetAsDefault=True)["PolicyVersion"]
    assert v2["VersionId"] == "v2" and v2["IsDefaultVersion"]
    with pytest.raises(ClientError):
        u.client("codecommit").get_repository(repositoryName="demo")
    assert u.client("codecommit").list_repositories()
    got = iam.get_policy_version(PolicyArn=p["Arn"], VersionId="v1")["PolicyVersion"]
    document = got["Document"]
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    assert document["Statement"][0]["Action"] == "codecommit:GetRepository"
    iam.set_default_policy_version(PolicyArn=p["Arn"], VersionId="v1")
    assert u.client("codecommit").get_repository(repositoryName="demo")
    for i in range(3):
        iam.create_policy_version(PolicyArn=p["Arn"], PolicyDocument=doc(allow(f"codecommit:Get{i}")))
    with pytest.raises(ClientError) as e:
        iam.create_policy_version(PolicyArn=p["Arn"], PolicyDocument=doc(allow("codecommit:Get9")))
    assert error_of(e)[:2] == ("LimitExceeded", 409)
    with pytest.raises(ClientError) as e:
        iam.delete_policy_version(PolicyArn=p["Arn"], VersionId="v1")
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete the default version of a policy.")
    with pytest.raises(ClientError) as e:
        iam.delete_policy(PolicyArn=p["Arn"])
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete a policy attached to entities.")
    versions = [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=p["Arn"])["Versions"]]
    assert versions == ["v5", "v4", "v3", "v2", "v1"]
    local = [x["PolicyName"] for x in iam.list_policies(Scope="Local")["Policies"]]
    assert name in local
    aws = [x["PolicyName"] for x in iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]]
    assert "AWSCodeCommitPowerUser" in aws and name not in aws


def test_malformed_policies_are_refused_and_nothing_is_stored(server, name):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    cases = [
        ("not json", "Syntax errors in policy."),
        (doc(allow("codecommit:GetRepository", Condition={"StringEqualz": {"aws:username": "x"}})),
         "Syntax errors in policy."),
        (doc({"Effect": "Allow", "Action": "codecommit:GetRepository"}), "Policy statement must contain resources."),
        (doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}),
         "Policy document should not specify a principal."),
        (doc(allow("GitPush")), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
    ]
    for document, message in cases:
        with pytest.raises(ClientError) as e:
            iam.put_user_policy(UserName=name, PolicyName="bad", PolicyDocument=document)
        assert error_of(e) == ("MalformedPolicyDocument", 400, message), document
        with pytest.raises(ClientError) as e:
            iam.create_policy(PolicyName=f"{name}-bad", PolicyDocument=document)
        assert error_of(e)[:2] == ("MalformedPolicyDocument", 400)
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == []
    assert f"{name}-bad" not in [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
    with pytest.raises(ClientError) as e:
        iam.get_user_policy(UserName=name, PolicyName="bad")
    assert error_of(e) == ("NoSuchEntity", 404, "The user policy with name bad cannot be found.")


def test_the_simulator_agrees_with_what_the_server_enforces(server, name):
    no_main = doc(deny("codecommit:GitPush", Condition={
        "StringEqualsIfExists": {"codecommit:References": ["refs/heads/main"]},
        "Null": {"codecommit:References": "false"}}))
    u = User(server, name, managed=["AWSCodeCommitReadOnly"], inline=no_main)
    iam = server.client("iam")
    results = iam.simulate_principal_policy(
        PolicySourceArn=u.arn,
        ActionNames=["codecommit:GetRepository", "codecommit:DeleteRepository", "codecommit:GitPush"],
        ResourceArns=[REPO_ARN],
        ContextEntries=[{"ContextKeyName": "codecommit:References", "ContextKeyValues": ["refs/heads/main"],
                         "ContextKeyType": "stringList"}])["EvaluationResults"]
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in results}
    assert decisions == {"codecommit:GetRepository": "allowed", "codecommit:DeleteRepository": "implicitDeny",
                         "codecommit:GitPush": "explicitDeny"}
    pushed = next(r for r in results if r["EvalActionName"] == "codecommit:GitPush")
    assert pushed["MatchedStatements"][0]["SourcePolicyId"] == "inline"
    assert pushed["MatchedStatements"][0]["SourcePolicyType"] == "user"
    read = next(r for r in results if r["EvalActionName"] == "codecommit:GetRepository")
    assert read["MatchedStatements"][0]["SourcePolicyType"] == "aws-managed"
    # …and the server enforces exactly that.
    cc = u.client("codecommit")
    assert cc.get_repository(repositoryName="demo")
    with pytest.raises(ClientError):
        cc.delete_repository(repositoryName="demo")
    custom = iam.simulate_custom_policy(PolicyInputList=[doc(allow("codecommit:Get*"))],
                                        ActionNames=["codecommit:GetBranch", "codecommit:GitPull"])
    assert [r["EvalDecision"] for r in custom["EvaluationResults"]] == ["allowed", "implicitDeny"]


def test_authorization_off_lets_every_authenticated_caller_in(tmp_path, name):
    from conftest import Server
    s = Server(["--authorization", "off"])
    try:
        nobody = User(s, name)
        assert nobody.client("codecommit").list_repositories()["repositories"]
        assert s.git("ls-remote", nobody.url()).returncode == 0
    finally:
        s.stop()


def test_without_policies_a_ref_name_that_is_not_utf8_is_still_refused(tmp_path, name):
    """With authorization off a push's refs are still checked for what no CodeCommit API
    can name (a ref that is not UTF-8); one that reaches a repository anyway (written on
    disk) is left out of the listings rather than breaking them."""
    from conftest import Server
    s = Server(["--authorization", "off"])
    try:
        dev = User(s, name)
        clone = tmp_path / "c"
        s.git("clone", "-q", dev.url(), str(clone))
        commit(s, clone, "work", "work")
        out = subprocess.run([b"git", b"-C", bytes(clone), b"push", b"origin",
                              b"work:refs/heads/ok", b"work:refs/heads/evil\xff"],
                             env=s.env(), capture_output=True, timeout=120)
        stderr = out.stderr.decode("utf-8", "replace")
        assert out.returncode != 0 and "not valid UTF-8" in stderr, stderr
        cc = dev.client("codecommit")
        assert sorted(cc.list_branches(repositoryName="demo")["branches"]) == ["main", "ok"]
        repo_id = cc.get_repository(repositoryName="demo")["repositoryMetadata"]["repositoryId"]
        bare = pathlib.Path(s.endpoints["data_dir"]) / "repositories" / f"{repo_id}.git"
        tip = s.git("-C", str(bare), "rev-parse", "refs/heads/ok").stdout.strip()
        subprocess.run([b"git", b"-C", bytes(bare), b"update-ref", b"refs/heads/odd\xfe",
                        tip.encode()], check=True, capture_output=True, timeout=60)
        assert sorted(cc.list_branches(repositoryName="demo")["branches"]) == ["main", "ok"]
    finally:
        s.stop()


def test_resource_tags_of_repositories(server, name):
    admin = server.client("codecommit")
    tagged = admin.create_repository(repositoryName=f"{name}-red", tags={"team": "red"})["repositoryMetadata"]
    admin.create_repository(repositoryName=f"{name}-blue", tags={"team": "blue"})
    u = User(server, name, inline=doc(allow("codecommit:GetRepository",
                                            Condition={"StringEquals": {"aws:ResourceTag/team": "red"}})))
    cc = u.client("codecommit")
    assert cc.get_repository(repositoryName=f"{name}-red")["repositoryMetadata"]["Arn"] == tagged["Arn"]
    with pytest.raises(ClientError) as e:
        cc.get_repository(repositoryName=f"{name}-blue")
    assert error_of(e)[0] == "AccessDeniedException"
    # Retagging takes effect on the next request.
    admin.tag_resource(resourceArn=tagged["Arn"], tags={"team": "green"})
    with pytest.raises(ClientError):
        cc.get_repository(repositoryName=f"{name}-red")
