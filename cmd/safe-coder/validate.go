package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/tasks"
)

func validateCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check a task file and list its tasks; runs nothing",
		ArgsUsage: "TASKS.yaml",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() != 1 {
				return usageErrorf("validate needs exactly one task file: safe-coder validate TASKS.yaml")
			}
			file, err := tasks.Load(cmd.Args().First())
			if err != nil {
				return exitWith(exitUsage, err)
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
