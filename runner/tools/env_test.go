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
		opts    EnvOptions
		kept    []string
	}{
		{"ordinary variables kept", []string{"PATH=/bin", "HOME=/home/u", "GOFLAGS=-mod=mod"}, EnvOptions{},
			[]string{"PATH=/bin", "HOME=/home/u", "GOFLAGS=-mod=mod"}},
		{"names that look secret", []string{
			"ANTHROPIC_API_KEY=a", "OPENAI_API_KEY=b", "npm_token=c", "AWS_SECRET_ACCESS_KEY=d", "DB_PASSWORD=e",
			"MYSQL_PASSWD=f", "GOOGLE_APPLICATION_CREDENTIALS=g", "SSH_KEY_PATH=h", "GPG_PASSPHRASE=i",
			"GITHUB_PAT=j", "AWS_SESSION_TOKEN=k", "PATH=/bin",
		}, EnvOptions{}, []string{"PATH=/bin"}},
		{"names without a telling word", []string{
			"GITHUB_TOKEN=a", "GH_TOKEN=b", "ACTIONS_RUNTIME_TOKEN=c", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=d",
			"ACTIONS_ID_TOKEN_REQUEST_URL=e", "ACTIONS_CACHE_TOKEN_X=f", "SSH_AUTH_SOCK=g", "GPG_AGENT_INFO=h",
			"KRB5CCNAME=i", "GITHUB_ACTIONS=true", "ACTIONS_CACHE_URL=https://cache",
		}, EnvOptions{}, []string{"GITHUB_ACTIONS=true", "ACTIONS_CACHE_URL=https://cache"}},
		{"twins that only resemble secrets", []string{"PATH=/bin", "PATHEXT=.x", "XDG_SESSION_ID=3", "PATTERN=*"}, EnvOptions{},
			[]string{"PATH=/bin", "PATHEXT=.x", "XDG_SESSION_ID=3", "PATTERN=*"}},
		{"secrets, any case", []string{"DATABASE_URL=postgres://u:p@h", "ProviderAuth=x", "KEEP=1"},
			EnvOptions{Secrets: []string{"DATABASE_URL", "PROVIDERAUTH"}}, []string{"KEEP=1"}},
		{"drop, any case", []string{"DATABASE_URL=postgres://u:p@h", "KEEP=1"},
			EnvOptions{Drop: []string{"database_url"}}, []string{"KEEP=1"}},
		{"pass keeps a secret-looking name", []string{"FAKE_API_KEY=test", "OTHER_KEY=x"},
			EnvOptions{Pass: []string{"FAKE_API_KEY"}}, []string{"FAKE_API_KEY=test"}},
		{"pass is exact", []string{"FAKE_API_KEY=test"},
			EnvOptions{Pass: []string{"fake_api_key"}}, nil},
		{"pass never keeps secrets or drops", []string{"ANTHROPIC_API_KEY=a", "TEST_TOKEN=b"},
			EnvOptions{Secrets: []string{"anthropic_api_key"}, Drop: []string{"TEST_TOKEN"}, Pass: []string{"ANTHROPIC_API_KEY", "TEST_TOKEN"}}, nil},
		{"overrides replace inherited values", []string{"PAGER=less", "EDITOR=vim", "TERM=xterm-256color", "GIT_ASKPASS=/usr/bin/ask", "CI=false"},
			EnvOptions{Pass: []string{"PAGER", "CI"}}, nil},
		{"overrides survive drop", nil, EnvOptions{Drop: []string{"CI", "PAGER"}}, nil},
		{"malformed entries dropped", []string{"NOEQUALS", "=nameless", "OK=1"}, EnvOptions{}, []string{"OK=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := CommandEnv(tt.environ, tt.opts)
			want := append(slices.Clone(tt.kept), overrides...)
			if !slices.Equal(got, want) {
				t.Errorf("CommandEnv = %q\nwant %q", got, want)
			}
		})
	}
}

func TestCommandEnvOverrides(t *testing.T) {
	t.Parallel()
	got := CommandEnv(nil, EnvOptions{})
	for _, want := range []string{"CI=1", "GIT_TERMINAL_PROMPT=0", "GIT_EDITOR=true", "PAGER=cat"} {
		if !slices.Contains(got, want) {
			t.Errorf("CommandEnv(nil) = %q, lacks %s", got, want)
		}
	}
}

func TestCommandEnvDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	environ := []string{"A=1", "API_KEY=x", "B=2"}
	_ = CommandEnv(environ, EnvOptions{Secrets: []string{"A"}})
	_ = SecretValues(environ, EnvOptions{Secrets: []string{"A"}})
	if !slices.Equal(environ, []string{"A=1", "API_KEY=x", "B=2"}) {
		t.Errorf("input changed: %q", environ)
	}
}

func TestSecretValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		environ []string
		opts    EnvOptions
		want    []string
	}{
		{"secret-looking names", []string{"GITHUB_TOKEN=ghs_0123456789", "HOME=/home/runner", "MY_API_KEY=abcdefgh"},
			EnvOptions{}, []string{"abcdefgh", "ghs_0123456789"}},
		{"short values ignored", []string{"API_KEY=1234567", "SECRET_FLAG=true", "DB_PASSWORD="},
			EnvOptions{}, nil},
		{"secrets and drop count, pass does not", []string{"PROVIDER=sk-provider-1", "DATABASE_URL=postgres://u:pw@db", "FAKE_KEY=not-a-real-key"},
			EnvOptions{Secrets: []string{"provider"}, Drop: []string{"DATABASE_URL"}, Pass: []string{"FAKE_KEY"}},
			[]string{"postgres://u:pw@db", "sk-provider-1"}},
		{"duplicates once, sorted", []string{"B_TOKEN=same-value-1", "A_TOKEN=same-value-1", "C_SECRET=another-value"},
			EnvOptions{}, []string{"another-value", "same-value-1"}},
		{"values with '=' kept whole", []string{"CONN_PASSWORD=a=b=c=d=e"}, EnvOptions{}, []string{"a=b=c=d=e"}},
		{"overridden names are not secrets", []string{"PAGER=less -R --long", "GIT_ASKPASS=/usr/lib/ssh/askpass"}, EnvOptions{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := SecretValues(tt.environ, tt.opts); !slices.Equal(got, tt.want) {
				t.Errorf("SecretValues = %q, want %q", got, tt.want)
			}
		})
	}
}
