package tasks

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Provider-specific model keys. Defaults and tasks are each checked against
// their own provider. What a task inherits from the defaults depends on
// what a key describes:
//   - the endpoint (base_url, api_key_env) is inherited only by tasks of
//     the defaults' provider: an Anthropic key must never be sent to an
//     OpenAI-compatible server because a task changed its provider;
//   - the model itself (pricing, context_window) is inherited only by
//     tasks of the defaults' provider and model name: another model's
//     price would make costs and budgets silently wrong;
//   - everything else (stream, transcript, ...) is inherited by every task
//     whose provider takes the key, so a file whose defaults are for
//     anthropic can still have a replay task without repeating or undoing
//     them.

// modelKeyProviders returns the providers a model key applies to, or nil
// for keys every provider takes.
func modelKeyProviders(key string) []Provider {
	switch key {
	case "base_url", "api_key_env", "stream":
		return []Provider{ProviderAnthropic, ProviderOpenAI, ProviderOllama}
	case "transcript":
		return []Provider{ProviderReplay}
	}
	return nil
}

// applies reports whether model key applies to provider.
func applies(key string, provider Provider) bool {
	ps := modelKeyProviders(key)
	return ps == nil || slices.Contains(ps, provider)
}

// written is where a setting was written, whatever its type.
type written struct {
	set  bool
	key  *yaml.Node
	path string
}

// where returns where o was written.
func where[T any](o opt[T]) written { return written{set: o.set, key: o.key, path: o.path} }

// providerOf returns the provider a model layer chooses, falling back to
// inherited, then to the base's; ok is false when the chosen provider is
// invalid (and already reported).
func (w *walker) providerOf(m modelLayer, inherited opt[string]) (Provider, bool) {
	p := m.provider.or(inherited)
	if p.set && !p.ok {
		return "", false
	}
	return Provider(p.get(string(w.base.provider()))), true
}

// checkProviderKeys reports the provider-specific keys m sets that do not
// apply to provider.
func (w *walker) checkProviderKeys(m modelLayer, provider Provider) {
	for _, k := range []struct {
		name string
		at   written
	}{
		{"base_url", where(m.baseURL)},
		{"api_key_env", where(m.apiKeyEnv)},
		{"stream", where(m.stream)},
		{"transcript", where(m.transcript)},
	} {
		if !k.at.set || applies(k.name, provider) {
			continue
		}
		want := modelKeyProviders(k.name)
		if len(want) == 1 {
			w.errorf(k.at.key, k.at.path, "%q does not apply to provider %q, only to %s; remove it or set provider: %s", k.name, provider, want[0], want[0])
			continue
		}
		names := make([]string, len(want))
		for i, p := range want {
			names[i] = string(p)
		}
		w.errorf(k.at.key, k.at.path, "%q does not apply to provider %q, only to %s and %s; remove it or set one of those providers",
			k.name, provider, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
	}
}

// checkDefaults checks what only the combination of default settings can
// tell.
func (w *walker) checkDefaults(d layer) {
	p, ok := w.providerOf(d.model, opt[string]{})
	if !ok {
		return
	}
	w.checkProviderKeys(d.model, p)
	if d.model.name.set || p == ProviderReplay {
		return
	}
	// Tasks inherit a model's price and window only with its name; without
	// one in defaults, no task ever would.
	for _, k := range []struct {
		name string
		at   written
	}{
		{"pricing", where(d.model.pricing)},
		{"context_window", where(d.model.contextWindow)},
	} {
		if k.at.set {
			w.errorf(k.at.key, k.at.path, "%q describes one model, but defaults.model has no name; set model.name next to it, or set %s on the tasks", k.name, k.name)
		}
	}
}

// mergeModel merges the task's model settings over the defaults key by key
// and checks what only the combination can tell: the keys the provider
// does not take and the keys it needs. known is true when the provider,
// the name and the pricing are all valid, so that checks depending on the
// model (its price) can run without repeating a problem already reported.
func (w *walker) mergeModel(s scope, task, defaults layer) (m Model, known bool) {
	tm, dm := task.model, defaults.model
	provider, providerOK := w.providerOf(tm, dm.provider)
	if !providerOK {
		// Which keys apply is unknown; the provider is already reported.
		provider = w.base.provider()
	}
	defaultsProvider, _ := w.providerOf(dm, opt[string]{})
	// The base (a config file) is below the defaults and only about its
	// own provider's tasks.
	bm := w.base.layer(provider)
	name := tm.name.or(dm.name).or(bm.name)
	sameEndpoint := provider == defaultsProvider
	sameModel := sameEndpoint && (!tm.name.set || (dm.name.set && tm.name.get("") == dm.name.get("")))

	baseURL := inherited("base_url", provider, tm.baseURL, dm.baseURL, sameEndpoint).or(bm.baseURL)
	apiKeyEnv := inherited("api_key_env", provider, tm.apiKeyEnv, dm.apiKeyEnv, sameEndpoint)
	stream := inherited("stream", provider, tm.stream, dm.stream, true)
	transcript := inherited("transcript", provider, tm.transcript, dm.transcript, true)
	pricing := inherited("pricing", provider, tm.pricing, dm.pricing, sameModel)
	window := inherited("context_window", provider, tm.contextWindow, dm.contextWindow, sameModel)

	m = Model{
		Provider:        provider,
		Name:            name.get(""),
		BaseURL:         baseURL.get(""),
		MaxOutputTokens: tm.maxOutputTokens.or(dm.maxOutputTokens).or(bm.maxOutputTokens).get(defaultMaxOutputTokens),
		Transcript:      transcript.get(""),
		ContextWindow:   window.get(0),
	}
	if pricing.set && pricing.ok {
		p := pricing.v
		m.Pricing = &p
	}
	switch provider {
	case ProviderAnthropic:
		m.APIKeyEnv = apiKeyEnv.get(defaultAnthropicKeyEnv)
		m.Stream = stream.get(defaultStream)
	case ProviderOpenAI:
		m.APIKeyEnv = apiKeyEnv.get(defaultOpenAIKeyEnv)
		m.Stream = stream.get(defaultStream)
	case ProviderOllama:
		// Ollama needs no key; a proxy in front of it may.
		m.APIKeyEnv = apiKeyEnv.get("")
		m.BaseURL = baseURL.get(defaultOllamaBaseURL)
		m.Stream = stream.get(defaultStream)
	}
	// When the provider or a model mapping could not be read, what is
	// missing is unknown; guessing would only add noise to the report.
	if !providerOK || tm.broken || dm.broken || defaults.broken {
		return m, false
	}
	w.checkProviderKeys(tm, provider)
	missingAt, missingPath := s.node, s.path
	if tm.node != nil {
		missingAt, missingPath = tm.node, s.path+".model"
	}
	switch {
	case provider != ProviderReplay && !name.set:
		w.errorf(missingAt, missingPath, "missing model name: provider %q needs model.name, on the task or in defaults", provider)
		return m, false
	case provider == ProviderReplay && !transcript.set:
		w.errorf(missingAt, missingPath, "missing model transcript: provider %q needs model.transcript, the recorded session to answer from, on the task or in defaults with provider: replay", provider)
	}
	return m, (!name.set || name.ok) && (!pricing.set || pricing.ok)
}

// inherited returns the task's setting of a model key, else the default's
// when the key applies to the task's provider and related says the
// defaults describe the same endpoint or model, as the key requires.
func inherited[T any](key string, provider Provider, task, defaults opt[T], related bool) opt[T] {
	if task.set || !related || !applies(key, provider) {
		return task
	}
	return defaults
}

// checkBudget reports a cost limit that cannot be measured: max_cost_usd
// with no price for the task's model, which would otherwise pass silently
// as a cost of zero.
func (w *walker) checkBudget(m Model, maxCost opt[float64]) {
	if !maxCost.set || !maxCost.ok {
		return
	}
	if _, ok := m.Price(); ok {
		return
	}
	msg := fmt.Sprintf("max_cost_usd needs a price for %s model %s; add model.pricing", m.Provider, quote(m.Name))
	if m.Name == "" {
		msg = fmt.Sprintf("max_cost_usd needs a price for the %s model; add model.pricing", m.Provider)
	}
	// A limit in defaults is checked once per task; tasks sharing a model
	// share the problem, which is reported once.
	for _, e := range w.errs {
		if e.Msg == msg && e.Field == maxCost.path && e.Line == maxCost.key.Line && e.Col == maxCost.key.Column {
			return
		}
	}
	w.errorf(maxCost.key, maxCost.path, "%s", msg)
}
