package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
)

// Editing policy documents for fixes: a statement added, a caller excepted,
// statements kept as written.

func mustJSON(v any) json.RawMessage {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // only for values built here
	}
	return data
}

// policyDoc is a policy document with its statements kept as written.
type policyDoc struct {
	Version   json.RawMessage   `json:"Version,omitempty"`
	ID        json.RawMessage   `json:"Id,omitempty"`
	Statement []json.RawMessage `json:"Statement"`
}

func parseDoc(text string) (*policyDoc, error) {
	var raw struct {
		Version   json.RawMessage `json:"Version"`
		ID        json.RawMessage `json:"Id"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, err
	}
	d := &policyDoc{Version: raw.Version, ID: raw.ID}
	s := strings.TrimSpace(string(raw.Statement))
	switch {
	case strings.HasPrefix(s, "["):
		if err := json.Unmarshal(raw.Statement, &d.Statement); err != nil {
			return nil, err
		}
	case strings.HasPrefix(s, "{"):
		d.Statement = []json.RawMessage{raw.Statement}
	default:
		return nil, fmt.Errorf("no Statement")
	}
	return d, nil
}

// appendStatement returns the policy text with one more statement.
func appendStatement(text string, stmt json.RawMessage) (json.RawMessage, error) {
	d, err := parseDoc(text)
	if err != nil {
		return nil, err
	}
	d.Statement = append(d.Statement, stmt)
	return indent(d)
}

// exceptCaller adds to statement idx of a policy a condition that leaves the
// caller out: ArnNotLike aws:PrincipalArn, or for a whole account
// StringNotEquals aws:PrincipalAccount (merged with one already there). It
// returns the edited statement and the whole document.
func exceptCaller(text string, idx int, p arn.Principal, caller string) (json.RawMessage, json.RawMessage, error) {
	d, err := parseDoc(text)
	if err != nil {
		return nil, nil, err
	}
	if idx < 0 || idx >= len(d.Statement) {
		return nil, nil, fmt.Errorf("statement %d not in the policy", idx)
	}
	var st map[string]any
	if err := json.Unmarshal(d.Statement[idx], &st); err != nil {
		return nil, nil, err
	}
	cond, _ := st["Condition"].(map[string]any)
	if cond == nil {
		cond = map[string]any{}
	}
	operator, key, value := "ArnNotLike", "aws:PrincipalArn", caller
	if p.Kind == arn.KindAccount {
		operator, key, value = "StringNotEquals", "aws:PrincipalAccount", p.AccountID
	}
	op, _ := cond[operator].(map[string]any)
	if op == nil {
		op = map[string]any{}
	}
	var values []any
	switch v := op[key].(type) {
	case string:
		values = []any{v}
	case []any:
		values = v
	}
	op[key] = append(values, value)
	cond[operator] = op
	st["Condition"] = cond
	edited := mustJSON(st)
	d.Statement[idx] = edited
	doc, err := indent(d)
	return edited, doc, err
}

func indent(d *policyDoc) (json.RawMessage, error) {
	data, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
