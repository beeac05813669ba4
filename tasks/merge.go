package tasks

// Provider-specific model keys. Defaults and tasks are each checked against
// their own provider, and a task inherits a provider-specific key from the
// defaults only when it applies to the task's provider: a file whose
// defaults are for anthropic (with api_key_env) can still have a replay
// task without repeating or undoing those keys.

// modelKeyProvider returns the provider a model key is specific to, or ""
// for keys every provider takes.
func modelKeyProvider(key string) Provider {
	switch key {
	case "base_url", "api_key_env":
		return ProviderAnthropic
	case "transcript":
		return ProviderReplay
	}
	return ""
}

// providerOf returns the provider a model layer chooses, falling back to
// inherited; ok is false when the chosen provider is invalid (and already
// reported).
func providerOf(m modelLayer, inherited opt[string]) (Provider, bool) {
	p := m.provider.or(inherited)
	if p.set && !p.ok {
		return "", false
	}
	return Provider(p.get(string(defaultProvider))), true
}

// checkProviderKeys reports the provider-specific keys m sets that do not
// apply to provider.
func (w *walker) checkProviderKeys(m modelLayer, provider Provider) {
	for _, k := range []struct {
		name string
		o    opt[string]
	}{
		{"base_url", m.baseURL},
		{"api_key_env", m.apiKeyEnv},
		{"transcript", m.transcript},
	} {
		if !k.o.set {
			continue
		}
		if want := modelKeyProvider(k.name); want != provider {
			w.errorf(k.o.key, k.o.path, "%q does not apply to provider %q, only to %s; remove it or set provider: %s", k.name, provider, want, want)
		}
	}
}

// checkDefaults checks what only the combination of default settings can
// tell.
func (w *walker) checkDefaults(d layer) {
	if p, ok := providerOf(d.model, opt[string]{}); ok {
		w.checkProviderKeys(d.model, p)
	}
}

// mergeModel merges the task's model settings over the defaults key by key
// and checks what only the combination can tell: the keys the provider
// does not take and the keys it needs.
func (w *walker) mergeModel(s scope, task, defaults layer) Model {
	tm, dm := task.model, defaults.model
	provider, providerOK := providerOf(tm, dm.provider)
	if !providerOK {
		// Which keys apply is unknown; the provider is already reported.
		provider = defaultProvider
	}
	// inherit picks the task's setting, else the default's when key
	// applies to the task's provider.
	inherit := func(key string, t, d opt[string]) opt[string] {
		if t.set {
			return t
		}
		if p := modelKeyProvider(key); p != "" && p != provider {
			return opt[string]{}
		}
		return d
	}
	name := tm.name.or(dm.name)
	transcript := inherit("transcript", tm.transcript, dm.transcript)
	m := Model{
		Provider:        provider,
		Name:            name.get(""),
		BaseURL:         inherit("base_url", tm.baseURL, dm.baseURL).get(""),
		MaxOutputTokens: tm.maxOutputTokens.or(dm.maxOutputTokens).get(defaultMaxOutputTokens),
		Transcript:      transcript.get(""),
	}
	if provider == ProviderAnthropic {
		m.APIKeyEnv = inherit("api_key_env", tm.apiKeyEnv, dm.apiKeyEnv).get(defaultAPIKeyEnv)
	}
	// When the provider or a model mapping could not be read, what is
	// missing is unknown; guessing would only add noise to the report.
	if !providerOK || tm.broken || dm.broken || defaults.broken {
		return m
	}
	w.checkProviderKeys(tm, provider)
	missingAt, missingPath := s.node, s.path
	if tm.node != nil {
		missingAt, missingPath = tm.node, s.path+".model"
	}
	switch {
	case provider == ProviderAnthropic && !name.set:
		w.errorf(missingAt, missingPath, "missing model name: provider %q needs model.name, on the task or in defaults", provider)
	case provider == ProviderReplay && !transcript.set:
		w.errorf(missingAt, missingPath, "missing model transcript: provider %q needs model.transcript, the recorded session to answer from, on the task or in defaults with provider: replay", provider)
	}
	return m
}
