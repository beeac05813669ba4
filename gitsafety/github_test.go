package gitsafety

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/gitsafety/githubtest"
)

const (
	callRepo      = "GET /repos/octo/demo"
	callList      = "GET /repos/octo/demo/pulls"
	callCreate    = "POST /repos/octo/demo/pulls"
	callEdit1     = "PATCH /repos/octo/demo/pulls/1"
	callLabels1   = "POST /repos/octo/demo/issues/1/labels"
	callReviewer1 = "POST /repos/octo/demo/pulls/1/requested_reviewers"
)

func TestOpenOrUpdatePR(t *testing.T) {
	t.Parallel()
	const title, body = "safe-coder: fix vet", "## Report\n\nall green\n"
	existing := githubtest.PR{Number: 1, Head: runBranch, Base: "main", Title: "old", Body: "old body", Labels: []string{"bot"}}
	created := func(n int, base string) githubtest.PR {
		return githubtest.PR{Number: n, Head: runBranch, Base: base, Title: title, Body: body, State: "open"}
	}
	updated := githubtest.PR{Number: 1, Head: runBranch, Base: "main", Title: title, Body: body, State: "open", Labels: []string{"bot"}}

	tests := []struct {
		name    string
		server  githubtest.Options
		opts    func(*PROptions)
		want    PRResult
		wantPRs []githubtest.PR
		// wantWaits are the rate-limit waits, each matched within two
		// seconds below (a reset time has whole seconds).
		wantWaits  []time.Duration
		wantCounts map[string]int
		wantErr    string
	}{
		{
			name: "creates on the default branch with labels, reviewers and draft",
			server: githubtest.Options{
				DefaultBranch: "trunk",
				Expect:        []string{callRepo, callList, callCreate, callLabels1, callReviewer1},
			},
			opts: func(o *PROptions) {
				o.Draft = true
				o.Labels = []string{"safe-coder", "bot"}
				o.Reviewers = []string{"alice", "octo/core"}
			},
			want: PRResult{Number: 1, State: "open", Created: true},
			wantPRs: []githubtest.PR{{Number: 1, Head: runBranch, Base: "trunk", Title: title, Body: body, State: "open", Draft: true,
				Labels: []string{"safe-coder", "bot"}, Reviewers: []string{"alice", "octo/core"}}},
			wantCounts: map[string]int{callCreate: 1},
		},
		{
			name:   "updates the open pull request, API URL without trailing slash",
			server: githubtest.Options{PRs: []githubtest.PR{existing}, Expect: []string{callList, callEdit1}},
			opts: func(o *PROptions) {
				o.Base = "main"
				o.APIURL = strings.TrimSuffix(o.APIURL, "/")
			},
			want:       PRResult{Number: 1, State: "open"},
			wantPRs:    []githubtest.PR{updated},
			wantCounts: map[string]int{callCreate: 0, callRepo: 0},
		},
		{
			name: "a closed one and one of another head are left alone",
			server: githubtest.Options{PRs: []githubtest.PR{
				{Number: 1, Head: runBranch, Base: "main", Title: "closed", State: "closed"},
				{Number: 2, Head: "other", Base: "main", Title: "other"},
			}},
			opts: func(o *PROptions) { o.Base = "main" },
			want: PRResult{Number: 3, State: "open", Created: true},
			wantPRs: []githubtest.PR{
				{Number: 1, Head: runBranch, Base: "main", Title: "closed", State: "closed"},
				{Number: 2, Head: "other", Base: "main", Title: "other", State: "open"},
				created(3, "main"),
			},
		},
		{
			name: "already exists while the list did not show it: updated, not doubled",
			server: githubtest.Options{
				PRs:    []githubtest.PR{existing},
				Faults: []githubtest.Fault{{Call: callList, Kind: githubtest.HideFromList}},
				Expect: []string{callCreate, callEdit1},
			},
			opts:       func(o *PROptions) { o.Base = "main" },
			want:       PRResult{Number: 1, State: "open"},
			wantPRs:    []githubtest.PR{updated},
			wantCounts: map[string]int{callList: 2, callCreate: 1},
		},
		{
			name: "a create whose answer was lost is found by the next list",
			server: githubtest.Options{
				Faults: []githubtest.Fault{{Call: callCreate, Kind: githubtest.LoseAnswer}},
			},
			opts:       func(o *PROptions) { o.Base = "main" },
			want:       PRResult{Number: 1, State: "open"},
			wantPRs:    []githubtest.PR{created(1, "main")},
			wantCounts: map[string]int{callList: 2, callCreate: 1, callEdit1: 1},
		},
		{
			name: "secondary rate limit on the list is waited out",
			server: githubtest.Options{
				Faults: []githubtest.Fault{{Call: callList, Kind: githubtest.SecondaryRateLimit, RetryAfter: 7}},
			},
			opts:       func(o *PROptions) { o.Base = "main" },
			want:       PRResult{Number: 1, State: "open", Created: true},
			wantPRs:    []githubtest.PR{created(1, "main")},
			wantWaits:  []time.Duration{7 * time.Second},
			wantCounts: map[string]int{callList: 2},
		},
		{
			name: "secondary rate limit on create: list again, then create",
			server: githubtest.Options{
				Faults: []githubtest.Fault{{Call: callCreate, Kind: githubtest.SecondaryRateLimit, RetryAfter: 5}},
			},
			opts:       func(o *PROptions) { o.Base = "main" },
			want:       PRResult{Number: 1, State: "open", Created: true},
			wantPRs:    []githubtest.PR{created(1, "main")},
			wantWaits:  []time.Duration{5 * time.Second},
			wantCounts: map[string]int{callList: 2, callCreate: 2},
		},
		{
			name: "primary rate limit on labels waits for the reset",
			server: githubtest.Options{
				PRs:    []githubtest.PR{existing},
				Faults: []githubtest.Fault{{Call: callLabels1, Kind: githubtest.PrimaryRateLimit, RetryAfter: 30}},
			},
			opts: func(o *PROptions) {
				o.Base = "main"
				o.Labels = []string{"safe-coder"}
			},
			want: PRResult{Number: 1, State: "open"},
			wantPRs: []githubtest.PR{{Number: 1, Head: runBranch, Base: "main", Title: title, Body: body, State: "open",
				Labels: []string{"bot", "safe-coder"}}},
			wantWaits:  []time.Duration{30 * time.Second},
			wantCounts: map[string]int{callLabels1: 2},
		},
		{
			name: "429 on the edit",
			server: githubtest.Options{
				PRs:    []githubtest.PR{existing},
				Faults: []githubtest.Fault{{Call: callEdit1, Kind: githubtest.TooManyRequests, RetryAfter: 3}},
			},
			opts:      func(o *PROptions) { o.Base = "main" },
			want:      PRResult{Number: 1, State: "open"},
			wantPRs:   []githubtest.PR{updated},
			wantWaits: []time.Duration{3 * time.Second},
		},
		{
			name: "a rate limit that persists gives up after three attempts",
			server: githubtest.Options{
				Faults: []githubtest.Fault{{Call: callList, Kind: githubtest.SecondaryRateLimit, RetryAfter: 2, Times: 3}},
			},
			opts:       func(o *PROptions) { o.Base = "main" },
			wantWaits:  []time.Duration{2 * time.Second, 2 * time.Second},
			wantCounts: map[string]int{callList: 3, callCreate: 0},
			wantErr:    "after 3 attempts",
		},
		{
			name: "a rate limit longer than a minute is not waited for",
			server: githubtest.Options{
				Faults: []githubtest.Fault{{Call: callList, Kind: githubtest.SecondaryRateLimit, RetryAfter: 600}},
			},
			opts:       func(o *PROptions) { o.Base = "main" },
			wantCounts: map[string]int{callList: 1},
			wantErr:    "longer than safe-coder waits",
		},
		{
			name: "a token without pull-requests: write",
			server: githubtest.Options{
				Faults: []githubtest.Fault{{Call: callCreate, Kind: githubtest.Forbidden}},
			},
			opts:       func(o *PROptions) { o.Base = "main" },
			wantCounts: map[string]int{callCreate: 1},
			wantErr:    "`pull-requests: write`",
		},
		{
			name:       "a token GitHub does not accept",
			opts:       func(o *PROptions) { o.Token = "ghs_wrong_0123456789abcdefghijklmn" },
			wantCounts: map[string]int{callRepo: 1},
			wantErr:    "did not accept the token",
		},
		{
			name:    "a repository that is not there",
			opts:    func(o *PROptions) { o.Repo = "missing" },
			wantErr: "not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, opts, clock := fakeGitHub(t, tt.server)
			if tt.opts != nil {
				tt.opts(&opts)
			}
			got, err := OpenOrUpdatePR(t.Context(), opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("OpenOrUpdatePR error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), opts.Token) {
					t.Errorf("error shows the token: %v", err)
				}
			} else {
				if err != nil {
					t.Fatalf("OpenOrUpdatePR: %v", err)
				}
				want := tt.want
				want.URL = strings.TrimSuffix(srv.URL(), "api/v3/") + "octo/demo/pull/" + itoa(int64(want.Number))
				if got != want {
					t.Errorf("OpenOrUpdatePR = %+v, want %+v", got, want)
				}
				if prs := srv.PRs(); !reflect.DeepEqual(prs, tt.wantPRs) {
					t.Errorf("pull requests = %+v\nwant %+v", prs, tt.wantPRs)
				}
			}
			waits := clock.slept()
			if len(waits) != len(tt.wantWaits) {
				t.Fatalf("waits = %v, want %v", waits, tt.wantWaits)
			}
			for i, w := range tt.wantWaits {
				if waits[i] > w || waits[i] < w-2*time.Second {
					t.Errorf("wait %d = %v, want about %v", i, waits[i], w)
				}
			}
			for call, n := range tt.wantCounts {
				if got := srv.Count(call); got != n {
					t.Errorf("%s came %d times, want %d", call, got, n)
				}
			}
			for _, r := range srv.Requests() {
				if r.Auth != "Bearer "+opts.Token {
					t.Errorf("%s had Authorization %q", r.Call(), r.Auth)
				}
			}
		})
	}
}

func TestOpenOrUpdatePRNeverWaitsPastTheDeadline(t *testing.T) {
	t.Parallel()
	srv, opts, clock := fakeGitHub(t, githubtest.Options{
		Faults: []githubtest.Fault{{Call: callList, Kind: githubtest.SecondaryRateLimit, RetryAfter: 30}},
	})
	opts.Base = "main"
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := OpenOrUpdatePR(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), "past the run's deadline") {
		t.Fatalf("OpenOrUpdatePR error = %v, want the deadline explanation", err)
	}
	if w := clock.slept(); len(w) != 0 {
		t.Errorf("waits = %v, want none", w)
	}
	if n := srv.Count(callCreate); n != 0 {
		t.Errorf("create came %d times, want none", n)
	}
}

func TestOpenOrUpdatePROptionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts PROptions
		want string
	}{
		{name: "no owner", opts: PROptions{Repo: "demo", Head: "b"}, want: "required"},
		{name: "no head", opts: PROptions{Owner: "octo", Repo: "demo"}, want: "required"},
		{name: "API URL not http", opts: PROptions{Owner: "octo", Repo: "demo", Head: "b", APIURL: "ftp://example.com/"}, want: "GITHUB_API_URL"},
	}
	for _, tt := range tests {
		_, err := OpenOrUpdatePR(t.Context(), tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestRepoFromRemote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, owner, repo string
		wantErr          bool
	}{
		{url: "https://github.com/octo/demo.git", owner: "octo", repo: "demo"},
		{url: "https://github.com/octo/demo", owner: "octo", repo: "demo"},
		{url: "https://github.com/octo/demo/", owner: "octo", repo: "demo"},
		{url: "https://x-access-token:ghs_abc@github.com/octo/demo.git", owner: "octo", repo: "demo"},
		{url: "git@github.com:octo/demo.git", owner: "octo", repo: "demo"},
		{url: "ssh://git@github.com/octo/demo.git", owner: "octo", repo: "demo"},
		{url: "ssh://git@ghe.example.com:2222/team/app.git", owner: "team", repo: "app"},
		{url: "https://ghe.example.com/scm/team/app.git", owner: "team", repo: "app"},
		{url: "git://github.com/octo/demo.git", owner: "octo", repo: "demo"},
		{url: "/srv/git/demo.git", wantErr: true},
		{url: "file:///srv/git/demo.git", wantErr: true},
		{url: "../demo.git", wantErr: true},
		{url: "https://github.com/demo", wantErr: true},
		{url: "C:/repos/demo.git", wantErr: true},
	}
	for _, tt := range tests {
		owner, repo, err := RepoFromRemote(tt.url)
		if tt.wantErr {
			if err == nil {
				t.Errorf("RepoFromRemote(%q) = %q, %q; want an error", tt.url, owner, repo)
			}
			continue
		}
		if err != nil || owner != tt.owner || repo != tt.repo {
			t.Errorf("RepoFromRemote(%q) = %q, %q, %v; want %q, %q", tt.url, owner, repo, err, tt.owner, tt.repo)
		}
	}
}
