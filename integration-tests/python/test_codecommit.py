"""The CodeCommit API through boto3 and the AWS CLI, cross-checked with real git."""

import json
import os
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, error_of


def url(server, login, repo):
    return server.git_url(login[0], login[1], repo)


def git_in(server, work, *args):
    return server.git("-C", str(work), "-c", "user.name=t", "-c", "user.email=t@e", *args).stdout.strip()


def test_repository_lifecycle(server, cc, name):
    meta = cc.create_repository(repositoryName=name, repositoryDescription="first",
                                tags={"team": "tools"})["repositoryMetadata"]
    assert meta["repositoryName"] == name and meta["accountId"] == ACCOUNT
    assert meta["Arn"] == f"arn:aws:codecommit:us-east-1:{ACCOUNT}:{name}"
    assert meta["cloneUrlHttp"] == f"{server.https}/v1/repos/{name}"
    assert meta["cloneUrlSsh"].startswith("ssh://") and meta["cloneUrlSsh"].endswith(f"/v1/repos/{name}")
    assert "defaultBranch" not in meta and meta["kmsKeyId"]
    got = cc.get_repository(repositoryName=name)["repositoryMetadata"]
    assert got["repositoryId"] == meta["repositoryId"] and got["repositoryDescription"] == "first"

    with pytest.raises(ClientError) as e:
        cc.create_repository(repositoryName=name)
    assert error_of(e)[:2] == ("RepositoryNameExistsException", 400)
    with pytest.raises(ClientError) as e:
        cc.get_repository(repositoryName=name + "-missing")
    assert error_of(e) == ("RepositoryDoesNotExistException", 400, f"{name}-missing does not exist")
    with pytest.raises(ClientError) as e:
        cc.create_repository(repositoryName="bad.git")
    assert error_of(e)[:2] == ("InvalidRepositoryNameException", 400)
    with pytest.raises(ClientError) as e:
        cc.create_repository(repositoryName=name + "d", repositoryDescription="x" * 1001)
    assert error_of(e)[:2] == ("InvalidRepositoryDescriptionException", 400)

    cc.update_repository_description(repositoryName=name, repositoryDescription="second")
    assert cc.get_repository(repositoryName=name)["repositoryMetadata"]["repositoryDescription"] == "second"
    out = cc.update_repository_encryption_key(repositoryName=name, kmsKeyId="alias/my-key")
    assert out["kmsKeyId"] == "alias/my-key" and out["originalKmsKeyId"] and out["repositoryId"] == meta["repositoryId"]

    assert cc.list_tags_for_resource(resourceArn=meta["Arn"])["tags"] == {"team": "tools"}
    cc.tag_resource(resourceArn=meta["Arn"], tags={"env": "dev"})
    cc.untag_resource(resourceArn=meta["Arn"], tagKeys=["team"])
    assert cc.list_tags_for_resource(resourceArn=meta["Arn"])["tags"] == {"env": "dev"}
    with pytest.raises(ClientError) as e:
        cc.list_tags_for_resource(resourceArn="arn:aws:s3:::bucket")
    assert error_of(e)[0] == "InvalidResourceArnException"

    batch = cc.batch_get_repositories(repositoryNames=[name, name + "-nope"])
    assert [r["repositoryName"] for r in batch["repositories"]] == [name]
    assert batch["repositoriesNotFound"] == [name + "-nope"]
    with pytest.raises(ClientError) as e:
        cc.batch_get_repositories(repositoryNames=[f"r{i}" for i in range(26)])
    assert error_of(e)[0] == "MaximumRepositoryNamesExceededException"

    assert cc.delete_repository(repositoryName=name)["repositoryId"] == meta["repositoryId"]
    assert cc.delete_repository(repositoryName=name).get("repositoryId") is None


def test_list_repositories_sorts_and_paginates(server, cc, name):
    for i in range(105):
        cc.create_repository(repositoryName=f"{name}-{i:03d}")
    first = cc.list_repositories()
    assert len(first["repositories"]) == 100 and "nextToken" in first
    rest = cc.list_repositories(nextToken=first["nextToken"])
    names = [r["repositoryName"] for r in first["repositories"] + rest["repositories"]]
    assert names == sorted(names)
    ours = [n for n in names if n.startswith(name)]
    assert len(ours) == 105
    desc = [r["repositoryName"] for page in cc.get_paginator("list_repositories").paginate(
        sortBy="repositoryName", order="descending") for r in page["repositories"]]
    assert desc == sorted(names, reverse=True)
    by_date = [r["repositoryName"] for page in cc.get_paginator("list_repositories").paginate(
        sortBy="lastModifiedDate") for r in page["repositories"]]
    assert [n for n in by_date if n.startswith(name)] == sorted(ours)
    with pytest.raises(ClientError) as e:
        cc.list_repositories(nextToken="not-a-token")
    assert error_of(e)[0] == "InvalidContinuationTokenException"
    for i in range(105):
        cc.delete_repository(repositoryName=f"{name}-{i:03d}")


def test_git_push_is_what_get_file_and_get_blob_return(server, cc, login, name, tmp_path):
    cc.create_repository(repositoryName=name)
    work = tmp_path / "w"
    server.git("clone", url(server, login, name), str(work))
    data = bytes(range(256)) * 40
    (work / "bin").mkdir()
    (work / "bin" / "data.bin").write_bytes(data)
    (work / "run.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(work / "run.sh", 0o755)
    os.symlink("run.sh", work / "link")
    git_in(server, work, "add", ".")
    git_in(server, work, "commit", "-qm", "binary")
    git_in(server, work, "push", "origin", "HEAD:refs/heads/main")
    head = git_in(server, work, "rev-parse", "HEAD")

    meta = cc.get_repository(repositoryName=name)["repositoryMetadata"]
    assert meta["defaultBranch"] == "main"
    f = cc.get_file(repositoryName=name, filePath="bin/data.bin")
    assert f["fileContent"] == data and f["commitId"] == head and f["fileSize"] == len(data)
    assert f["fileMode"] == "NORMAL"
    assert cc.get_blob(repositoryName=name, blobId=f["blobId"])["content"] == data
    assert f["blobId"] == git_in(server, work, "rev-parse", "HEAD:bin/data.bin")
    assert cc.get_file(repositoryName=name, filePath="/run.sh", commitSpecifier="main")["fileMode"] == "EXECUTABLE"
    folder = cc.get_folder(repositoryName=name, folderPath="/")
    assert [s["relativePath"] for s in folder["subFolders"]] == ["bin"]
    assert [s["relativePath"] for s in folder["symbolicLinks"]] == ["link"]
    assert folder["treeId"] == git_in(server, work, "rev-parse", "HEAD^{tree}")
    sub = cc.get_folder(repositoryName=name, folderPath="bin", commitSpecifier=head)
    assert [f["absolutePath"] for f in sub["files"]] == ["bin/data.bin"]

    with pytest.raises(ClientError) as e:
        cc.get_file(repositoryName=name, filePath="nope.txt")
    assert error_of(e)[0] == "FileDoesNotExistException"
    with pytest.raises(ClientError) as e:
        cc.get_file(repositoryName=name, filePath="run.sh", commitSpecifier="no-such-branch")
    assert error_of(e)[0] == "CommitDoesNotExistException"
    with pytest.raises(ClientError) as e:
        cc.get_folder(repositoryName=name, folderPath="nope")
    assert error_of(e)[0] == "FolderDoesNotExistException"
    with pytest.raises(ClientError) as e:
        cc.get_blob(repositoryName=name, blobId="0" * 40)
    assert error_of(e)[0] == "BlobIdDoesNotExistException"
    with pytest.raises(ClientError) as e:
        cc.get_blob(repositoryName=name, blobId="xyz")
    assert error_of(e)[0] == "InvalidBlobIdException"

    commit = cc.get_commit(repositoryName=name, commitId=head)["commit"]
    assert commit["message"] == "binary\n" and commit["author"]["name"] == "t"
    assert commit["treeId"] == folder["treeId"]
    assert commit["parents"] == []
    with pytest.raises(ClientError) as e:
        cc.get_commit(repositoryName=name, commitId="f" * 40)
    assert error_of(e)[0] == "CommitIdDoesNotExistException"
    with pytest.raises(ClientError) as e:
        cc.get_commit(repositoryName=name, commitId="nothex")
    assert error_of(e)[0] == "InvalidCommitIdException"
    batch = cc.batch_get_commits(repositoryName=name, commitIds=[head, "f" * 40])
    assert [c["commitId"] for c in batch["commits"]] == [head]
    assert batch["errors"][0]["commitId"] == "f" * 40


def test_api_commits_are_what_git_fetches(server, cc, login, name, tmp_path):
    cc.create_repository(repositoryName=name)
    first = cc.put_file(repositoryName=name, branchName="main", fileContent=b"one\n", filePath="a.txt",
                        commitMessage="first", name="Ann", email="ann@example.com")
    meta = cc.get_repository(repositoryName=name)["repositoryMetadata"]
    assert meta["defaultBranch"] == "main"
    with pytest.raises(ClientError) as e:
        cc.put_file(repositoryName=name, branchName="main", fileContent=b"two\n", filePath="a.txt")
    assert error_of(e)[0] == "ParentCommitIdRequiredException"
    with pytest.raises(ClientError) as e:
        cc.put_file(repositoryName=name, branchName="main", fileContent=b"one\n", filePath="a.txt",
                    parentCommitId=first["commitId"])
    assert error_of(e)[0] == "SameFileContentException"
    created = cc.create_commit(
        repositoryName=name, branchName="main", parentCommitId=first["commitId"], authorName="Bob",
        email="bob@example.com", commitMessage="second",
        putFiles=[{"filePath": "dir/b.txt", "fileContent": b"b\n"},
                  {"filePath": "tool.sh", "fileContent": b"#!/bin/sh\n", "fileMode": "EXECUTABLE"},
                  {"filePath": "copy.txt", "sourceFile": {"filePath": "a.txt"}}],
        setFileModes=[])
    assert {f["absolutePath"] for f in created["filesAdded"]} == {"dir/b.txt", "tool.sh", "copy.txt"}
    with pytest.raises(ClientError) as e:
        cc.create_commit(repositoryName=name, branchName="main", parentCommitId=first["commitId"],
                         putFiles=[{"filePath": "x", "fileContent": b"x"}])
    assert error_of(e)[0] == "ParentCommitIdOutdatedException"
    with pytest.raises(ClientError) as e:
        cc.create_commit(repositoryName=name, branchName="main", parentCommitId=created["commitId"],
                         deleteFiles=[{"filePath": "missing.txt"}])
    assert error_of(e)[0] == "FileDoesNotExistException"
    with pytest.raises(ClientError) as e:
        cc.create_commit(repositoryName=name, branchName="main", parentCommitId=created["commitId"],
                         putFiles=[{"filePath": "a.txt/inner", "fileContent": b"x"}])
    assert error_of(e)[0] == "DirectoryNameConflictsWithFileNameException"
    with pytest.raises(ClientError) as e:
        cc.create_commit(repositoryName=name, branchName="main", parentCommitId=created["commitId"],
                         putFiles=[{"filePath": "a.txt", "fileContent": b"one\n"}])
    assert error_of(e)[0] == "NoChangeException"
    deleted = cc.delete_file(repositoryName=name, branchName="main", filePath="a.txt",
                             parentCommitId=created["commitId"], commitMessage="third")

    work = tmp_path / "w"
    server.git("clone", url(server, login, name), str(work))
    assert git_in(server, work, "rev-parse", "HEAD") == deleted["commitId"]
    assert git_in(server, work, "rev-parse", "HEAD^{tree}") == deleted["treeId"]
    assert git_in(server, work, "rev-parse", "HEAD^") == created["commitId"]
    assert git_in(server, work, "rev-parse", "HEAD^^") == first["commitId"]
    assert git_in(server, work, "log", "-1", "--format=%an <%ae>", "HEAD^") == "Bob <bob@example.com>"
    assert (work / "dir" / "b.txt").read_text() == "b\n" and not (work / "a.txt").exists()
    assert (work / "copy.txt").read_text() == "one\n"
    assert os.access(work / "tool.sh", os.X_OK)
    commit = cc.get_commit(repositoryName=name, commitId=created["commitId"])["commit"]
    assert commit["parents"] == [first["commitId"]] and commit["treeId"] == created["treeId"]

    # GetDifferences matches git diff --name-status.
    diff = cc.get_differences(repositoryName=name, beforeCommitSpecifier=first["commitId"],
                              afterCommitSpecifier="main")["differences"]
    ours = sorted(f"{d['changeType']}\t{(d.get('afterBlob') or d['beforeBlob'])['path']}" for d in diff)
    theirs = sorted(git_in(server, work, "diff", "--no-renames", "--name-status", first["commitId"], "HEAD").splitlines())
    assert ours == theirs
    page = cc.get_differences(repositoryName=name, beforeCommitSpecifier=first["commitId"],
                              afterCommitSpecifier="main", MaxResults=2)
    assert len(page["differences"]) == 2 and "NextToken" in page
    rest = cc.get_differences(repositoryName=name, beforeCommitSpecifier=first["commitId"],
                              afterCommitSpecifier="main", MaxResults=2, NextToken=page["NextToken"])
    assert len(page["differences"]) + len(rest["differences"]) == len(diff)
    # Named by full commit IDs, a later page comes from the kept answer without opening the
    # repository; the same IDs in another repository are not that answer.
    ids = {"beforeCommitSpecifier": first["commitId"], "afterCommitSpecifier": deleted["commitId"]}
    by_id = cc.get_differences(repositoryName=name, MaxResults=2, **ids)
    by_id_rest = cc.get_differences(repositoryName=name, MaxResults=2, NextToken=by_id["NextToken"], **ids)
    assert by_id["differences"] + by_id_rest["differences"] == page["differences"] + rest["differences"]
    cc.create_repository(repositoryName=f"{name}-other")
    with pytest.raises(cc.exceptions.CommitDoesNotExistException):
        cc.get_differences(repositoryName=f"{name}-other", MaxResults=2, NextToken=by_id["NextToken"], **ids)
    only_dir = cc.get_differences(repositoryName=name, afterCommitSpecifier="main", afterPath="dir")["differences"]
    assert [d["afterBlob"]["path"] for d in only_dir] == ["dir/b.txt"]

    # A git push after API commits, and the history of one file.
    (work / "dir" / "b.txt").write_text("b2\n")
    git_in(server, work, "commit", "-qam", "git edit")
    git_in(server, work, "push", "-q", "origin", "main")
    history = cc.list_file_commit_history(repositoryName=name, filePath="dir/b.txt")["revisionDag"]
    assert [h["commit"]["commitId"] for h in history] == [
        git_in(server, work, "rev-parse", "HEAD"), created["commitId"]]
    # Pages of a listing come from one kept answer; a branch that moves is a new answer, not
    # a stale one.
    first_page = cc.list_file_commit_history(repositoryName=name, commitSpecifier="main",
                                             filePath="dir/b.txt", maxResults=1)
    second_page = cc.list_file_commit_history(repositoryName=name, commitSpecifier="main",
                                              filePath="dir/b.txt", maxResults=1,
                                              nextToken=first_page["nextToken"])
    assert "nextToken" not in second_page
    assert first_page["revisionDag"] + second_page["revisionDag"] == history
    tip = git_in(server, work, "rev-parse", "HEAD")
    by_id = [cc.list_file_commit_history(repositoryName=name, commitSpecifier=tip, filePath="dir/b.txt",
                                         maxResults=1, **token) for token in ({}, {"nextToken": first_page["nextToken"]})]
    assert by_id[0]["revisionDag"] + by_id[1]["revisionDag"] == history
    (work / "dir" / "b.txt").write_text("b3\n")
    git_in(server, work, "commit", "-qam", "git edit again")
    git_in(server, work, "push", "-q", "origin", "main")
    moved = cc.list_file_commit_history(repositoryName=name, commitSpecifier="main",
                                        filePath="dir/b.txt")["revisionDag"]
    assert [h["commit"]["commitId"] for h in moved] == [
        git_in(server, work, "rev-parse", "HEAD")] + [h["commit"]["commitId"] for h in history]
    after = cc.get_differences(repositoryName=name, beforeCommitSpecifier=first["commitId"],
                               afterCommitSpecifier="main")["differences"]
    [changed] = [d for d in after if d.get("afterBlob", {}).get("path") == "dir/b.txt"]
    assert changed["afterBlob"]["blobId"] == git_in(server, work, "rev-parse", "HEAD:dir/b.txt")

    # Across a merge: a side branch's change is a version even when the merge kept main's;
    # the merge that kept one parent's version and a change of mode only are not.
    git_in(server, work, "checkout", "-qb", "side")
    (work / "dir" / "b.txt").write_text("side\n")
    git_in(server, work, "commit", "-qam", "side edit")
    side_edit = git_in(server, work, "rev-parse", "HEAD")
    git_in(server, work, "checkout", "-q", "main")
    (work / "dir" / "b.txt").write_text("main4\n")
    git_in(server, work, "commit", "-qam", "main edit")
    main_edit = git_in(server, work, "rev-parse", "HEAD")
    git_in(server, work, "merge", "-q", "-s", "ours", "-m", "keep main", "side")
    kept = git_in(server, work, "rev-parse", "HEAD")
    (work / "dir" / "b.txt").chmod(0o755)
    git_in(server, work, "commit", "-qam", "mode only")
    git_in(server, work, "push", "-q", "origin", "main")
    merged = [h["commit"]["commitId"] for h in cc.list_file_commit_history(
        repositoryName=name, commitSpecifier="main", filePath="dir/b.txt")["revisionDag"]]
    assert sorted(merged[:2]) == sorted([side_edit, main_edit]) and kept not in merged
    assert merged[2:] == [h["commit"]["commitId"] for h in moved]


def test_branches(server, cc, login, name, tmp_path):
    cc.create_repository(repositoryName=name)
    first = cc.put_file(repositoryName=name, branchName="main", fileContent=b"x", filePath="x")["commitId"]
    cc.create_branch(repositoryName=name, branchName="feature/one", commitId=first)
    assert "refs/heads/feature/one" in server.git("ls-remote", url(server, login, name)).stdout
    assert cc.get_branch(repositoryName=name, branchName="feature/one")["branch"] == {
        "branchName": "feature/one", "commitId": first}
    with pytest.raises(ClientError) as e:
        cc.create_branch(repositoryName=name, branchName="feature/one", commitId=first)
    assert error_of(e)[0] == "BranchNameExistsException"
    with pytest.raises(ClientError) as e:
        cc.create_branch(repositoryName=name, branchName="bad..name", commitId=first)
    assert error_of(e)[0] == "InvalidBranchNameException"
    with pytest.raises(ClientError) as e:
        cc.create_branch(repositoryName=name, branchName="b2", commitId="0" * 40)
    assert error_of(e)[0] == "CommitDoesNotExistException"
    with pytest.raises(ClientError) as e:
        cc.get_branch(repositoryName=name, branchName="nope")
    assert error_of(e)[0] == "BranchDoesNotExistException"
    for i in range(101):
        cc.create_branch(repositoryName=name, branchName=f"many-{i:03d}", commitId=first)
    branches = [b for page in cc.get_paginator("list_branches").paginate(repositoryName=name) for b in page["branches"]]
    assert len(branches) == 103 and "main" in branches

    with pytest.raises(ClientError) as e:
        cc.delete_branch(repositoryName=name, branchName="main")
    assert error_of(e)[0] == "DefaultBranchCannotBeDeletedException"
    cc.update_default_branch(repositoryName=name, defaultBranchName="feature/one")
    assert cc.get_repository(repositoryName=name)["repositoryMetadata"]["defaultBranch"] == "feature/one"
    work = tmp_path / "w"
    server.git("clone", url(server, login, name), str(work))
    assert git_in(server, work, "branch", "--show-current") == "feature/one"
    deleted = cc.delete_branch(repositoryName=name, branchName="main")["deletedBranch"]
    assert deleted == {"branchName": "main", "commitId": first}
    assert "refs/heads/main" not in server.git("ls-remote", url(server, login, name)).stdout
    with pytest.raises(ClientError) as e:
        cc.update_default_branch(repositoryName=name, defaultBranchName="main")
    assert error_of(e)[0] == "BranchDoesNotExistException"


def test_rename_moves_the_clone_url(server, cc, login, name, tmp_path):
    cc.create_repository(repositoryName=name)
    cc.put_file(repositoryName=name, branchName="main", fileContent=b"x", filePath="x")
    cc.update_repository_name(oldName=name, newName=name + "-new")
    server.git("clone", url(server, login, name + "-new"), str(tmp_path / "new"))
    assert (tmp_path / "new" / "x").read_text() == "x"
    out = server.git("ls-remote", url(server, login, name), check=False)
    assert out.returncode != 0 and "not found" in out.stderr
    with pytest.raises(ClientError) as e:
        cc.update_repository_name(oldName=name, newName="other")
    assert error_of(e)[0] == "RepositoryDoesNotExistException"
    cc.create_repository(repositoryName=name + "-taken")
    with pytest.raises(ClientError) as e:
        cc.update_repository_name(oldName=name + "-new", newName=name + "-taken")
    assert error_of(e)[0] == "RepositoryNameExistsException"


def test_unknown_operations_answer_clearly(server):
    import urllib3
    from conftest import sigv4_authorization, ADMIN_KEY, ADMIN_SECRET
    import datetime
    body = b"{}"
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {"content-type": "application/x-amz-json-1.1", "host": server.https.split("://")[1],
               "x-amz-date": now, "x-amz-target": "CodeCommit_20150413.NoSuchOperation"}
    headers["authorization"] = sigv4_authorization("POST", "/", "", headers, body, ADMIN_KEY,
                                                   ADMIN_SECRET, now, "us-east-1", "codecommit")
    resp = urllib3.PoolManager(ca_certs=server.ca).request("POST", server.https + "/", body=body,
                                                           headers=headers)
    assert resp.status == 400
    error = json.loads(resp.data)
    assert error["__type"] == "UnknownOperationException"
    assert "NoSuchOperation" in error["message"]


def test_validation_is_server_side_too(server):
    import urllib3
    from conftest import sigv4_authorization, ADMIN_KEY, ADMIN_SECRET
    import datetime
    body = json.dumps({"repositoryName": "bad name!"}).encode()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {"content-type": "application/x-amz-json-1.1", "host": server.https.split("://")[1],
               "x-amz-date": now, "x-amz-target": "CodeCommit_20150413.CreateRepository"}
    headers["authorization"] = sigv4_authorization("POST", "/", "", headers, body, ADMIN_KEY, ADMIN_SECRET,
                                                   now, "us-east-1", "codecommit")
    resp = urllib3.PoolManager(ca_certs=server.ca).request("POST", server.https + "/", body=body, headers=headers)
    assert resp.status == 400
    assert resp.headers["x-amzn-ErrorType"] == "InvalidRepositoryNameException"
    assert json.loads(resp.data)["__type"] == "InvalidRepositoryNameException"


def test_aws_cli_manages_repositories(server, name):
    exe = os.path.join(os.path.dirname(sys.executable), "aws")
    run = lambda *a: subprocess.run([exe, "codecommit", *a, "--output", "json"], env=server.env(),
                                    capture_output=True, text=True, timeout=120)
    out = run("create-repository", "--repository-name", name, "--repository-description", "cli")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["repositoryMetadata"]["repositoryName"] == name
    out = run("list-repositories")
    assert name in [r["repositoryName"] for r in json.loads(out.stdout)["repositories"]]
    out = run("get-repository", "--repository-name", name + "-nope")
    assert out.returncode != 0 and "RepositoryDoesNotExistException" in out.stderr


def test_rename_and_delete_while_git_runs(server, cc, login, name, tmp_path):
    cc.create_repository(repositoryName=name)
    work = tmp_path / "w"
    server.git("clone", url(server, login, name), str(work))
    with open(work / "big.bin", "wb") as f:
        f.write(os.urandom(40 << 20))
    git_in(server, work, "add", ".")
    git_in(server, work, "commit", "-qm", "big")
    head = git_in(server, work, "rev-parse", "HEAD")
    push = subprocess.Popen(["git", "-C", str(work), "-c", "http.postBuffer=209715200", "push", "-q",
                             "origin", "HEAD:refs/heads/main"], env=server.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    import time
    deadline = time.time() + 60
    while "git-receive-pack" not in server.log().split(f"/v1/repos/{name}/info/refs")[-1]:
        assert time.time() < deadline and push.poll() is None
        time.sleep(0.01)
    cc.update_repository_name(oldName=name, newName=name + "-renamed")
    _, err = push.communicate(timeout=120)
    assert push.returncode == 0, err
    back = tmp_path / "back"
    server.git("clone", "-q", url(server, login, name + "-renamed"), str(back))
    assert git_in(server, back, "rev-parse", "HEAD") == head
    # Delete while a clone streams: the clone may fail, nothing else is harmed.
    clone = subprocess.Popen(["git", "clone", "-q", url(server, login, name + "-renamed"), str(tmp_path / "gone")],
                             env=server.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cc.delete_repository(repositoryName=name + "-renamed")
    clone.communicate(timeout=120)
    with pytest.raises(ClientError) as e:
        cc.get_repository(repositoryName=name + "-renamed")
    assert error_of(e)[0] == "RepositoryDoesNotExistException"
    assert cc.get_repository(repositoryName="demo")["repositoryMetadata"]["defaultBranch"] == "main"
    server.git("ls-remote", url(server, login, "demo"))
