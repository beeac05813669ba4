package tasks

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// frontKeys are the keys a command file's front matter may hold.
var frontKeys = []string{"description", "args", "approval", "tools"}

// yaml.v3's wording of a front matter key or value of the wrong kind.
var (
	yamlUnknownField = regexp.MustCompile(`^line (\d+): field (.+) not found in type `)
	yamlWrongType    = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+) (?:`(.*)` )?into (.+)$")
)

// frontMatterError words a decoding error of a command file's front matter
// as "yaml: line N: …", the line counted from the first line after the
// opening ---: an unknown key names the closest known one, a value of the
// wrong kind says what kind is expected, without Go's type names.
func frontMatterError(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Sprintf("%v (known keys: %s)", err, strings.Join(frontKeys, ", "))
	}
	problems := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		switch {
		case yamlUnknownField.MatchString(e):
			m := yamlUnknownField.FindStringSubmatch(e)
			p := fmt.Sprintf("yaml: line %s: unknown key %q", m[1], m[2])
			if s, ok := suggest(m[2], frontKeys); ok {
				p += fmt.Sprintf("; did you mean %q?", s)
			} else {
				p += " (known keys: " + strings.Join(frontKeys, ", ") + ")"
			}
			problems = append(problems, p)
		case yamlWrongType.MatchString(e):
			m := yamlWrongType.FindStringSubmatch(e)
			want := "a string"
			if strings.HasPrefix(m[4], "[]") {
				want = "a list of strings, such as [a, b]"
			}
			problems = append(problems, fmt.Sprintf("yaml: line %s: expected %s; got %s", m[1], want, yamlKind(m[2])))
		default:
			problems = append(problems, "yaml: "+e)
		}
	}
	return strings.Join(problems, "; ")
}

// yamlKind names a YAML tag in words.
func yamlKind(tag string) string {
	switch tag {
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "str":
		return "a string"
	case "int", "float":
		return "a number"
	case "bool":
		return "a boolean"
	}
	return tag
}
