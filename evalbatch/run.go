// Package evalbatch evaluates a stream of requests: one request document
// (docs/eval.md) per input line, one answer per output line, in input order
// (`keyhound eval --jsonl`). It reads and writes streams, so it lives outside
// graph, which does no I/O; parsing and evaluating stay graph/eval's.
//
// The pipeline: the caller's goroutine reads lines into chunks; a
// conc/stream pool of workers answers each chunk (parse, evaluate, encode)
// into bytes; the stream's callbacks write the chunks' bytes in input order.
// Memory is bounded: a chunk holds at most chunkBytes of input (or one long
// line), and at most workers + 3 chunks are in memory: the one being read,
// and those the stream holds (up to workers + 1 queued, waiting for a
// worker, being answered or answered, and the one its writer waits for).
package evalbatch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/sourcegraph/conc/stream"

	"github.com/keyhound/keyhound/graph/eval"
)

// Limits and defaults.
const (
	// DefaultMaxLine is the longest line read: a line holds a whole request
	// with its policies inline, and AWS's own limits (a 32 KB key policy,
	// ten managed policies of 6 KB, …) keep real requests far below it. A
	// longer line gets an error object and the stream goes on.
	DefaultMaxLine = 16 << 20
	// DefaultCacheBytes bounds the parse cache by the length of the policy
	// texts it holds (see eval.NewParser): thousands of distinct policies.
	// Their parsed forms take about ten times their text (measured on key
	// policies with conditions), so the cache stays under 100 MiB.
	DefaultCacheBytes = 8 << 20
	// chunkBytes and chunkLines close a chunk of input lines; a chunk also
	// closes when reading on would wait for input, so that an interactive
	// caller (one request, then read its answer) gets each answer at once.
	chunkBytes = 256 << 10
	chunkLines = 256
	readBuffer = 256 << 10
)

// Options tune Run. The zero value uses the defaults.
type Options struct {
	// Workers is the number of goroutines answering requests; 0 means
	// GOMAXPROCS.
	Workers int
	// MaxLine is the longest line accepted, in bytes; 0 means DefaultMaxLine.
	MaxLine int
	// CacheBytes bounds the parse cache; 0 means DefaultCacheBytes.
	CacheBytes int
}

// Summary counts the lines of a run.
type Summary struct {
	// Lines is the number of input lines, blank lines included.
	Lines int
	// Answered lines got a decision; Errors lines an error object; Blank
	// lines (empty or white space only) a blank line.
	Answered, Errors, Blank int
}

// Run answers every line of in on out, in order, and returns the counts. A
// line that is not a valid request gets an error object on its output line
// and does not stop the run. The error is a failure to read in or write
// out, or ctx's; the lines answered before it have been written.
func Run(ctx context.Context, in io.Reader, out io.Writer, o Options) (Summary, error) {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxLine <= 0 {
		o.MaxLine = DefaultMaxLine
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = DefaultCacheBytes
	}
	parser := eval.NewParser(o.CacheBytes)
	workers := make(chan *worker, o.Workers)
	for range o.Workers {
		workers <- &worker{parser: parser, maxLine: o.MaxLine}
	}
	r := &reader{br: bufio.NewReaderSize(in, readBuffer), maxLine: o.MaxLine, line: 1}
	var (
		sum      Summary
		writeErr error       // set by callbacks, read after s.Wait
		failed   atomic.Bool // whether writeErr is set, for the reading loop
	)
	s := stream.New().WithMaxGoroutines(o.Workers)
	var readErr error
	for readErr == nil && !failed.Load() {
		if err := ctx.Err(); err != nil {
			readErr = err
			break
		}
		c := getChunk()
		readErr = r.fill(c)
		if len(c.lines) == 0 {
			putChunk(c)
			break
		}
		s.Go(func() stream.Callback {
			w := <-workers
			w.answerChunk(c)
			workers <- w
			return func() {
				// Callbacks run one at a time, in order: no lock needed.
				if writeErr == nil {
					if _, writeErr = out.Write(c.out); writeErr != nil {
						failed.Store(true)
					}
				}
				sum.Lines += len(c.lines)
				sum.Answered += c.answered
				sum.Errors += c.errors
				sum.Blank += c.blank
				putChunk(c)
			}
		})
	}
	s.Wait()
	if errors.Is(readErr, io.EOF) {
		readErr = nil
	}
	if writeErr != nil {
		return sum, fmt.Errorf("write answers: %w", writeErr)
	}
	if readErr != nil {
		return sum, fmt.Errorf("read requests: %w", readErr)
	}
	return sum, nil
}

// chunk is a run of consecutive input lines and, once answered, their output.
type chunk struct {
	first int      // line number of lines[0], from 1
	data  []byte   // the lines' bytes, back to back
	lines []lineAt // where each line is in data
	out   []byte

	answered, errors, blank int
}

// lineAt locates a line in its chunk's data; tooLong marks a line over the
// limit, whose bytes were dropped.
type lineAt struct {
	start, end int
	tooLong    bool
}

var chunkPool = sync.Pool{New: func() any { return new(chunk) }}

func getChunk() *chunk { return chunkPool.Get().(*chunk) }

func putChunk(c *chunk) {
	if cap(c.data) > 4*chunkBytes || cap(c.out) > 16*chunkBytes {
		return // a chunk that held a huge line: let it go
	}
	*c = chunk{data: c.data[:0], lines: c.lines[:0], out: c.out[:0]}
	chunkPool.Put(c)
}

// reader splits input into lines.
type reader struct {
	br      *bufio.Reader
	maxLine int
	line    int // number of the next line
}

// fill reads lines into c until it is full, the input ends (io.EOF) or
// reading on would wait for more input.
func (r *reader) fill(c *chunk) error {
	c.first = r.line
	for len(c.lines) < chunkLines && len(c.data) < chunkBytes {
		start := len(c.data)
		tooLong, err := r.readLine(c)
		if len(c.data) > start || tooLong || err == nil {
			// A line ends at a newline, or at the end of the input if
			// anything precedes it.
			c.lines = append(c.lines, lineAt{start: start, end: len(c.data), tooLong: tooLong})
			r.line++
		}
		if err != nil {
			return err
		}
		if r.br.Buffered() == 0 {
			return nil // the next read may wait: answer what we have
		}
	}
	return nil
}

// readLine appends the next line, without its newline, to c.data. A line
// over the limit is dropped (read to its end, not kept) and reported.
func (r *reader) readLine(c *chunk) (tooLong bool, err error) {
	start := len(c.data)
	for {
		frag, err := r.br.ReadSlice('\n')
		if !tooLong {
			n := len(c.data) - start + len(frag)
			if len(frag) > 0 && frag[len(frag)-1] == '\n' {
				n--
			}
			if n > r.maxLine {
				tooLong = true
				c.data = c.data[:start]
			} else {
				c.data = append(c.data, frag...)
			}
		}
		switch {
		case err == nil:
			if !tooLong {
				c.data = c.data[:len(c.data)-1] // the newline
			}
			return tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return tooLong, err
		}
	}
}

// isBlank reports whether a line holds only JSON white space.
func isBlank(line []byte) bool {
	return len(bytes.TrimLeft(line, " \t\r\n")) == 0
}
