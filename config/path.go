package config

import "path/filepath"

// EnvVar names the variable that points at the config file, for CI jobs
// and tests that must not read the user's own. /dev/null turns the file
// off.
const EnvVar = "SAFE_CODER_CONFIG"

// Path returns where the config file is: $SAFE_CODER_CONFIG, else
// $XDG_CONFIG_HOME/safe-coder/config.toml, else
// $HOME/.config/safe-coder/config.toml. named is true when the path came
// from $SAFE_CODER_CONFIG. path is "" when no variable says where a home
// is. getenv is os.Getenv in the command, a map in tests.
func Path(getenv func(string) string) (path string, named bool) {
	if p := getenv(EnvVar); p != "" {
		return p, true
	}
	// The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be
	// ignored.
	if dir := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "safe-coder", "config.toml"), false
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "safe-coder", "config.toml"), false
	}
	return "", false
}
