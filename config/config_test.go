package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		vars      map[string]string
		want      string
		wantNamed bool
	}{
		{"named by the variable", map[string]string{EnvVar: "/etc/sc.toml", "XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/etc/sc.toml", true},
		{"XDG_CONFIG_HOME", map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/x/safe-coder/config.toml", false},
		{"relative XDG_CONFIG_HOME is ignored", map[string]string{"XDG_CONFIG_HOME": "rel", "HOME": "/h"}, "/h/.config/safe-coder/config.toml", false},
		{"HOME", map[string]string{"HOME": "/h"}, "/h/.config/safe-coder/config.toml", false},
		{"nowhere", map[string]string{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, named := Path(env(tt.vars))
			if got != tt.want || named != tt.wantNamed {
				t.Errorf("Path = %q, %v; want %q, %v", got, named, tt.want, tt.wantNamed)
			}
		})
	}
}

func writeConfig(t *testing.T, dir, data string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, "safe-coder", "config.toml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is cut by the umask; the test needs it exact.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	t.Parallel()
	t.Run("missing default file is an empty config", func(t *testing.T) {
		t.Parallel()
		c, err := Load(t.Context(), env(map[string]string{"XDG_CONFIG_HOME": t.TempDir()}))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if c.Path != "" || c.LLM != (LLM{}) || len(c.Warnings) != 0 {
			t.Errorf("Load = %+v; want an empty config", c)
		}
	})
	t.Run("missing named file is an error", func(t *testing.T) {
		t.Parallel()
		missing := filepath.Join(t.TempDir(), "nope.toml")
		_, err := Load(t.Context(), env(map[string]string{EnvVar: missing}))
		if !errors.Is(err, ErrNamedFileMissing) || !strings.Contains(err.Error(), missing) {
			t.Errorf("Load error = %v; want ErrNamedFileMissing naming %s", err, missing)
		}
	})
	t.Run("/dev/null turns it off", func(t *testing.T) {
		t.Parallel()
		c, err := Load(t.Context(), env(map[string]string{EnvVar: os.DevNull}))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if c.LLM != (LLM{}) || len(c.Warnings) != 0 {
			t.Errorf("Load = %+v; want an empty config", c)
		}
	})
	t.Run("reads the XDG file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := writeConfig(t, dir, "[llm]\nmodel = \"m\"\n", 0o644)
		c, err := Load(t.Context(), env(map[string]string{"XDG_CONFIG_HOME": dir}))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if c.Path != path || c.LLM.Model != "m" || len(c.Warnings) != 0 {
			t.Errorf("Load = %+v; want model m from %s and no warning (no key)", c, path)
		}
	})
	t.Run("problems come back as Errors", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeConfig(t, dir, "[llm]\nmodle = \"m\"\n", 0o600)
		_, err := Load(t.Context(), env(map[string]string{"HOME": filepath.Dir(dir), "XDG_CONFIG_HOME": dir}))
		var errs Errors
		if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != 2 {
			t.Errorf("Load error = %v; want one problem on line 2", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		path := writeConfig(t, t.TempDir(), "", 0o600)
		if _, err := LoadFile(ctx, path); !errors.Is(err, context.Canceled) {
			t.Errorf("LoadFile error = %v; want context.Canceled", err)
		}
	})
}

func TestLoadFileWarnsAboutReadableKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		mode os.FileMode
		warn bool
	}{
		{"key, private", "[llm]\napi_key = \"sk-1\"\n", 0o600, false},
		{"key, owner read only", "[llm]\napi_key = \"sk-1\"\n", 0o400, false},
		{"key, group readable", "[llm]\napi_key = \"sk-1\"\n", 0o640, true},
		{"key, world readable", "[llm]\napi_key = \"sk-1\"\n", 0o644, true},
		{"no key, world readable", "[llm]\nmodel = \"m\"\n", 0o644, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeConfig(t, t.TempDir(), tt.data, tt.mode)
			c, err := LoadFile(t.Context(), path)
			if err != nil {
				t.Fatalf("LoadFile: %v", err)
			}
			if got := len(c.Warnings) > 0; got != tt.warn {
				t.Fatalf("warnings = %q; want a warning: %v", c.Warnings, tt.warn)
			}
			for _, w := range c.Warnings {
				if strings.Contains(w, "sk-1") {
					t.Errorf("warning shows the key: %s", w)
				}
				if !strings.Contains(w, path) || !strings.Contains(w, "chmod 600") {
					t.Errorf("warning %q does not name the file and the fix", w)
				}
			}
		})
	}
}
