package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v3"
)

// initOptions are the flags of `safe-coder init`.
type initOptions struct {
	dir    string
	github bool
}

func initCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:        "init",
		Description: initExamples,
		Usage:       "write a commented starter tasks.yaml (and, with --github, a workflow); never overwrites a file",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "the directory to write in, normally the repository's root", Value: "."},
			&cli.BoolFlag{Name: "github", Usage: "also write .github/workflows/safe-coder.yml, a workflow that runs the task file with the safe-coder action"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() > 0 {
				return usageErrorf("init takes no arguments; the directory is --dir DIR")
			}
			return initFiles(ctx, s, initOptions{dir: cmd.String("dir"), github: cmd.Bool("github")})
		},
	}
}

// starterFile is one file init writes.
type starterFile struct {
	rel  string // relative to --dir, slash-separated
	data string
}

// initFiles checks every target before writing any, so init either
// writes all its files or none.
func initFiles(ctx context.Context, s Streams, opts initOptions) error {
	info, err := os.Stat(opts.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usageErrorf("--dir %s does not exist; create it first", opts.dir)
	case err != nil:
		return exitWith(exitFailure, fmt.Errorf("check --dir: %w", err))
	case !info.IsDir():
		return usageErrorf("--dir %s is not a directory", opts.dir)
	}
	files := []starterFile{{rel: "tasks.yaml", data: starterTasks}}
	if opts.github {
		files = append(files, starterFile{rel: ".github/workflows/safe-coder.yml", data: starterWorkflow})
	}
	var taken []string
	for _, f := range files {
		target := filepath.Join(opts.dir, filepath.FromSlash(f.rel))
		// Lstat: a symlink, even a dangling one, is a file someone put
		// there.
		if _, err := os.Lstat(target); err == nil {
			taken = append(taken, target)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return exitWith(exitFailure, fmt.Errorf("check %s: %w", target, err))
		}
		if link := symlinkedParent(opts.dir, f.rel); link != "" {
			return usageErrorf("%s is a symbolic link; init writes only inside --dir %s and never through a link (nothing was written)", link, opts.dir)
		}
	}
	if len(taken) > 0 {
		return usageErrorf("%s already exist(s); init never overwrites a file: remove or move it, then run init again (nothing was written)", strings.Join(taken, ", "))
	}
	var written []string
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			removeAll(written)
			return exitWith(exitFailure, context.Cause(ctx))
		}
		target := filepath.Join(opts.dir, filepath.FromSlash(f.rel))
		if err := writeNew(target, []byte(f.data)); err != nil {
			removeAll(written)
			if errors.Is(err, fs.ErrExist) {
				return usageErrorf("%s appeared while init was writing; remove or move it, then run init again (nothing was written)", target)
			}
			return exitWith(exitFailure, fmt.Errorf("write %s: %w (nothing was written)", target, err))
		}
		written = append(written, target)
	}
	for _, w := range written {
		fmt.Fprintf(s.Out, "wrote %s\n", w)
	}
	tasksFile := written[0]
	// An uncommitted task file would be snapshotted onto the first run
	// branch and vanish from the checkout once the user switches back.
	fmt.Fprintf(s.Out, "next: edit the prompt, commit the file (uncommitted changes are snapshotted onto the run branch), then\n  safe-coder validate %s\n  safe-coder run %s\n", tasksFile, tasksFile)
	if opts.github {
		fmt.Fprintf(s.Out, "for the workflow: add the ANTHROPIC_API_KEY repository secret, pin the action to a release's commit SHA, commit both files\n")
	}
	return nil
}

// symlinkedParent returns the first existing directory on the way from dir
// to rel (a .github that links elsewhere, say) that is a symbolic link, or
// "": writing through it would put the file outside dir.
func symlinkedParent(dir, rel string) string {
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		p := filepath.Join(dir, filepath.FromSlash(strings.Join(parts[:i], "/")))
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return p
		}
	}
	return ""
}

// writeNew writes data to path, which must not exist, atomically: a temp
// file in the same directory, synced, then linked into place. A link,
// unlike a rename, fails when path exists, so a file that appears after
// the check is never overwritten either.
func writeNew(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Link(tmp.Name(), path)
}

// removeAll removes files init wrote before it failed; a directory it
// made stays, empty, which does no harm.
func removeAll(paths []string) {
	for _, p := range paths {
		os.Remove(p)
	}
}
