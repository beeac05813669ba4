package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// run parses the flags, generates every file under the repository root and
// returns the exit code.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", ".", "the repository's root directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := generateAll(ctx, *root); err != nil {
		fmt.Fprintf(stderr, "gen: %v\n", err)
		return 1
	}
	return 0
}

// generateAll regenerates every output under root.
func generateAll(ctx context.Context, root string) error {
	outs, err := outputs(root)
	if err != nil {
		return err
	}
	for _, o := range outs {
		if err := writeAtomic(ctx, filepath.Join(root, o.path), o.data); err != nil {
			return err
		}
	}
	return nil
}

// output is one generated file: its path relative to the repository root
// and its content.
type output struct {
	path string
	data []byte
}

// Paths of the generated files, relative to the repository root.
const (
	schemaPath   = "schema/tasks.schema.json"
	taskDocPath  = "docs/task-file.md"
	reportsPath  = "docs/reports.md"
	reportSchema = "report/schema.json"
	toolDocPath  = "docs/tools.md"
)

// outputs renders every generated file from the inputs under root.
func outputs(root string) ([]output, error) {
	schema, err := taskSchema()
	if err != nil {
		return nil, err
	}
	rs, err := os.ReadFile(filepath.Join(root, reportSchema))
	if err != nil {
		return nil, fmt.Errorf("read report schema: %w", err)
	}
	page, err := os.ReadFile(filepath.Join(root, reportsPath))
	if err != nil {
		return nil, fmt.Errorf("read reports page: %w", err)
	}
	reports, err := spliceReportFields(page, rs)
	if err != nil {
		return nil, err
	}
	toolPage, err := toolDoc()
	if err != nil {
		return nil, err
	}
	return []output{
		{schemaPath, schema},
		{toolDocPath, toolPage},
		{taskDocPath, taskDoc()},
		{reportsPath, reports},
	}, nil
}

// writeAtomic replaces path with data so that readers see the old file or
// the new one, never a part.
func writeAtomic(ctx context.Context, path string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	return nil
}
