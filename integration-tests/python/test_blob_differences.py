"""GetBlobDifferences through boto3 against `git diff` of the same two blobs: hunks, line
numbers, context, whitespace, binary content, sizes and paging."""

import re
import subprocess

import pytest
from botocore.exceptions import ClientError

from conftest import error_of

BEFORE = "".join(f"line {i}\n" for i in range(1, 41))
AFTER = (BEFORE.replace("line 3\n", "line three\n").replace("line 20\n", "line  20\n")
         .replace("line 30\n", "") + "line 41\n")


def git_hunks(tmp_path, before, after, context, ignore_whitespace=False):
    """`git diff --no-index` of the two contents, parsed into (header, changes)."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text(before)
    b.write_text(after)
    args = ["git", "diff", "--no-index", f"-U{context}"] + (["-w"] if ignore_whitespace else [])
    out = subprocess.run(args + [str(a), str(b)], capture_output=True, text=True).stdout
    hunks = []
    for line in out.splitlines():
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", line)
        if m:
            nums = [int(x) if x is not None else 1 for x in m.groups()]
            hunks.append((tuple(nums), []))
        elif hunks and line[:1] in (" ", "+", "-"):
            kind = {" ": "CONTEXT", "+": "ADD", "-": "DELETE"}[line[0]]
            hunks[-1][1].append((kind, line[1:]))
    return hunks


def api_hunks(result):
    return [((h["beforeStartLine"], h["beforeLineCount"], h["afterStartLine"],
              h["afterLineCount"]), [(c["type"], c["content"]) for c in h["changes"]])
            for h in result["hunks"]]


@pytest.fixture
def blobs(cc, name):
    cc.create_repository(repositoryName=name)
    first = cc.create_commit(repositoryName=name, branchName="main", putFiles=[
        {"filePath": "f.txt", "fileContent": BEFORE.encode()},
        {"filePath": "bin.dat", "fileContent": b"\x00\x01\x02binary"}])["commitId"]
    second = cc.create_commit(repositoryName=name, branchName="main", parentCommitId=first,
                              putFiles=[{"filePath": "f.txt", "fileContent": AFTER.encode()},
                                        {"filePath": "bin.dat",
                                         "fileContent": b"\x00\x01\x03binary"}])["commitId"]
    diff = cc.get_differences(repositoryName=name, beforeCommitSpecifier=first,
                              afterCommitSpecifier=second)["differences"]
    by_path = {d["afterBlob"]["path"]: d for d in diff}
    return cc, name, by_path["f.txt"], by_path["bin.dat"]


def test_hunks_are_git_diffs(blobs, tmp_path):
    cc, name, text, _ = blobs
    before, after = text["beforeBlob"]["blobId"], text["afterBlob"]["blobId"]
    for context in (0, 1, 3, 20):
        got = cc.get_blob_differences(repositoryName=name, beforeBlobId=before,
                                      afterBlobId=after, contextLines=context)
        assert api_hunks(got) == git_hunks(tmp_path, BEFORE, AFTER, context), context
    default = cc.get_blob_differences(repositoryName=name, beforeBlobId=before, afterBlobId=after)
    assert api_hunks(default) == git_hunks(tmp_path, BEFORE, AFTER, 3)
    assert default["isBinary"] is False
    assert (default["beforeBlobSize"], default["afterBlobSize"]) == (len(BEFORE), len(AFTER))
    change = default["hunks"][0]["changes"]
    deleted = next(c for c in change if c["type"] == "DELETE")
    assert deleted["beforeLineNumber"] == 3 and "afterLineNumber" not in deleted
    # Whitespace-only changes vanish with ignoreWhitespace, as with `git diff -w`.
    ws = cc.get_blob_differences(repositoryName=name, beforeBlobId=before, afterBlobId=after,
                                 contextLines=0, ignoreWhitespace=True)
    assert api_hunks(ws) == git_hunks(tmp_path, BEFORE, AFTER, 0, ignore_whitespace=True)
    assert len(ws["hunks"]) == len(git_hunks(tmp_path, BEFORE, AFTER, 0)) - 1
    # No before blob: the whole file is added.
    new = cc.get_blob_differences(repositoryName=name, afterBlobId=after)
    assert new["beforeBlobSize"] == 0 and len(new["hunks"]) == 1
    assert {c["type"] for c in new["hunks"][0]["changes"]} == {"ADD"}
    # Paging by hunks.
    first = cc.get_blob_differences(repositoryName=name, beforeBlobId=before, afterBlobId=after,
                                    contextLines=0, MaxResults=2)
    rest = cc.get_blob_differences(repositoryName=name, beforeBlobId=before, afterBlobId=after,
                                   contextLines=0, MaxResults=2, NextToken=first["NextToken"])
    assert api_hunks(first) + api_hunks(rest) == git_hunks(tmp_path, BEFORE, AFTER, 0)
    assert "NextToken" not in rest


def test_binary_and_errors(blobs):
    cc, name, text, binary = blobs
    got = cc.get_blob_differences(repositoryName=name, beforeBlobId=binary["beforeBlob"]["blobId"],
                                  afterBlobId=binary["afterBlob"]["blobId"])
    assert got["isBinary"] is True and got["hunks"] == [] and got["afterBlobSize"] == 9
    after = text["afterBlob"]["blobId"]
    for kwargs, code in [
        ({"afterBlobId": ""}, "BlobIdRequiredException"),
        ({"afterBlobId": "xyz"}, "InvalidBlobIdException"),
        ({"afterBlobId": "0" * 40}, "BlobIdDoesNotExistException"),
        ({"afterBlobId": after, "contextLines": 21}, "ValidationException"),
        ({"afterBlobId": after, "MaxResults": 0}, "InvalidMaxResultsException"),
        ({"afterBlobId": after, "NextToken": "garbage"}, "InvalidContinuationTokenException"),
    ]:
        with pytest.raises(ClientError) as e:
            cc.get_blob_differences(repositoryName=name, **kwargs)
        assert error_of(e)[0] == code, kwargs
    with pytest.raises(ClientError) as e:
        cc.get_blob_differences(repositoryName="no-such-repo", afterBlobId=after)
    assert error_of(e)[0] == "RepositoryDoesNotExistException"
