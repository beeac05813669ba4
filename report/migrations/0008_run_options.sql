-- Schema version 8: the command-line settings that shaped a run (the
-- --approval, --provider and --model overrides, --open-pr), as JSON the CLI
-- writes and reads; kept so that a resumed run runs its tasks as the run
-- began them, never with the task file's own (possibly wider) approval.
-- '' for a run that had none, and for runs recorded before this version.
ALTER TABLE runs ADD COLUMN options TEXT NOT NULL DEFAULT '';
