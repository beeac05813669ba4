package prompt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/safe-coder/safe-coder/internal/safefile"
)

// ReadCap bounds how much of one repository file a SizedSource reads for a
// prompt: the most any cap shows, plus a rune, so a huge file (or one that
// never ends) costs no more memory than a small one.
const ReadCap = max(MaxFileBytes, MaxInstructionBytes) + utf8.UTFMax

// errNotRegular refuses FIFOs, devices and sockets: reading one could
// block the run forever or never end.
var errNotRegular = errors.New("not a regular file (a FIFO, device or socket is never read)")

// SizedSource is a Source that reads at most ReadCap bytes and says how
// large the file really is, for the notices of what was left out; a
// Source that is not one is read whole.
type SizedSource interface {
	Source
	// ReadSized returns at most ReadCap bytes of rel and its full size.
	ReadSized(rel string) (data []byte, size int, err error)
}

// readSource reads rel from src: capped, with the file's full size, when
// src is a confined work-tree reader; whole otherwise.
func readSource(src Source, rel string) ([]byte, int, error) {
	if s, ok := src.(SizedSource); ok {
		return s.ReadSized(rel)
	}
	data, err := src.ReadFile(rel)
	return data, len(data), err
}

// confined is what RootSource and RootFiles share: the os.Root, how a
// path's symlinks are followed, and the policy's read check.
type confined struct {
	root     *os.Root
	resolve  func(string) (string, error)
	readable func(string) bool
}

// locate returns the repository path rel really names: symlinks inside the
// repository followed (through resolve, or refused when there is none), and
// refused when it leads into .git or to a file the policy does not let the
// model read, so a symlink cannot bring in what its target's name would not.
func (c confined) locate(rel string) (string, error) {
	target := path.Clean(rel)
	if insideGit(target) {
		return "", fmt.Errorf("inside .git, which is never read: %w", fs.ErrPermission)
	}
	if c.resolve != nil {
		r, err := c.resolve(rel)
		if err != nil {
			// The resolver's reason names the path and the symlink.
			return "", fmt.Errorf("%v: %w", err, fs.ErrPermission)
		}
		target = r
	} else if err := noSymlinks(c.root, target); err != nil {
		return "", err
	}
	if insideGit(target) {
		return "", fmt.Errorf("it leads into .git (%s), which is never read: %w", target, fs.ErrPermission)
	}
	if c.readable != nil && (!c.readable(target) || !c.readable(path.Clean(rel))) {
		return "", fmt.Errorf("the policy does not let the model read this file (a secret-looking file or a read_file deny rule): %w", fs.ErrPermission)
	}
	return target, nil
}

// noSymlinks refuses rel when any of its components is a symbolic link:
// without a resolver nothing proves where one leads.
func noSymlinks(root *os.Root, rel string) error {
	if rel == "." {
		return nil
	}
	parts := strings.Split(rel, "/")
	for i := range parts {
		cur := path.Join(parts[:i+1]...)
		fi, err := root.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // the read itself reports the missing file
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link, and nothing here proves where it leads: %w", cur, fs.ErrPermission)
		}
	}
	return nil
}

// readSized reads at most ReadCap bytes of the regular file rel, and its
// size. The file is opened non-blocking and checked on the descriptor, so
// a FIFO or device swapped in after the check on its name is still refused.
func (c confined) readSized(rel string) ([]byte, int, error) {
	target, err := c.locate(rel)
	if err != nil {
		return nil, 0, err
	}
	data, n, err := safefile.Read(c.root, target, ReadCap)
	if errors.Is(err, safefile.ErrNotRegular) {
		return nil, 0, errNotRegular
	}
	if errors.Is(err, safefile.ErrSymlink) {
		// The target was resolved a moment ago and is a link now:
		// something swapped it in; what it leads to was never checked.
		return nil, 0, fmt.Errorf("%s changed while it was read (%w): %w", target, safefile.ErrSymlink, fs.ErrPermission)
	}
	if err != nil {
		return nil, 0, err
	}
	size := max(int(n), len(data))
	if len(data) < size {
		data = dropPartialRune(data)
	}
	return data, size, nil
}

// refusal is why rel cannot be read, where the symlinks it goes through
// lead; "" when they lead to a readable place.
func (c confined) refusal(rel string) string {
	if _, err := c.locate(rel); err != nil {
		return strings.TrimSuffix(err.Error(), ": "+fs.ErrPermission.Error())
	}
	return ""
}

// readDir lists the directory rel; a FIFO is refused without blocking.
func (c confined) readDir(rel string) ([]fs.DirEntry, error) {
	target, err := c.locate(rel)
	if err != nil {
		return nil, err
	}
	dir, err := c.root.OpenFile(target, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	fi, err := dir.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, errors.New("not a directory")
	}
	return dir.ReadDir(-1)
}

// dropPartialRune drops a rune cut by the read cap, so a capped text file
// is not mistaken for a binary one.
func dropPartialRune(data []byte) []byte {
	for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
		if utf8.RuneStart(data[i]) {
			if !utf8.FullRune(data[i:]) {
				return data[:i]
			}
			break
		}
	}
	return data
}
