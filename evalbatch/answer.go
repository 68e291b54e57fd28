package evalbatch

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/keyhound/keyhound/graph/eval"
)

// worker answers lines; it is used by one goroutine at a time, which reuses
// its evaluator and decision for every line.
type worker struct {
	parser  *eval.Parser
	maxLine int
	ev      eval.Evaluator
	d       eval.Decision
}

// answerChunk writes one output line for each of c's lines to c.out.
func (w *worker) answerChunk(c *chunk) {
	for i, l := range c.lines {
		line := c.data[l.start:l.end]
		switch {
		case l.tooLong:
			c.out = appendError(c.out, c.first+i, &eval.InputError{Err: fmt.Errorf("line longer than %d bytes", w.maxLine)})
			c.errors++
		case isBlank(line):
			c.out = append(c.out, '\n')
			c.blank++
		default:
			var err error
			c.out, err = w.answer(c.out, line)
			if err != nil {
				c.out = appendError(c.out, c.first+i, err)
				c.errors++
			} else {
				c.answered++
			}
		}
	}
}

// answer appends the decision on one request, as `keyhound eval --json`
// prints it but on one line, and a newline.
func (w *worker) answer(dst, line []byte) ([]byte, error) {
	req, err := w.parser.Parse(line)
	if err != nil {
		return dst, err
	}
	w.ev.Evaluate(req, &w.d)
	dst = appendDecision(dst, &w.d)
	return append(dst, '\n'), nil
}

// errorLine is the output line of a request that could not be answered.
type errorLine struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
	// Path is the JSON path of the offending field, as eval.InputError gives it.
	Path string `json:"path,omitempty"`
}

// appendError appends the error object of line n and a newline.
func appendError(dst []byte, n int, err error) []byte {
	e := errorLine{Line: n, Error: err.Error()}
	var ie *eval.InputError
	if errors.As(err, &ie) {
		e.Error, e.Path = ie.Err.Error(), ie.Path
	}
	b, mErr := json.Marshal(e)
	if mErr != nil { // a struct of an int and strings always marshals
		b = []byte(`{"line":` + strconv.Itoa(n) + `,"error":"unprintable error"}`)
	}
	dst = append(dst, b...)
	return append(dst, '\n')
}
