-- Schema version 1: a run, its tasks, their steps, messages and tool calls.
-- Times are Unix milliseconds (UTC); NULL means the event has not happened.

CREATE TABLE runs (
    seq             INTEGER PRIMARY KEY,   -- insertion order; stable across VACUUM
    id              TEXT    NOT NULL UNIQUE,
    started_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    status          TEXT    NOT NULL DEFAULT 'running',
    exit_code       INTEGER NOT NULL DEFAULT 0,
    error           TEXT    NOT NULL DEFAULT '',
    repo_root       TEXT    NOT NULL,
    task_file       TEXT    NOT NULL,
    version         TEXT    NOT NULL,
    base_commit     TEXT    NOT NULL,
    original_branch TEXT    NOT NULL
) STRICT;

CREATE INDEX runs_started_at ON runs (started_at);

-- A row exists for every task the run planned (status 'not_started' until
-- TaskStarted) and for every task that started.
CREATE TABLE tasks (
    id              INTEGER PRIMARY KEY,
    run_id          TEXT    NOT NULL REFERENCES runs (id),
    name            TEXT    NOT NULL,
    position        INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    started_at      INTEGER,
    finished_at     INTEGER,
    approval        TEXT    NOT NULL DEFAULT '',
    provider        TEXT    NOT NULL DEFAULT '',
    model           TEXT    NOT NULL DEFAULT '',
    branch          TEXT    NOT NULL DEFAULT '',
    base_commit     TEXT    NOT NULL DEFAULT '',
    start_commit    TEXT    NOT NULL DEFAULT '',
    snapshot_commit TEXT    NOT NULL DEFAULT '',
    head_commit     TEXT    NOT NULL DEFAULT '',
    final_message   TEXT    NOT NULL DEFAULT '',
    error           TEXT    NOT NULL DEFAULT '',
    UNIQUE (run_id, name),
    UNIQUE (run_id, position)
) STRICT;

CREATE TABLE steps (
    id                 INTEGER PRIMARY KEY,
    task_id            INTEGER NOT NULL REFERENCES tasks (id),
    step               INTEGER NOT NULL CHECK (step >= 1),
    started_at         INTEGER NOT NULL,
    finished_at        INTEGER,
    answered_at        INTEGER,
    stop_reason        TEXT    NOT NULL DEFAULT '',
    request_id         TEXT    NOT NULL DEFAULT '',
    input_tokens       INTEGER NOT NULL DEFAULT 0,
    output_tokens      INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    commit_sha         TEXT    NOT NULL DEFAULT '',
    UNIQUE (task_id, step)
) STRICT;

-- The paths a step's commit touched, in the order the committer gave them.
CREATE TABLE step_files (
    step_id  INTEGER NOT NULL REFERENCES steps (id),
    position INTEGER NOT NULL,
    path     TEXT    NOT NULL,
    PRIMARY KEY (step_id, position)
) STRICT;

-- Messages belong to a task, not a step: step 0 is the prompt, and a
-- follow-up prompt may be recorded after the step it follows has finished.
CREATE TABLE messages (
    id      INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks (id),
    step    INTEGER NOT NULL CHECK (step >= 0),
    at      INTEGER NOT NULL,
    role    TEXT    NOT NULL,
    content TEXT    NOT NULL
) STRICT;

CREATE INDEX messages_task ON messages (task_id, step);

CREATE TABLE tool_calls (
    id          INTEGER PRIMARY KEY,
    step_id     INTEGER NOT NULL REFERENCES steps (id),
    seq         INTEGER NOT NULL,
    call_id     TEXT    NOT NULL,
    tool        TEXT    NOT NULL,
    input       TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT    NOT NULL DEFAULT ''
                CHECK (outcome IN ('', 'ok', 'error', 'denied', 'not_run')),
    summary     TEXT    NOT NULL DEFAULT '',
    reason      TEXT    NOT NULL DEFAULT '',
    UNIQUE (step_id, seq)
) STRICT;
