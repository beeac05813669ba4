package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/tasks"
)

func validateCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:        "validate",
		Description: validateExamples,
		Usage:       "check a task file and list its tasks; runs nothing",
		ArgsUsage:   "TASKS.yaml",
		Flags:       []cli.Flag{repoFlag()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() != 1 {
				return usageErrorf("validate needs exactly one task file: safe-coder validate TASKS.yaml")
			}
			cfg, err := loadConfig(ctx, s)
			if err != nil {
				return err
			}
			path := cmd.Args().First()
			data, err := os.ReadFile(path)
			if err != nil {
				return taskFileError(path, err)
			}
			file, err := tasks.ParseWith(path, data, tasks.ParseOptions{Base: cfg.Base()})
			if err != nil {
				return exitWith(exitUsage, err)
			}
			// Custom commands and @paths are checked against the
			// repository a run would use (--repo), as run checks them.
			root, err := repoRootFor(ctx, cmd.String("repo"))
			if err != nil {
				return exitWith(exitRepo, err)
			}
			// A command's problems do not stop the checks below:
			// every problem of the file is reported at once.
			commandErr := applyCommands(file, root)
			if commandErr != nil && !isProblems(commandErr) {
				return commandErr
			}
			// In a pull-request workflow instructions_from: base
			// reads the base branch, so validate checks that commit.
			bases, err := resolveInstructionBases(ctx, root, file.Tasks, os.Getenv(baseRefEnv))
			if err != nil {
				return err
			}
			if err := mergeProblems(commandErr, checkPrompts(ctx, file, file.Tasks, root, bases)); err != nil {
				return err
			}
			// A replay task's transcript is read as run reads it, so a
			// broken one fails here and not after a branch is made.
			for _, t := range file.Tasks {
				if t.Model.Provider != tasks.ProviderReplay {
					continue
				}
				if _, err := llm.NewReplay(t.Model.Transcript); err != nil {
					return exitWith(exitUsage, fmt.Errorf("task %s: %w", t.Name, err))
				}
			}
			names := make([]string, len(file.Tasks))
			for i, t := range file.Tasks {
				names[i] = t.Name
			}
			fmt.Fprintf(s.Out, "%s: ok, %d task(s): %s\n", file.Path, len(names), strings.Join(names, ", "))
			return nil
		},
	}
}
