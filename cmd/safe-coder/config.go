package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/safe-coder/safe-coder/config"
	"github.com/safe-coder/safe-coder/tasks"
)

// loadConfig reads the user's config file (see config.Path) and prints its
// warnings. A broken file stops the command: its settings would otherwise
// be silently missing from the run.
func loadConfig(ctx context.Context, s Streams) (*config.Config, error) {
	c, err := config.Load(ctx, os.Getenv)
	var problems config.Errors
	switch {
	case errors.As(err, &problems):
		// file:line:col lines stand alone, as for the task file.
		fmt.Fprintln(s.Err, problems.Error())
		return nil, exitWith(exitUsage, fmt.Errorf("%d problem(s) in the config file %s; nothing ran (set %s=/dev/null to run without it)", len(problems), problems[0].File, config.EnvVar))
	case err != nil:
		return nil, exitWith(exitUsage, err)
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(s.Err, "safe-coder: warning: %s\n", w)
	}
	return c, nil
}

// configKey returns the config file's API key for task, whose key
// variable is unset, and warns once per variable that the variable is the
// safer place. The key never goes to a task whose provider or endpoint is
// not the config's (tasks.ModelBase.KeyFor).
func configKey(s Streams, task tasks.Task, base tasks.ModelBase, warned map[string]bool) string {
	key, ok := base.KeyFor(task.Model)
	if !ok {
		return ""
	}
	name := task.Model.APIKeyEnv
	if !warned[name] {
		warned[name] = true
		fmt.Fprintf(s.Err, "safe-coder: warning: $%s is not set, so the api_key of %s is used; an environment variable is the safer place for a key: export %s and remove api_key from %s\n",
			name, base.Source, name, base.Source)
	}
	return key
}
