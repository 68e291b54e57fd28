package graphcache

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
)

// Files a hostile or buggy writer could make, with every checksum right:
// the decoder must refuse them, never panic nor decode a small file into a
// huge snapshot.

// A string length near 2⁶⁴ once passed the bound check (the bytes left
// went negative and wrapped) and panicked slicing the table.
func TestHugeStringLengthRefused(t *testing.T) {
	table := []byte{0x02, 0x12}
	table = binary.AppendUvarint(table, 1<<64-10)
	table = append(table, make([]byte, 8)...)
	if _, err := decodeStrings(table, false); err == nil {
		t.Fatal("a string table with a length past its end was accepted")
	}
}

// craft writes a file of sections whose table the test chose, the CRCs
// right, for parseHeader and decodeFile.
func craft(id identity, secs []section, data []byte) []byte {
	for i := range secs {
		if end := secs[i].Off + secs[i].Len; end <= uint64(len(data)) {
			secs[i].CRC = crc32.Checksum(data[secs[i].Off:end], castagnoli)
		}
	}
	return append(marshalHeader(id, secs), data...)
}

// Sections must tile the data: many entries pointing at one section's
// bytes, a gap, or bytes in no section are corruption.
func TestSectionsMustTile(t *testing.T) {
	var good bytes.Buffer
	s, errs := fromJSON(t, writeOrg(t, 1))
	if err := encodeFile(&good, s, errs, nil, testID); err != nil {
		t.Fatal(err)
	}
	_, secs, data, err := parseHeader(good.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var list []section
	var acct section
	for _, sec := range secs {
		list = append(list, sec)
		if len(sec.Name) > len(accountPrefix) && sec.Name[:len(accountPrefix)] == accountPrefix {
			acct = sec
		}
	}
	cases := map[string]func() ([]section, []byte){
		"an account's bytes named twice": func() ([]section, []byte) {
			dup := acct
			dup.Name = accountPrefix + "999999999999"
			return append(append([]section(nil), list...), dup), data
		},
		"bytes in no section": func() ([]section, []byte) {
			return list, append(append([]byte(nil), data...), 0, 0, 0)
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			secs, data := mk()
			file := craft(testID, secs, data)
			_, _, _, err := decodeFile(context.Background(), file, false, testID, nil)
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("accepted (err %v)", err)
			}
		})
	}
	// The file as written still decodes.
	if _, _, _, err := decodeFile(context.Background(), good.Bytes(), false, testID, nil); err != nil {
		t.Fatal(err)
	}
}
