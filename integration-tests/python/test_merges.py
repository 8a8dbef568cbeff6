"""CodeCommit's merge operations through boto3 (and the AWS CLI), on the real repository:
every merged tree is checked against `git merge-tree` on the same commits, every commit
with `git fsck` and `git log`."""

import base64
import json
import os
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from conftest import error_of


BASE = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"


class Repo:
    """A repository with `main` at a base commit and branches made through the API."""

    def __init__(self, server, cc, login, tmp_path, name):
        self.server, self.cc, self.name = server, cc, name
        cc.create_repository(repositoryName=name)
        self.base = self.commit("main", None, {"file.txt": BASE, "dir/keep.txt": "k\n",
                                               "other.txt": "o\n"})
        self.clone = tmp_path / f"clone-{name}"
        self.url = server.git_url(login[0], login[1], name)

    def commit(self, branch, parent, files=None, deletes=()):
        put = [{"filePath": p, "fileContent": c.encode()} for p, c in (files or {}).items()]
        kwargs = {"parentCommitId": parent} if parent else {}
        return self.cc.create_commit(
            repositoryName=self.name, branchName=branch, putFiles=put,
            deleteFiles=[{"filePath": p} for p in deletes], **kwargs)["commitId"]

    def branch(self, name, commit):
        self.cc.create_branch(repositoryName=self.name, branchName=name, commitId=commit)

    def tip(self, branch):
        return self.cc.get_branch(repositoryName=self.name,
                                  branchName=branch)["branch"]["commitId"]

    def git(self, *args, check=True):
        if not self.clone.exists():
            self.server.git("clone", "-q", "--mirror", self.url, str(self.clone))
        else:
            self.server.git("-C", str(self.clone), "fetch", "-q", "--prune", "origin",
                            "+refs/heads/*:refs/heads/*")
        return self.server.git("-C", str(self.clone), *args, check=check)

    def commit_info(self, oid):
        """A commit by ID through the API (an unreferenced one is not in a clone)."""
        return self.cc.get_commit(repositoryName=self.name, commitId=oid)["commit"]

    def merge_tree(self, dst, src):
        """git's own merge of the two commits: (clean, tree ID)."""
        out = self.git("merge-tree", "--write-tree", "--no-messages", dst, src, check=False)
        return out.returncode == 0, out.stdout.split()[0]

    def file(self, commit, path):
        blob = self.cc.get_file(repositoryName=self.name, commitSpecifier=commit,
                                filePath=path)["fileContent"]
        return blob.decode()


@pytest.fixture
def repo(server, cc, login, tmp_path, name):
    return Repo(server, cc, login, tmp_path, name)


def diverge(repo, source_files, destination_files, source_deletes=()):
    """`feature` and `main` each one commit past the base."""
    repo.branch("feature", repo.base)
    src = repo.commit("feature", repo.base, source_files, source_deletes)
    dst = repo.commit("main", repo.base, destination_files)
    return src, dst


def test_three_way_merge_of_separate_changes_is_gits_merge(repo, cc):
    src, dst = diverge(repo, {"a.txt": "from feature\n"}, {"b.txt": "from main\n"})
    opts = cc.get_merge_options(repositoryName=repo.name, sourceCommitSpecifier="feature",
                                destinationCommitSpecifier="main")
    assert opts["mergeOptions"] == ["SQUASH_MERGE", "THREE_WAY_MERGE"]
    assert (opts["sourceCommitId"], opts["destinationCommitId"], opts["baseCommitId"]) == (
        src, dst, repo.base)
    out = cc.merge_branches_by_three_way(
        repositoryName=repo.name, sourceCommitSpecifier="feature",
        destinationCommitSpecifier="main", authorName="Merger", email="m@example.com",
        commitMessage="merge feature")
    assert repo.tip("main") == out["commitId"]
    clean, tree = repo.merge_tree(dst, src)
    assert clean and out["treeId"] == tree
    repo.git("fsck", "--strict")
    log = repo.git("log", "-1", "--format=%P|%an|%ae|%cn|%s", "main").stdout.strip()
    assert log == f"{dst} {src}|Merger|m@example.com|Merger|merge feature"
    merged = cc.get_merge_commit(repositoryName=repo.name, sourceCommitSpecifier=src,
                                 destinationCommitSpecifier="main")
    assert merged["mergedCommitId"] == out["commitId"] and merged["baseCommitId"] == src


def test_fast_forward_only_when_possible(repo, cc):
    repo.branch("ahead", repo.base)
    ahead = repo.commit("ahead", repo.base, {"a.txt": "a\n"})
    opts = cc.get_merge_options(repositoryName=repo.name, sourceCommitSpecifier="ahead",
                                destinationCommitSpecifier="main")["mergeOptions"]
    assert opts == ["FAST_FORWARD_MERGE", "SQUASH_MERGE", "THREE_WAY_MERGE"]
    repo.commit("main", repo.base, {"b.txt": "b\n"})
    with pytest.raises(ClientError) as e:
        cc.merge_branches_by_fast_forward(repositoryName=repo.name, sourceCommitSpecifier="ahead",
                                          destinationCommitSpecifier="main")
    assert error_of(e)[0] == "ManualMergeRequiredException"
    repo.branch("behind", repo.base)
    out = cc.merge_branches_by_fast_forward(repositoryName=repo.name,
                                            sourceCommitSpecifier="ahead",
                                            destinationCommitSpecifier="behind")
    assert out["commitId"] == ahead and repo.tip("behind") == ahead


def test_file_level_counts_both_changed_files_line_level_merges_them(repo, cc):
    src_text = BASE.replace("two", "TWO")
    dst_text = BASE.replace("nine", "NINE")
    src, dst = diverge(repo, {"file.txt": src_text}, {"file.txt": dst_text})
    common = dict(repositoryName=repo.name, sourceCommitSpecifier="feature",
                  destinationCommitSpecifier="main", mergeOption="THREE_WAY_MERGE")
    file_level = cc.get_merge_conflicts(**common)
    assert not file_level["mergeable"]
    meta = file_level["conflictMetadataList"]
    assert [m["filePath"] for m in meta] == ["file.txt"]
    assert meta[0]["contentConflict"] and meta[0]["mergeOperations"] == {"source": "M",
                                                                          "destination": "M"}
    line_level = cc.get_merge_conflicts(conflictDetailLevel="LINE_LEVEL", **common)
    assert line_level["mergeable"] and line_level["conflictMetadataList"] == []
    # AUTOMERGE lets the line-level merge settle a FILE_LEVEL conflict.
    assert cc.get_merge_options(
        repositoryName=repo.name, sourceCommitSpecifier="feature",
        destinationCommitSpecifier="main",
        conflictResolutionStrategy="AUTOMERGE")["mergeOptions"] == ["SQUASH_MERGE",
                                                                     "THREE_WAY_MERGE"]
    with pytest.raises(ClientError) as e:
        cc.merge_branches_by_squash(repositoryName=repo.name, sourceCommitSpecifier="feature",
                                    destinationCommitSpecifier="main")
    assert error_of(e)[0] == "ManualMergeRequiredException"
    out = cc.merge_branches_by_squash(repositoryName=repo.name, sourceCommitSpecifier="feature",
                                      destinationCommitSpecifier="main",
                                      conflictDetailLevel="LINE_LEVEL")
    clean, tree = repo.merge_tree(dst, src)
    assert clean and out["treeId"] == tree
    assert repo.git("log", "-1", "--format=%P", "main").stdout.strip() == dst  # squash: one parent
    assert repo.file("main", "file.txt") == BASE.replace("two", "TWO").replace("nine", "NINE")
    repo.git("fsck", "--strict")


@pytest.fixture
def conflicting(repo):
    src, dst = diverge(repo, {"file.txt": BASE.replace("five", "FIVE-feature")},
                       {"file.txt": BASE.replace("five", "FIVE-main")})
    return repo, src, dst


def test_a_real_conflict_and_each_strategy(conflicting, cc):
    repo, src, dst = conflicting
    clean, _ = repo.merge_tree(dst, src)
    assert not clean  # git agrees: a conflict
    common = dict(repositoryName=repo.name, sourceCommitSpecifier="feature",
                  destinationCommitSpecifier="main", conflictDetailLevel="LINE_LEVEL")
    got = cc.get_merge_conflicts(mergeOption="THREE_WAY_MERGE", **common)
    assert not got["mergeable"]
    meta = got["conflictMetadataList"][0]
    assert meta["numberOfConflicts"] == 1 and meta["fileSizes"]["base"] == len(BASE)
    assert meta["fileModes"] == {"source": "NORMAL", "destination": "NORMAL", "base": "NORMAL"}
    assert meta["objectTypes"]["source"] == "FILE" and not meta["fileModeConflict"]
    assert cc.get_merge_options(**common)["mergeOptions"] == []
    for strategy, want in [("ACCEPT_SOURCE", "FIVE-feature"), ("ACCEPT_DESTINATION", "FIVE-main")]:
        out = cc.create_unreferenced_merge_commit(
            mergeOption="THREE_WAY_MERGE", conflictResolutionStrategy=strategy, **common)
        assert repo.file(out["commitId"], "file.txt") == BASE.replace("five", want)
        assert repo.commit_info(out["commitId"])["parents"] == [dst, src]
    # Unreferenced: no branch moved.
    assert repo.tip("main") == dst
    resolved = BASE.replace("five", "FIVE-both")
    out = cc.merge_branches_by_three_way(
        conflictResolution={"replaceContents": [{
            "filePath": "file.txt", "replacementType": "USE_NEW_CONTENT",
            "content": resolved.encode()}]}, **common)
    assert repo.tip("main") == out["commitId"]
    assert repo.file("main", "file.txt") == resolved
    repo.git("fsck", "--strict")


def test_conflict_resolution_entries_are_checked(conflicting, cc):
    repo, _, dst = conflicting
    common = dict(repositoryName=repo.name, sourceCommitSpecifier="feature",
                  destinationCommitSpecifier="main", conflictDetailLevel="LINE_LEVEL")
    cases = [
        ({"replaceContents": [{"filePath": "other.txt", "replacementType": "KEEP_BASE"}]},
         "InvalidConflictResolutionException"),
        ({"replaceContents": [{"filePath": "file.txt", "replacementType": "USE_NEW_CONTENT"}]},
         "ReplacementContentRequiredException"),
        ({"replaceContents": [{"filePath": "file.txt", "replacementType": "KEEP_BASE"}],
          "deleteFiles": [{"filePath": "file.txt"}]},
         "MultipleConflictResolutionEntriesException"),
    ]
    for resolution, code in cases:
        with pytest.raises(ClientError) as e:
            cc.merge_branches_by_squash(conflictResolution=resolution, **common)
        assert error_of(e)[0] == code, resolution
    assert repo.tip("main") == dst  # nothing was merged by a refused request
    out = cc.merge_branches_by_squash(
        conflictResolution={"replaceContents": [{"filePath": "file.txt",
                                                  "replacementType": "KEEP_BASE"}]}, **common)
    assert repo.file(out["commitId"], "file.txt") == BASE


def test_merge_options_are_validated(repo, cc):
    common = dict(repositoryName=repo.name, sourceCommitSpecifier="main",
                  destinationCommitSpecifier="main")
    for kwargs, code in [
        ({"conflictDetailLevel": "WORD_LEVEL"}, "InvalidConflictDetailLevelException"),
        ({"conflictResolutionStrategy": "GUESS"}, "InvalidConflictResolutionStrategyException"),
    ]:
        with pytest.raises(ClientError) as e:
            cc.get_merge_options(**common, **kwargs)
        assert error_of(e)[0] == code
    with pytest.raises(ClientError) as e:
        cc.get_merge_options(repositoryName=repo.name, sourceCommitSpecifier="nope",
                             destinationCommitSpecifier="main")
    assert error_of(e)[0] == "CommitDoesNotExistException"
    with pytest.raises(ClientError) as e:
        cc.create_unreferenced_merge_commit(mergeOption="OCTOPUS", **common)
    assert error_of(e)[0] == "InvalidMergeOptionException"
    with pytest.raises(ClientError) as e:
        cc.merge_branches_by_three_way(targetBranch="missing", **common)
    assert error_of(e)[0] == "BranchDoesNotExistException"


def test_keep_empty_folders(repo, cc):
    diverge(repo, {"a.txt": "a\n"}, {"b.txt": "b\n"}, source_deletes=["dir/keep.txt"])
    out = cc.create_unreferenced_merge_commit(
        repositoryName=repo.name, sourceCommitSpecifier="feature",
        destinationCommitSpecifier="main", mergeOption="SQUASH_MERGE", keepEmptyFolders=True)
    folder = cc.get_folder(repositoryName=repo.name, commitSpecifier=out["commitId"],
                           folderPath="dir")
    assert [f["relativePath"] for f in folder["files"]] == [".gitkeep"]
    out = cc.create_unreferenced_merge_commit(
        repositoryName=repo.name, sourceCommitSpecifier="feature",
        destinationCommitSpecifier="main", mergeOption="SQUASH_MERGE")
    with pytest.raises(ClientError) as e:
        cc.get_folder(repositoryName=repo.name, commitSpecifier=out["commitId"],
                      folderPath="dir")
    assert error_of(e)[0] == "FolderDoesNotExistException"


def test_aws_cli_merges(server, repo):
    diverge(repo, {"a.txt": "a\n"}, {"b.txt": "b\n"})
    out = subprocess.run(
        ["aws", "codecommit", "merge-branches-by-three-way", "--repository-name", repo.name,
         "--source-commit-specifier", "feature", "--destination-commit-specifier", "main",
         "--output", "json"],
        env=server.env(PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]),
        capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["commitId"] == repo.tip("main")


def test_describe_merge_conflicts_reports_hunks(conflicting, cc):
    repo, src, dst = conflicting
    common = dict(repositoryName=repo.name, sourceCommitSpecifier="feature",
                  destinationCommitSpecifier="main", mergeOption="THREE_WAY_MERGE",
                  conflictDetailLevel="LINE_LEVEL")
    got = cc.describe_merge_conflicts(filePath="file.txt", **common)
    assert got["conflictMetadata"]["filePath"] == "file.txt"
    assert (got["sourceCommitId"], got["destinationCommitId"]) == (src, dst)
    [hunk] = got["mergeHunks"]
    text = lambda d: base64.b64decode(d["hunkContent"]).decode()
    assert hunk["isConflict"]
    assert text(hunk["base"]) == "five\n" and text(hunk["source"]) == "FIVE-feature\n"
    assert text(hunk["destination"]) == "FIVE-main\n"
    assert (hunk["base"]["startLine"], hunk["base"]["endLine"]) == (4, 5)
    with pytest.raises(ClientError) as e:
        cc.describe_merge_conflicts(filePath="nope.txt", **common)
    assert error_of(e)[0] == "FileDoesNotExistException"
    with pytest.raises(ClientError) as e:
        cc.describe_merge_conflicts(filePath="file.txt", maxMergeHunks=0, **common)
    assert error_of(e)[0] == "InvalidMaxMergeHunksException"
    batch = cc.batch_describe_merge_conflicts(filePaths=["file.txt", "nope.txt"], **common)
    assert [c["conflictMetadata"]["filePath"] for c in batch["conflicts"]] == ["file.txt"]
    assert batch["errors"][0]["filePath"] == "nope.txt"
    assert batch["errors"][0]["exceptionName"] == "FileDoesNotExistException"
    every = cc.batch_describe_merge_conflicts(**common)
    assert [c["conflictMetadata"]["filePath"] for c in every["conflicts"]] == ["file.txt"]


def test_conflict_lists_page(repo, cc):
    diverge(repo, {"file.txt": "feature\n", "other.txt": "feature\n"},
            {"file.txt": "main\n", "other.txt": "main\n"})
    common = dict(repositoryName=repo.name, sourceCommitSpecifier="feature",
                  destinationCommitSpecifier="main", mergeOption="THREE_WAY_MERGE")
    first = cc.get_merge_conflicts(maxConflictFiles=1, **common)
    second = cc.get_merge_conflicts(maxConflictFiles=1, nextToken=first["nextToken"], **common)
    paths = [m["filePath"] for m in first["conflictMetadataList"] + second["conflictMetadataList"]]
    assert paths == ["file.txt", "other.txt"] and "nextToken" not in second
    batch = cc.batch_describe_merge_conflicts(maxConflictFiles=1, **common)
    assert len(batch["conflicts"]) == 1 and batch["nextToken"]
    with pytest.raises(ClientError) as e:
        cc.get_merge_conflicts(nextToken="garbage", **common)
    assert error_of(e)[0] == "InvalidContinuationTokenException"
