//go:build linux

package tools

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Leftovers are found by the call's marker in /proc/<pid>/environ, which
// holds the environment a process was started with: it survives setsid,
// nohup, double forks and exec, and only a process that execs with an
// environment wiped of the marker loses it.
//
// The runner does not become a child subreaper (PR_SET_CHILD_SUBREAPER).
// This package cannot know that it owns the process — tests run Main and
// the toolbox in-process next to other tests' children — and a subreaper
// must reap every orphan it adopts with wait(-1), which would steal exit
// statuses from os/exec's own Wait. The marker already finds every
// process that keeps its environment, whoever its parent is.

const (
	// killRounds bounds how often the hunt rescans for processes that
	// were forked while it signalled their parents.
	killRounds = 8
	// killWait is how long the hunt waits for processes to die of
	// SIGKILL before it looks again.
	killWait = 500 * time.Millisecond
)

// killMarked sends SIGTERM (and SIGCONT) to every process of this user
// whose environment marks it with callID (see markerVar), except those in
// process group skipPgid (0 skips none), then SIGKILL to those still alive
// at deadline, rescanning each round for processes forked in the meantime.
// It returns how many distinct processes it signalled. It is best effort
// and never fails: a process it cannot read or signal is not ours to kill.
// A process that forks faster than killRounds rounds can kill may be left.
//
// It takes no context: it runs after a call has ended, cancelled or not,
// and must finish; the deadline and killRounds bound it.
func killMarked(callID string, skipPgid int, deadline time.Time) int {
	want := []byte(callID)
	signalled := make(map[int]bool)
	for round := range killRounds {
		sig := unix.SIGTERM
		// Past the grace, or when every SIGTERM only brings a new
		// process (one that respawns itself on SIGTERM), SIGKILL.
		if !time.Now().Before(deadline) || round >= killRounds/2 {
			sig = unix.SIGKILL
		}
		procs := openMarked(want, skipPgid)
		if len(procs) == 0 {
			break
		}
		for _, p := range procs {
			if p.signal(sig) == nil {
				signalled[p.pid] = true
			}
			if sig == unix.SIGTERM {
				// A stopped process would only see the SIGTERM when
				// continued, after the grace: continue it now.
				_ = p.signal(unix.SIGCONT)
			}
		}
		until := deadline
		if sig == unix.SIGKILL {
			until = time.Now().Add(killWait)
		}
		waitExited(procs, until)
		for _, p := range procs {
			p.close()
		}
	}
	return len(signalled)
}

// markedProc is a process that carries the marker, held by a pidfd so that
// the signals reach it and not a later process that reused its pid. fd is
// -1 on kernels without pidfd_open (before 5.3), where signals go by pid.
type markedProc struct {
	pid int
	fd  int
}

func (p markedProc) signal(sig unix.Signal) error {
	if p.fd < 0 {
		return unix.Kill(p.pid, sig)
	}
	return unix.PidfdSendSignal(p.fd, sig, nil, 0)
}

func (p markedProc) close() {
	if p.fd >= 0 {
		_ = unix.Close(p.fd)
	}
}

// openMarked returns the live processes of this user, other than the
// runner itself, whose environment marks them with the call ID want,
// skipping process group skipPgid.
func openMarked(want []byte, skipPgid int) []markedProc {
	dir, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil && len(names) == 0 {
		return nil
	}
	self, uid := os.Getpid(), uint32(os.Geteuid())
	var procs []markedProc
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid == self {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat("/proc/"+name, &st) != nil || st.Uid != uid {
			continue
		}
		if !hasMarker(pid, want) {
			continue
		}
		if pgid, err := unix.Getpgid(pid); err != nil || (skipPgid != 0 && pgid == skipPgid) {
			continue
		}
		fd, err := unix.PidfdOpen(pid, 0)
		switch {
		case errors.Is(err, unix.ENOSYS):
			fd = -1
		case err != nil:
			continue // gone already
		case !hasMarker(pid, want):
			// The pid was reused between the read and the open: the fd
			// holds a stranger. Read again now that the fd pins the pid.
			_ = unix.Close(fd)
			continue
		}
		procs = append(procs, markedProc{pid: pid, fd: fd})
	}
	return procs
}

// hasMarker reports whether the environment process pid started with
// marks it with the call ID want: markerVar holds want among its
// comma-separated IDs.
//
// A process in the middle of execve has its old memory torn down before
// the new one is there, and its environment reads as empty for a moment:
// a leftover that execs (nohup execs setsid execs sh) while the hunt looks
// would be missed. So an empty read is tried again, a few times, unless
// the process is a zombie or a kernel thread, whose environment is always
// empty; a process that really has none costs a few milliseconds.
func hasMarker(pid int, want []byte) bool {
	path := "/proc/" + strconv.Itoa(pid) + "/environ"
	for range emptyReads {
		env, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		if len(env) > 0 {
			for entry := range bytes.SplitSeq(env, []byte{0}) {
				ids, ok := bytes.CutPrefix(entry, []byte(markerVar+"="))
				if !ok {
					continue
				}
				for id := range bytes.SplitSeq(ids, []byte{','}) {
					if bytes.Equal(id, want) {
						return true
					}
				}
			}
			return false
		}
		if !running(pid) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// emptyReads is how often hasMarker reads an empty environment before it
// believes it.
const emptyReads = 5

// pfKthread is the kernel's PF_KTHREAD flag in /proc/<pid>/stat.
const pfKthread = 0x00200000

// running reports whether pid is a live user process: not gone, not a
// zombie, not a kernel thread.
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state and then the other fields follow the parenthesised
	// command name, which may itself hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return false
	}
	fields := bytes.Fields(stat[i+1:])
	if len(fields) < 7 || fields[0][0] == 'Z' || fields[0][0] == 'X' {
		return false
	}
	flags, err := strconv.ParseUint(string(fields[6]), 10, 64)
	return err == nil && flags&pfKthread == 0
}

// waitExited waits until every process in procs has exited (a zombie
// counts: it is dead and only waits for its parent) or until passes.
func waitExited(procs []markedProc, until time.Time) {
	fds := make([]unix.PollFd, 0, len(procs))
	for _, p := range procs {
		if p.fd >= 0 {
			fds = append(fds, unix.PollFd{Fd: int32(p.fd), Events: unix.POLLIN})
		}
	}
	if len(fds) < len(procs) {
		// Without pidfds there is nothing to poll: look by pid.
		for time.Now().Before(until) && anyAlive(procs) {
			time.Sleep(10 * time.Millisecond)
		}
		return
	}
	for len(fds) > 0 {
		left := time.Until(until)
		if left <= 0 {
			return
		}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n == 0 {
			return
		}
		// A pidfd is readable once its process has exited.
		live := fds[:0]
		for _, f := range fds {
			if f.Revents == 0 {
				live = append(live, f)
			}
		}
		fds = live
	}
}

// anyAlive reports whether a process in procs still runs, by pid.
func anyAlive(procs []markedProc) bool {
	for _, p := range procs {
		if running(p.pid) {
			return true
		}
	}
	return false
}
