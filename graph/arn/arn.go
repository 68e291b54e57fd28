// Package arn parses Amazon Resource Names and names the principals keyhound
// reasons about. It is pure and allocation-light: ARNs are keyhound's IDs.
//
// Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
package arn

import (
	"errors"
	"fmt"
	"strings"
)

// ARN is a parsed Amazon Resource Name:
// arn:partition:service:region:account-id:resource.
type ARN struct {
	Partition string
	Service   string
	Region    string
	AccountID string
	Resource  string
}

// ErrNotARN is returned by Parse for strings that are not ARNs.
var ErrNotARN = errors.New("not an ARN")

// Parse parses s. The resource part may itself hold colons and slashes.
func Parse(s string) (ARN, error) {
	if !strings.HasPrefix(s, "arn:") {
		return ARN{}, fmt.Errorf("%q: %w (want arn:partition:service:region:account:resource)", s, ErrNotARN)
	}
	// Cut, not SplitN: Parse runs for every request built, and must not allocate.
	var parts [6]string
	rest := s
	n := 0
	for ; n < 5; n++ {
		before, after, found := strings.Cut(rest, ":")
		if !found {
			break
		}
		parts[n], rest = before, after
	}
	parts[n] = rest
	if n != 5 {
		return ARN{}, fmt.Errorf("%q: %w (want 6 colon-separated parts, have %d)", s, ErrNotARN, n+1)
	}
	if parts[1] == "" || parts[2] == "" {
		return ARN{}, fmt.Errorf("%q: %w (empty partition or service)", s, ErrNotARN)
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], AccountID: parts[4], Resource: parts[5]}, nil
}

// IsARN reports whether s has the shape of an ARN.
func IsARN(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// String formats the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.AccountID + ":" + a.Resource
}

// ResourceType returns the part of the resource before the first '/' or ':'
// ("key" for a KMS key, "role" for an IAM role), or "" when there is none.
func (a ARN) ResourceType() string {
	if i := strings.IndexAny(a.Resource, "/:"); i >= 0 {
		return a.Resource[:i]
	}
	return ""
}

// IsAccountID reports whether s is a 12-digit AWS account ID.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// AccountRoot returns the ARN of the account principal of account in partition.
func AccountRoot(partition, account string) string {
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":iam::" + account + ":root"
}
