-- Schema version 10: a prompt's !`command` is recorded as it runs, intent
-- before and result after, so that resume never runs it twice: a command
-- whose intent is recorded without its result was under way when the
-- process stopped, and is not run again. The output is kept (redacted, as
-- the prompt that holds it) only until the prompts are recorded, so a
-- resumed task can rebuild the prompt of a command that finished.
CREATE TABLE prompt_command_runs (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks (id),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    command     TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished    INTEGER NOT NULL DEFAULT 0 CHECK (finished IN (0, 1)),
    exit_code   INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
    output      TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    UNIQUE (task_id, seq)
) STRICT;

-- A command that was interrupted: the report says its outcome is unknown.
ALTER TABLE prompt_commands ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0 CHECK (interrupted IN (0, 1));
