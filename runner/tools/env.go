package tools

import (
	"slices"
	"strings"

	"github.com/safe-coder/safe-coder/runner/secrets"
)

// EnvOptions adjusts which variables CommandEnv passes to commands. Names
// are variable names, not patterns.
type EnvOptions struct {
	// Secrets are removed whatever else says: the provider API keys and
	// any other variable the runner knows to hold a secret. Compared
	// case-insensitively, so a secret spelled in another case goes too.
	Secrets []string
	// Pass keeps variables whose names only look secret (see looksSecret),
	// such as a test's FAKE_API_KEY; it never keeps a name in Secrets or
	// Drop. Compared exactly: passing a secret is deliberate and must name
	// the variable as it is spelled.
	Pass []string
	// Drop removes variables whose names do not look secret but whose
	// values are, such as DATABASE_URL with a password in it. Compared
	// case-insensitively, like Secrets.
	Drop []string
}

// commandOverrides returns the variables set for every command, replacing
// any inherited value, because nobody is there to answer a prompt or read
// a screen.
func commandOverrides() []string {
	return []string{
		"CI=1",                  // tools switch to their non-interactive, no-spinner mode
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

// CommandEnv returns the environment for commands: environ without every
// variable whose name looks secret (see looksSecret) unless opts.Pass names
// it, without the variables opts.Secrets and opts.Drop name, and with the
// overrides of commandOverrides, which replace inherited values and which
// neither Pass nor Drop changes. Malformed entries (without '=', or without
// a name) are dropped. environ is not modified.
func CommandEnv(environ []string, opts EnvOptions) []string {
	overrides := commandOverrides()
	overridden := func(name string) bool {
		return slices.ContainsFunc(overrides, func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
	}
	env := make([]string, 0, len(environ)+len(overrides))
	for _, kv := range environ {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "" || opts.secret(name) || overridden(name) {
			continue
		}
		env = append(env, kv)
	}
	return append(env, overrides...)
}

// SecretValues returns the values of the variables in environ that
// CommandEnv removes to keep secrets (secret-looking names not passed,
// Secrets and Drop), at least secrets.MinValueLen bytes long, sorted and
// without duplicates: the known values for secrets.NewRedactor, which
// removes them from tool output in case a command finds them some other way
// (a config file, a credential helper). Shorter values occur everywhere and
// the redactor ignores them.
// Drop counts as keeping a secret: it exists for secrets whose names do not
// give them away.
func SecretValues(environ []string, opts EnvOptions) []string {
	var values []string
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" || len(value) < secrets.MinValueLen || !opts.secret(name) {
			continue
		}
		values = append(values, value)
	}
	slices.Sort(values)
	return slices.Compact(values)
}

// secret reports whether the variable name is kept from commands because
// it holds, or may hold, a secret.
func (o EnvOptions) secret(name string) bool {
	fold := func(s string) bool { return strings.EqualFold(s, name) }
	if slices.ContainsFunc(o.Secrets, fold) || slices.ContainsFunc(o.Drop, fold) {
		return true
	}
	return looksSecret(name) && !slices.Contains(o.Pass, name)
}

// looksSecret reports whether a variable's name marks it as a secret.
// Matching words generously (MONKEY contains KEY) costs a command a
// harmless variable now and then, which Pass can restore; missing a secret
// costs the secret.
func looksSecret(name string) bool {
	upper := strings.ToUpper(name)
	for _, w := range []string{"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL"} {
		if strings.Contains(upper, w) {
			return true
		}
	}
	// Personal access tokens by their usual suffix (GITHUB_PAT, GH_PAT);
	// as a substring PAT would match PATH.
	if strings.HasSuffix(upper, "_PAT") {
		return true
	}
	// Variables that grant access without a telling name. GITHUB_TOKEN,
	// GH_TOKEN and every ACTIONS_*TOKEN* (ACTIONS_RUNTIME_TOKEN, and
	// ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, which mint OIDC tokens for
	// cloud logins) contain TOKEN and are caught above.
	switch upper {
	case "SSH_AUTH_SOCK", // the ssh agent signs as the user without showing a key
		"GPG_AGENT_INFO", // the gpg agent signs and decrypts as the user
		"KRB5CCNAME":     // the Kerberos ticket cache
		return true
	}
	return false
}
