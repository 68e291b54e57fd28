package graphcache

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"reflect"
	"slices"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// magic starts every cache file.
const magic = "KHCACHE\x00"

// FormatVersion is the version of the file layout doc.go describes (the
// header, the section table, the wire encoding of values); a file of
// another version is rebuilt.
const FormatVersion uint32 = 1

// Section names; an account's is accountPrefix and its ID.
const (
	sectionMeta         = "meta"
	sectionOrganization = "organization"
	sectionLoadErrors   = "load-errors"
	sectionDerived      = "derived"
	sectionStrings      = "strings"
	accountPrefix       = "account/"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// identity is what a cache file must have been written for to be used.
type identity struct {
	Version     string   // keyhound's, version.Full()
	Fingerprint string   // Fingerprint(): the snapshot types' layout
	Snapshot    [32]byte // SHA-256 of the snapshot file's bytes
}

// section is one entry of the section table: Off counts from the end of
// the header.
type section struct {
	Name     string
	Off, Len uint64
	CRC      uint32
}

// meta is the snapshot apart from its organization and accounts.
type meta struct {
	Format      string
	CollectedAt string
	Partition   string
	Tool        *snapshot.Tool
	Scope       *snapshot.Scope
	// Accounts are the IDs of the snapshot's accounts, sorted, each with
	// its section; nil when its map is nil.
	Accounts []string
}

// loadError is a snapshot.LoadError without its error value, which is
// restored as an error of the same text.
type loadError struct {
	Account, Region, Item, Path, Message string
	HasErr                               bool
	ErrText                              string
}

// roots are the codecs of the values a file holds.
type roots struct {
	meta, org, loadErrs, account *codec
}

func rootCodecs() (roots, error) {
	var r roots
	var err error
	for _, x := range []struct {
		c **codec
		v any
	}{{&r.meta, meta{}}, {&r.org, (*snapshot.Organization)(nil)}, {&r.loadErrs, []loadError(nil)}, {&r.account, (*snapshot.Account)(nil)}} {
		if *x.c, err = codecFor(reflect.TypeOf(x.v)); err != nil {
			return roots{}, err
		}
	}
	return r, nil
}

// CorruptError is a cache file whose bytes are not what was written: a
// checksum that does not match, a value that does not decode.
type CorruptError struct {
	Section string // "header", or the section's name
	Err     error
}

func (e *CorruptError) Error() string { return "corrupt " + e.Section + ": " + e.Err.Error() }
func (e *CorruptError) Unwrap() error { return e.Err }

// StaleError is a sound cache file written for something else: another
// format version, keyhound version, type layout or snapshot.
type StaleError struct{ Reason string }

func (e *StaleError) Error() string { return "stale: " + e.Reason }

func corrupt(section string, format string, args ...any) error {
	return &CorruptError{Section: section, Err: fmt.Errorf(format, args...)}
}

// encodeFile writes the cache file of s and its load errors to w, and
// derived as its "derived" section unless nil (an empty slice is an empty
// section).
func encodeFile(w io.Writer, s *snapshot.Snapshot, errs []snapshot.LoadError, derived []byte, id identity) error {
	rc, err := rootCodecs()
	if err != nil {
		return err
	}
	strs := newStringTable()
	e := &encoder{strs: strs}
	var secs []section
	added := func(name string, start int) {
		secs = append(secs, section{Name: name, Off: ulen(start), Len: ulen(len(e.buf) - start), CRC: crc32.Checksum(e.buf[start:], castagnoli)})
	}
	add := func(name string, c *codec, v any) {
		start := len(e.buf)
		c.enc(e, reflect.ValueOf(v))
		added(name, start)
	}
	m := meta{Format: s.Format, CollectedAt: s.CollectedAt, Partition: s.Partition, Tool: s.Tool, Scope: s.Scope}
	if s.Accounts != nil {
		// Not nil for an empty map: the decoder makes the accounts map from
		// this list, and an empty map is not a nil one.
		m.Accounts = slices.AppendSeq(make([]string, 0, len(s.Accounts)), maps.Keys(s.Accounts))
		slices.Sort(m.Accounts)
	}
	add(sectionMeta, rc.meta, m)
	add(sectionOrganization, rc.org, s.Organization)
	var les []loadError
	if errs != nil {
		les = make([]loadError, len(errs))
	}
	for i, le := range errs {
		les[i] = loadError{Account: le.Account, Region: le.Region, Item: le.Item, Path: le.Path, Message: le.Message}
		if le.Err != nil {
			les[i].HasErr, les[i].ErrText = true, le.Err.Error()
		}
	}
	add(sectionLoadErrors, rc.loadErrs, les)
	for _, id := range m.Accounts {
		add(accountPrefix+id, rc.account, s.Accounts[id])
	}
	if derived != nil {
		// Opaque to the cache: raw bytes, not through the string table.
		start := len(e.buf)
		e.buf = append(e.buf, derived...)
		added(sectionDerived, start)
	}
	start := len(e.buf)
	e.buf = append(e.buf, strs.encode()...)
	added(sectionStrings, start)
	if _, err := w.Write(marshalHeader(id, secs)); err != nil {
		return err
	}
	_, err = w.Write(e.buf)
	return err
}

// marshalHeader: magic, FormatVersion (uint32 LE), the body's length
// (uint32 LE), the body, and the CRC-32C of all of it before (uint32 LE).
func marshalHeader(id identity, secs []section) []byte {
	var body []byte
	body = binary.AppendUvarint(body, ulen(len(id.Version)))
	body = append(body, id.Version...)
	body = binary.AppendUvarint(body, ulen(len(id.Fingerprint)))
	body = append(body, id.Fingerprint...)
	body = append(body, id.Snapshot[:]...)
	body = binary.AppendUvarint(body, ulen(len(secs)))
	for _, s := range secs {
		body = binary.AppendUvarint(body, ulen(len(s.Name)))
		body = append(body, s.Name...)
		body = binary.AppendUvarint(body, s.Off)
		body = binary.AppendUvarint(body, s.Len)
		body = binary.LittleEndian.AppendUint32(body, s.CRC)
	}
	h := append([]byte(magic), 0, 0, 0, 0, 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(h[len(magic):], FormatVersion)
	binary.LittleEndian.PutUint32(h[len(magic)+4:], uint32(len(body))) //nolint:gosec // G115: a header of 4 GiB would be of 100 million sections
	h = append(h, body...)
	return binary.LittleEndian.AppendUint32(h, crc32.Checksum(h, castagnoli))
}

// parseHeader reads b's header: its identity, its sections (checked to
// lie within the data), and the data after it.
func parseHeader(b []byte) (identity, map[string]section, []byte, error) {
	var id identity
	fixed := len(magic) + 8
	if len(b) < fixed+4 || !bytes.Equal(b[:len(magic)], []byte(magic)) {
		return id, nil, nil, corrupt("header", "not a keyhound cache file")
	}
	if v := binary.LittleEndian.Uint32(b[len(magic):]); v != FormatVersion {
		return id, nil, nil, &StaleError{Reason: fmt.Sprintf("cache format %d, this keyhound writes %d", v, FormatVersion)}
	}
	n := uint64(binary.LittleEndian.Uint32(b[len(magic)+4:]))
	if n > ulen(len(b)-fixed-4) {
		return id, nil, nil, corrupt("header", "truncated")
	}
	end := fixed + int(n) //nolint:gosec // G115: bounded by len(b) just above
	if got, want := binary.LittleEndian.Uint32(b[end:]), crc32.Checksum(b[:end], castagnoli); got != want {
		return id, nil, nil, corrupt("header", "checksum %08x, want %08x", got, want)
	}
	d := &decoder{b: b[fixed:end]}
	id.Version = d.rawString()
	id.Fingerprint = d.rawString()
	copy(id.Snapshot[:], d.bytes(len(id.Snapshot)))
	// Each entry takes at least 7 bytes (an empty name).
	count := d.uvarint()
	if count > ulen(len(d.b)-d.off)/7 {
		d.fail("section count past the end")
		count = 0
	}
	data := b[end+4:]
	secs := make(map[string]section, count)
	for range count {
		s := section{Name: d.rawString(), Off: d.uvarint(), Len: d.uvarint()}
		s.CRC = d.uint32()
		if d.err != nil {
			break
		}
		if _, dup := secs[s.Name]; dup {
			return id, nil, nil, corrupt("header", "section %q twice", s.Name)
		}
		if s.Off > ulen(len(data)) || s.Len > ulen(len(data))-s.Off {
			return id, nil, nil, corrupt(s.Name, "past the end of the file (truncated?)")
		}
		secs[s.Name] = s
	}
	if d.err == nil && d.off != len(d.b) {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return id, nil, nil, &CorruptError{Section: "header", Err: d.err}
	}
	if err := tiled(secs, len(data)); err != nil {
		return id, nil, nil, err
	}
	return id, secs, data, nil
}

// sectionBytes returns a section's bytes once its checksum matches.
func sectionBytes(data []byte, secs map[string]section, name string) ([]byte, error) {
	s, ok := secs[name]
	if !ok {
		return nil, corrupt(name, "missing")
	}
	b := data[s.Off : s.Off+s.Len]
	if got := crc32.Checksum(b, castagnoli); got != s.CRC {
		return nil, corrupt(name, "checksum %08x, want %08x", got, s.CRC)
	}
	return b, nil
}

// decodeSection decodes a whole section into dst (a pointer).
func decodeSection(data []byte, secs map[string]section, name string, strs []string, c *codec, dst any) error {
	b, err := sectionBytes(data, secs, name)
	if err != nil {
		return err
	}
	d := &decoder{b: b, strs: strs}
	c.dec(d, reflect.ValueOf(dst).Elem())
	if d.err == nil && d.off != len(b) {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return &CorruptError{Section: name, Err: d.err}
	}
	return nil
}

// checkIdentity says why a file of identity got is not for want.
func checkIdentity(got, want identity) error {
	switch {
	case got.Version != want.Version:
		return &StaleError{Reason: fmt.Sprintf("written by keyhound %s", got.Version)}
	case got.Fingerprint != want.Fingerprint:
		return &StaleError{Reason: "written for other snapshot types (fingerprint " + got.Fingerprint + ")"}
	case got.Snapshot != want.Snapshot:
		return &StaleError{Reason: "written for another snapshot"}
	}
	return nil
}

// tiled checks that the sections cover the data exactly, each byte in one
// section: a crafted table pointing many sections at the same bytes would
// make a small file decode into a huge snapshot, and bytes in no section
// are not what the writer wrote.
func tiled(secs map[string]section, size int) error {
	list := make([]section, 0, len(secs))
	for _, s := range secs {
		list = append(list, s)
	}
	slices.SortFunc(list, func(a, b section) int { return cmp.Or(cmp.Compare(a.Off, b.Off), cmp.Compare(a.Len, b.Len)) })
	var next uint64
	for _, s := range list {
		if s.Off != next {
			return corrupt(s.Name, "starts at %d, where %d was expected (sections overlap or leave a gap)", s.Off, next)
		}
		next = s.Off + s.Len
	}
	if next != ulen(size) {
		return corrupt("header", "sections end at %d of %d bytes", next, size)
	}
	return nil
}
