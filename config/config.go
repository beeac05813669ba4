package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/safe-coder/safe-coder/tasks"
)

// Config is what the config file says.
type Config struct {
	// Path is the file read; "" when there was none.
	Path string
	LLM  LLM
	// Warnings are things the user should fix that do not stop a run,
	// such as a file holding a key that others may read.
	Warnings []string
}

// LLM is the [llm] section. Zero values are settings the file leaves out.
type LLM struct {
	Provider tasks.Provider
	Model    string
	// MaxTokens is the model's max_output_tokens.
	MaxTokens int
	BaseURL   string
	// APIKey is a secret: never print it. String and GoString leave it
	// out.
	APIKey string
}

// String describes the section without the key.
func (l LLM) String() string {
	key := "unset"
	if l.APIKey != "" {
		key = "set"
	}
	return fmt.Sprintf("{provider %q, model %q, max_tokens %d, base_url set %v, api_key %s}", l.Provider, l.Model, l.MaxTokens, l.BaseURL != "", key)
}

// GoString is String, for %#v.
func (l LLM) GoString() string { return "config.LLM" + l.String() }

// Base returns the config as the task file's lowest-priority model layer.
func (c *Config) Base() tasks.ModelBase {
	return tasks.ModelBase{
		Provider:        c.LLM.Provider,
		Name:            c.LLM.Model,
		MaxOutputTokens: c.LLM.MaxTokens,
		BaseURL:         c.LLM.BaseURL,
		APIKey:          c.LLM.APIKey,
		Source:          c.Path,
	}
}

// Load reads the config file Path finds with getenv. A missing file at
// the default location is an empty Config; a missing file named by
// $SAFE_CODER_CONFIG is an error wrapping ErrNamedFileMissing.
func Load(ctx context.Context, getenv func(string) string) (*Config, error) {
	path, named := Path(getenv)
	if path == "" {
		return &Config{}, nil
	}
	c, err := LoadFile(ctx, path)
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, fs.ErrNotExist) && named:
		return nil, fmt.Errorf("%s=%s: %w; create it, or set %s=/dev/null to run without a config file", EnvVar, path, ErrNamedFileMissing, EnvVar)
	case errors.Is(err, fs.ErrNotExist):
		return &Config{}, nil
	}
	return nil, err
}

// LoadFile reads and parses the config file at path, and warns when it
// holds a key that other users may read.
func LoadFile(ctx context.Context, path string) (*Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if c.LLM.APIKey == "" {
		return c, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("stat config file: %w", err)
	}
	if perm := info.Mode().Perm(); info.Mode().IsRegular() && perm&0o077 != 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s holds an api_key and others may read it (mode %04o); run chmod 600 %s, or better, move the key to an environment variable", path, perm, path))
	}
	return c, nil
}
