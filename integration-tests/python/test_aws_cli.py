"""The AWS CLI pointed at the server with AWS_ENDPOINT_URL and AWS_CA_BUNDLE."""

import json
import os
import subprocess
import sys


def aws(server, *args):
    exe = os.path.join(os.path.dirname(sys.executable), "aws")
    out = subprocess.run([exe, *args, "--output", "json"], env=server.env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else None


def test_cli_creates_a_user_and_a_git_credential_that_clones(server, name):
    user = aws(server, "iam", "create-user", "--user-name", name)["User"]
    assert user["UserName"] == name
    aws(server, "iam", "attach-user-policy", "--user-name", name, "--policy-arn",
        "arn:aws:iam::aws:policy/AWSCodeCommitReadOnly")
    cred = aws(server, "iam", "create-service-specific-credential", "--user-name", name,
               "--service-name", "codecommit.amazonaws.com")["ServiceSpecificCredential"]
    listed = aws(server, "iam", "list-service-specific-credentials", "--user-name", name)
    assert listed["ServiceSpecificCredentials"][0]["ServiceUserName"] == f"{name}-at-123456789012"
    out = server.git("ls-remote", server.git_url(cred["ServiceUserName"], cred["ServicePassword"]))
    assert "refs/heads/main" in out.stdout
    ident = aws(server, "sts", "get-caller-identity")
    assert ident["Arn"].endswith(":user/admin")


def test_cli_meets_policies_and_simulates_them(server, name):
    aws(server, "iam", "create-user", "--user-name", name)
    aws(server, "iam", "attach-user-policy", "--user-name", name, "--policy-arn",
        "arn:aws:iam::aws:policy/AWSCodeCommitReadOnly")
    key = aws(server, "iam", "create-access-key", "--user-name", name)["AccessKey"]
    as_user = dict(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    exe = os.path.join(os.path.dirname(sys.executable), "aws")
    run = lambda *args: subprocess.run([exe, *args, "--output", "json"], env=server.env(**as_user),
                                       capture_output=True, text=True, timeout=120)
    assert run("codecommit", "get-repository", "--repository-name", "demo").returncode == 0
    denied = run("codecommit", "delete-repository", "--repository-name", "demo")
    assert denied.returncode != 0
    assert ("An error occurred (AccessDeniedException) when calling the DeleteRepository operation: "
            f"User: arn:aws:iam::123456789012:user/{name} is not authorized to perform: "
            "codecommit:DeleteRepository on resource: arn:aws:codecommit:us-east-1:123456789012:demo "
            "because no identity-based policy allows the codecommit:DeleteRepository action") in denied.stderr
    out = aws(server, "iam", "simulate-principal-policy", "--policy-source-arn",
              f"arn:aws:iam::123456789012:user/{name}", "--action-names", "codecommit:GitPull",
              "codecommit:DeleteRepository")
    assert [r["EvalDecision"] for r in out["EvaluationResults"]] == ["allowed", "implicitDeny"]
