package prompt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// DefaultInstructionFiles are looked for at the repository root, in this
// order, when the task file names none: the first one found is used. They
// are the names the interactive assistants read, so a project's existing
// instructions apply unchanged.
func DefaultInstructionFiles() []string {
	return []string{"AGENTS.md", "SAFE_CODER.md", "CLAUDE.md", "GEMINI.md", "QWEN.md"}
}

// MaxInstructionBytes caps one instruction file.
const MaxInstructionBytes = 32 << 10

// Instruction is one instruction file, read.
type Instruction struct {
	Path      string // repository-relative
	Content   string
	Truncated bool
	// Bytes is the file's size as read, before the cap.
	Bytes int
}

// Source reads repository files: the work tree (an os.Root), or the base
// commit when instructions come from there (instructions_from: base).
type Source interface {
	// ReadFile returns the content of the repository-relative path, or an
	// error wrapping fs.ErrNotExist.
	ReadFile(rel string) ([]byte, error)
}

// RootSource reads the work tree through an os.Root: symlinks are
// followed only through Resolve (nil refuses every symlink), never into
// .git, and only to files Readable allows (nil: every file); FIFOs and
// devices are refused and reads are capped, so a file a pull request
// planted can neither hang the run nor flood its memory.
type RootSource struct {
	Root *os.Root
	// Resolve follows the symlinks of a repository-relative path inside
	// the repository, as the tools do (tools.Toolbox.Resolve).
	Resolve func(rel string) (string, error)
	// Readable is the policy's CanRead.
	Readable func(rel string) bool
}

// ReadFile reads at most the cap of rel, refusing .git.
func (s RootSource) ReadFile(rel string) ([]byte, error) {
	data, _, err := s.ReadSized(rel)
	return data, err
}

// ReadSized reads at most ReadCap bytes of rel, and its size.
func (s RootSource) ReadSized(rel string) ([]byte, int, error) {
	return confined{root: s.Root, resolve: s.Resolve, readable: s.Readable}.readSized(rel)
}

// LoadInstructions reads the instruction files: the given ones (each must
// exist, else an error naming it), or the first found of
// DefaultInstructionFiles. Each is capped at MaxInstructionBytes.
func LoadInstructions(src Source, files []string) ([]Instruction, error) {
	explicit := files != nil
	if !explicit {
		files = DefaultInstructionFiles()
	}
	var out []Instruction
	for _, f := range files {
		rel := path.Clean(strings.TrimPrefix(f, "./"))
		data, size, err := readSource(src, rel)
		switch {
		case errors.Is(err, fs.ErrNotExist) && !explicit:
			continue
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("instruction file %s is not in the repository: %w", rel, fs.ErrNotExist)
		case err != nil:
			return nil, fmt.Errorf("instruction file %s: %w", rel, err)
		}
		out = append(out, capInstruction(rel, data, size))
		if !explicit {
			break
		}
	}
	return out, nil
}

func capInstruction(rel string, data []byte, size int) Instruction {
	in := Instruction{Path: rel, Content: string(data), Bytes: size}
	if len(data) > MaxInstructionBytes || size > len(data) {
		in.Content = validPrefix(string(data), MaxInstructionBytes)
		in.Truncated = true
	}
	return in
}

// SystemSection renders instructions for the system prompt, each under its
// path, so the model knows where a rule comes from.
func SystemSection(ins []Instruction) string {
	return instructionsSection("\nThe project's instructions follow. Follow them unless the task says otherwise.\n", ins)
}

// instructionsSection renders ins after intro, each under its path and
// with a notice where it was cut; "" when there are none.
func instructionsSection(intro string, ins []Instruction) string {
	if len(ins) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(intro)
	for _, in := range ins {
		fmt.Fprintf(&b, "\n<instructions path=%q>\n%s", in.Path, in.Content)
		if !strings.HasSuffix(in.Content, "\n") {
			b.WriteString("\n")
		}
		if in.Truncated {
			fmt.Fprintf(&b, "[… %s is longer than %d bytes; the rest was left out …]\n", in.Path, MaxInstructionBytes)
		}
		b.WriteString("</instructions>\n")
	}
	return b.String()
}

// NestedInstructions finds the AGENTS.md of the directories on the way to
// rel (its parents below the root, nearest last), for a task whose agent
// works there: a subproject's rules join when the agent reaches it.
// Known lists the paths already given to the model, which are skipped.
func NestedInstructions(src Source, rel string, known map[string]bool) []Instruction {
	var out []Instruction
	dir := path.Dir(path.Clean(rel))
	var dirs []string
	for dir != "." && dir != "/" && dir != "" {
		dirs = append([]string{dir}, dirs...)
		dir = path.Dir(dir)
	}
	for _, d := range dirs {
		p := d + "/AGENTS.md"
		if known[p] || insideGit(p) {
			continue
		}
		data, size, err := readSource(src, p)
		if err != nil {
			continue
		}
		known[p] = true
		out = append(out, capInstruction(p, data, size))
	}
	return out
}

func insideGit(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if strings.EqualFold(strings.TrimRight(seg, ". "), ".git") {
			return true
		}
	}
	return false
}

// RootFiles reads and lists the work tree through an os.Root, for @path,
// with RootSource's rules; Readable is the policy's CanRead (nil: every
// file) and Resolve follows symlinks inside the repository (nil refuses
// them).
type RootFiles struct {
	Root     *os.Root
	Readable func(rel string) bool
	Resolve  func(rel string) (string, error)
}

func (f RootFiles) confined() confined {
	return confined{root: f.Root, resolve: f.Resolve, readable: f.Readable}
}

// ReadFile reads at most the cap of rel, refusing .git.
func (f RootFiles) ReadFile(rel string) ([]byte, error) {
	data, _, err := f.ReadSized(rel)
	return data, err
}

// ReadSized reads at most ReadCap bytes of rel, and its size.
func (f RootFiles) ReadSized(rel string) ([]byte, int, error) {
	return f.confined().readSized(rel)
}

// ReadDir lists rel: names, directories with a trailing "/"; .git is left out.
func (f RootFiles) ReadDir(rel string) ([]string, error) {
	entries, err := f.confined().readDir(rel)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if insideGit(e.Name()) {
			continue
		}
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		names = append(names, name)
	}
	return names, nil
}

func (f RootFiles) refusal(rel string) string { return f.confined().refusal(rel) }

// CanRead applies the policy.
func (f RootFiles) CanRead(rel string) bool { return f.Readable == nil || f.Readable(rel) }
