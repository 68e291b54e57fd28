package graph

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// S3 Block Public Access decides answers through a bucket whose policy is
// public (S3 UG, "Blocking public access to your Amazon S3 storage"):
// RestrictPublicBuckets, at the bucket or the account level, closes it to
// every other account except AWS services; BlockPublicPolicy leaves
// existing policies alone. Settings the scan did not read are unknown: the
// answer is CONDITIONAL and names them.
func TestBlockPublicAccessRestrictsPublicBuckets(t *testing.T) {
	const (
		bucket = "arn:aws:s3:::open"
		reader = "arn:aws:iam::222222222222:role/Reader" // another account, allowed s3:GetObject by its own policy
		app    = "arn:aws:iam::111111111111:user/alice"  // the bucket's account
		public = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::open/*"}]}`
		shared = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::open/*"}]}`
		orgID  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::open/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}]}`
	)
	pab := func(restrict, blockPolicy bool) *snapshot.PublicAccessBlockConfiguration {
		return &snapshot.PublicAccessBlockConfiguration{RestrictPublicBuckets: restrict, BlockPublicPolicy: blockPolicy}
	}
	type setup struct {
		policy     string
		bucketPAB  *snapshot.PublicAccessBlockConfiguration
		bucketFail bool
		account    *snapshot.S3Control // nil: not collected
	}
	build := func(su setup) *Graph {
		return smallWith(t, func(s *snapshot.Snapshot) {
			a := s.Accounts["111111111111"]
			pol := su.policy
			a.Regions["us-east-1"].S3 = &snapshot.S3{Buckets: []snapshot.Bucket{{Name: "open", Policy: &pol, PublicAccessBlockConfiguration: su.bucketPAB}}}
			a.S3Control = su.account
			if su.bucketFail {
				a.Errors = append(a.Errors, snapshot.CollectionError{Service: "s3", Region: "us-east-1", Operation: "GetPublicAccessBlock", Resource: bucket, Code: "AccessDenied"})
			}
			r := &s.Accounts["222222222222"].IAM.RoleDetailList[0]
			r.RolePolicyList = append(r.RolePolicyList, snapshot.PolicyDetail{PolicyName: "read", PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`})
		})
	}
	none := &snapshot.S3Control{}
	for _, tc := range []struct {
		name      string
		setup     setup
		principal string
		want      eval.Verdict
		note, gap string // what the answer's steps and unknowns say
	}{
		{"no Block Public Access anywhere: the public policy lets the other account in", setup{policy: public, account: none}, reader, eval.Allow, "", ""},
		{"account RestrictPublicBuckets closes the public bucket to another account", setup{policy: public, account: &snapshot.S3Control{PublicAccessBlockConfiguration: pab(true, false)}}, reader, eval.Deny, "account level", ""},
		{"and to anonymous callers", setup{policy: public, account: &snapshot.S3Control{PublicAccessBlockConfiguration: pab(true, false)}}, "*", eval.Deny, "account level", ""},
		{"but not to the bucket's own account", setup{policy: public, account: &snapshot.S3Control{PublicAccessBlockConfiguration: pab(true, false)}}, app, eval.Allow, "", ""},
		{"bucket RestrictPublicBuckets does the same", setup{policy: public, bucketPAB: pab(true, false), account: none}, reader, eval.Deny, "bucket level", ""},
		{"BlockPublicPolicy leaves an existing policy alone", setup{policy: public, bucketPAB: pab(false, true), account: &snapshot.S3Control{PublicAccessBlockConfiguration: pab(false, true)}}, reader, eval.Allow, "", ""},
		{"a policy naming the account is not public: RestrictPublicBuckets does not apply", setup{policy: shared, account: &snapshot.S3Control{PublicAccessBlockConfiguration: pab(true, true)}}, reader, eval.Allow, "", ""},
		{"the account's setting not collected (an older snapshot): unknown", setup{policy: public}, reader, eval.Conditional, "may close", "S3 Block Public Access of account 111111111111"},
		{"the bucket's setting could not be read: unknown", setup{policy: public, bucketFail: true, account: none}, reader, eval.Conditional, "may close", "Block Public Access of bucket open"},
		{"the bucket's own RestrictPublicBuckets settles it without the account's", setup{policy: public, bucketPAB: pab(true, false)}, reader, eval.Deny, "bucket level", ""},
		{"whether S3 counts aws:PrincipalOrgID is not documented: unknown", setup{policy: orgID, account: &snapshot.S3Control{PublicAccessBlockConfiguration: pab(true, false)}}, reader, eval.Conditional, "may close", "not certain"},
		{"nor does it matter without RestrictPublicBuckets", setup{policy: orgID, account: none}, reader, eval.Allow, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := build(tc.setup)
			a, err := g.Can(Query{
				Principal: tc.principal, Action: "s3:GetObject", Resource: bucket + "/report.csv", ChainDepth: -1,
				Context: map[string][]string{"aws:PrincipalOrgID": {"o-a1b2c3d4e5"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if a.Decision != tc.want {
				t.Fatalf("%s, want %s: %+v", a.Decision, tc.want, a.Steps)
			}
			var notes []string
			for _, st := range a.Steps {
				notes = append(notes, st.Note)
			}
			if got := strings.Join(notes, "|"); (tc.note == "") != (got == "") || !strings.Contains(got, tc.note) {
				t.Errorf("notes %q, want %q", got, tc.note)
			}
			var gaps []string
			for _, u := range a.Unknowns {
				gaps = append(gaps, u.Message)
			}
			if got := strings.Join(gaps, "|"); (tc.gap == "") != (got == "") || !strings.Contains(got, tc.gap) {
				t.Errorf("unknowns %q, want %q", got, tc.gap)
			}
		})
	}
}

// S3's meaning of a public bucket policy (S3 UG, "The meaning of
// 'public'"; S3 API Reference, PublicAccessBlockConfiguration).
func TestPublicPolicy(t *testing.T) {
	for _, tc := range []struct {
		name, statement string
		want            policy.Tri
	}{
		{"everyone", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}`, policy.True},
		{"everyone, as AWS *", `{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"}`, policy.True},
		{"a fixed account", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:*","Resource":"*"}`, policy.False},
		{"a service principal", `{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"}`, policy.False},
		{"a wildcard in a principal", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"s3:GetObject","Resource":"*"}`, policy.True},
		{"NotPrincipal", `{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"*"}`, policy.True},
		{"a fixed aws:SourceVpce", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}`, policy.False},
		{"aws:SourceVpc with a wildcard", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringLike":{"aws:SourceVpc":"vpc-*"}}}`, policy.True},
		{"a fixed aws:SourceAccount", `{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}}`, policy.False},
		{"a negated key restricts nothing", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}`, policy.True},
		{"a policy variable is not fixed", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}}`, policy.True},
		{"a CIDR", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}`, policy.False},
		{"0.0.0.0/0 is everyone", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}`, policy.True},
		{"...IfExists passes without the key", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}`, policy.Unknown},
		{"an unrelated key restricts nothing", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`, policy.True},
		{"a key S3 does not list", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`, policy.Unknown},
		{"no bad action", `{"Effect":"Allow","Principal":"*","Action":"s3:ReplicateObject","Resource":"*"}`, policy.False},
		{"a pattern covering a bad action", `{"Effect":"Allow","Principal":"*","Action":"s3:*Object","Resource":"*"}`, policy.True},
		{"NotAction", `{"Effect":"Allow","Principal":"*","NotAction":"s3:DeleteBucket","Resource":"*"}`, policy.True},
		{"a Deny is never public", `{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}`, policy.False},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.ParseString(`{"Version":"2012-10-17","Statement":[` + tc.statement + `]}`)
			if err != nil {
				t.Fatal(err)
			}
			if got := publicPolicy(p); got != tc.want {
				t.Errorf("public = %s, want %s", got, tc.want)
			}
		})
	}
}

// The account's part of Block Public Access is worked out once for all its
// buckets: where the account's setting was not collected, its buckets share
// one gap (read-only), and a bucket's own gaps — its setting unreadable, or
// whether its policy is public not certain — are its own, added to a copy
// that leaves the shared one as it was.
func TestAccountBlockGapSharedByBuckets(t *testing.T) {
	const (
		public = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`
		orgID  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}]}`
	)
	pub, org := public, orgID
	g := smallWith(t, func(s *snapshot.Snapshot) {
		a := s.Accounts["111111111111"]
		a.S3Control = nil // not collected
		a.Regions["us-east-1"].S3 = &snapshot.S3{Buckets: []snapshot.Bucket{
			{Name: "plain1", Policy: &pub}, {Name: "uncertain", Policy: &org}, {Name: "plain2", Policy: &pub}, {Name: "unread"},
		}}
		a.Errors = append(a.Errors, snapshot.CollectionError{Service: "s3", Region: "us-east-1", Operation: "GetPublicAccessBlock", Resource: "arn:aws:s3:::unread", Code: "AccessDenied"})
	})
	gaps := func(name string) []Issue {
		r := g.Resource("arn:aws:s3:::" + name)
		if r == nil {
			t.Fatalf("no bucket %s", name)
		}
		pb := r.blockOf()
		if pb == nil {
			t.Fatalf("bucket %s has no Block Public Access", name)
		}
		if pb.restrict != policy.Unknown {
			t.Errorf("bucket %s: restrict %v, want unknown", name, pb.restrict)
		}
		return pb.gaps
	}
	const account = "the S3 Block Public Access of account 111111111111 was not collected"
	messages := func(l []Issue) string {
		var m []string
		for _, iss := range l {
			m = append(m, iss.Message)
		}
		return strings.Join(m, "|")
	}
	uncertain := gaps("uncertain") // its policy part appends first
	p1, p2 := gaps("plain1"), gaps("plain2")
	if messages(p1) != account || messages(p2) != account {
		t.Fatalf("plain buckets' gaps %q and %q, want the account's alone", messages(p1), messages(p2))
	}
	if &p1[0] != &p2[0] {
		t.Error("two buckets of the account each have a copy of its gap")
	}
	if got := messages(uncertain); !strings.HasPrefix(got, account+"|") || !strings.Contains(got, "not certain") {
		t.Errorf("uncertain bucket's gaps %q", got)
	}
	if got := messages(gaps("unread")); !strings.HasPrefix(got, "the Block Public Access of bucket unread was not collected") || !strings.HasSuffix(got, "|"+account) {
		t.Errorf("unread bucket's gaps %q", got)
	}
	if p1[0].Path != `accounts["111111111111"].s3control` || p1[0].Region != "" || p1[0].Item != "111111111111" {
		t.Errorf("the account's gap %+v", p1[0])
	}
}
