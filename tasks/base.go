package tasks

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
)

// ModelBase is the lowest-priority model layer, below the task file's
// defaults: what a user's config file says about the model. It describes
// one endpoint and one model, so, like a key of the defaults that names an
// endpoint, it applies only to tasks of its own provider: a task file that
// picks another provider gets nothing from it, and its key is never sent
// anywhere else.
type ModelBase struct {
	// Provider is the provider tasks get when neither the task nor the
	// defaults name one; "" keeps the task file's default, anthropic.
	Provider Provider
	// Name, MaxOutputTokens and BaseURL fill the same model keys of
	// tasks of Provider that neither the task nor the defaults set;
	// zero values fill nothing.
	Name            string
	MaxOutputTokens int
	BaseURL         string
	// APIKey is a key for Provider at BaseURL, used only when the task's
	// api_key_env variable is unset (see KeyFor). It is never part of a
	// parsed File and never printed.
	APIKey string
	// Source names where the base came from (the config file), for
	// messages.
	Source string
}

// ParseOptions are what ParseWith needs beyond the file itself.
type ParseOptions struct {
	// Base is the lowest-priority model layer; the zero value adds
	// nothing, which makes ParseWith the same as Parse.
	Base ModelBase
}

// BaseProblem is one invalid setting of a ModelBase.
type BaseProblem struct {
	Field string // "provider", "name", "max_output_tokens" or "base_url"
	Msg   string // what was expected; never repeats a value that may hold a secret
}

// LoadWith reads the task file at path and parses it with ParseWith.
func LoadWith(path string, opts ParseOptions) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read task file: %w", err)
	}
	return ParseWith(path, data, opts)
}

// ParseWith is Parse with the options' base model layer under the file's
// defaults. An invalid base is reported as Errors at its Source, before the
// file is read.
func ParseWith(path string, data []byte, opts ParseOptions) (*File, error) {
	if problems := opts.Base.Problems(); len(problems) > 0 {
		errs := make(Errors, len(problems))
		for i, p := range problems {
			errs[i] = &Error{File: opts.Base.Source, Line: 1, Col: 1, Field: p.Field, Msg: p.Msg}
		}
		return nil, errs
	}
	return parse(path, data, opts.Base)
}

// Providers returns the providers a task file (and a ModelBase) may name.
func Providers() []Provider {
	return []Provider{ProviderAnthropic, ProviderOpenAI, ProviderOllama, ProviderReplay}
}

// Problems checks the base by the task file's rules for the same keys.
func (b ModelBase) Problems() []BaseProblem {
	var out []BaseProblem
	if b.Provider != "" && !slices.Contains(Providers(), b.Provider) {
		names := make([]string, 0, len(Providers()))
		for _, p := range Providers() {
			names = append(names, string(p))
		}
		out = append(out, BaseProblem{"provider", fmt.Sprintf("unknown provider %s; expected one of %s", quote(string(b.Provider)), strings.Join(names, ", "))})
	}
	if b.Name != strings.TrimSpace(b.Name) {
		out = append(out, BaseProblem{"name", "the model name has blanks around it; remove them"})
	}
	if b.MaxOutputTokens < 0 || b.MaxOutputTokens > maxOutputTokensLimit {
		out = append(out, BaseProblem{"max_output_tokens", fmt.Sprintf("must be between 1 and %d, got %d", maxOutputTokensLimit, b.MaxOutputTokens)})
	}
	if b.BaseURL != "" {
		if msg := baseURLProblem(b.BaseURL); msg != "" {
			out = append(out, BaseProblem{"base_url", msg})
		}
	}
	return out
}

// baseURLProblem says what is wrong with a base URL, or "" when nothing
// is. The URL is not repeated: it may carry credentials.
func baseURLProblem(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		return "expected an absolute http or https URL such as https://api.anthropic.com"
	case u.User != nil:
		return "expected a URL without credentials; put the key in an environment variable, and rotate it if it was shared"
	case u.RawQuery != "" || u.ForceQuery:
		return "expected a URL without a query (?...)"
	case u.Fragment != "" || strings.HasSuffix(s, "#"):
		return "expected a URL without a fragment (#...)"
	}
	return ""
}

// provider returns the base's provider, the task file's default when it
// names none.
func (b ModelBase) provider() Provider {
	if b.Provider == "" {
		return defaultProvider
	}
	return b.Provider
}

// layer returns the base as a model layer for a task of provider: empty
// unless the base is about that provider.
func (b ModelBase) layer(provider Provider) modelLayer {
	var m modelLayer
	if provider != b.provider() {
		return m
	}
	if b.Name != "" {
		m.name = opt[string]{v: b.Name, set: true, ok: true}
	}
	if b.MaxOutputTokens > 0 {
		m.maxOutputTokens = opt[int]{v: b.MaxOutputTokens, set: true, ok: true}
	}
	if b.BaseURL != "" && applies("base_url", provider) {
		m.baseURL = opt[string]{v: b.BaseURL, set: true, ok: true}
	}
	return m
}

// KeyFor returns the base's API key for a task's model: only when the
// model is of the base's provider and talks to the base's endpoint, so a
// task file can never send the key to a server of its own choosing. ok is
// false when the base has no key for m.
func (b ModelBase) KeyFor(m Model) (key string, ok bool) {
	if b.APIKey == "" || m.Provider == ProviderReplay || m.Provider != b.provider() {
		return "", false
	}
	if endpoint(m.Provider, m.BaseURL) != endpoint(b.provider(), b.BaseURL) {
		return "", false
	}
	return b.APIKey, true
}

// endpoint returns the URL a provider's client talks to for base, so
// that "" and the provider's own URL compare equal.
func endpoint(p Provider, base string) string {
	if base == "" {
		switch p {
		case ProviderAnthropic:
			base = "https://api.anthropic.com"
		case ProviderOpenAI:
			base = "https://api.openai.com/v1"
		case ProviderOllama:
			base = defaultOllamaBaseURL
		}
	}
	return strings.TrimRight(base, "/")
}

// String describes the base without its key, so that printing it by
// mistake never shows the secret.
func (b ModelBase) String() string {
	key := "unset"
	if b.APIKey != "" {
		key = "set"
	}
	baseURL := quote(b.BaseURL)
	if strings.Contains(b.BaseURL, "@") {
		// It may carry credentials.
		baseURL = "(hidden)"
	}
	return fmt.Sprintf("{provider %s, name %s, max_output_tokens %d, base_url %s, api_key %s, from %s}",
		quote(string(b.Provider)), quote(b.Name), b.MaxOutputTokens, baseURL, key, quote(b.Source))
}

// GoString is String, for %#v.
func (b ModelBase) GoString() string { return "tasks.ModelBase" + b.String() }
