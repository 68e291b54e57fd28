package main

import (
	"io"
	"io/fs"
	"os"

	"github.com/keyhound/keyhound/internal/atomicfile"
)

// writeOutput writes an output file the way keyhound writes every file:
// atomically, with mode 0600 (internal/atomicfile), so a failed write leaves
// an existing file as it was. A path naming an existing device or named
// pipe (/dev/stdout, /dev/null, a FIFO a consumer reads) is written
// straight to: there is no file to replace, and renaming over it would
// replace the device itself.
func writeOutput(path string, write func(io.Writer) error) error {
	if st, err := os.Stat(path); err == nil && st.Mode()&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe) != 0 {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if err := write(f); err != nil {
			_ = f.Close()
			return err
		}
		return f.Close()
	}
	return atomicfile.Write(path, write)
}
