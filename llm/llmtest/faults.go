package llmtest

import (
	"cmp"
	"fmt"
	"net"
	"net/http"
)

// FaultKind names a failure the fake acts out on one HTTP attempt.
type FaultKind string

// The faults. The cut and reset faults render the next scripted answer (the
// next turn with a Response) and send only part of it, so a client that
// wrongly accepts a partial answer returns something visibly incomplete and
// leaves that answer's turn unserved. A fault never consumes that answer:
// it is still served, whole, to a later attempt.
const (
	// FaultHTML answers with a proxy's HTML error page with status
	// Fault.Status (502 when 0), as a gateway in front of the API does.
	FaultHTML FaultKind = "html"
	// FaultReset resets the connection before any byte of the answer.
	FaultReset FaultKind = "reset"
	// FaultResetBody sends the 200 headers and part of the next answer,
	// then resets the connection: after Fault.Events events of a stream,
	// or half of a JSON body (which declared its full Content-Length).
	FaultResetBody FaultKind = "reset_body"
	// FaultCut sends part of the next answer and ends the response
	// cleanly: a stream without its last events (Fault.Events events are
	// sent), or half of a JSON body, chunked, so the client sees a
	// complete 200 whose body does not parse.
	FaultCut FaultKind = "cut"
)

// Fault is a scripted failure of one HTTP attempt; see the FaultKind
// constants.
type Fault struct {
	Kind FaultKind
	// Status is the HTTP status of FaultHTML (400 to 599); 0 means 502.
	Status int
	// Events is, for FaultResetBody and FaultCut on a streamed answer, how
	// many complete events are sent before the reset or the end. 0 means
	// half of them (rounded down, at least one) for FaultResetBody, and
	// for FaultCut all but the last event the answer needs: message_stop
	// of an Anthropic stream, the usage chunk (and data: [DONE] after it)
	// of an OpenAI stream, whose clients may take a clean end after the
	// usage chunk as the end of the answer. It must be less than the
	// number of events of the answer.
	Events int
}

func (f *Fault) validate() error {
	switch f.Kind {
	case FaultHTML:
		if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
			return fmt.Errorf("html fault: status %d is not an HTTP error status (400-599)", f.Status)
		}
		if f.Events != 0 {
			return fmt.Errorf("html fault: events applies to %s and %s only", FaultResetBody, FaultCut)
		}
	case FaultReset:
		if f.Status != 0 || f.Events != 0 {
			return fmt.Errorf("reset fault: takes neither status nor events")
		}
	case FaultResetBody, FaultCut:
		if f.Status != 0 {
			return fmt.Errorf("%s fault: status applies to %s only", f.Kind, FaultHTML)
		}
		if f.Events < 0 {
			return fmt.Errorf("%s fault: events is %d, must not be negative", f.Kind, f.Events)
		}
	default:
		return fmt.Errorf("unknown fault kind %q (want %s, %s, %s or %s)", f.Kind, FaultHTML, FaultReset, FaultResetBody, FaultCut)
	}
	return nil
}

// partial reports whether the fault renders part of the next answer.
func (f *Fault) partial() bool { return f.Kind == FaultResetBody || f.Kind == FaultCut }

// serveFault acts out turn.Fault on one attempt. idx is the turn's index.
func (s *Server) serveFault(w http.ResponseWriter, f wireFormat, req scriptedRequest, reqID string, turn Turn, idx int) {
	fault := turn.Fault
	switch fault.Kind {
	case FaultHTML:
		status := cmp.Or(fault.Status, http.StatusBadGateway)
		h := w.Header()
		h.Set("content-type", "text/html; charset=utf-8")
		for k, v := range turn.Header {
			h.Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = w.Write(htmlPage(status))
		return
	case FaultReset:
		s.resetConnection(w, idx)
		return
	}

	out := f.render(s.turns[s.partialOf[idx]].Response, req, s.newID)
	if out.events != nil {
		n := fault.Events
		if n == 0 {
			n = max(len(out.events)/2, 1)
			if fault.Kind == FaultCut {
				n = out.whole - 1
			}
		}
		if n >= len(out.events) {
			s.addProblem("turn %d: %s fault after %d events, but the answer has only %d", idx+1, fault.Kind, n, len(out.events))
			n = len(out.events) - 1
		}
		writeHead(w, f, reqID, turn.Header, out, -1)
		writeEvents(w, out.events[:n])
	} else {
		length := -1
		if fault.Kind == FaultResetBody {
			// The declared length makes the reset a short body, which
			// a client cannot mistake for a complete one.
			length = len(out.body)
		}
		writeHead(w, f, reqID, turn.Header, out, length)
		_, _ = w.Write(out.body[:len(out.body)/2])
		_ = http.NewResponseController(w).Flush()
	}
	if fault.Kind == FaultResetBody {
		s.resetConnection(w, idx)
	}
}

// resetConnection takes the connection from the HTTP server, flushing what
// was written, and closes it with a TCP reset.
func (s *Server) resetConnection(w http.ResponseWriter, idx int) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.addProblem("turn %d: reset the connection: %v", idx+1, err)
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		// Linger 0 makes Close send RST instead of FIN: a reset, not an
		// orderly end.
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// htmlPage is the error page of an nginx gateway.
func htmlPage(status int) []byte {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	return fmt.Appendf(nil, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", title, title)
}
