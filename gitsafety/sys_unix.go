//go:build unix

package gitsafety

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// processAlive reports whether pid names a running process. EPERM means it
// exists but belongs to someone else, which still counts as alive.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// guardDir takes an exclusive flock on dir until the returned function is
// called. The kernel drops it if the process dies, so it can never go stale.
func guardDir(dir string) (func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("lock %s: %w", dir, err), f.Close())
	}
	// Closing the descriptor releases the flock.
	return func() { _ = f.Close() }, nil
}

// openNoFollow makes opening a path that was swapped for a symlink fail
// instead of reading whatever the link points at.
const openNoFollow = syscall.O_NOFOLLOW
