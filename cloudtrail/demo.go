package cloudtrail

import (
	"bytes"
	_ "embed"
)

// Demo names the demo organization's CloudTrail events (testdata/gen.py
// writes them, in every form, for the demo snapshot: an S3 Decrypt for a
// user, a cross-account Decrypt in both copies, EBS through an alias,
// grants created by services, a use the snapshot cannot explain, and
// AccessDenied events of each layer): `--cloudtrail @demo`.
const Demo = "@demo"

//go:embed testdata/demo-trail.json
var demoTrail []byte

func demoReader() *bytes.Reader { return bytes.NewReader(demoTrail) }
