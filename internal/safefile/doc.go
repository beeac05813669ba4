// Package safefile reads one file of a tree the agent or a task's author
// controls (the repository's instruction files, @path references, custom
// command files) without trusting what the name stands for.
//
// Invariants: a read never leaves its os.Root; the file is opened
// non-blocking and checked on the descriptor, so a FIFO, device or socket
// (one swapped in after a check on its name too) is refused instead of
// waited on; and no more than the caller's limit is ever read, so a huge
// file, or one that never ends, costs no more memory than a small one.
package safefile
