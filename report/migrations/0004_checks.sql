-- Schema version 4: every run of every check command, and the rollbacks of
-- failed tasks.

-- round counts the times a task's checks ran, from 1; seq is the command's
-- position in the task file. passed is 1 only for a finished command that
-- exited with 0 and no error. output is capped (head and tail) before it
-- is stored.
CREATE TABLE checks (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks (id),
    round       INTEGER NOT NULL CHECK (round >= 1),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    command     TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    exit_code   INTEGER NOT NULL DEFAULT 0,
    passed      INTEGER NOT NULL DEFAULT 0 CHECK (passed IN (0, 1)),
    output      TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    UNIQUE (task_id, round, seq)
) STRICT;

-- A task's run branch moved from from_commit back to to_commit; the old tip
-- is kept under backup_ref. A task may be rolled back more than once (by
-- on_failure, then by hand); every rollback is kept, in order.
CREATE TABLE rollbacks (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks (id),
    at          INTEGER NOT NULL,
    backup_ref  TEXT    NOT NULL,
    from_commit TEXT    NOT NULL,
    to_commit   TEXT    NOT NULL
) STRICT;

CREATE INDEX rollbacks_task ON rollbacks (task_id);
