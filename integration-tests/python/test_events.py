"""Events leaving the server to real receivers: moto's server (SNS with an SQS subscription,
EventBridge with an SQS target) and plain webhooks, for pushes over git, API commits and
branch deletions; trigger filters; TestRepositoryTriggers; delivery after an outage and a
restart."""

import http.server
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import ACCOUNT, ADMIN_FIXTURE, REGION, Server, admin_git_login, binary, error_of

RECORD_KEYS = {"awsRegion", "codecommit", "eventId", "eventName", "eventPartNumber",
               "eventSource", "eventSourceARN", "eventTime", "eventTotalParts",
               "eventTriggerConfigId", "eventTriggerName", "eventVersion", "userIdentityARN"}
ADMIN_ARN = f"arn:aws:iam::{ACCOUNT}:user/admin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """moto's server on a free port, and boto3 clients for it."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1)
                break
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("moto's server did not start")
                time.sleep(0.1)

    def client(self, service):
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id="test", aws_secret_access_key="test")

    def queue(self, name):
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        return url, arn

    def topic_to_queue(self, name):
        """An SNS topic with an SQS subscription: (topic ARN, queue URL)."""
        topic = self.client("sns").create_topic(Name=name)["TopicArn"]
        url, arn = self.queue(name + "-q")
        self.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        return topic, url

    def receive(self, url, count, timeout=20):
        """`count` message bodies from the queue (parsed JSON), waiting up to `timeout` s."""
        sqs, got, deadline = self.client("sqs"), [], time.time() + timeout
        while len(got) < count and time.time() < deadline:
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                         WaitTimeSeconds=1).get("Messages", []):
                got.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return got

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


class Receiver:
    """A webhook: records the JSON bodies POSTed to it."""

    def __init__(self, port=None):
        self.bodies = []
        self.requests = []
        received, requests = self.bodies, self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(length)
                requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, raw))
                received.append(json.loads(raw) if raw.startswith(b"{") else raw.decode())
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait(self, count, timeout=20):
        deadline = time.time() + timeout
        while len(self.bodies) < count and time.time() < deadline:
            time.sleep(0.1)
        return self.bodies

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def moto():
    m = Moto()
    yield m
    m.stop()


@pytest.fixture(scope="module")
def hook():
    r = Receiver()
    yield r
    r.stop()


TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:codecommit-pushes"


@pytest.fixture(scope="module")
def server_options(moto, hook):
    """The module's `server` sends its events to moto, and its webhook topic to `hook`."""
    return {"fixture": ADMIN_FIXTURE + f"""
[[webhooks]]
arn = "{TOPIC}"
url = "http://127.0.0.1:{hook.port}/hook"
""", "extra_args": ["--events-endpoint", moto.url]}


def records(messages):
    """The trigger records inside SNS-over-SQS messages."""
    return [json.loads(m["Message"])["Records"][0] for m in messages]


def test_triggers_send_codecommit_records_to_sns_and_webhooks(server, moto, hook,
                                                              tmp_path, name):
    cc = server.client("codecommit")
    topic, queue = moto.topic_to_queue("codecommit-pushes")
    assert topic == TOPIC
    main_topic, main_queue = moto.topic_to_queue("codecommit-main")
    cc.create_repository(repositoryName=name)
    first = cc.create_commit(repositoryName=name, branchName="main", putFiles=[
        {"filePath": "a.txt", "fileContent": b"a\n"}])["commitId"]
    config = cc.put_repository_triggers(repositoryName=name, triggers=[
        {"name": "everything", "destinationArn": topic, "customData": "team=tools",
         "branches": [], "events": ["all"]},
        {"name": "main-only", "destinationArn": main_topic, "branches": ["main"],
         "events": ["updateReference"]},
    ])["configurationId"]
    got = cc.get_repository_triggers(repositoryName=name)
    assert got["configurationId"] == config
    assert [t["name"] for t in got["triggers"]] == ["everything", "main-only"]
    assert got["triggers"][0]["customData"] == "team=tools"

    # A git push over HTTPS creating a branch.
    user, password = admin_git_login(server)
    work = tmp_path / "w"
    server.git("clone", "-q", server.git_url(user, password, name), str(work))
    server.git("-C", str(work), "checkout", "-q", "-b", "feature")
    (work / "b.txt").write_text("b\n")
    server.git("-C", str(work), "add", "b.txt")
    server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "b")
    server.git("-C", str(work), "push", "-q", "origin", "feature")
    feature = server.git("-C", str(work), "rev-parse", "HEAD").stdout.strip()
    [pushed] = records(moto.receive(queue, 1))
    assert set(pushed) == RECORD_KEYS | {"customData"}
    assert pushed["codecommit"] == {"references": [
        {"commit": feature, "ref": "refs/heads/feature", "created": True}]}
    assert (pushed["eventSource"], pushed["eventName"], pushed["eventSourceARN"]) == (
        "aws:codecommit", "ReferenceChanges", f"arn:aws:codecommit:{REGION}:{ACCOUNT}:{name}")
    assert (pushed["eventTriggerConfigId"], pushed["eventTriggerName"]) == (config, "everything")
    assert (pushed["customData"], pushed["userIdentityARN"]) == ("team=tools", ADMIN_ARN)
    assert (pushed["eventPartNumber"], pushed["eventTotalParts"], pushed["awsRegion"]) == (
        1, 1, REGION)

    # An API commit on main fires both triggers; the branch filter kept the push from the
    # main-only topic.
    second = cc.create_commit(repositoryName=name, branchName="main", parentCommitId=first,
                              putFiles=[{"filePath": "a.txt", "fileContent": b"aa\n"}])[
        "commitId"]
    [updated] = records(moto.receive(queue, 1))
    assert updated["codecommit"] == {"references": [{"commit": second, "ref": "refs/heads/main"}]}
    [main_only] = records(moto.receive(main_queue, 1))
    assert main_only["eventTriggerName"] == "main-only" and "customData" not in main_only
    assert main_only["codecommit"] == updated["codecommit"]

    # A branch deletion.
    cc.delete_branch(repositoryName=name, branchName="feature")
    [deleted] = records(moto.receive(queue, 1))
    assert deleted["codecommit"] == {"references": [
        {"commit": feature, "ref": "refs/heads/feature", "deleted": True}]}
    assert moto.receive(main_queue, 1, timeout=2) == []

    # The webhook for the topic got the same JSON, in order.
    bodies = [b["Records"][0] for b in hook.wait(3)[-3:]]
    assert [b["codecommit"] for b in bodies] == [
        pushed["codecommit"], updated["codecommit"], deleted["codecommit"]]
    assert bodies[0] == pushed

    # TestRepositoryTriggers sends a test record now.
    tested = cc.test_repository_triggers(repositoryName=name, triggers=[
        {"name": "probe", "destinationArn": main_topic, "branches": [], "events": ["all"]}])
    assert tested["successfulExecutions"] == ["probe"] and tested["failedExecutions"] == []
    [probe] = records(moto.receive(main_queue, 1))
    assert probe["eventName"] == "TestTrigger" and probe["eventTriggerName"] == "probe"
    assert probe["codecommit"]["references"][0]["commit"] == second


def test_trigger_validation(server, name):
    cc = server.client("codecommit")
    cc.create_repository(repositoryName=name)
    good = {"name": "t", "destinationArn": TOPIC, "branches": [], "events": ["all"]}
    for change, code in [
        ({"destinationArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"},
         "InvalidRepositoryTriggerDestinationArnException"),
        ({"destinationArn": f"arn:aws:sns:eu-west-1:{ACCOUNT}:t"},
         "InvalidRepositoryTriggerRegionException"),
        ({"events": ["all", "createReference"]}, "InvalidRepositoryTriggerEventsException"),
        ({"events": ["pushed"]}, "InvalidRepositoryTriggerEventsException"),
        ({"events": []}, "RepositoryTriggerEventsListRequiredException"),
        ({"customData": "x" * 1001}, "InvalidRepositoryTriggerCustomDataException"),
        ({"branches": [f"b{i}" for i in range(11)]}, "MaximumBranchesExceededException"),
        ({"branches": ["bad..name"]}, "InvalidRepositoryTriggerBranchNameException"),
        ({"name": ""}, "RepositoryTriggerNameRequiredException"),
        ({"destinationArn": ""}, "RepositoryTriggerDestinationArnRequiredException"),
    ]:
        with pytest.raises(ClientError) as e:
            cc.put_repository_triggers(repositoryName=name, triggers=[{**good, **change}])
        assert error_of(e)[0] == code, change
    with pytest.raises(ClientError) as e:
        cc.put_repository_triggers(repositoryName=name, triggers=[
            {**good, "name": f"t{i}"} for i in range(11)])
    assert error_of(e)[0] == "MaximumRepositoryTriggersExceededException"
    # Nothing was stored by the refused calls; an empty list removes every trigger.
    assert cc.get_repository_triggers(repositoryName=name)["triggers"] == []
    cc.put_repository_triggers(repositoryName=name, triggers=[good])
    cc.put_repository_triggers(repositoryName=name, triggers=[])
    assert cc.get_repository_triggers(repositoryName=name)["triggers"] == []


def test_eventbridge_rule_receives_repository_and_pull_request_events(server, moto,
                                                                      name):
    cc = server.client("codecommit")
    url, arn = moto.queue("codecommit-events-" + name)
    events = moto.client("events")
    events.put_rule(Name="codecommit-" + name, EventPattern=json.dumps({
        "source": ["aws.codecommit"], "resources": [
            f"arn:aws:codecommit:{REGION}:{ACCOUNT}:{name}"]}))
    events.put_targets(Rule="codecommit-" + name, Targets=[{"Id": "q", "Arn": arn}])
    cc.create_repository(repositoryName=name)
    first = cc.create_commit(repositoryName=name, branchName="main", putFiles=[
        {"filePath": "a.txt", "fileContent": b"a\n"}])["commitId"]
    [created] = moto.receive(url, 1)
    assert created["source"] == "aws.codecommit"
    assert created["detail-type"] == "CodeCommit Repository State Change"
    assert created["resources"] == [f"arn:aws:codecommit:{REGION}:{ACCOUNT}:{name}"]
    detail = created["detail"]
    assert {k: detail[k] for k in ("event", "referenceFullName", "referenceName",
                                   "referenceType", "commitId", "repositoryName",
                                   "callerUserArn")} == {
        "event": "referenceCreated", "referenceFullName": "refs/heads/main",
        "referenceName": "main", "referenceType": "branch", "commitId": first,
        "repositoryName": name, "callerUserArn": ADMIN_ARN}
    cc.create_branch(repositoryName=name, branchName="feature", commitId=first)
    feature = cc.create_commit(repositoryName=name, branchName="feature", parentCommitId=first,
                               putFiles=[{"filePath": "b.txt", "fileContent": b"b\n"}])[
        "commitId"]
    updates = moto.receive(url, 2)
    assert [u["detail"]["event"] for u in updates] == ["referenceCreated", "referenceUpdated"]
    assert (updates[1]["detail"]["oldCommitId"], updates[1]["detail"]["commitId"]) == (
        first, feature)
    pr = cc.create_pull_request(title="Add b", targets=[{
        "repositoryName": name, "sourceReference": "feature",
        "destinationReference": "main"}])["pullRequest"]
    [opened] = moto.receive(url, 1)
    assert opened["detail-type"] == "CodeCommit Pull Request State Change"
    assert {k: opened["detail"][k] for k in ("event", "pullRequestId", "pullRequestStatus",
                                            "sourceReference", "destinationReference",
                                            "sourceCommit", "isMerged", "title")} == {
        "event": "pullRequestCreated", "pullRequestId": pr["pullRequestId"],
        "pullRequestStatus": "Open", "sourceReference": "refs/heads/feature",
        "destinationReference": "refs/heads/main", "sourceCommit": feature,
        "isMerged": "False", "title": "Add b"}
    cc.post_comment_for_pull_request(pullRequestId=pr["pullRequestId"], repositoryName=name,
                                     beforeCommitId=first, afterCommitId=feature,
                                     content="Looks good")
    [commented] = moto.receive(url, 1)
    assert commented["detail-type"] == "CodeCommit Comment on Pull Request"
    assert commented["detail"]["event"] == "commentOnPullRequestCreated"


def test_a_push_while_the_receiver_is_down_arrives_after_it_is_back_and_a_restart(
        tmp_path, name):
    port = free_port()
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:outage"
    fixture = tmp_path / "fixture.toml"
    fixture.write_text(ADMIN_FIXTURE + f"""
[[webhooks]]
arn = "{topic}"
url = "http://127.0.0.1:{port}/hook"
""")
    data = tmp_path / "data"
    args = ["--data-dir", str(data), "--fixtures", str(fixture)]
    server = Server(args, ephemeral=False)
    try:
        cc = server.client("codecommit")
        cc.create_repository(repositoryName=name)
        cc.put_repository_triggers(repositoryName=name, triggers=[
            {"name": "t", "destinationArn": topic, "branches": [], "events": ["all"]}])
        # The receiver is down: the commit lands all the same.
        commit = cc.create_commit(repositoryName=name, branchName="main", putFiles=[
            {"filePath": "a.txt", "fileContent": b"a\n"}])["commitId"]
        assert cc.get_branch(repositoryName=name, branchName="main")["branch"][
            "commitId"] == commit
        failed = cc.test_repository_triggers(repositoryName=name, triggers=[
            {"name": "t", "destinationArn": topic, "branches": [], "events": ["all"]}])
        assert failed["successfulExecutions"] == []
        [failure] = failed["failedExecutions"]
        assert failure["trigger"] == "t" and str(port) in failure["failureMessage"]
        time.sleep(1.5)
        assert "event delivery failed" in server.log()
    finally:
        server.proc.kill()
        server.proc.wait(timeout=30)
    # Restarted with the event still queued; the receiver comes back.
    server = Server(args, ephemeral=False)
    receiver = Receiver(port)
    try:
        [body] = receiver.wait(1, timeout=40)
        [record] = body["Records"]
        assert record["codecommit"] == {"references": [
            {"commit": commit, "ref": "refs/heads/main", "created": True}]}
        # The event log says what happened to it.
        time.sleep(0.5)
        out = subprocess.run([binary(), "events", "--data-dir", str(data), "--bodies"],
                             capture_output=True, text=True, check=True).stdout
        log = [json.loads(line) for line in out.splitlines()]
        [sent] = [e for e in log if e["kind"] == "sns"]
        assert (sent["state"], sent["destination"], sent["label"]) == ("delivered", topic, "t")
        assert sent["attempts"] >= 2 and sent["body"] == body
        assert {e["state"] for e in log if e["kind"] == "eventbridge"} == {"dropped"}
    finally:
        receiver.stop()
        server.stop()


def botocore_signature(url, headers, body, key, secret, region, service):
    """botocore's SigV4 signature of a request as received (its signed headers only)."""
    auth_header = headers["authorization"]
    signed = auth_header.split("SignedHeaders=")[1].split(",")[0].split(";")
    request = AWSRequest(method="POST", url=url, data=body,
                         headers={h: headers[h] for h in signed})
    request.context["timestamp"] = headers["x-amz-date"]
    auth = SigV4Auth(Credentials(key, secret), service, region)
    return auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)


def test_lambda_invocations_and_put_events_are_signed_as_aws_expects(monkeypatch, name):
    endpoint = Receiver()
    monkeypatch.setenv("CODECOMMIT_LOCAL_EVENTS_SECRET_ACCESS_KEY", "events-secret")
    server = Server(["--events-endpoint", f"http://127.0.0.1:{endpoint.port}",
                     "--events-access-key-id", "AKIDEVENTSEXAMPLE"])
    try:
        cc = server.client("codecommit")
        function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:on-push"
        cc.create_repository(repositoryName=name)
        cc.put_repository_triggers(repositoryName=name, triggers=[
            {"name": "fn", "destinationArn": function, "branches": [], "events": ["all"]}])
        commit = cc.create_commit(repositoryName=name, branchName="main", putFiles=[
            {"filePath": "a.txt", "fileContent": b"a\n"}])["commitId"]
        endpoint.wait(2)
        by_path = {path: (headers, body) for path, headers, body in endpoint.requests}
        invoke = "/2015-03-31/functions/" + function.replace(":", "%3A") + "/invocations"
        headers, body = by_path[invoke]
        assert headers["x-amz-invocation-type"] == "Event"
        [record] = json.loads(body)["Records"]
        assert record["codecommit"]["references"] == [
            {"commit": commit, "ref": "refs/heads/main", "created": True}]
        assert headers["authorization"].startswith(
            "AWS4-HMAC-SHA256 Credential=AKIDEVENTSEXAMPLE/")
        assert f"/{REGION}/lambda/aws4_request" in headers["authorization"]
        signature = headers["authorization"].rsplit("Signature=", 1)[1]
        url = f"http://127.0.0.1:{endpoint.port}{invoke}"
        assert signature == botocore_signature(url, headers, body, "AKIDEVENTSEXAMPLE",
                                               "events-secret", REGION, "lambda")
        headers, body = by_path["/"]
        assert headers["x-amz-target"] == "AWSEvents.PutEvents"
        [entry] = json.loads(body)["Entries"]
        assert (entry["Source"], entry["DetailType"]) == (
            "aws.codecommit", "CodeCommit Repository State Change")
        assert json.loads(entry["Detail"])["commitId"] == commit
        assert entry["EventBusName"] == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
        signature = headers["authorization"].rsplit("Signature=", 1)[1]
        assert signature == botocore_signature(f"http://127.0.0.1:{endpoint.port}/", headers,
                                               body, "AKIDEVENTSEXAMPLE", "events-secret",
                                               REGION, "events")
        assert "events-secret" not in server.log()
    finally:
        server.stop()
        endpoint.stop()
