"""Console passwords through boto3 and the AWS CLI: IAM login profiles, the account password
policy and ChangePassword, with IAM's errors."""

import json
import os
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, user_client

GOOD = "Corr3ct-Horse-battery"
OTHER = "Anoth3r-Staple-secret"


@pytest.fixture
def no_policy(server):
    yield
    try:
        server.client("iam").delete_account_password_policy()
    except ClientError:
        pass


def test_create_get_update_delete(server, name):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    with pytest.raises(ClientError) as e:
        iam.get_login_profile(UserName=name)
    assert error_of(e) == ("NoSuchEntity", 404, f"Login Profile for User {name} cannot be found.")

    made = iam.create_login_profile(UserName=name, Password=GOOD, PasswordResetRequired=True)
    assert made["LoginProfile"]["UserName"] == name
    assert made["LoginProfile"]["PasswordResetRequired"] is True
    got = iam.get_login_profile(UserName=name)["LoginProfile"]
    assert got["CreateDate"] == made["LoginProfile"]["CreateDate"]
    assert got["PasswordResetRequired"] is True

    with pytest.raises(ClientError) as e:
        iam.create_login_profile(UserName=name, Password=GOOD)
    assert error_of(e) == ("EntityAlreadyExists", 409, f"Login Profile for user {name} already exists.")

    iam.update_login_profile(UserName=name, PasswordResetRequired=False)
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False

    # A user with a console password cannot be deleted until the password is.
    with pytest.raises(ClientError) as e:
        iam.delete_user(UserName=name)
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must delete login profile first.")
    iam.delete_login_profile(UserName=name)
    with pytest.raises(ClientError) as e:
        iam.delete_login_profile(UserName=name)
    assert error_of(e)[:2] == ("NoSuchEntity", 404)
    iam.delete_user(UserName=name)

    with pytest.raises(ClientError) as e:
        iam.create_login_profile(UserName=name, Password=GOOD)
    assert error_of(e) == ("NoSuchEntity", 404, f"The user with name {name} cannot be found.")


def test_default_policy_and_secrets_stay_out_of_errors_and_logs(server, name, no_policy):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    for weak in ("Sh0rt!", "alllowercase1", name):
        with pytest.raises(ClientError) as e:
            iam.create_login_profile(UserName=name, Password=weak)
        assert error_of(e) == ("PasswordPolicyViolation", 400,
                               "Password does not conform to the account password policy.")
    # Too long for the model: the violation names the member, never the value.
    long = "Aa1!" * 40
    status, err = server.raw("iam", {"Action": "CreateLoginProfile", "Version": "2010-05-08",
                                     "UserName": name, "Password": long})
    assert status == 400 and err["code"] == "ValidationError"
    assert "at 'password' failed to satisfy constraint" in err["message"]
    assert long not in err["message"]
    iam.create_login_profile(UserName=name, Password=GOOD)
    assert GOOD not in server.log() and long not in server.log()
    with pytest.raises(ClientError):
        iam.get_login_profile(UserName=name + "-nobody")


def test_account_password_policy(server, name, no_policy):
    iam = server.client("iam")
    with pytest.raises(ClientError) as e:
        iam.get_account_password_policy()
    assert error_of(e) == ("NoSuchEntity", 404,
                           "The Password Policy with domain name 123456789012 cannot be found.")
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True,
                                       RequireNumbers=True, AllowUsersToChangePassword=True,
                                       PasswordReusePrevention=2, MaxPasswordAge=90)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 14
    assert policy["RequireSymbols"] is True and policy["RequireNumbers"] is True
    assert policy["RequireUppercaseCharacters"] is False
    assert policy["AllowUsersToChangePassword"] is True
    assert policy["ExpirePasswords"] is True and policy["MaxPasswordAge"] == 90
    assert policy["PasswordReusePrevention"] == 2

    iam.create_user(UserName=name)
    with pytest.raises(ClientError) as e:
        iam.create_login_profile(UserName=name, Password="Passw0rd!")  # 9 < 14
    assert error_of(e)[0] == "PasswordPolicyViolation"
    with pytest.raises(ClientError) as e:
        iam.create_login_profile(UserName=name, Password="longenoughbutnosymbol1")
    assert error_of(e)[0] == "PasswordPolicyViolation"
    iam.create_login_profile(UserName=name, Password="lower-case-is-fine-1")

    # Below the model's minimum of 6 (boto3 would refuse it before sending).
    status, err = server.raw("iam", {"Action": "UpdateAccountPasswordPolicy", "Version": "2010-05-08",
                                     "MinimumPasswordLength": "5"})
    assert status == 400 and err["code"] == "ValidationError"
    iam.delete_account_password_policy()
    with pytest.raises(ClientError) as e:
        iam.delete_account_password_policy()
    assert error_of(e)[:2] == ("NoSuchEntity", 404)


def test_change_password(server, name, no_policy):
    iam = server.client("iam")
    me = user_client(server, name, "iam")
    iam.create_login_profile(UserName=name, Password=GOOD, PasswordResetRequired=True)

    # Without iam:ChangePassword and without the policy's AllowUsersToChangePassword.
    with pytest.raises(ClientError) as e:
        me.change_password(OldPassword=GOOD, NewPassword=OTHER)
    assert error_of(e)[:2] == ("AccessDenied", 403)

    iam.update_account_password_policy(MinimumPasswordLength=8, AllowUsersToChangePassword=True,
                                       PasswordReusePrevention=2)
    with pytest.raises(ClientError) as e:
        me.change_password(OldPassword="Wr0ng-old-password", NewPassword=OTHER)
    assert error_of(e)[:2] == ("InvalidUserType", 400)
    with pytest.raises(ClientError) as e:
        me.change_password(OldPassword=GOOD, NewPassword=GOOD)  # reuse of the current one
    assert error_of(e)[0] == "PasswordPolicyViolation"
    me.change_password(OldPassword=GOOD, NewPassword=OTHER)
    # The reset flag clears once the user chose a password.
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False
    with pytest.raises(ClientError) as e:
        me.change_password(OldPassword=OTHER, NewPassword=GOOD)  # the one before: remembered
    assert error_of(e)[0] == "PasswordPolicyViolation"
    me.change_password(OldPassword=OTHER, NewPassword="Th1rd-password-here")

    # An access key without a login profile: nothing to change.
    other = user_client(server, name + "-2", "iam")
    with pytest.raises(ClientError) as e:
        other.change_password(OldPassword=GOOD, NewPassword=OTHER)
    assert error_of(e)[:2] == ("NoSuchEntity", 404)

    # An explicit Deny wins over the account policy's AllowUsersToChangePassword.
    iam.put_user_policy(UserName=name, PolicyName="no-change", PolicyDocument=json.dumps(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Deny", "Action": "iam:ChangePassword", "Resource": "*"}]}))
    with pytest.raises(ClientError) as e:
        me.change_password(OldPassword="Th1rd-password-here", NewPassword="F0urth-password-here")
    arn = f"arn:aws:iam::123456789012:user/{name}"
    assert error_of(e) == ("AccessDenied", 403,
                           f"User: {arn} is not authorized to perform: iam:ChangePassword on resource: "
                           f"{arn} with an explicit deny in an identity-based policy")


def test_aws_cli(server, name, no_policy):
    def aws(*args):
        exe = os.path.join(os.path.dirname(sys.executable), "aws")
        out = subprocess.run([exe, "iam", *args], env=server.env(), capture_output=True,
                             text=True, timeout=120)
        return out.returncode, out.stdout, out.stderr

    server.client("iam").create_user(UserName=name)
    rc, out, err = aws("create-login-profile", "--user-name", name, "--password", GOOD,
                       "--password-reset-required")
    assert rc == 0, err
    assert json.loads(out)["LoginProfile"]["PasswordResetRequired"] is True
    rc, out, err = aws("get-login-profile", "--user-name", name)
    assert rc == 0 and json.loads(out)["LoginProfile"]["UserName"] == name
    rc, out, err = aws("update-login-profile", "--user-name", name, "--password", "weak")
    assert rc != 0 and "PasswordPolicyViolation" in err
    rc, out, err = aws("delete-login-profile", "--user-name", name)
    assert rc == 0, err


def test_account_alias(server):
    iam = server.client("iam")
    assert iam.list_account_aliases()["AccountAliases"] == []
    status, err = server.raw("iam", {"Action": "CreateAccountAlias", "Version": "2010-05-08",
                                     "AccountAlias": "Bad--Alias"})
    assert status == 400 and err["code"] == "ValidationError"
    iam.create_account_alias(AccountAlias="first-alias")
    iam.create_account_alias(AccountAlias="demo-corp")  # one an account: it replaces the first
    assert iam.list_account_aliases()["AccountAliases"] == ["demo-corp"]
    with pytest.raises(ClientError) as e:
        iam.delete_account_alias(AccountAlias="first-alias")
    assert error_of(e) == ("NoSuchEntity", 404, "The account alias first-alias cannot be found.")
    iam.delete_account_alias(AccountAlias="demo-corp")
    assert iam.list_account_aliases()["AccountAliases"] == []
