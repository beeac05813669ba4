package tasks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads the task file at path and parses it with Parse.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read task file: %w", err)
	}
	return Parse(path, data)
}

// Parse parses and validates the task file data read from path. Relative
// replay transcripts resolve against path's directory. When the file is
// not valid the error is an Errors holding every problem, sorted by
// position.
func Parse(path string, data []byte) (*File, error) {
	return parse(path, data, ModelBase{})
}

// parse is Parse over a base model layer (see ParseWith).
func parse(path string, data []byte, base ModelBase) (*File, error) {
	w := &walker{file: path, dir: filepath.Dir(path), base: base}
	root, ok := w.document(data)
	if !ok {
		w.errs.SortByPosition()
		return nil, w.errs
	}
	tasks := w.root(root)
	if len(w.errs) > 0 {
		w.errs.SortByPosition()
		return nil, w.errs
	}
	return &File{Path: path, Version: 1, Tasks: tasks}, nil
}

// document decodes data into its single YAML document and returns the
// document's content. ok is false when there is nothing to walk: a syntax
// error, an empty file or a root that is not a mapping.
func (w *walker) document(data []byte) (root *yaml.Node, ok bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		w.errorf(nil, "", emptyFile)
		return nil, false
	}
	if err != nil {
		w.syntaxError(err)
		return nil, false
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		w.syntaxError(err)
		return nil, false
	default:
		w.errorf(&next, "", "a second YAML document starts here; a task file is one document, so remove the \"---\" and everything after it or merge it into the first")
	}
	if len(doc.Content) != 1 {
		w.errorf(&doc, "", emptyFile)
		return nil, false
	}
	root = w.resolve(doc.Content[0])
	if root == nil {
		return nil, false
	}
	if root.Kind == yaml.ScalarNode && root.Tag == tagNull && root.Value == "" {
		w.errorf(root, "", emptyFile)
		return nil, false
	}
	return root, true
}

// emptyFile is the message for a file without content.
const emptyFile = "the file is empty; it needs \"version: 1\" and a list of tasks under \"tasks:\""

// yamlLine finds the line yaml.v3 puts in most of its syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlParserProblems are the messages of yaml.v3's parser (as opposed to its
// scanner). yaml.v3 prints the parser's 0-based line as if it were 1-based
// (and prints no line for line 0), so these need one added.
func yamlParserProblems() []string {
	return []string{
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected '-' indicator",
		"did not find expected <document start>",
		"did not find expected <stream-start>",
		"did not find expected key",
		"did not find expected node content",
		"found duplicate %TAG directive",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found undefined tag handle",
	}
}

// syntaxError records a YAML syntax error. yaml.v3 never gives a column,
// so the column is 1.
func (w *walker) syntaxError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			line = n
		}
		msg = strings.TrimPrefix(err.Error(), m[0])
	}
	if slices.Contains(yamlParserProblems(), msg) {
		line++
	}
	w.errs = append(w.errs, &Error{File: w.file, Line: max(line, 1), Col: 1, Msg: msg})
}

// root walks the top-level mapping and returns the tasks.
func (w *walker) root(n *yaml.Node) []Task {
	if n.Kind != yaml.MappingNode {
		w.errorf(n, "", "expected a mapping with \"version: 1\" and \"tasks:\" at the top level, got %s", describe(n))
		return nil
	}
	fs, _, ok := w.mapping(n, "", rootKeys())
	if !ok {
		return nil
	}
	if f, ok := fs["version"]; ok {
		v := w.integer(f)
		if v.ok && v.v != 1 {
			w.errorf(v.node, f.path, "unsupported version %d; this version of safe-coder reads version 1", v.v)
		}
	} else {
		w.errorf(n, "", "missing required key \"version\"; add version: 1")
	}
	var defaults layer
	if f, ok := fs["defaults"]; ok {
		dfs, _, ok := w.mapping(f.value, f.path, defaultsKeys())
		if ok {
			defaults = w.layer(dfs)
			w.checkDefaults(defaults)
		} else {
			defaults.broken = true
		}
	}
	f, ok := fs["tasks"]
	if !ok {
		w.errorf(n, "", "missing required key \"tasks\"; list at least one task")
		return nil
	}
	items, node, ok := w.seq(f)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		w.errorf(node, f.path, "must list at least one task")
		return nil
	}
	seen := map[string]*yaml.Node{}
	tasks := make([]Task, 0, len(items))
	for _, item := range items {
		if w.stopped {
			return nil
		}
		if t, ok := w.task(item, defaults, seen); ok {
			tasks = append(tasks, t)
		}
	}
	w.checkPassedKeys()
	return tasks
}
