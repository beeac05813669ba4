package tools

import (
	"fmt"
	"strings"
)

// capBuffer keeps the first and the last bytes written to it and counts
// what falls in between, so a command printing a gigabyte, or one enormous
// line, costs a fixed amount of memory while the model still sees how the
// output began and how it ended.
type capBuffer struct {
	head    []byte
	headMax int
	// tail is a ring of tailMax bytes; next is where the next byte goes
	// once it is full.
	tail    []byte
	tailMax int
	next    int
	total   int64
}

func newCapBuffer(limit int) *capBuffer {
	return &capBuffer{headMax: limit / 2, tailMax: limit - limit/2}
}

// Write never fails: what does not fit is counted and dropped.
func (c *capBuffer) Write(p []byte) (int, error) {
	n := len(p)
	c.total += int64(n)
	if room := c.headMax - len(c.head); room > 0 {
		k := min(room, len(p))
		c.head = append(c.head, p[:k]...)
		p = p[k:]
	}
	if c.tailMax == 0 || len(p) == 0 {
		return n, nil
	}
	if len(p) >= c.tailMax {
		// Only the last tailMax bytes can survive.
		c.tail = append(c.tail[:0], p[len(p)-c.tailMax:]...)
		c.next = 0
		return n, nil
	}
	if room := c.tailMax - len(c.tail); room > 0 {
		k := min(room, len(p))
		c.tail = append(c.tail, p[:k]...)
		p = p[k:]
	}
	for len(p) > 0 {
		k := copy(c.tail[c.next:], p)
		p = p[k:]
		c.next = (c.next + k) % c.tailMax
	}
	return n, nil
}

// dropped is how many bytes were written but not kept.
func (c *capBuffer) dropped() int64 {
	return c.total - int64(len(c.head)) - int64(len(c.tail))
}

// String returns the kept output, with a marker where bytes were dropped,
// made valid UTF-8 so it survives JSON encoding intact (a cut can also
// split a multi-byte character).
func (c *capBuffer) String() string {
	var b strings.Builder
	b.Write(c.head)
	if d := c.dropped(); d > 0 {
		if len(c.head) > 0 && c.head[len(c.head)-1] != '\n' {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "[… %d bytes omitted …]\n", d)
	}
	if len(c.tail) == c.tailMax {
		b.Write(c.tail[c.next:])
		b.Write(c.tail[:c.next])
	} else {
		b.Write(c.tail)
	}
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}
