package gitsafety

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/config"
)

// gitConfig is the user's git configuration in git's order of precedence,
// highest first: the repository's config, ~/.gitconfig, the XDG config, the
// system config. GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM and GIT_CONFIG_NOSYSTEM
// are honoured like git does. Include directives are not followed.
type gitConfig struct {
	files []*config.Config
	home  string
}

func (r *Repo) loadConfig() (*gitConfig, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		home = ""
	}
	paths := []string{filepath.Join(r.commonDir, "config")}
	if global, ok := os.LookupEnv("GIT_CONFIG_GLOBAL"); ok {
		paths = append(paths, expandHome(global, home))
	} else if home != "" {
		paths = append(paths, filepath.Join(home, ".gitconfig"), filepath.Join(xdgConfigHome(home), "git", "config"))
	}
	if !envTrue(os.Getenv("GIT_CONFIG_NOSYSTEM")) {
		system := "/etc/gitconfig"
		if v, ok := os.LookupEnv("GIT_CONFIG_SYSTEM"); ok {
			system = v
		}
		paths = append(paths, system)
	}
	c := &gitConfig{home: home}
	for _, p := range paths {
		if p == "" {
			continue
		}
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read git config %s: %w", p, err)
		}
		raw := config.New()
		err = config.NewDecoder(f).Decode(raw)
		if closeErr := f.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			return nil, fmt.Errorf("parse git config %s: %w", p, err)
		}
		c.files = append(c.files, raw)
	}
	return c, nil
}

// core returns core.<key> from the file of highest precedence that sets it.
func (c *gitConfig) core(key string) (string, bool) {
	for _, f := range c.files {
		// Later sections of one file win, as later lines do.
		for i := len(f.Sections) - 1; i >= 0; i-- {
			s := f.Sections[i]
			if s.IsName("core") && s.Options.Has(key) {
				return s.Options.Get(key), true
			}
		}
	}
	return "", false
}

// trustExecutableBit is core.fileMode: when false, the executable bit in
// the work tree means nothing and tracked files keep their recorded mode.
func (c *gitConfig) trustExecutableBit() bool {
	v, ok := c.core("filemode")
	if !ok {
		return true
	}
	return configBool(v)
}

// userFile returns the path named by core.<key>, or git's default for it
// under $XDG_CONFIG_HOME/git (e.g. "ignore" for core.excludesFile).
func (c *gitConfig) userFile(key, xdgDefault, root string) string {
	if v, ok := c.core(key); ok {
		if v == "" {
			return ""
		}
		p := expandHome(v, c.home)
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		return p
	}
	if c.home == "" && os.Getenv("XDG_CONFIG_HOME") == "" {
		return ""
	}
	return filepath.Join(xdgConfigHome(c.home), "git", xdgDefault)
}

func xdgConfigHome(home string) string {
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		return x
	}
	return filepath.Join(home, ".config")
}

func expandHome(p, home string) string {
	if home == "" {
		return p
	}
	if p == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return p
}

// configBool parses a boolean config value; a key without a value is true.
func configBool(v string) bool {
	if v == "" {
		return true
	}
	return envTrue(v)
}

// envTrue parses a boolean environment variable as git does.
func envTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on", "1":
		return true
	}
	return false
}
