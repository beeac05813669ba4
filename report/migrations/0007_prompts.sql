-- Schema version 7: what a task's prompts became and what they were made
-- from. The prompts as the model got them (custom commands, @paths and
-- !`commands` expanded), so a resumed task sends the same prompts and never
-- runs a prompt's command again; each prompt command's run; the
-- instruction files given to the model; and a plan-mode task's plan.
ALTER TABLE tasks ADD COLUMN prompts TEXT;
ALTER TABLE tasks ADD COLUMN plan TEXT NOT NULL DEFAULT '';

CREATE TABLE prompt_commands (
    id           INTEGER PRIMARY KEY,
    task_id      INTEGER NOT NULL REFERENCES tasks (id),
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    command      TEXT    NOT NULL,
    exit_code    INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL CHECK (duration_ms >= 0),
    output_bytes INTEGER NOT NULL CHECK (output_bytes >= 0),
    error        TEXT    NOT NULL DEFAULT '',
    UNIQUE (task_id, seq)
) STRICT;

CREATE TABLE instructions (
    id        INTEGER PRIMARY KEY,
    task_id   INTEGER NOT NULL REFERENCES tasks (id),
    step      INTEGER NOT NULL CHECK (step >= 0),
    path      TEXT    NOT NULL,
    bytes     INTEGER NOT NULL CHECK (bytes >= 0),
    truncated INTEGER NOT NULL CHECK (truncated IN (0, 1)),
    source    TEXT    NOT NULL,
    UNIQUE (task_id, path)
) STRICT;
