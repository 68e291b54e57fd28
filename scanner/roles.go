package scanner

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
)

// DefaultRoleName is the audit role keyhound assumes in each account unless
// told otherwise: the read-only role of deploy/keyhound-audit-role.yaml.
// A full-admin role such as OrganizationAccountAccessRole is never tried
// unless named.
const DefaultRoleName = "KeyhoundAudit"

// AssumeError says that no role could be assumed in an account: every role
// tried, in order, with AWS's answer to each.
type AssumeError struct {
	Account  string
	Attempts []RoleAttempt
}

// RoleAttempt is one role tried in an account and why AssumeRole failed.
type RoleAttempt struct {
	RoleARN string
	Err     error
}

func (e *AssumeError) Error() string {
	parts := make([]string, len(e.Attempts))
	for i, a := range e.Attempts {
		parts[i] = "assume " + a.RoleARN + ": " + a.Err.Error()
	}
	return "account " + e.Account + ": no role could be assumed: " + strings.Join(parts, "; ")
}

// Unwrap returns each attempt's error.
func (e *AssumeError) Unwrap() []error {
	out := make([]error, len(e.Attempts))
	for i, a := range e.Attempts {
		out[i] = a.Err
	}
	return out
}

// recordAssume records why an account could not be entered: one sts
// AssumeRole error per role tried (its resource the role's ARN), or the
// error itself.
func recordAssume(rec *recorder, account string, err error) {
	var ae *AssumeError
	if !errors.As(err, &ae) || len(ae.Attempts) == 0 {
		rec.add("sts", "", "AssumeRole", account, err)
		return
	}
	for _, a := range ae.Attempts {
		rec.add("sts", "", "AssumeRole", a.RoleARN, a.Err)
	}
}

// roleNameRE is what IAM accepts as a role name ([\w+=,.@-], 1 to 64
// characters), with an optional path before it (IAM API Reference, Role:
// RoleName and Path).
var roleNameRE = regexp.MustCompile(`^(/?[\x21-\x7e]+/)?[\w+=,.@-]{1,64}$`)

// roleARNs are the roles to try in account, in order: the account's own
// from RoleARNs, else RoleARNTemplate's, else one per RoleNames.
func (o *AWSOptions) roleARNs(partition, account string) []string {
	if a := o.RoleARNs[account]; a != "" {
		return []string{a}
	}
	if o.RoleARNTemplate != "" {
		r := strings.NewReplacer("{account}", account, "{partition}", partition)
		return []string{r.Replace(o.RoleARNTemplate)}
	}
	out := make([]string, len(o.RoleNames))
	for i, n := range o.RoleNames {
		out[i] = "arn:" + partition + ":iam::" + account + ":role/" + strings.TrimPrefix(n, "/")
	}
	return out
}

// checkRoles validates the role options against the partition of the
// home Region.
func (o *AWSOptions) checkRoles(partition string) error {
	for _, n := range o.RoleNames {
		if !roleNameRE.MatchString(n) {
			return fmt.Errorf("role name %q: not an IAM role name ([path/]name, name of letters, digits and +=,.@_-)", n)
		}
	}
	if t := o.RoleARNTemplate; t != "" {
		if !strings.Contains(t, "{account}") {
			return fmt.Errorf("role ARN template %q has no {account}: every account would be read through the same role", t)
		}
		if err := checkRoleARN(strings.NewReplacer("{account}", "111111111111", "{partition}", partition).Replace(t), "", partition); err != nil {
			return fmt.Errorf("role ARN template %q: %w", t, err)
		}
	}
	for account, a := range o.RoleARNs {
		if err := checkRoleARN(a, account, partition); err != nil {
			return fmt.Errorf("role of account %s: %w", account, err)
		}
	}
	return nil
}

// checkRoleARN checks that s is an IAM role ARN, in account when account
// is not "", and in partition when partition is not "".
func checkRoleARN(s, account, partition string) error {
	p, err := arn.ParsePrincipal(s)
	switch {
	case err != nil:
		return err
	case p.Kind != arn.KindRole:
		return fmt.Errorf("%q is not an IAM role ARN (want arn:PARTITION:iam::ACCOUNT:role/NAME)", s)
	case account != "" && p.AccountID != account:
		return fmt.Errorf("%q is a role of account %s, not %s", s, p.AccountID, account)
	case partition != "" && p.Partition != partition:
		return fmt.Errorf("%q is in partition %s, but the home Region is in %s", s, p.Partition, partition)
	}
	return nil
}

// ParseRolesFile reads the per-account roles of --roles FILE: a JSON object
// from account ID to role ARN ({"111111111111":
// "arn:aws:iam::111111111111:role/TheirAudit"}), or CSV lines
// "account,role-arn" (a header line "account,…" and lines starting with #
// are skipped). Errors name the file and the JSON path or line.
func ParseRolesFile(name string, data []byte) (map[string]string, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%s: empty: want a JSON object {\"ACCOUNT\": \"ROLE-ARN\", …} or CSV lines ACCOUNT,ROLE-ARN", name)
	}
	if trimmed[0] == '{' {
		return parseRolesJSON(name, data)
	}
	return parseRolesCSV(name, data)
}

func parseRolesJSON(name string, data []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	at := func(off int64) string {
		line := 1 + bytes.Count(data[:min(int(off), len(data))], []byte("\n"))
		return fmt.Sprintf("line %d", line)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", name, at(dec.InputOffset()), err)
	}
	out := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, at(dec.InputOffset()), err)
		}
		account, _ := tok.(string)
		path := "[" + fmt.Sprintf("%q", account) + "]"
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%s: %s (%s): %w", name, path, at(dec.InputOffset()), err)
		}
		var role string
		if err := json.Unmarshal(raw, &role); err != nil {
			return nil, fmt.Errorf("%s: %s: want a role ARN string, have %s", name, path, raw)
		}
		if err := addRole(out, account, role); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, path, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", name, at(dec.InputOffset()), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %s: text after the JSON object", name, at(dec.InputOffset()))
	}
	return out, nil
}

func parseRolesCSV(name string, data []byte) (map[string]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment, r.FieldsPerRecord, r.TrimLeadingSpace = '#', -1, true
	out := map[string]string{}
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if first && strings.EqualFold(strings.TrimSpace(rec[0]), "account") {
			continue // a header
		}
		if len(rec) != 2 {
			return nil, fmt.Errorf("%s: line %d: want ACCOUNT,ROLE-ARN, have %d fields", name, line, len(rec))
		}
		if err := addRole(out, strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", name, line, err)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no ACCOUNT,ROLE-ARN lines", name)
	}
	return out, nil
}

func addRole(out map[string]string, account, role string) error {
	switch {
	case !arn.IsAccountID(account):
		return fmt.Errorf("%q is not a 12-digit account ID", account)
	case out[account] != "":
		return fmt.Errorf("account %s is listed twice", account)
	}
	if err := checkRoleARN(role, account, ""); err != nil {
		return err
	}
	out[account] = role
	return nil
}
