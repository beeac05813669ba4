package config

import "strings"

// position is where a key is written, 1-based.
type position struct{ line, col int }

// positions maps every key and table header of a TOML document, as a
// dotted path joined by keySep, to where it is written. The TOML decoder
// keeps key positions to itself, so they are found again here; the scan
// knows just enough TOML to find keys: table headers, dotted and quoted
// keys, and multi-line strings, whose lines are skipped.
type positions map[string]position

// keySep joins key path pieces; it cannot occur in a key that is found.
const keySep = "\x00"

func scanPositions(text string) positions {
	pos := positions{}
	var table []string
	inMultiline := "" // the delimiter of the multi-line string being skipped
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimRight(raw, "\r")
		if inMultiline != "" {
			if strings.Count(line, inMultiline)%2 == 1 {
				inMultiline = ""
			}
			continue
		}
		trimmed := strings.TrimLeft(line, " \t")
		col := len(line) - len(trimmed) + 1
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			continue
		case strings.HasPrefix(trimmed, "["):
			header := strings.TrimPrefix(strings.TrimPrefix(trimmed, "["), "[")
			end := strings.Index(header, "]")
			if end < 0 {
				continue
			}
			table = splitKey(header[:end])
			pos.add(table, position{i + 1, col})
			continue
		}
		eq := keyEnd(trimmed)
		if eq < 0 {
			continue
		}
		key := append(append([]string{}, table...), splitKey(trimmed[:eq])...)
		pos.add(key, position{i + 1, col})
		value := trimmed[eq+1:]
		for _, delim := range []string{`"""`, `'''`} {
			if strings.Count(value, delim)%2 == 1 {
				inMultiline = delim
				break
			}
		}
	}
	return pos
}

// add records the first place a key is written: a repeated key is a
// syntax error the decoder reports itself.
func (p positions) add(key []string, at position) {
	k := strings.Join(key, keySep)
	if _, ok := p[k]; !ok {
		p[k] = at
	}
}

// of returns where key is written, else where its nearest written parent
// is (a key of an inline table), else the start of the file.
func (p positions) of(key []string) position {
	for n := len(key); n > 0; n-- {
		if at, ok := p[strings.Join(key[:n], keySep)]; ok {
			return at
		}
	}
	return position{1, 1}
}

// keyEnd returns the index of the "=" that ends the key at the start of
// s, or -1 when s does not start with a key.
func keyEnd(s string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '=':
			return i
		}
	}
	return -1
}

// splitKey splits a dotted key into its pieces, unquoting quoted ones.
func splitKey(s string) []string {
	var out []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' && i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			} else if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '.':
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		case c == ' ' || c == '\t':
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, strings.TrimSpace(cur.String()))
}
