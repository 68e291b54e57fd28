package changeset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Read reads the changes in one file: a Terraform plan in JSON
// (`terraform show -json`, told by its resource_changes or format_version)
// a keyhound change file in JSON or YAML (told by its changes), or a
// CloudFormation template in JSON or YAML (told by its
// AWSTemplateFormatVersion, or Resources of Type AWS::…). name is
// the file's name, for Source and errors. Bad input is an *Error naming
// the file and the JSON path of the bad value.
func Read(r io.Reader, name string) ([]Change, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &Error{File: name, Err: errors.New("empty file: want a Terraform plan (terraform show -json), a change file ({changes: [...]}) or a CloudFormation template")}
	}
	if trimmed[0] != '{' {
		return readYAML(data, name)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError(name, "", data, err)
	}
	switch {
	case top["resource_changes"] != nil || top["format_version"] != nil:
		return readPlan(data, top, name)
	case top["changes"] != nil:
		return readJSONChangeFile(data, name)
	case top["AWSTemplateFormatVersion"] != nil || top["Resources"] != nil:
		return readTemplateJSON(data, name)
	}
	return nil, &Error{File: name, Err: errors.New("neither a Terraform plan (no resource_changes), a change file (no changes) nor a CloudFormation template (no Resources)")}
}

// jsonError turns encoding/json's errors into an *Error with the line of
// the offset they give and the path of the field when they name one.
func jsonError(file, path string, data []byte, err error) *Error {
	e := &Error{File: file, Path: path, Err: err}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		e.Line = lineAt(data, syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			e.Path = joinPath(path, typ.Field)
		}
		e.Err = fmt.Errorf("got a JSON %s, want %s", typ.Value, typ.Type)
	}
	return e
}

func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}
