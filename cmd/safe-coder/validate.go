package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v3"

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
			if err := applyCommands(file, root); err != nil {
				return err
			}
			// In a pull-request workflow instructions_from: base
			// reads the base branch, so validate checks that commit.
			bases, err := resolveInstructionBases(ctx, root, file.Tasks, os.Getenv(baseRefEnv))
			if err != nil {
				return err
			}
			if err := checkPrompts(ctx, file, file.Tasks, root, bases); err != nil {
				return err
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
