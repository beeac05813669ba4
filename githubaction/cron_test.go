package githubaction

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/robfig/cron/v3"
)

func cronExample(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(repoRoot(t), "examples", "cron", name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("examples/cron/%s: %v", name, err)
	}
	return path
}

// crontab is a parsed crontab: its variable settings and its job lines.
type crontab struct {
	vars map[string]string
	jobs []cronJob
}

type cronJob struct {
	schedule string
	command  string
}

var cronVar = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$`)

func parseCrontab(t *testing.T, data []byte) crontab {
	t.Helper()
	ct := crontab{vars: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if m := cronVar.FindStringSubmatch(line); m != nil {
			ct.vars[m[1]] = m[2]
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 6 {
			t.Fatalf("crontab line %d: %q has no five schedule fields and a command", n, line)
		}
		schedule := strings.Join(fields[:5], " ")
		// The command is the rest of the line, spacing kept.
		rest := line
		for range 5 {
			rest = strings.TrimLeft(rest, " \t")
			rest = rest[strings.IndexAny(rest, " \t"):]
		}
		ct.jobs = append(ct.jobs, cronJob{schedule: schedule, command: strings.TrimSpace(rest)})
	}
	return ct
}

// TestCrontab checks the crontab example's schedule, then runs its command
// line with sh, as cron does, on a quickstart checkout: one line of output,
// the keys read from the 0600 file.
func TestCrontab(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(cronExample(t, "safe-coder.cron"))
	if err != nil {
		t.Fatal(err)
	}
	ct := parseCrontab(t, data)
	if len(ct.jobs) != 1 {
		t.Fatalf("crontab has %d job lines, want 1", len(ct.jobs))
	}
	job := ct.jobs[0]
	if _, err := cron.ParseStandard(job.schedule); err != nil {
		t.Errorf("schedule %q: %v", job.schedule, err)
	}
	if !strings.Contains(job.command, "exec safe-coder run tasks.yaml --quiet") {
		t.Errorf("command %q does not exec `safe-coder run tasks.yaml --quiet`", job.command)
	}
	if regexp.MustCompile(`(?i)(api_key|token)\s*=`).Match(data) {
		t.Error("the crontab sets a key or token; they belong in the 0600 file")
	}
	if ct.vars["SHELL"] != "/bin/sh" {
		t.Errorf("SHELL = %q, want /bin/sh, the shell the command is written for", ct.vars["SHELL"])
	}

	// Run the line on a quickstart checkout at $HOME/src/project, with a
	// safe-coder built from this tree first in PATH.
	home := t.TempDir()
	bin := filepath.Join(home, "bin")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(bin, "safe-coder"), "./cmd/safe-coder")
	build.Dir = repoRoot(t)
	build.Env = baseEnv()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	project := filepath.Join(home, "src", "project")
	if err := os.MkdirAll(project, 0o755); err != nil {
		t.Fatal(err)
	}
	ws := checkoutWorkspace(t, false)
	if err := os.CopyFS(project, os.DirFS(ws)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tasks.yaml", "transcript.jsonl"} {
		if err := os.Rename(filepath.Join(project, ".safe-coder", name), filepath.Join(project, name)); err != nil {
			t.Fatal(err)
		}
	}
	git(t, project, "add", "-A")
	git(t, project, "commit", "-q", "-m", "tasks at the root")
	envFile := filepath.Join(home, ".config", "safe-coder", "env")
	if err := os.MkdirAll(filepath.Dir(envFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(envFile, []byte("ANTHROPIC_API_KEY=sk-ant-from-env-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(t.Context(), ct.vars["SHELL"], "-c", job.command)
	cmd.Dir = home
	// The quickstart's checks run go: wherever it is installed here, it
	// joins the crontab's PATH as the comment there tells users to do.
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	path := bin + ":" + filepath.Dir(goBin) + ":" + ct.vars["PATH"]
	cmd.Env = setEnv(setEnv(baseEnv(), "HOME", home), "PATH", path)
	// The Go caches stay where they are: a fresh HOME would rebuild the
	// standard library for the checks.
	for _, name := range []string{"GOCACHE", "GOMODCACHE"} {
		out, err := exec.CommandContext(t.Context(), goBin, "env", name).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", name, err)
		}
		cmd.Env = setEnv(cmd.Env, name, strings.TrimSpace(string(out)))
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("cron command: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	line := regexp.MustCompile(`^safe-coder: run \S+ succeeded \(exit 0\)[^\n]*\n$`)
	if !line.MatchString(stdout.String()) || stderr.Len() != 0 {
		t.Errorf("cron would mail stdout %q, stderr %q; want the one-line outcome only", stdout.String(), stderr.String())
	}
}

// unitFile is a parsed systemd unit: section → key → values, in order.
type unitFile map[string]map[string][]string

func parseUnit(t *testing.T, path string) unitFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := unitFile{}
	section := ""
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok || section == "" || strings.HasSuffix(line, `\`) {
				t.Fatalf("%s:%d: %q is no key=value line of a section", filepath.Base(path), n+1, line)
			}
			key = strings.TrimSpace(key)
			u[section][key] = append(u[section][key], strings.TrimSpace(value))
		}
	}
	return u
}

func (u unitFile) get(section, key string) string {
	vs := u[section][key]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// TestSystemdUnits checks the service and timer: the keys the README
// promises, then `systemd-analyze verify` when systemd is installed.
func TestSystemdUnits(t *testing.T) {
	t.Parallel()
	servicePath := cronExample(t, "safe-coder.service")
	timerPath := cronExample(t, "safe-coder.timer")
	service := parseUnit(t, servicePath)
	timer := parseUnit(t, timerPath)

	tests := []struct {
		unit    unitFile
		section string
		key     string
		want    *regexp.Regexp
	}{
		{service, "Service", "Type", regexp.MustCompile(`^oneshot$`)},
		{service, "Service", "ExecStart", regexp.MustCompile(`^/usr/local/bin/safe-coder run tasks\.yaml --quiet$`)},
		{service, "Service", "WorkingDirectory", regexp.MustCompile(`^/`)},
		{service, "Service", "EnvironmentFile", regexp.MustCompile(`^/etc/`)},
		{service, "Service", "User", regexp.MustCompile(`^\S+$`)},
		{service, "Service", "Nice", regexp.MustCompile(`^1?[0-9]$`)},
		{service, "Service", "IOSchedulingClass", regexp.MustCompile(`^(idle|best-effort)$`)},
		// safe-coder needs a few seconds after SIGTERM to commit the
		// step and write the report before exiting 143.
		{service, "Service", "KillSignal", regexp.MustCompile(`^SIGTERM$`)},
		{service, "Service", "TimeoutStopSec", regexp.MustCompile(`^([2-9][0-9]|[1-9][0-9]{2,})s$|^[1-9][0-9]*min$`)},
		{service, "Service", "NoNewPrivileges", regexp.MustCompile(`^yes$`)},
		{timer, "Timer", "OnCalendar", regexp.MustCompile(`\S`)},
		{timer, "Timer", "Persistent", regexp.MustCompile(`^true$`)},
		{timer, "Install", "WantedBy", regexp.MustCompile(`^timers\.target$`)},
	}
	for _, tt := range tests {
		if got := tt.unit.get(tt.section, tt.key); !tt.want.MatchString(got) {
			t.Errorf("[%s] %s = %q, want it to match %s", tt.section, tt.key, got, tt.want)
		}
	}
	for key := range service["Service"] {
		if strings.Contains(strings.ToUpper(service.get("Service", key)), "API_KEY=") {
			t.Errorf("[Service] %s sets a key in the unit; it belongs in EnvironmentFile", key)
		}
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the units were checked by the parser alone")
	}
	// verify wants ExecStart to exist; safe-coder is not installed here,
	// so a copy of the unit runs `true` instead.
	trueBin, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, p := range []string{servicePath, timerPath} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.ReplaceAll(string(data), "/usr/local/bin/safe-coder", trueBin))
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), analyze, "verify", "--man=no",
		filepath.Join(dir, "safe-coder.service"), filepath.Join(dir, "safe-coder.timer"))
	// Unknown keys and bad values are warnings on the output, not an
	// exit code: any output is a failure.
	if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	cal := exec.CommandContext(t.Context(), analyze, "calendar", timer.get("Timer", "OnCalendar"))
	if out, err := cal.CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze calendar %q: %v\n%s", timer.get("Timer", "OnCalendar"), err, out)
	}
}
