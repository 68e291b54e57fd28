//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair with the kernel's /dev/ptmx (pty(7)):
// unlock the secondary, read its number, open it.
func openPTY(t *testing.T) (primary, secondary *os.File) {
	t.Helper()
	p, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, p.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlock pty: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, p.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatalf("pty number: %v", e)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(); _ = p.Close() })
	return p, s
}

// On a terminal, denied says it is waiting for the message and how to end
// it, then reads it up to Ctrl-D.
func TestDeniedSaysItWaitsOnATerminal(t *testing.T) {
	primary, secondary := openPTY(t)
	msg := `User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on resource: ` + reportsKey + ` because no identity-based policy allows the kms:Decrypt action`
	// The line, then Ctrl-D at the start of a line: end of input.
	if _, err := primary.WriteString(msg + "\n\x04"); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"denied"}, secondary, &out, &errOut)
	if code != exitAllow {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "waiting for the AccessDenied message") || !strings.Contains(errOut.String(), "Ctrl-D") {
		t.Errorf("stderr %q: want the waiting notice naming Ctrl-D", errOut.String())
	}
	if !strings.Contains(out.String(), "caller    arn:aws:iam::222222222222:user/dilip") {
		t.Errorf("the message was not read:\n%s", out.String())
	}
}
