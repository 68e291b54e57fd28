package changeset

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// Option sets how Apply places changes.
type Option func(*options)

type options struct{ account, region string }

// WithAccount is the account a change is placed in when neither it nor
// the snapshot tells (a plan's new role, whose ARN is computed, named
// in no account of the snapshot). Default: none — such a change is unplaced.
func WithAccount(id string) Option { return func(o *options) { o.account = id } }

// WithRegion is the Region a change is placed in when neither it nor the
// snapshot tells. Default: none, or the snapshot's only scanned Region.
func WithRegion(r string) Option { return func(o *options) { o.region = r } }

// Apply returns snap with the changes applied, in order, and what they
// touched. snap is not modified: the new snapshot shares every account,
// Region and list it does not change (copy on write).
//
// Targets are found by ARN, key ID, alias, or name (a name matching in
// one account only; else in the WithAccount account). A target not in the
// snapshot is added when the change adds or replaces and Apply can tell
// its account and Region (a new key with its policy, a new role…); a
// change that cannot be placed — its target unknown until apply, or
// nowhere to put it — is an unplaced Entry, not an error, since plans
// create resources whose ARNs are computed. Apply fails only on a change
// it cannot make sense of (an unknown kind or op, a document of the wrong
// shape), naming the change's source.
func Apply(snap *snapshot.Snapshot, changes []Change, opts ...Option) (*snapshot.Snapshot, *Applied, error) {
	if snap == nil {
		return nil, nil, errors.New("apply changes: no snapshot")
	}
	a := newApplier(snap, opts)
	for i := range changes {
		if err := a.apply(a.pseudo(changes, i)); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", changes[i].Source, err)
		}
	}
	return a.out, a.result(), nil
}

// applier holds the new snapshot and which of its parts are copies.
type applier struct {
	base, out *snapshot.Snapshot
	opts      options
	partition string

	accounts set // copied accounts
	regions  set // "account/region" copied
	sections set // "account/region/service" or "account/iam" copied
	org      bool

	entries  []Entry
	touched  set // accounts
	keys     set
	princ    set
	res      set
	orgPols  set
	unknowns []UnknownValue
	grantSeq int
	stacks   map[string]string // a template's account, by file (cfnpseudo.go)
}

func newApplier(snap *snapshot.Snapshot, opts []Option) *applier {
	a := &applier{
		base: snap, accounts: set{}, regions: set{}, sections: set{},
		touched: set{}, keys: set{}, princ: set{}, res: set{}, orgPols: set{},
		partition: snap.Partition,
	}
	for _, o := range opts {
		o(&a.opts)
	}
	if a.partition == "" {
		a.partition = "aws"
	}
	if a.opts.region == "" && snap.Scope != nil && len(snap.Scope.Regions) == 1 {
		a.opts.region = snap.Scope.Regions[0]
	}
	out := *snap
	out.Accounts = maps.Clone(snap.Accounts)
	if out.Accounts == nil {
		out.Accounts = map[string]*snapshot.Account{}
	}
	a.out = &out
	return a
}

func (a *applier) result() *Applied {
	return &Applied{
		Entries: a.entries, Accounts: a.touched.list(), Keys: a.keys.list(),
		Principals: a.princ.list(), Resources: a.res.list(), OrgPolicies: a.orgPols.list(),
		Unknowns: a.unknowns,
	}
}

// account returns the new snapshot's copy of an account, creating it.
func (a *applier) account(id string) *snapshot.Account {
	a.touched.add(id)
	if a.accounts[id] {
		return a.out.Accounts[id]
	}
	a.accounts.add(id)
	n := &snapshot.Account{}
	if old := a.out.Accounts[id]; old != nil {
		*n = *old
		n.Regions = maps.Clone(old.Regions)
	}
	if n.Regions == nil {
		n.Regions = map[string]*snapshot.Region{}
	}
	a.out.Accounts[id] = n
	return n
}

// region returns the new snapshot's copy of an account's Region.
func (a *applier) region(account, region string) *snapshot.Region {
	acc := a.account(account)
	k := account + "/" + region
	if a.regions[k] {
		return acc.Regions[region]
	}
	a.regions.add(k)
	n := &snapshot.Region{}
	if old := acc.Regions[region]; old != nil {
		*n = *old
	}
	acc.Regions[region] = n
	return n
}

// kms returns a copy of the Region's KMS section whose Keys slice is its own.
func (a *applier) kms(account, region string) *snapshot.KMS {
	r := a.region(account, region)
	k := account + "/" + region + "/kms"
	if !a.sections[k] {
		a.sections.add(k)
		n := &snapshot.KMS{Keys: []snapshot.Key{}}
		if r.KMS != nil {
			n.Keys = slices.Clone(r.KMS.Keys)
		}
		r.KMS = n
	}
	return r.KMS
}

func (a *applier) s3(account, region string) *snapshot.S3 {
	r := a.region(account, region)
	k := account + "/" + region + "/s3"
	if !a.sections[k] {
		a.sections.add(k)
		n := &snapshot.S3{Buckets: []snapshot.Bucket{}}
		if r.S3 != nil {
			n.Buckets = slices.Clone(r.S3.Buckets)
		}
		r.S3 = n
	}
	return r.S3
}

func (a *applier) ec2(account, region string) *snapshot.EC2 {
	r := a.region(account, region)
	k := account + "/" + region + "/ec2"
	if !a.sections[k] {
		a.sections.add(k)
		n := &snapshot.EC2{}
		if r.EC2 != nil {
			*n = *r.EC2
			n.Snapshots = slices.Clone(r.EC2.Snapshots)
		}
		r.EC2 = n
	}
	return r.EC2
}

func (a *applier) secrets(account, region string) *snapshot.SecretsManager {
	r := a.region(account, region)
	k := account + "/" + region + "/secretsmanager"
	if !a.sections[k] {
		a.sections.add(k)
		n := &snapshot.SecretsManager{Secrets: []snapshot.Secret{}}
		if r.SecretsManager != nil {
			n.Secrets = slices.Clone(r.SecretsManager.Secrets)
		}
		r.SecretsManager = n
	}
	return r.SecretsManager
}

// iam returns a copy of the account's IAM whose lists are its own.
func (a *applier) iam(account string) *snapshot.IAM {
	acc := a.account(account)
	k := account + "/iam"
	if !a.sections[k] {
		a.sections.add(k)
		n := &snapshot.IAM{}
		if acc.IAM != nil {
			n.UserDetailList = slices.Clone(acc.IAM.UserDetailList)
			n.GroupDetailList = slices.Clone(acc.IAM.GroupDetailList)
			n.RoleDetailList = slices.Clone(acc.IAM.RoleDetailList)
			n.Policies = slices.Clone(acc.IAM.Policies)
		}
		acc.IAM = n
	}
	return acc.IAM
}

// organization returns a copy of the organization whose Policies are its own.
func (a *applier) organization() *snapshot.Organization {
	if !a.org {
		a.org = true
		n := *a.out.Organization
		n.Policies = slices.Clone(n.Policies)
		a.out.Organization = &n
	}
	return a.out.Organization
}

// accountIDs lists the new snapshot's accounts, sorted.
func (a *applier) accountIDs() []string { return sortedKeys(a.out.Accounts) }

// regionIDs lists an account's Regions, sorted.
func regionIDs(acc *snapshot.Account) []string {
	if acc == nil {
		return nil
	}
	return sortedKeys(acc.Regions)
}

// entry records a change's outcome.
func (a *applier) entry(c *Change, target string, added bool) {
	a.entries = append(a.entries, Entry{Source: c.Source, Kind: c.Kind, Op: c.Op, Target: target, Detail: detail(c), Added: added})
}

// detail names what in the target a change is about.
func detail(c *Change) string {
	switch {
	case c.PolicyARN != "":
		return "managed policy " + c.PolicyARN
	case c.Kind == KindIdentityPolicy && c.Name != "":
		return "inline policy " + c.Name
	case c.Kind == KindGrant && c.Grant != nil && c.Grant.GranteePrincipal != "":
		return "grant to " + c.Grant.GranteePrincipal
	case c.Kind == KindGrant && c.Name != "":
		return "grant " + c.Name
	case len(c.Attach) > 0:
		return "targets " + strings.Join(c.Attach, ", ")
	case c.Key != "":
		return "key " + c.Key
	case c.Grantee != "":
		return "shared with " + c.Grantee
	}
	return ""
}

// unplaced records a change that could not be applied.
func (a *applier) unplaced(c *Change, format string, args ...any) {
	note := fmt.Sprintf(format, args...)
	a.entries = append(a.entries, Entry{Source: c.Source, Kind: c.Kind, Op: c.Op, Target: c.Target, Detail: detail(c), Unplaced: true, Note: note})
	for _, u := range c.Unknown {
		a.unknowns = append(a.unknowns, UnknownValue{Source: c.Source, Target: c.Target, Unknown: u, Effect: "change not applied: " + note})
	}
}

// unknown records a value unknown until apply and what Apply did about it.
func (a *applier) unknown(c *Change, field, target, effect string) {
	for _, u := range c.Unknown {
		if u.Field == field {
			a.unknowns = append(a.unknowns, UnknownValue{Source: c.Source, Target: target, Unknown: u, Effect: effect})
		}
	}
}

// place is the account and Region for a new target: the change's, the
// ARN's, else the defaults.
func (a *applier) place(c *Change, arnAccount, arnRegion string) (account, region string) {
	account, region = c.Account, c.Region
	if account == "" {
		account = arnAccount
	}
	if region == "" {
		region = arnRegion
	}
	if account == "" {
		account = a.opts.account
		if account == "" && len(a.out.Accounts) == 1 {
			account = a.accountIDs()[0]
		}
	}
	if region == "" {
		region = a.opts.region
	}
	return account, region
}

// arnParts splits arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
func arnParts(s string) (service, region, account, resource string, ok bool) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return "", "", "", "", false
	}
	return p[2], p[3], p[4], p[5], true
}

func (a *applier) apply(c *Change) error {
	if c.IsUnknown("target") && (c.Op != OpAdd || !creates(c.Kind)) {
		a.unplaced(c, "its target is unknown until apply")
		return nil
	}
	switch c.Kind {
	case KindKeyPolicy:
		return a.keyPolicy(c)
	case KindGrant:
		return a.grant(c)
	case KindAlias:
		return a.alias(c)
	case KindSCP, KindRCP:
		return a.orgPolicy(c)
	case KindIdentityPolicy:
		return a.identityPolicy(c)
	case KindTrustPolicy:
		return a.trustPolicy(c)
	case KindBucketPolicy, KindBucketEncryption:
		return a.bucket(c)
	case KindSnapshotSharing:
		return a.snapshotSharing(c)
	case KindSecret:
		return a.secret(c)
	}
	return fmt.Errorf("unknown change kind %q", c.Kind)
}

// creates reports whether an add of the kind creates its target (a key,
// a role, an organization policy, a secret), which may then be named by
// the source's address while its ID is unknown.
func creates(k Kind) bool {
	switch k {
	case KindKeyPolicy, KindTrustPolicy, KindSCP, KindRCP, KindSecret:
		return true
	}
	return false
}

// docOrUnknown is the document to store for c: UnknownDocument when it
// is unknown until apply.
func (a *applier) docOrUnknown(c *Change, target string) string {
	if c.IsUnknown("document") {
		a.unknown(c, "document", target, "policy unknown until apply: answers that depend on it are not known")
		return UnknownDocument
	}
	return c.Document
}
