package main

import (
	"context"
	"fmt"
	"os"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/runner"
	"github.com/safe-coder/safe-coder/runner/secrets"
	"github.com/safe-coder/safe-coder/runner/tools"
	"github.com/safe-coder/safe-coder/tasks"
)

// setPublisher readies the run to push and propose its tasks' branches:
// it reads the tokens of the tasks that may open a pull request, before
// anything runs, and makes them secrets of the run like the API keys.
func (rc *runCtx) setPublisher(opts runOptions, selected []tasks.Task) error {
	p := &publisher{gh: opts.github, http: rc.http, forceOpen: opts.openPR}
	tokens, err := readTokens(selected, p.mayOpen)
	if err != nil {
		return exitWith(exitUsage, err)
	}
	p.tokens = tokens
	for name, v := range tokens {
		rc.keys[name] = v
	}
	rc.pub = p
	return nil
}

// secretFinder is the run's secret finder for a task: the values of the
// secret variables of its environment and the keys and tokens the run
// read, as the task's commands are kept from them.
func (rc *runCtx) secretFinder(task tasks.Task) func([]byte) (string, bool) {
	envOpts := tools.EnvOptions{Secrets: secretNames(rc.file), Pass: task.Env.Pass, Drop: task.Env.Drop}
	known := tools.SecretValues(os.Environ(), envOpts)
	for _, k := range rc.keys {
		known = append(known, k)
	}
	return secrets.NewRedactor(known).Find
}

// publishTask pushes the branch of a task that just ended and opens or
// updates its pull request, when its pr settings (or --open-pr) ask for
// it. A failure leaves the work on the local branch and is returned.
func (rc *runCtx) publishTask(ctx context.Context, task tasks.Task, sess *gitsafety.Session, status runner.Status) error {
	if rc.pub == nil || ctx.Err() != nil {
		return nil
	}
	open, draft := rc.pub.wants(task, status)
	if !open {
		return nil
	}
	return rc.publishJob(ctx, publishJob{
		run: rc.runID, task: task, branch: sess.Branch(), base: sess.Base(), tip: sess.Head(), draft: draft,
	})
}

// publishJob pushes j's branch and opens or updates its pull request,
// saying so on the progress log.
func (rc *runCtx) publishJob(ctx context.Context, j publishJob) error {
	task := j.task
	p := *rc.pub
	p.find = rc.secretFinder(task)
	fmt.Fprintf(rc.s.Err, "[%s] pushing %s to %s\n", task.Name, j.branch, task.PR.Remote)
	pr, err := p.publish(ctx, rc.repo, rc.store, rc.rec, j)
	if err != nil {
		fmt.Fprintf(rc.s.Err, "[%s] %v\n", task.Name, err)
		return err
	}
	fmt.Fprintf(rc.s.Err, "[%s] %s\n", task.Name, describePR(pr))
	return nil
}

// narrowRun applies --shard and the --approval, --provider and --model
// overrides to the tasks --task selected.
func narrowRun(selected []tasks.Task, opts runOptions) ([]tasks.Task, error) {
	selected = opts.shard.Select(selected)
	out, err := opts.override.Apply(selected)
	if err != nil {
		return nil, exitWith(exitUsage, err)
	}
	return out, nil
}
