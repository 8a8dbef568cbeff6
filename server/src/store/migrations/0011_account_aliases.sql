-- Account aliases: one an account at most, each alias one account's (signs in to the console
-- in place of the account ID).

CREATE TABLE account_aliases (
    account_id  TEXT PRIMARY KEY,
    alias       TEXT NOT NULL UNIQUE
);
