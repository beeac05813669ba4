package gitsafety

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// Reflogs are written the way git's files backend writes them, so that
// `git reflog`, `@{1}` and `git switch -` (which reads "checkout: moving
// from <old> to <new>" in HEAD's log) see a run as they would see git's own
// commands:
//
//   - one line per update, "<old> <new> <name> <<email>> <unix> <tz>\t<msg>\n",
//     appended to logs/<ref> (logs/HEAD in the work tree's git directory,
//     branch logs in the common directory);
//   - appended while the ref's lock is held, after its new value is written
//     into the lock and before the rename, as git does; an update through
//     HEAD (a commit, a reset) also holds HEAD.lock and is logged on HEAD too;
//   - a log is created for HEAD and refs/heads|remotes|notes/ when
//     core.logAllRefUpdates is true, or unset in a non-bare repository; for
//     every ref with "always"; never with false. A log that already exists is
//     appended to whatever the setting, as git does. So refs/safe-coder/
//     backup refs get no log unless the setting is "always".
//
// A log is history, not state: an append that fails (disk full, a
// directory in the way) does not undo or fail the ref update it describes,
// which has been decided and is about to be (or was) renamed into place.
// (The other way round, a rename that fails after the append leaves an
// entry for an update that did not happen, as with git; old and new are
// both objects that exist, so git fsck accepts it.)
// A partial line is cut off again, so the log stays parseable, and the
// entry is missing. Logs are not fsynced, like git's (core.fsync leaves
// them out by default).

// logRefsMode is core.logAllRefUpdates.
type logRefsMode int

const (
	logRefsNone   logRefsMode = iota // false: only logs that exist are appended to
	logRefsNormal                    // true, or unset in a non-bare repository
	logRefsAlways                    // "always": every ref gets a log
)

// reflog writes the log entries of one operation's ref updates.
type reflog struct {
	mode logRefsMode
	who  Signature // git logs the committer; ours is the commits' signature
	now  func() time.Time
}

// newReflog reads core.logAllRefUpdates for an operation whose entries
// are signed by who at the times now gives.
func (r *Repo) newReflog(who Signature, now func() time.Time) (*reflog, error) {
	cfg, err := r.loadConfig()
	if err != nil {
		return nil, err
	}
	return &reflog{mode: cfg.logAllRefUpdates(), who: who, now: now}, nil
}

// defaultReflog signs with the identity gitsafety commits under when the
// operation has no author of its own (Rollback, Return).
func (r *Repo) defaultReflog() (*reflog, error) {
	return r.newReflog(defaultSignature, time.Now)
}

// defaultSignature signs commits and log entries when no author is given.
var defaultSignature = Signature{Name: "safe-coder", Email: "safe-coder@localhost"}

// logAllRefUpdates parses core.logAllRefUpdates as git does.
func (c *gitConfig) logAllRefUpdates() logRefsMode {
	v, ok := c.core("logallrefupdates")
	if !ok {
		if bare, ok := c.core("bare"); ok && configBool(bare) {
			return logRefsNone
		}
		return logRefsNormal
	}
	if strings.EqualFold(strings.TrimSpace(v), "always") {
		return logRefsAlways
	}
	if configBool(v) {
		return logRefsNormal
	}
	return logRefsNone
}

// creates says whether an update of name creates its log when missing:
// git's should_autocreate_reflog.
func (l *reflog) creates(name plumbing.ReferenceName) bool {
	switch l.mode {
	case logRefsAlways:
		return true
	case logRefsNormal:
		s := string(name)
		return name == plumbing.HEAD || strings.HasPrefix(s, "refs/heads/") ||
			strings.HasPrefix(s, "refs/remotes/") || strings.HasPrefix(s, "refs/notes/")
	}
	return false
}

// logPath is the reflog file of name.
func (r *Repo) logPath(name plumbing.ReferenceName) string {
	if name == plumbing.HEAD {
		return filepath.Join(r.gitDir, "logs", "HEAD")
	}
	return filepath.Join(r.commonDir, "logs", filepath.FromSlash(string(name)))
}

// append adds one entry to name's log. The caller holds name's lock. A
// nil reflog writes nothing. See the top of this file for why a failure
// is the caller's to ignore.
func (l *reflog) append(r *Repo, name plumbing.ReferenceName, old, newHash plumbing.Hash, msg string) (err error) {
	if l == nil {
		return nil
	}
	path := r.logPath(name)
	flags := os.O_WRONLY | os.O_APPEND
	if l.creates(name) {
		flags |= os.O_CREATE
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			return fmt.Errorf("create the reflog of %s: %w", name, err)
		}
	}
	// 0o666 like git: the umask decides.
	f, err := os.OpenFile(path, flags, 0o666)
	if errors.Is(err, fs.ErrNotExist) && !l.creates(name) {
		return nil // no log and none to create: git skips it too
	}
	if err != nil {
		return fmt.Errorf("open the reflog of %s: %w", name, err)
	}
	defer func() {
		if closeErr := f.Close(); err == nil && closeErr != nil {
			err = fmt.Errorf("close the reflog of %s: %w", name, closeErr)
		}
	}()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("append to the reflog of %s: %w", name, err)
	}
	if _, err := f.WriteString(l.entry(old, newHash, msg)); err != nil {
		// Cut a partial line off: git would misread the next entry.
		return errors.Join(fmt.Errorf("append to the reflog of %s: %w", name, err), f.Truncate(size))
	}
	return nil
}

// entry formats one reflog line.
func (l *reflog) entry(old, newHash plumbing.Hash, msg string) string {
	when := l.now()
	line := fmt.Sprintf("%s %s %s <%s> %d %s", old, newHash, l.who.Name, l.who.Email, when.Unix(), when.Format("-0700"))
	if msg = reflogMessage(msg); msg != "" {
		line += "\t" + msg
	}
	return line + "\n"
}

// reflogMessage normalizes msg as git's copy_reflog_msg does: leading
// white space dropped, every run of white space (line breaks included)
// made one space, trailing white space trimmed. Other control characters
// become spaces too: they have no place in a one-line log.
func reflogMessage(msg string) string {
	var b strings.Builder
	wasSpace := true
	for _, c := range msg {
		isSpace := c < ' ' || c == ' ' || c == 0x7f
		if isSpace {
			if wasSpace {
				continue
			}
			c = ' '
		}
		wasSpace = isSpace
		b.WriteRune(c)
	}
	return strings.TrimRight(b.String(), " ")
}

// commitLogMessage is the log message of a commit with message, as `git
// commit` writes it: "commit: <subject>" (the first line).
func commitLogMessage(message string) string {
	subject, _, _ := strings.Cut(message, "\n")
	return "commit: " + subject
}

// checkoutLogMessage is the HEAD log message of a switch from old to the
// branch or commit named to. `git switch -` and `git checkout -` find the
// previous branch by this exact text.
func checkoutLogMessage(old *plumbing.Reference, to string) string {
	return "checkout: moving from " + headLogName(old) + " to " + to
}

// headLogName names what HEAD pointed at, as git's checkout does: the
// short branch name, or the full SHA when detached.
func headLogName(ref *plumbing.Reference) string {
	if ref.Type() == plumbing.SymbolicReference {
		return strings.TrimPrefix(string(ref.Target()), "refs/heads/")
	}
	return ref.Hash().String()
}

// removeLog deletes name's log, as git does with the ref's; the caller
// holds name's lock.
func (r *Repo) removeLog(name plumbing.ReferenceName) error {
	if err := os.Remove(r.logPath(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete the reflog of %s: %w", name, err)
	}
	return nil
}
