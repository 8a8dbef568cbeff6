"""STS through boto3: caller identity, session tokens, assumed roles, and how they end."""

import datetime
import json
import re
import sqlite3

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, error_of

TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'


# What the STS tests' users and roles may do (authorization is on, as on AWS).
ASSUME_AND_READ = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sts:AssumeRole", "iam:Get*", "iam:List*"], "Resource": "*"}]})


def new_user_with_key(server, name):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="assume-and-read", PolicyDocument=ASSUME_AND_READ)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_get_caller_identity(server):
    ident = server.client("sts").get_caller_identity()
    assert ident["Account"] == ACCOUNT
    assert ident["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/admin"
    assert re.fullmatch(r"AIDA[A-Z0-9]{17}", ident["UserId"])


def test_get_session_token(server, name):
    key, secret = new_user_with_key(server, name)
    before = datetime.datetime.now(datetime.timezone.utc)
    creds = server.client("sts", key, secret).get_session_token(DurationSeconds=900)["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", creds["AccessKeyId"])
    assert len(creds["SecretAccessKey"]) == 40 and len(creds["SessionToken"]) > 100
    lifetime = (creds["Expiration"] - before).total_seconds()
    assert 895 <= lifetime <= 905, lifetime
    default = server.client("sts", key, secret).get_session_token()["Credentials"]
    assert 43190 <= (default["Expiration"] - before).total_seconds() <= 43210

    temp = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    ident = temp.get_caller_identity()
    assert ident["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{name}"
    # Session credentials may not mint more session tokens.
    with pytest.raises(ClientError) as e:
        temp.get_session_token()
    assert error_of(e)[:2] == ("AccessDenied", 403)
    # Without the token, or with another one, the temporary key is refused.
    no_token = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"])
    with pytest.raises(ClientError) as e:
        no_token.get_caller_identity()
    assert error_of(e)[:2] == ("InvalidClientTokenId", 403)
    wrong = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], default["SessionToken"])
    with pytest.raises(ClientError) as e:
        wrong.get_caller_identity()
    assert error_of(e)[:2] == ("InvalidClientTokenId", 403)

    status, err = server.raw("sts", {"Action": "GetSessionToken", "Version": "2011-06-15",
                                     "DurationSeconds": "899"}, key=key, secret=secret)
    assert (status, err["code"]) == (400, "ValidationError")
    status, err = server.raw("sts", {"Action": "GetSessionToken", "Version": "2011-06-15",
                                     "DurationSeconds": "129601"}, key=key, secret=secret)
    assert (status, err["code"]) == (400, "ValidationError")


def test_expired_session_is_refused(server, name):
    key, secret = new_user_with_key(server, name)
    creds = server.client("sts", key, secret).get_session_token(DurationSeconds=900)["Credentials"]
    temp = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    temp.get_caller_identity()
    # 15 minutes is the shortest session: move its expiry into the past in the store.
    past = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)).isoformat()
    with sqlite3.connect(server.store) as db:
        n = db.execute("UPDATE sts_sessions SET expires_at = ? WHERE access_key_id = ?",
                       (past, creds["AccessKeyId"])).rowcount
    assert n == 1
    with pytest.raises(ClientError) as e:
        temp.get_caller_identity()
    assert error_of(e) == ("ExpiredToken", 403, "The security token included in the request is expired")


def test_sessions_die_with_the_key_that_minted_them(server, name):
    key, secret = new_user_with_key(server, name)
    creds = server.client("sts", key, secret).get_session_token()["Credentials"]
    temp = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    temp.get_caller_identity()
    server.client("iam").delete_access_key(UserName=name, AccessKeyId=key)
    with pytest.raises(ClientError) as e:
        temp.get_caller_identity()
    assert error_of(e)[:2] == ("InvalidClientTokenId", 403)


def test_assume_role(server, name):
    iam = server.client("iam")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, MaxSessionDuration=7200)["Role"]
    iam.put_role_policy(RoleName=name, PolicyName="assume-and-read", PolicyDocument=ASSUME_AND_READ)
    key, secret = new_user_with_key(server, name)
    sts = server.client("sts", key, secret)
    out = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="build-42", DurationSeconds=7200)
    user = out["AssumedRoleUser"]
    assert user["AssumedRoleId"] == f"{role['RoleId']}:build-42"
    assert user["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/build-42"
    creds = out["Credentials"]
    assumed = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    ident = assumed.get_caller_identity()
    assert ident["Arn"] == user["Arn"] and ident["UserId"] == user["AssumedRoleId"]
    # An assumed role can call IAM; calls that default to "the caller" need a user name.
    assumed_iam = server.client("iam", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert assumed_iam.get_user(UserName=name)["User"]["UserName"] == name
    with pytest.raises(ClientError) as e:
        assumed_iam.list_access_keys()
    assert error_of(e)[:2] == ("ValidationError", 400)
    # Role chaining is limited to an hour.
    with pytest.raises(ClientError) as e:
        assumed.assume_role(RoleArn=role["Arn"], RoleSessionName="chain", DurationSeconds=7200)
    assert error_of(e)[:2] == ("ValidationError", 400)
    assumed.assume_role(RoleArn=role["Arn"], RoleSessionName="chain", DurationSeconds=3600)

    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=10800)
    assert error_of(e) == ("ValidationError", 400,
                           "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    missing = f"arn:aws:iam::{ACCOUNT}:role/{name}-missing"
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=missing, RoleSessionName="s1")
    assert error_of(e) == ("AccessDenied", 403,
                           f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: "
                           f"sts:AssumeRole on resource: {missing}")
    # Deleting the role ends its sessions (its policies go first, as IAM requires).
    iam.delete_role_policy(RoleName=name, PolicyName="assume-and-read")
    iam.delete_role(RoleName=name)
    with pytest.raises(ClientError) as e:
        assumed.get_caller_identity()
    assert error_of(e)[:2] == ("InvalidClientTokenId", 403)


def test_assume_role_follows_the_trust_policy(server, name):
    iam = server.client("iam")
    (a_key, a_secret), (b_key, b_secret) = (new_user_with_key(server, f"{name}-a"),
                                            new_user_with_key(server, f"{name}-b"))
    a, b = server.client("sts", a_key, a_secret), server.client("sts", b_key, b_secret)

    def role(suffix, *statements):
        doc = {"Version": "2012-10-17", "Statement": list(statements)}
        return iam.create_role(RoleName=f"{name}-{suffix}", AssumeRolePolicyDocument=json.dumps(doc))["Role"]["Arn"]

    def allow(principal, **extra):
        return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}

    def denied(client, arn, user, **kw):
        with pytest.raises(ClientError) as e:
            client.assume_role(RoleArn=arn, RoleSessionName="s1", **kw)
        assert error_of(e) == ("AccessDenied", 403,
                               f"User: {user} is not authorized to perform: sts:AssumeRole on resource: {arn}")

    a_arn, b_arn = (f"arn:aws:iam::{ACCOUNT}:user/{name}-a", f"arn:aws:iam::{ACCOUNT}:user/{name}-b")
    only_a = role("only-a", allow({"AWS": a_arn}))
    a.assume_role(RoleArn=only_a, RoleSessionName="s1")
    denied(b, only_a, b_arn)

    service = role("service", allow({"Service": "codebuild.amazonaws.com"}))
    denied(a, service, a_arn)

    not_b = role("not-b", allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
                 {"Effect": "Deny", "Principal": {"AWS": b_arn}, "Action": "sts:AssumeRole"})
    a.assume_role(RoleArn=not_b, RoleSessionName="s1")
    denied(b, not_b, b_arn)

    external = role("external", allow({"AWS": ACCOUNT}, Condition={"StringEquals": {"sts:ExternalId": "ext-1234"}}))
    denied(a, external, a_arn)
    denied(a, external, a_arn, ExternalId="ext-9999")
    a.assume_role(RoleArn=external, RoleSessionName="s1", ExternalId="ext-1234")
    with pytest.raises(ClientError) as e:
        a.assume_role(RoleArn=external, RoleSessionName="s1", ExternalId="bad id!")
    assert error_of(e)[:2] == ("ValidationError", 400)

    # UpdateAssumeRolePolicy swaps the trust: now b, not a; a bad document changes nothing.
    iam.update_assume_role_policy(RoleName=f"{name}-only-a", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [allow({"AWS": b_arn})]}))
    b.assume_role(RoleArn=only_a, RoleSessionName="s1")
    denied(a, only_a, a_arn)
    with pytest.raises(ClientError) as e:
        iam.update_assume_role_policy(RoleName=f"{name}-only-a", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [allow({"AWS": a_arn + "-ghost"})]}))
    assert error_of(e)[:2] == ("MalformedPolicyDocument", 400)
    b.assume_role(RoleArn=only_a, RoleSessionName="s1")
    with pytest.raises(ClientError) as e:
        iam.update_assume_role_policy(RoleName=f"{name}-nope", PolicyDocument="{}")
    assert error_of(e)[:2] == ("NoSuchEntity", 404)
    iam.update_assume_role_policy(RoleName=f"{name}-only-a", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [allow({"AWS": a_arn})]}))

    # A trust naming a role admits that role's sessions (role chaining), not its users.
    chained = role("chained", allow({"AWS": only_a}))
    denied(a, chained, a_arn)
    creds = a.assume_role(RoleArn=only_a, RoleSessionName="hop")["Credentials"]
    session = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    out = session.assume_role(RoleArn=chained, RoleSessionName="hop2")
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}-chained/hop2"


def test_an_explicit_deny_wins_over_the_trust_policy(server, name):
    """AWS's evaluation logic: the trust policy naming the caller grants AssumeRole, but an
    explicit Deny in the caller's identity or session policies always wins, and a session's
    policies bound what a trust naming its role (not the session itself) grants."""
    iam = server.client("iam")
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"

    def trusting(suffix, principal):
        doc = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]}
        return iam.create_role(RoleName=f"{name}-{suffix}",
                               AssumeRolePolicyDocument=json.dumps(doc))["Role"]["Arn"]

    def refused(client, arn, caller, why=""):
        with pytest.raises(ClientError) as e:
            client.assume_role(RoleArn=arn, RoleSessionName="s1")
        assert error_of(e) == ("AccessDenied", 403,
                               f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {arn}{why}")

    # A user allowed everything but sts:AssumeRole, named by an admin role's trust policy.
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="all-but-assume", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    user = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    admin = trusting("admin", user_arn)
    refused(user, admin, user_arn, " with an explicit deny in an identity-based policy")

    # A role session: its role may assume roles; the session's own policies decide the rest.
    b_key, b_secret = new_user_with_key(server, f"{name}-b")
    hop = trusting("hop", f"arn:aws:iam::{ACCOUNT}:user/{name}-b")
    iam.put_role_policy(RoleName=f"{name}-hop", PolicyName="assume", PolicyDocument=ASSUME_AND_READ)
    b = server.client("sts", b_key, b_secret)
    next_role = trusting("next", hop)

    def session(policy):
        creds = b.assume_role(RoleArn=hop, RoleSessionName="s1", Policy=json.dumps(policy))["Credentials"]
        return server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])

    session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}-hop/s1"
    deny_sts = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sts:*", "Resource": "*"}]}
    refused(session(deny_sts), next_role, session_arn, " with an explicit deny in a session policy")
    # A session policy that does not allow sts:AssumeRole bounds a trust naming the role...
    read_only = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}
    refused(session(read_only), next_role, session_arn)
    # A trust naming the session's own ARN grants after the session is made: its policies
    # do not bound that.
    session_trusting = trusting("by-session", session_arn)
    session(read_only).assume_role(RoleArn=session_trusting, RoleSessionName="s2")
    # ...and the same session goes where a trust names the role and its policies allow it.
    allow_all = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    session(allow_all).assume_role(RoleArn=next_role, RoleSessionName="s2")


def test_get_session_token_credentials_cannot_call_iam(server, name):
    """AWS: GetSessionToken's credentials cannot call IAM without MFA information (this
    server has no MFA), and of STS only AssumeRole and GetCallerIdentity."""
    key, secret = new_user_with_key(server, name)
    server.client("iam").put_user_policy(UserName=name, PolicyName="keys", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}))
    creds = server.client("sts", key, secret).get_session_token()["Credentials"]
    temp = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    iam = server.client("iam", *temp)
    with pytest.raises(ClientError) as e:
        iam.create_access_key(UserName=name)
    assert error_of(e) == ("InvalidClientTokenId", 403,
                           "The security token included in the request is invalid")
    with pytest.raises(ClientError) as e:
        iam.get_user()
    assert error_of(e)[:2] == ("InvalidClientTokenId", 403)
    assert len(server.client("iam").list_access_keys(UserName=name)["AccessKeyMetadata"]) == 1
    assert server.client("sts", *temp).get_caller_identity()["Arn"].endswith(f":user/{name}")



def test_trust_policy_conditions_see_where_and_when_the_request_came(server, name):
    """A trust policy's conditions on aws:SourceIp, aws:SecureTransport and aws:CurrentTime
    see the request's values, as an identity policy's do: a Deny on them holds."""
    iam = server.client("iam")
    key, secret = new_user_with_key(server, name)
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
    sts = server.client("sts", key, secret)

    def role(suffix, *statements):
        doc = {"Version": "2012-10-17", "Statement": list(statements)}
        return iam.create_role(RoleName=f"{name}-{suffix}",
                               AssumeRolePolicyDocument=json.dumps(doc))["Role"]["Arn"]

    allow = {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}
    not_local = role("not-local", allow, {
        "Effect": "Deny", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole",
        "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}})
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=not_local, RoleSessionName="s1")
    assert error_of(e)[:2] == ("AccessDenied", 403)
    conditioned = role("https-now", {**allow, "Condition": {
        "Bool": {"aws:SecureTransport": "true"},
        "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        "IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}})
    sts.assume_role(RoleArn=conditioned, RoleSessionName="s1")


def test_token_issue_time_is_set_for_sessions_only(server, name):
    """aws:TokenIssueTime: when temporary credentials were issued; absent for a long-term
    key (so a Deny on it does not refuse the key, as it would on an unknown key)."""
    key, secret = new_user_with_key(server, name)
    server.client("iam").put_user_policy(UserName=name, PolicyName="old-sessions",
                                          PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "codecommit:*", "Resource": "*",
         "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2100-01-01T00:00:00Z"}}}]}))
    assert server.client("codecommit", key, secret).get_repository(repositoryName="demo")
    creds = server.client("sts", key, secret).get_session_token()["Credentials"]
    session = server.client("codecommit", creds["AccessKeyId"], creds["SecretAccessKey"],
                            creds["SessionToken"])
    with pytest.raises(ClientError) as e:
        session.get_repository(repositoryName="demo")
    assert error_of(e)[:2] == ("AccessDeniedException", 400)

