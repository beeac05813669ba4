// Command safe-coder runs an AI coding agent headless, under a policy, with
// every step committed on a dedicated git branch. See README.md.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(mainProcess())
}

// mainProcess is the whole process: signals, then Main. The end-to-end tests
// run it as the safe-coder binary.
func mainProcess() int {
	ctx, stop := notifySignals(context.Background(), os.Stderr)
	defer stop()
	return Main(ctx, os.Args, Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
}
