"""IAM through boto3 (and raw signed requests where boto3 validates client-side)."""

import re
import sqlite3
import subprocess

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, error_of, keygen

POWER_USER = "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"


def test_users_create_get_list_update_delete(server, name):
    iam = server.client("iam")
    created = iam.create_user(UserName=name, Path="/team/", Tags=[{"Key": "k", "Value": "v"}])["User"]
    assert re.fullmatch(r"AIDA[A-Z0-9]{17}", created["UserId"])
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/team/{name}"
    got = iam.get_user(UserName=name)["User"]
    assert got["UserId"] == created["UserId"]
    assert got["Tags"] == [{"Key": "k", "Value": "v"}]
    assert iam.get_user()["User"]["UserName"] == "admin"  # no name: the caller

    with pytest.raises(ClientError) as e:
        iam.create_user(UserName=name.upper())  # names are unique regardless of case
    assert error_of(e)[:2] == ("EntityAlreadyExists", 409)

    iam.update_user(UserName=name, NewUserName=name + "x", NewPath="/other/")
    moved = iam.get_user(UserName=name + "x")["User"]
    assert moved["Path"] == "/other/" and moved["UserId"] == created["UserId"]
    with pytest.raises(ClientError) as e:
        iam.get_user(UserName=name)
    assert error_of(e) == ("NoSuchEntity", 404, f"The user with name {name} cannot be found.")
    iam.delete_user(UserName=name + "x")
    with pytest.raises(ClientError) as e:
        iam.delete_user(UserName=name + "x")
    assert error_of(e)[:2] == ("NoSuchEntity", 404)


def test_list_users_paginates(server, name):
    iam = server.client("iam")
    for i in range(5):
        iam.create_user(UserName=f"{name}{i}", Path=f"/{name}/")
    first = iam.list_users(PathPrefix=f"/{name}/", MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == [f"{name}0", f"{name}1"]
    assert first["IsTruncated"] is True and first["Marker"]
    second = iam.list_users(PathPrefix=f"/{name}/", MaxItems=2, Marker=first["Marker"])
    assert [u["UserName"] for u in second["Users"]] == [f"{name}2", f"{name}3"]
    pages = iam.get_paginator("list_users").paginate(PathPrefix=f"/{name}/", PaginationConfig={"PageSize": 2})
    names = [u["UserName"] for page in pages for u in page["Users"]]
    assert names == [f"{name}{i}" for i in range(5)]


def test_validation_errors_are_checked_server_side(server):
    status, err = server.raw("iam", {"Action": "CreateUser", "Version": "2010-05-08", "UserName": "bad name"})
    assert status == 400 and err["code"] == "ValidationError"
    assert err["message"] == ("1 validation error detected: Value 'bad name' at 'userName' failed to "
                              "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    status, err = server.raw("iam", {"Action": "CreateUser", "Version": "2010-05-08"})
    assert status == 400 and "Value null at 'userName'" in err["message"]
    status, err = server.raw("iam", {"Action": "ListUsers", "Version": "2010-05-08", "MaxItems": "0"})
    assert status == 400 and "greater than or equal to 1" in err["message"]
    status, err = server.raw("iam", {"Action": "ResetServiceSpecificCredential", "Version": "2010-05-08",
                                     "ServiceSpecificCredentialId": "short"})
    assert status == 400 and err["code"] == "ValidationError"
    status, err = server.raw("iam", {"Action": "NoSuchThing", "Version": "2010-05-08"})
    assert (status, err["code"]) == (400, "InvalidAction")


def test_delete_user_with_attachments_conflicts(server, name):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    with pytest.raises(ClientError) as e:
        iam.delete_user(UserName=name)
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must remove referenced objects first.")
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=name)


def test_access_keys(server, name):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    k1 = iam.create_access_key(UserName=name)["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", k1["AccessKeyId"])
    assert len(k1["SecretAccessKey"]) == 40 and k1["Status"] == "Active"
    k2 = iam.create_access_key(UserName=name)["AccessKey"]
    with pytest.raises(ClientError) as e:
        iam.create_access_key(UserName=name)
    assert error_of(e) == ("LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")
    listed = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert {k["AccessKeyId"] for k in listed} == {k1["AccessKeyId"], k2["AccessKeyId"]}
    assert all("SecretAccessKey" not in k for k in listed)

    # The new key works, reports its use, stops when inactive, works again, dies when deleted.
    sts = server.client("sts", k1["AccessKeyId"], k1["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{name}"
    used = iam.get_access_key_last_used(AccessKeyId=k1["AccessKeyId"])
    assert used["UserName"] == name
    assert used["AccessKeyLastUsed"]["ServiceName"] == "sts"
    assert used["AccessKeyLastUsed"]["Region"] == "us-east-1"
    never = iam.get_access_key_last_used(AccessKeyId=k2["AccessKeyId"])["AccessKeyLastUsed"]
    assert never["ServiceName"] == "N/A" and "LastUsedDate" not in never
    iam.update_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as e:
        sts.get_caller_identity()
    assert error_of(e)[:2] == ("InvalidClientTokenId", 403)
    iam.update_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"], Status="Active")
    sts.get_caller_identity()
    iam.delete_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"])
    with pytest.raises(ClientError) as e:
        sts.get_caller_identity()
    assert error_of(e) == ("InvalidClientTokenId", 403, "The security token included in the request is invalid.")
    with pytest.raises(ClientError) as e:
        iam.delete_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"])
    assert error_of(e) == ("NoSuchEntity", 404, f"The Access Key with id {k1['AccessKeyId']} cannot be found.")


def test_git_credentials(server, name):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=POWER_USER)
    cred = iam.create_service_specific_credential(UserName=name, ServiceName="codecommit.amazonaws.com")[
        "ServiceSpecificCredential"]
    assert re.fullmatch(r"ACCA[A-Z0-9]{17}", cred["ServiceSpecificCredentialId"])
    assert cred["ServiceUserName"] == f"{name}-at-{ACCOUNT}"
    assert len(cred["ServicePassword"]) == 44 and cred["Status"] == "Active"
    # The password signs in over HTTPS with real git.
    url = server.git_url(cred["ServiceUserName"], cred["ServicePassword"])
    server.git("ls-remote", url)

    listed = iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [cred["ServiceSpecificCredentialId"]]
    assert "ServicePassword" not in listed[0]
    iam.create_service_specific_credential(UserName=name, ServiceName="codecommit.amazonaws.com")
    with pytest.raises(ClientError) as e:
        iam.create_service_specific_credential(UserName=name, ServiceName="codecommit.amazonaws.com")
    assert error_of(e)[:2] == ("LimitExceeded", 409)
    # Two more for another supported service are fine.
    iam.create_service_specific_credential(UserName=name, ServiceName="cassandra.amazonaws.com")
    with pytest.raises(ClientError) as e:
        iam.create_service_specific_credential(UserName=name, ServiceName="s3.amazonaws.com")
    assert error_of(e) == ("NoSuchEntity", 404,
                           "No such service s3.amazonaws.com is supported for Service Specific Credentials")
    with pytest.raises(ClientError) as e:
        iam.create_service_specific_credential(UserName=name + "nope", ServiceName="codecommit.amazonaws.com")
    assert error_of(e)[:2] == ("NoSuchEntity", 404)

    # Reset: the new password works, the old one is refused.
    new = iam.reset_service_specific_credential(
        UserName=name, ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"])["ServiceSpecificCredential"]
    assert new["ServicePassword"] != cred["ServicePassword"]
    server.git("ls-remote", server.git_url(cred["ServiceUserName"], new["ServicePassword"]))
    assert server.git("ls-remote", url, check=False).returncode != 0

    # Rename the user: the credential keeps its user name and password.
    iam.update_user(UserName=name, NewUserName=name + "r")
    server.git("ls-remote", server.git_url(cred["ServiceUserName"], new["ServicePassword"]))

    # Inactive, then deleted.
    cid = cred["ServiceSpecificCredentialId"]
    iam.update_service_specific_credential(UserName=name + "r", ServiceSpecificCredentialId=cid, Status="Inactive")
    new_url = server.git_url(cred["ServiceUserName"], new["ServicePassword"])
    assert server.git("ls-remote", new_url, check=False).returncode != 0
    iam.delete_service_specific_credential(UserName=name + "r", ServiceSpecificCredentialId=cid)
    fake = "ACCA" + "Z" * 17
    with pytest.raises(ClientError) as e:
        iam.reset_service_specific_credential(UserName=name + "r", ServiceSpecificCredentialId=fake)
    assert error_of(e) == ("NoSuchEntity", 404, f"No such credential {fake} exists")




def test_ssh_public_keys(server, name, tmp_path):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    key = keygen(tmp_path)
    body = (tmp_path / "k.pub").read_text()
    up = iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=body)["SSHPublicKey"]
    assert re.fullmatch(r"APKA[A-Z0-9]{16}", up["SSHPublicKeyId"])
    md5 = subprocess.run(["ssh-keygen", "-l", "-E", "md5", "-f", str(key) + ".pub"],
                         capture_output=True, text=True, check=True).stdout.split()[1]
    assert "MD5:" + up["Fingerprint"] == md5
    kid = up["SSHPublicKeyId"]
    ssh = iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=kid, Encoding="SSH")["SSHPublicKey"]
    assert ssh["SSHPublicKeyBody"].split()[:2] == body.split()[:2]
    pem = iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=kid, Encoding="PEM")["SSHPublicKey"]
    expected_pem = subprocess.run(["ssh-keygen", "-e", "-m", "PKCS8", "-f", str(key) + ".pub"],
                                  capture_output=True, text=True, check=True).stdout
    assert pem["SSHPublicKeyBody"].strip() == expected_pem.strip()

    with pytest.raises(ClientError) as e:
        iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=body)
    assert error_of(e)[:2] == ("DuplicateSSHPublicKey", 400)
    # The same key in PEM form is the same key.
    with pytest.raises(ClientError) as e:
        iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=expected_pem)
    assert error_of(e)[:2] == ("DuplicateSSHPublicKey", 400)

    # A PEM (PKCS#1) upload is accepted and fingerprinted like its OpenSSH form.
    k2 = keygen(tmp_path, tag="k2")
    pkcs1 = subprocess.run(["ssh-keygen", "-e", "-m", "PEM", "-f", str(k2) + ".pub"],
                           capture_output=True, text=True, check=True).stdout
    assert "BEGIN RSA PUBLIC KEY" in pkcs1
    up2 = iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=pkcs1)["SSHPublicKey"]
    md5_2 = subprocess.run(["ssh-keygen", "-l", "-E", "md5", "-f", str(k2) + ".pub"],
                           capture_output=True, text=True, check=True).stdout.split()[1]
    assert "MD5:" + up2["Fingerprint"] == md5_2

    ed = keygen(tmp_path, kind="ed25519", tag="ed")
    with pytest.raises(ClientError) as e:
        iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=(tmp_path / "ed.pub").read_text())
    assert error_of(e)[:2] == ("UnrecognizedPublicKeyEncoding", 400)
    assert ed.exists()
    short = keygen(tmp_path, bits=1024, tag="short")
    with pytest.raises(ClientError) as e:
        iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=(tmp_path / "short.pub").read_text())
    assert error_of(e)[:2] == ("InvalidPublicKey", 400)
    assert short.exists()
    with pytest.raises(ClientError) as e:
        iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody="ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAB")
    assert error_of(e)[0] in ("InvalidPublicKey", "UnrecognizedPublicKeyEncoding")

    for i in range(3):
        keygen(tmp_path, tag=f"more{i}")
        iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=(tmp_path / f"more{i}.pub").read_text())
    keygen(tmp_path, tag="sixth")
    with pytest.raises(ClientError) as e:
        iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=(tmp_path / "sixth.pub").read_text())
    assert error_of(e) == ("LimitExceeded", 409, "Cannot exceed quota for PublicKeysPerUser: 5")

    listed = iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"]
    assert len(listed) == 5 and all(k["Status"] == "Active" for k in listed)
    iam.update_ssh_public_key(UserName=name, SSHPublicKeyId=kid, Status="Inactive")
    got = iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=kid, Encoding="SSH")["SSHPublicKey"]
    assert got["Status"] == "Inactive"
    iam.delete_ssh_public_key(UserName=name, SSHPublicKeyId=kid)
    with pytest.raises(ClientError) as e:
        iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=kid, Encoding="SSH")
    assert error_of(e)[:2] == ("NoSuchEntity", 404)


def test_roles(server, name):
    iam = server.client("iam")
    doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc, Description="d",
                           MaxSessionDuration=7200, Tags=[{"Key": "team", "Value": "git"}])["Role"]
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", role["RoleId"])
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{name}"
    got = iam.get_role(RoleName=name)["Role"]
    assert got["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == "sts:AssumeRole"
    assert got["MaxSessionDuration"] == 7200 and got["Tags"] == [{"Key": "team", "Value": "git"}]
    assert name in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    with pytest.raises(ClientError) as e:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)
    assert error_of(e)[:2] == ("EntityAlreadyExists", 409)
    with pytest.raises(ClientError) as e:
        iam.create_role(RoleName=name + "b", AssumeRolePolicyDocument="{not json")
    assert error_of(e)[:2] == ("MalformedPolicyDocument", 400)
    # The users and roles a trust policy names must exist; every statement needs a principal.
    ghost = f"arn:aws:iam::{ACCOUNT}:user/{name}-ghost"
    with pytest.raises(ClientError) as e:
        iam.create_role(RoleName=name + "c", AssumeRolePolicyDocument=doc.replace(
            f"arn:aws:iam::{ACCOUNT}:root", ghost))
    assert error_of(e) == ("MalformedPolicyDocument", 400, f'Invalid principal in policy: "AWS":"{ghost}"')
    with pytest.raises(ClientError) as e:
        iam.create_role(RoleName=name + "d", AssumeRolePolicyDocument=doc.replace(
            '"Principal":{"AWS":"arn:aws:iam::123456789012:root"},', ""))
    assert error_of(e)[:2] == ("MalformedPolicyDocument", 400)
    assert "no principals" in error_of(e)[2]
    assert name + "c" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    iam.delete_role(RoleName=name)
    with pytest.raises(ClientError) as e:
        iam.get_role(RoleName=name)
    assert error_of(e) == ("NoSuchEntity", 404, f"The role with name {name} cannot be found.")


def test_passwords_are_stored_only_as_hashes(server, name):
    iam = server.client("iam")
    iam.create_user(UserName=name)
    cred = iam.create_service_specific_credential(UserName=name, ServiceName="codecommit.amazonaws.com")[
        "ServiceSpecificCredential"]
    with sqlite3.connect(server.store) as db:
        dump = "\n".join(db.iterdump())
    assert cred["ServicePassword"] not in dump
    assert cred["ServicePassword"] not in server.log()
