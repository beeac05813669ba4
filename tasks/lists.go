package tasks

import "gopkg.in/yaml.v3"

// distinct reads the items of a list, each with read (which reports its
// own problems and returns ok false for an item it refused), and refuses a
// value listed twice with the message dup makes of it and of the line where
// it first stood. It returns the values read, their nodes, and whether
// every item was valid.
func (w *walker) distinct(items []field, read func(field) opt[string], dup func(v string, firstLine int) string) ([]string, []*yaml.Node, bool) {
	valid := true
	first := map[string]*yaml.Node{}
	values := make([]string, 0, len(items))
	nodes := make([]*yaml.Node, 0, len(items))
	for _, item := range items {
		s := read(item)
		if !s.ok {
			valid = false
			continue
		}
		if prev, seen := first[s.v]; seen {
			w.errorf(s.node, item.path, "%s", dup(s.v, prev.Line))
			valid = false
			continue
		}
		first[s.v] = s.node
		values = append(values, s.v)
		nodes = append(nodes, s.node)
	}
	return values, nodes, valid
}
