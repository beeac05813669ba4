package tools

import (
	"slices"
	"testing"
)

func TestCommandEnv(t *testing.T) {
	t.Parallel()
	overrides := commandOverrides()
	tests := []struct {
		name    string
		environ []string
		secrets []string
		kept    []string
	}{
		{"ordinary variables kept", []string{"PATH=/bin", "HOME=/home/u", "GOFLAGS=-mod=mod"}, nil,
			[]string{"PATH=/bin", "HOME=/home/u", "GOFLAGS=-mod=mod"}},
		{"names that look secret", []string{
			"ANTHROPIC_API_KEY=a", "OPENAI_API_KEY=b", "npm_token=c", "AWS_SECRET_ACCESS_KEY=d", "DB_PASSWORD=e",
			"MYSQL_PASSWD=f", "GOOGLE_APPLICATION_CREDENTIALS=g", "SSH_KEY_PATH=h", "PATH=/bin",
		}, nil, []string{"PATH=/bin"}},
		{"names without a telling word", []string{
			"GITHUB_TOKEN=a", "GH_TOKEN=b", "ACTIONS_RUNTIME_TOKEN=c", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=d",
			"ACTIONS_ID_TOKEN_REQUEST_URL=e", "SSH_AUTH_SOCK=f", "GITHUB_ACTIONS=true",
		}, nil, []string{"GITHUB_ACTIONS=true"}},
		{"named secrets, any case", []string{"DATABASE_URL=postgres://u:p@h", "ProviderAuth=x", "KEEP=1"},
			[]string{"DATABASE_URL", "PROVIDERAUTH"}, []string{"KEEP=1"}},
		{"overrides replace inherited values", []string{"PAGER=less", "EDITOR=vim", "TERM=xterm-256color", "GIT_ASKPASS=/usr/bin/ask"}, nil, nil},
		{"malformed entries dropped", []string{"NOEQUALS", "=nameless", "OK=1"}, nil, []string{"OK=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := CommandEnv(tt.environ, tt.secrets)
			want := append(slices.Clone(tt.kept), overrides...)
			if !slices.Equal(got, want) {
				t.Errorf("CommandEnv = %q\nwant %q", got, want)
			}
		})
	}
}

func TestCommandEnvDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	environ := []string{"A=1", "API_KEY=x", "B=2"}
	_ = CommandEnv(environ, nil)
	if !slices.Equal(environ, []string{"A=1", "API_KEY=x", "B=2"}) {
		t.Errorf("input changed: %q", environ)
	}
}
