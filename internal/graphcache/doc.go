// Package graphcache keeps a binary copy of each decoded snapshot, so that
// the second command on a snapshot skips gunzip and JSON: a 1,000-account
// organization decodes in a tenth of the time. It reads and writes files
// (the cache directory) and sits between cmd and graph/snapshot; graph
// knows nothing of it.
//
// # Where, and keys
//
// The cache directory is Options.Dir, else $KEYHOUND_CACHE_DIR, else
// os.UserCacheDir()/keyhound (~/.cache/keyhound on Linux), created 0700.
// A snapshot's cache file is named for the SHA-256 of the snapshot file's
// bytes, as read in this run (the bytes hashed are the bytes decoded: no
// window between checking and reading), "-", a short hash of the keyhound
// writing it (its build ID and the type fingerprint below: two versions
// used in turn keep a file each), and ".khc"; it is written 0600,
// atomically (a temporary file in the same directory, synced, renamed),
// so a reader never sees half of one, and concurrent writers of the same
// snapshot leave one whole file.
//
// The directory must be this user's and writable by no one else (Unix),
// or it is not used (a warning): a file planted there could decode into
// any snapshot. Nothing under a cache file's name is followed: a symbolic
// link, FIFO or device there is neither read (O_NOFOLLOW, O_NONBLOCK, then
// fstat: a regular file of this user, of a size a cache of the snapshot
// can have) nor written through (the rename replaces the link itself).
//
// # File format
//
//	magic       "KHCACHE\x00"
//	format      uint32 LE, FormatVersion
//	body length uint32 LE
//	body        keyhound version (uvarint length + bytes): version.Full()
//	            type fingerprint (uvarint length + bytes): Fingerprint()
//	            SHA-256 of the snapshot file (32 bytes)
//	            section count (uvarint), then each section:
//	              name (uvarint length + bytes), offset and length
//	              (uvarints, the offset counted from the end of the
//	              header), CRC-32C of its bytes (uint32 LE)
//	header CRC  uint32 LE: CRC-32C (Castagnoli) of everything before it
//	data        the sections' bytes
//
// The sections are "meta" (format, collected_at, partition, tool, scope,
// and the sorted account IDs), "organization", "load-errors" (the
// snapshot's LoadErrors, which become graph issues: a cache must not
// lose them), one "account/ID" per account, "derived" (optional), and
// "strings". "derived" holds the bytes Options.Derive returned when the
// file was written: a small result the caller derived from the snapshot
// (the graph's issues and resource index), opaque here and kept raw, not
// through the string table, so that a later hit gets it back
// (Result.Derived, a copy) and can put work off. It is absent when Derive is nil, failed or returned
// nil, and a hit then has no Derived; its CRC is checked like every
// section's. Only the build that wrote a file reads it (Invalidation), so
// those bytes need no version of their own. Every string
// of the file is written once, in "strings" (its count, each length, then
// all the bytes), and referred to by its index (uvarint). A hit maps the
// file read-only when it is on a local file system of Linux or macOS
// (mmap_map.go; the mapping is kept for the process's life) and the
// strings are the file's own bytes; read into memory instead, the table
// is copied into one string allocation and the strings sliced from it.
// Accounts decode in parallel, one worker a CPU, each checking its own
// section's CRC. A reader looks sections up by name and ignores names it
// does not know, so a later format can add sections (parsed policies,
// indexes) and a reader can load only the accounts it needs.
//
// Values are written by a codec compiled once per Go type by reflection
// (codec.go): booleans as a byte, integers as zigzag varints, strings as
// string-table indexes, pointers as a byte (0 nil, 1 then the value),
// slices and maps as a uvarint (0 nil, else the length plus one: nil and
// empty stay apart, as the snapshot's "not collected" and "collected,
// none" do) then the items, map entries in key order (the same snapshot
// always gives the same bytes), struct fields in order. A type with
// anything the codec cannot keep whole — an unexported field, an
// interface, a func, a channel, a float, an array, a map not keyed by
// strings — is refused when compiled, so a field added to the snapshot
// types one day can never be silently dropped.
//
// # Invalidation
//
// A cache file is used only when all of these hold; otherwise it is
// ignored, the snapshot's JSON is decoded, and the file is written again:
//
//   - its magic and FormatVersion are this package's;
//   - its header's CRC matches;
//   - it was written by this keyhound: version.Full() for a release; for a
//     dev build or a dirty tree, whose version does not name its code, the
//     SHA-256 of the executable as well;
//   - its type fingerprint (a hash of every snapshot type's field names
//     and types) is this build's, so two dev builds with the same version
//     string but other snapshot types do not share caches;
//   - it was written for a snapshot file with the same SHA-256 (a changed
//     snapshot has another name anyway; this catches a renamed file);
//   - its sections cover its data exactly, each byte in one section (no
//     overlap: a small file cannot decode into a huge snapshot), and every
//     section it needs is present, matches its CRC and decodes to its exact
//     end ("derived", when present, matches its CRC too).
//
// A cache that cannot be written (a read-only or full disk) is a warning
// in Result, never an error; a snapshot that does not load writes none.
//
// # Retention
//
// Reading a cache file marks it used (its modification time). Writing one
// removes the directory's other cache files not used for KeepFor (14
// days), then the least recently used beyond KeepMax (16 in all), and
// temporary files of writes that died; only names the cache writes are
// touched (prune.go).
package graphcache
