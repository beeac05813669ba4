package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner"
	"github.com/safe-coder/safe-coder/tasks"
)

// githubEnv is what safe-coder reads of the environment to reach GitHub:
// read once by the command and passed down.
type githubEnv struct {
	// apiURL is $GITHUB_API_URL; "" means api.github.com.
	apiURL string
	// repository is $GITHUB_REPOSITORY ("owner/repo"); "" means the one
	// the remote's URL names.
	repository string
}

func githubFromEnv(getenv func(string) string) githubEnv {
	return githubEnv{apiURL: getenv("GITHUB_API_URL"), repository: getenv("GITHUB_REPOSITORY")}
}

// publisher pushes task branches and opens or updates their pull
// requests. Its tokens are read before anything runs.
type publisher struct {
	gh   githubEnv
	http *http.Client
	// forceOpen is --open-pr: every succeeded task opens a pull request.
	forceOpen bool
	// tokens maps a token variable's name to its value.
	tokens map[string]string
	// find is the run's secret finder: nothing it finds leaves the
	// machine, in a pushed file, a commit message, a title or a body.
	find func([]byte) (string, bool)
}

// errPublishRefused marks a push or pull request that safe-coder refused
// because it would have published a secret.
var errPublishRefused = errors.New("refused to publish")

// mayOpen reports whether the task could open a pull request at the end
// of the run: whether its token is needed.
func (p *publisher) mayOpen(t tasks.Task) bool {
	return p.forceOpen || t.PR.Open || t.PR.OnFailure == tasks.PROnFailureDraft
}

// wants says whether a task that ended with status opens a pull request,
// and whether as a draft: a succeeded task when pr.open or --open-pr asks,
// as pr.draft says; a failed one only with pr.on_failure: draft, always as
// a draft. A cancelled task opens nothing: its process is going away.
func (p *publisher) wants(t tasks.Task, status runner.Status) (open, draft bool) {
	switch {
	case status == runner.StatusSucceeded:
		return p.forceOpen || t.PR.Open, t.PR.Draft
	case status == runner.StatusCancelled:
		return false, false
	default:
		return t.PR.OnFailure == tasks.PROnFailureDraft, true
	}
}

// readTokens reads the GitHub token of every task that may open a pull
// request, before anything runs: a missing token is a set-up mistake.
// needed says which tasks may.
func readTokens(selected []tasks.Task, needed func(tasks.Task) bool) (map[string]string, error) {
	tokens := map[string]string{}
	var problems []string
	for _, t := range selected {
		if !needed(t) {
			continue
		}
		name := t.PR.TokenEnv
		if _, ok := tokens[name]; ok {
			continue
		}
		v := os.Getenv(name)
		if v == "" {
			problems = append(problems, fmt.Sprintf("task %s: environment variable %s (pr.token_env) is not set or empty; it must hold a GitHub token that may push and open pull requests (in GitHub Actions: GITHUB_TOKEN with contents: write and pull-requests: write)", t.Name, name))
			continue
		}
		tokens[name] = v
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return tokens, nil
}

// publishJob is one task's branch to push and propose.
type publishJob struct {
	run    string
	task   tasks.Task
	branch string
	// base is the commit the task's work started from: every commit after
	// it is vetted before the push. tip is the branch's commit, recorded
	// before the push as its intent.
	base, tip string
	draft     bool
}

// publish pushes a task's branch and opens or updates its pull request,
// recording the push in the store. The body is the task's section of the
// run's report. An error wraps errPublishRefused when a secret was found,
// and otherwise explains a failure of git or GitHub; either way the work
// stays on the local branch.
func (p *publisher) publish(ctx context.Context, repo *gitsafety.Repo, store *report.Store, rec recorder, j publishJob) (*gitsafety.PRResult, error) {
	keep := context.WithoutCancel(ctx)
	rep, err := store.Report(ctx, j.run)
	if err != nil {
		return nil, err
	}
	body, ok := rep.TaskMarkdown(j.task.Name)
	if !ok {
		return nil, fmt.Errorf("run %s has no task %s", j.run, j.task.Name)
	}
	title := j.task.PRTitle(j.run, time.Now())
	// The title and body go to GitHub as they are: checked before any of
	// the branch leaves, so a refusal pushes nothing.
	if what, found := p.find([]byte(title + "\n" + body)); found {
		return nil, fmt.Errorf("%w: the pull request's title or body (the task's report) holds %s; nothing was pushed, the work stays on the local branch %s", errPublishRefused, what, j.branch)
	}
	owner, name, err := p.repository(repo, j.task.PR.Remote)
	if err != nil {
		return nil, err
	}
	if err := rec.Record(keep, report.PushStarted{RunID: j.run, Task: j.task.Name, At: time.Now(),
		Remote: j.task.PR.Remote, Branch: j.branch, Commit: j.tip}); err != nil {
		return nil, err
	}
	token := p.tokens[j.task.PR.TokenEnv]
	pushed, err := repo.Push(ctx, gitsafety.PushOptions{
		Remote: j.task.PR.Remote, Branch: j.branch, Base: j.base, Token: token,
		AllowWorkflows: j.task.PR.Workflows,
		Check: func(what string, data []byte) error {
			if desc, found := p.find(data); found {
				return fmt.Errorf("%s holds %s", what, desc)
			}
			return nil
		},
	})
	if err != nil {
		result := report.PushFailed
		if errors.Is(err, gitsafety.ErrPushRejected) {
			result = report.PushRejected
		}
		if rerr := rec.Record(keep, report.PushFinished{RunID: j.run, Task: j.task.Name, At: time.Now(), Result: result, Error: err.Error()}); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		return nil, explainPush(err, j)
	}
	pr, prErr := gitsafety.OpenOrUpdatePR(ctx, gitsafety.PROptions{
		APIURL: p.gh.apiURL, Token: token, Owner: owner, Repo: name,
		Head: j.branch, Base: j.task.PR.Base, Title: title, Body: body, Draft: j.draft,
		Labels: j.task.PR.Labels, Reviewers: j.task.PR.Reviewers, HTTPClient: p.http,
	})
	fin := report.PushFinished{RunID: j.run, Task: j.task.Name, At: time.Now(), Result: pushed.Result}
	if pr.Number != 0 {
		// Recorded even when its labels or reviewers failed: the pull
		// request exists, and the report, the pr-url output and a later
		// `safe-coder pr` must know it.
		fin.PR = &report.PullRequest{Number: pr.Number, URL: pr.URL, State: pr.State}
	}
	if err := rec.Record(keep, fin); err != nil {
		return nil, errors.Join(prErr, err)
	}
	if prErr != nil && pr.Number != 0 {
		verb := "updated"
		if pr.Created {
			verb = "opened"
		}
		return nil, fmt.Errorf("pull request #%d (%s) was %s, but: %w", pr.Number, pr.URL, verb, prErr)
	}
	if prErr != nil {
		return nil, fmt.Errorf("branch %s was pushed to %s, but its pull request: %w", j.branch, pushed.URL, prErr)
	}
	return &pr, nil
}

// explainPush says what to do about a push that failed.
func explainPush(err error, j publishJob) error {
	switch {
	case errors.Is(err, gitsafety.ErrRefused):
		return fmt.Errorf("%w: %w; nothing was pushed, the work stays on the local branch %s", errPublishRefused, err, j.branch)
	case errors.Is(err, gitsafety.ErrWorkflowPermission):
		return fmt.Errorf("%w; nothing was pushed. If the change is wanted, set pr.workflows: true and give a token with the workflows permission (a workflow's GITHUB_TOKEN never has it)", err)
	case errors.Is(err, gitsafety.ErrPushAuth):
		return fmt.Errorf("%w; check that $%s holds a token that may write to the repository (contents: write)", err, j.task.PR.TokenEnv)
	}
	return err
}

// repository names the GitHub repository of the pull request:
// $GITHUB_REPOSITORY in Actions, else the one the remote's URL names.
func (p *publisher) repository(repo *gitsafety.Repo, remote string) (owner, name string, err error) {
	if r := p.gh.repository; r != "" {
		owner, name, ok := strings.Cut(r, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			return "", "", fmt.Errorf("GITHUB_REPOSITORY=%q: expected owner/repo", r)
		}
		return owner, name, nil
	}
	url, err := repo.RemoteURL(remote)
	if err != nil {
		return "", "", err
	}
	owner, name, err = gitsafety.RepoFromRemote(url)
	if err != nil {
		return "", "", fmt.Errorf("remote %s: %w; set GITHUB_REPOSITORY=owner/repo", remote, err)
	}
	return owner, name, nil
}

// recorder is what publishing records through: the run's recorder, with
// its fault points.
type recorder interface {
	Record(ctx context.Context, e report.Event) error
}

// publishStatus turns a publishing error into the run's status: a refusal
// to publish a secret is a policy violation (exit 1), anything else about
// the remote or GitHub a repository error (exit 5).
func publishStatus(err error) runner.Status {
	if errors.Is(err, errPublishRefused) {
		return runner.StatusPolicyViolation
	}
	return runner.StatusRepoError
}

// describePR is the progress line of a pull request opened or updated.
func describePR(pr *gitsafety.PRResult) string {
	verb := "updated"
	if pr.Created {
		verb = "opened"
	}
	return fmt.Sprintf("pull request #%d %s (%s): %s", pr.Number, verb, pr.State, pr.URL)
}
