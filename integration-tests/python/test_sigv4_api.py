"""SigV4 refusals on the API, signed by the test's own SigV4 code."""

import datetime

from conftest import ADMIN_KEY, ADMIN_SECRET

CALLER = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}


def test_a_correctly_signed_request_passes(server):
    status, body = server.raw("sts", CALLER)
    assert status == 200, body


def test_wrong_secret(server):
    status, err = server.raw("sts", CALLER, secret=ADMIN_SECRET[:-1] + "X")
    assert (status, err["code"]) == (403, "SignatureDoesNotMatch")
    assert err["message"].startswith("The request signature we calculated does not match")
    assert ADMIN_SECRET not in server.log()


def test_stale_and_future_dates(server):
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    status, err = server.raw("sts", CALLER, amz_date=old)
    assert (status, err["code"]) == (403, "SignatureDoesNotMatch")
    assert err["message"].startswith("Signature expired: " + old)
    future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    status, err = server.raw("sts", CALLER, amz_date=future)
    assert (status, err["code"]) == (403, "SignatureDoesNotMatch")
    assert err["message"].startswith("Signature not yet current")
    recent = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)).strftime("%Y%m%dT%H%M%SZ")
    status, _ = server.raw("sts", CALLER, amz_date=recent)
    assert status == 200


def test_unknown_key_and_other_region(server):
    status, err = server.raw("sts", CALLER, key="AKIAAAAAAAAAAAAAAAAA")
    assert (status, err["code"]) == (403, "InvalidClientTokenId")
    assert err["message"] == "The security token included in the request is invalid."
    status, err = server.raw("sts", CALLER, region="eu-west-1")
    assert (status, err["code"]) == (403, "SignatureDoesNotMatch")
    assert "eu-west-1" in err["message"]


def test_missing_and_incomplete_authorization(server):
    status, err = server.raw("iam", {"Action": "ListUsers", "Version": "2010-05-08"}, sign=False)
    assert (status, err["code"]) == (403, "MissingAuthenticationToken")
    status, err = server.raw("sts", CALLER, scope_service="s3")
    assert (status, err["code"]) == (403, "SignatureDoesNotMatch")


def test_error_body_is_aws_query_xml(server):
    status, err = server.raw("iam", {"Action": "GetUser", "Version": "2010-05-08", "UserName": "nobody-here"})
    assert status == 404
    assert err == {"code": "NoSuchEntity", "message": "The user with name nobody-here cannot be found.",
                   "type": "Sender"}
    assert ADMIN_KEY  # the admin key signed it
