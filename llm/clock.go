package llm

import (
	"context"
	"time"
)

// Clock is the time source of the retry loop: it reads the time to compare
// a wait with the context's deadline, and it does the waiting between
// attempts. Tests pass a fake that records the waits instead of sleeping.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d, or until ctx ends, whichever comes first. It
	// returns ctx.Err() when ctx ended first and nil otherwise.
	Sleep(ctx context.Context, d time.Duration) error
}

// realClock is the Clock used when the options leave it nil.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
