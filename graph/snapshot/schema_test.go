package snapshot

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/keyhound/keyhound/graph/demo"
)

// schemaPath is the snapshot's JSON Schema, docs/snapshot.schema.json.
var schemaPath = filepath.Join("..", "..", "docs", "snapshot.schema.json")

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("snapshot.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("snapshot.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

// TestSchemaAcceptsWhatWeWrite checks docs/snapshot.schema.json against
// snapshots this package reads and writes, and that it rejects what a
// snapshot must never hold.
func TestSchemaAcceptsWhatWeWrite(t *testing.T) {
	schema := compileSchema(t)
	if err := validate(t, schema, []byte(good)); err != nil {
		t.Fatalf("schema rejects the test snapshot: %v", err)
	}
	s, _, err := Decode([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, s, false); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, schema, buf.Bytes()); err != nil {
		t.Fatalf("schema rejects a written snapshot: %v", err)
	}
	if err := validate(t, schema, demo.Snapshot()); err != nil {
		t.Fatalf("schema rejects the demo organization: %v", err)
	}
	bad := map[string]string{
		"wrong format":        strings.Replace(good, "keyhound.snapshot/v1", "keyhound.snapshot/v2", 1),
		"bad account ID":      strings.Replace(good, `"111111111111": {`, `"1111": {`, 1),
		"secret value stored": strings.Replace(good, `"s3": {`, `"secretsmanager": {"Secrets": [{"ARN": "arn:aws:secretsmanager:us-east-1:111111111111:secret:x", "SecretString": "hunter2"}]}, "s3": {`, 1),
		"unknown key state":   strings.Replace(good, `"KeyState": "Enabled"`, `"KeyState": "Sleeping"`, 1),
	}
	for name, doc := range bad {
		if !json.Valid([]byte(doc)) {
			t.Fatalf("%s: test document is not JSON", name)
		}
		if err := validate(t, schema, []byte(doc)); err == nil {
			t.Errorf("%s: schema accepts it", name)
		}
	}
}
