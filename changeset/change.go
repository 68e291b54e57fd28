package changeset

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// Kind is what a change modifies.
type Kind string

// The kinds of change.
const (
	// KindKeyPolicy replaces a KMS key's policy; add creates the key.
	KindKeyPolicy Kind = "key-policy"
	// KindSCP and KindRCP create, rewrite or delete an organization policy,
	// or attach it to (add) or detach it from (remove) Change.Attach.
	KindSCP Kind = "scp"
	KindRCP Kind = "rcp"
	// KindIdentityPolicy puts or deletes an inline policy (Change.Name) of
	// a user, group or role, attaches or detaches a managed policy
	// (Change.PolicyARN), or, when Target is a managed policy's ARN,
	// creates it, sets its new default version or deletes it.
	KindIdentityPolicy Kind = "identity-policy"
	// KindTrustPolicy replaces a role's trust policy; add creates the role.
	KindTrustPolicy Kind = "trust-policy"
	// KindGrant creates (add) or retires (remove, by Name or GrantID) a
	// grant on the Target key.
	KindGrant Kind = "grant"
	// KindBucketPolicy puts or deletes a bucket's policy.
	KindBucketPolicy Kind = "bucket-policy"
	// KindAlias points an alias (Target) at a key (Change.Key), or deletes it.
	KindAlias Kind = "alias"
	// KindBucketEncryption sets a bucket's default encryption to SSE-KMS
	// with Change.Key (SSE-S3 when Key is ""), or removes it.
	KindBucketEncryption Kind = "bucket-encryption"
	// KindSnapshotSharing shares an EBS snapshot with Change.Grantee (an
	// account ID, or "all": public), or stops sharing it.
	KindSnapshotSharing Kind = "snapshot-sharing"
	// KindSecret sets a secret's key (Change.Key) and, when Document is not
	// "", its resource policy; remove deletes the policy (the secret stays).
	KindSecret Kind = "secret"
)

// Kinds lists every kind, in the order of the documentation.
var Kinds = []Kind{
	KindKeyPolicy, KindSCP, KindRCP, KindIdentityPolicy, KindTrustPolicy, KindGrant,
	KindBucketPolicy, KindAlias, KindBucketEncryption, KindSnapshotSharing, KindSecret,
}

// Op is what a change does to its target.
type Op string

// The operations.
const (
	OpAdd     Op = "add"
	OpReplace Op = "replace"
	OpRemove  Op = "remove"
)

// Change is one proposed change.
type Change struct {
	Kind Kind
	Op   Op
	// Target is what is changed, as the source names it: an ARN, a name
	// (role, user, group, bucket, secret, alias, organization policy) or
	// a key ID.
	Target string
	// Name is an inline policy's, a grant's or a new organization policy's name.
	Name string
	// Document is the policy document (JSON), "" when the change has none.
	Document string
	// PolicyARN is a managed policy attached or detached (identity-policy).
	PolicyARN string
	// Key is the KMS key an alias, a bucket's encryption or a secret uses.
	Key string
	// Grantee is who a snapshot is shared with: an account ID or "all".
	Grantee string
	// Grant is the grant a grant change adds (KeyID and GrantID may be "").
	Grant *snapshot.Grant
	// Attach are the organization targets (root, OU or account IDs) an SCP
	// or RCP is attached to (add) or detached from (remove).
	Attach []string
	// Account and Region say where the target is, when the source tells;
	// "" lets Apply find it from the Target or its defaults.
	Account, Region string
	// Unknown are the values the source will know only when the change is
	// applied (Terraform's after_unknown): never guessed.
	Unknown []Unknown
	Source  Source
}

// Unknown is a value of a change not known until apply.
type Unknown struct {
	// Field is the change's field it would fill: "target", "document",
	// "key", "grantee", "grant", "attach", "account", "region".
	Field string `json:"field"`
	// Attribute is the source's name for it (a Terraform attribute path).
	Attribute string `json:"attribute,omitempty"`
}

// Source is where a change was read: a change file's line, or a plan's
// resource address (Terraform gives no line numbers).
type Source struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Address string `json:"address,omitempty"`
}

// String names the source as "file:line" or "file (address)".
func (s Source) String() string {
	switch {
	case s.Line > 0:
		return s.File + ":" + strconv.Itoa(s.Line)
	case s.Address != "":
		return s.File + " (" + s.Address + ")"
	}
	return s.File
}

// IsUnknown reports whether the change's field is unknown until apply.
func (c *Change) IsUnknown(field string) bool {
	for _, u := range c.Unknown {
		if u.Field == field {
			return true
		}
	}
	return false
}

// String describes the change for messages and tests.
func (c *Change) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", c.Op, c.Kind, c.Target)
	for _, f := range []struct{ k, v string }{{"name", c.Name}, {"policy", c.PolicyARN}, {"key", c.Key}, {"grantee", c.Grantee}, {"account", c.Account}, {"region", c.Region}} {
		if f.v != "" {
			fmt.Fprintf(&b, " %s=%s", f.k, f.v)
		}
	}
	if len(c.Attach) > 0 {
		fmt.Fprintf(&b, " attach=%s", strings.Join(c.Attach, ","))
	}
	if g := c.Grant; g != nil && g.GranteePrincipal != "" {
		fmt.Fprintf(&b, " grantee=%s ops=%s", g.GranteePrincipal, strings.Join(g.Operations, ","))
	} else if g != nil && g.GrantID != "" {
		fmt.Fprintf(&b, " grant=%s", g.GrantID)
	}
	if c.Document != "" {
		b.WriteString(" +document")
	}
	for _, u := range c.Unknown {
		fmt.Fprintf(&b, " unknown:%s", u.Field)
	}
	return b.String()
}

// Error is bad input: the file, the JSON path of the bad value (and its
// line when known) and what is wrong with it.
type Error struct {
	File string
	Path string
	Line int
	Err  error
}

func (e *Error) Error() string {
	where := e.File
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	if e.Path != "" {
		where += ": " + e.Path
	}
	return where + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }
