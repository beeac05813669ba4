-- Schema version 3: the policy rule that decided a denied tool call
-- ("deny: bash(git push *)"); '' when the approval mode or a built-in
-- default decided, or the call was not denied.
ALTER TABLE tool_calls ADD COLUMN rule TEXT NOT NULL DEFAULT '';
