package tools

import (
	"slices"
	"strings"
)

// commandOverrides returns the variables set for every command, replacing
// any inherited value, because nobody is there to answer a prompt or read
// a screen.
func commandOverrides() []string {
	return []string{
		"PAGER=cat",             // git log, man and friends must not wait in less
		"GIT_PAGER=cat",         // git consults GIT_PAGER before PAGER
		"EDITOR=true",           // a program that opens an editor gets one that exits at once
		"VISUAL=true",           // some programs prefer VISUAL to EDITOR
		"GIT_EDITOR=true",       // git commit without -m, rebase -i: accept the prepared text
		"GIT_TERMINAL_PROMPT=0", // git must fail rather than ask for a username or password
		"GIT_ASKPASS=",          // no helper program may be asked for credentials
		"SSH_ASKPASS=",          // nor may ssh ask one for a passphrase
		"TERM=dumb",             // no cursor control, no full-screen interfaces
		"NO_COLOR=1",            // no colour escape codes in the output the model reads
	}
}

// CommandEnv returns the environment for commands: environ without the
// variables named in secretNames, without every variable whose name looks
// secret (see looksSecret), and with the overrides of commandOverrides.
// Malformed entries (without '=') are dropped. secretNames are compared
// case-insensitively, so a secret spelled in another case goes too.
func CommandEnv(environ []string, secretNames []string) []string {
	overrides := commandOverrides()
	overridden := func(name string) bool {
		return slices.ContainsFunc(overrides, func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
	}
	named := func(name string) bool {
		return slices.ContainsFunc(secretNames, func(s string) bool { return strings.EqualFold(s, name) })
	}
	env := make([]string, 0, len(environ)+len(overrides))
	for _, kv := range environ {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "" || looksSecret(name) || named(name) || overridden(name) {
			continue
		}
		env = append(env, kv)
	}
	return append(env, overrides...)
}

// looksSecret reports whether a variable's name marks it as a secret.
// Matching words generously (MONKEY contains KEY) costs a command a
// harmless variable now and then; missing a secret costs the secret.
func looksSecret(name string) bool {
	upper := strings.ToUpper(name)
	for _, w := range []string{"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"} {
		if strings.Contains(upper, w) {
			return true
		}
	}
	// Variables that grant access without a telling name.
	switch upper {
	case "GITHUB_TOKEN", // GitHub Actions' token for the repository
		"GH_TOKEN",                       // the gh CLI's token
		"ACTIONS_RUNTIME_TOKEN",          // Actions cache and artifact service
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN", // mints OIDC tokens for cloud logins
		"ACTIONS_ID_TOKEN_REQUEST_URL",   // where those OIDC tokens are minted
		"SSH_AUTH_SOCK":                  // the ssh agent signs as the user without showing a key
		return true
	}
	return false
}
