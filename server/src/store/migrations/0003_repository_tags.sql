-- Tags on CodeCommit repositories (TagResource, CreateRepository's tags).

CREATE TABLE repository_tags (
    repository_id TEXT NOT NULL REFERENCES repositories (repository_id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (repository_id, key)
) STRICT;
