"""Writes the fuzz targets' seed corpora from real client traffic: the requests botocore
(the AWS CLI's and boto3's engine) sends for IAM, STS and CodeCommit calls, captured before
they leave, and the formats the other targets read, as real tools write them.

    .venv/bin/python fuzz/seeds.py    (scripts/fuzz runs it when a corpus is missing)
"""

import base64
import hashlib
import pathlib
import subprocess
import tempfile

import boto3
from botocore.awsrequest import AWSResponse

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "corpus"
KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def write(target, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    data = data if isinstance(data, bytes) else data.encode()
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def captured(service, calls):
    """The requests botocore sends for `calls`, answered with nothing."""
    sent = []

    def grab(request, **_):
        sent.append(request)
        return AWSResponse(request.url, 500, {}, None)

    client = boto3.client(service, region_name="us-east-1", endpoint_url="https://localhost:1",
                          aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                          config=boto3.session.Config(retries={"max_attempts": 1}))
    client.meta.events.register("before-send", grab)
    for name, args in calls:
        try:
            getattr(client, name)(**args)
        except Exception:
            pass
    return sent


POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"codecommit:Git*",'
          '"Resource":"arn:aws:codecommit:us-east-1:123456789012:demo",'
          '"Condition":{"StringEquals":{"codecommit:References":["refs/heads/main"]}}}]}')
TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
         '"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}')
RULE = ('{"Version":"2018-11-08","DestinationReferences":["refs/heads/main"],"Statements":'
        '[{"Type":"Approvers","NumberOfApprovalsNeeded":2,"ApprovalPoolMembers":'
        '["arn:aws:sts::123456789012:assumed-role/Reviewers/*"]}]}')


def main():
    iam = captured("iam", [
        ("create_user", {"UserName": "alice", "Path": "/team/", "Tags": [{"Key": "k", "Value": "v"}]}),
        ("create_service_specific_credential", {"UserName": "alice",
                                                "ServiceName": "codecommit.amazonaws.com"}),
        ("put_user_policy", {"UserName": "alice", "PolicyName": "p", "PolicyDocument": POLICY}),
        ("create_role", {"RoleName": "r", "AssumeRolePolicyDocument": TRUST}),
        ("upload_ssh_public_key", {"UserName": "alice", "SSHPublicKeyBody": "ssh-rsa AAAA"}),
        ("simulate_custom_policy", {"PolicyInputList": [POLICY], "ActionNames": ["codecommit:GitPush"],
                                    "ContextEntries": [{"ContextKeyName": "codecommit:References",
                                                        "ContextKeyValues": ["refs/heads/main"],
                                                        "ContextKeyType": "stringList"}]}),
        ("list_users", {"MaxItems": 10, "Marker": "abc"}),
    ])
    sts = captured("sts", [
        ("get_session_token", {"DurationSeconds": 900}),
        ("assume_role", {"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s",
                         "Policy": POLICY}),
        ("get_caller_identity", {}),
    ])
    for r in iam + sts:
        write("query_requests", r.body if isinstance(r.body, bytes) else r.body or b"")
        write("authorization_headers", r.headers["Authorization"])
    cc = captured("codecommit", [
        ("create_repository", {"repositoryName": "demo", "repositoryDescription": "d",
                               "tags": {"k": "v"}}),
        ("create_commit", {"repositoryName": "demo", "branchName": "main",
                           "putFiles": [{"filePath": "a/b.txt", "fileContent": b"hi\n",
                                         "fileMode": "EXECUTABLE"}],
                           "deleteFiles": [{"filePath": "c"}]}),
        ("create_pull_request", {"title": "t", "targets": [{"repositoryName": "demo",
                                 "sourceReference": "feature", "destinationReference": "main"}]}),
        ("merge_pull_request_by_three_way", {"pullRequestId": "1", "repositoryName": "demo",
                                             "conflictResolution": {"replaceContents": [
                                                 {"filePath": "a", "replacementType": "USE_NEW_CONTENT",
                                                  "content": b"x"}]}}),
        ("create_pull_request_approval_rule", {"pullRequestId": "1", "approvalRuleName": "r",
                                               "approvalRuleContent": RULE}),
        ("put_repository_triggers", {"repositoryName": "demo", "triggers": [
            {"name": "t", "destinationArn": "arn:aws:sns:us-east-1:123456789012:topic",
             "events": ["all"], "branches": []}]}),
        ("get_differences", {"repositoryName": "demo", "afterCommitSpecifier": "main",
                             "beforePath": "a", "MaxResults": 5}),
        ("post_comment_for_compared_commit", {"repositoryName": "demo", "afterCommitId": "a" * 40,
                                              "content": "c", "location": {"filePath": "a",
                                              "filePosition": 1, "relativeFileVersion": "AFTER"}}),
    ])
    for r in cc:
        op = r.headers["X-Amz-Target"].decode().split(".", 1)[1]
        write("json_requests", op.encode() + b"\n" + (r.body or b""))
        write("authorization_headers", r.headers["Authorization"])
    write("authorization_headers", "Basic " + base64.b64encode(
        b"alice-at-123456789012:8Hf0b2Yq1ZkR3nWc5uTx7eLs9dPa4gVmQoJiN6rK0yE=").decode())
    write("git_sigv4_password", "AKIAIOSFODNN7EXAMPLE:20261202T120000Z" + "a" * 64)
    write("git_sigv4_password", "ASIAEXAMPLE%FQoGZXIvYXdzEJr%2F%2Ftoken:20261202T115959Z" + "0" * 64)
    for doc in (POLICY, TRUST):
        write("policy_documents", doc)
    write("fixtures", (ROOT / "fixtures" / "default.toml").read_text())
    for line in ("git-upload-pack '/v1/repos/demo'", "git-receive-pack '/v1/repos/demo'",
                 "git-upload-pack 'v1/repos/demo.git'", "git upload-pack '/v1/repos/x'"):
        write("ssh_exec", line)
    with tempfile.TemporaryDirectory() as d:
        key = pathlib.Path(d) / "k"
        subprocess.run(["ssh-keygen", "-q", "-N", "", "-t", "rsa", "-b", "2048", "-f", str(key)],
                       check=True)
        pub = (pathlib.Path(d) / "k.pub").read_text()
        write("ssh_public_keys", pub)
        pem = subprocess.run(["ssh-keygen", "-e", "-m", "PEM", "-f", str(key) + ".pub"],
                             check=True, capture_output=True, text=True).stdout
        write("ssh_public_keys", pem)
        pkcs8 = subprocess.run(["ssh-keygen", "-e", "-m", "PKCS8", "-f", str(key) + ".pub"],
                               check=True, capture_output=True, text=True).stdout
        write("ssh_public_keys", pkcs8)
    write("approval_rules", RULE)
    write("approval_rules", '{"Version":"2018-11-08","Statements":[{"Type":"Approvers",'
                            '"NumberOfApprovalsNeeded":1}]}')


if __name__ == "__main__":
    main()
