package scanner

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/mototest"
)

// seedAdmins gives each member account a role allowed everything, so that
// some answers are ALLOW in the complete snapshot (buckets included): the
// answers a refused layer must make uncertain.
func seedAdmins(ctx context.Context, t *testing.T, endpoint string, members []string) {
	t.Helper()
	stsc := sts.NewFromConfig(mototest.StaticConfig(endpoint, credentials.NewStaticCredentialsProvider("testing", "testing", "")))
	for _, acct := range members {
		ar, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("seed")})
		if err != nil {
			t.Fatal(err)
		}
		c := ar.Credentials
		ic := iam.NewFromConfig(mototest.StaticConfig(endpoint, credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))))
		if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String("Admin"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}]}`),
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String("Admin"), PolicyName: aws.String("all"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// scanThrough scans the seeded organization through endpoint and builds
// the access graph of the written snapshot.
func scanThrough(ctx context.Context, t *testing.T, endpoint string) (*snapshot.Snapshot, *graph.Graph) {
	t.Helper()
	clients, err := NewAWSClients(ctx, AWSOptions{Region: "us-east-1", EndpointURL: endpoint, MaxAttempts: 2, maxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	snap, _, err := Scan(ctx, clients, Options{Org: true, Regions: []string{"us-east-1"}, Version: "test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	loaded, _ := writeAndLoad(t, snap)
	return loaded, graph.Build(loaded, nil)
}

// question is one principal asked about one key or bucket.
type question struct{ principal, resource, action string }

// TestPartialCollectionNeverAllows is issue #12's end-to-end test: moto
// behind a proxy that refuses one operation at a time — the organization's
// ListPolicies, KMS GetKeyPolicy, KMS ListGrants (a server error, retried
// until the retryer gives up), S3 GetBucketPolicy — scanned, written,
// loaded, and asked, for every principal × every key (kms:Decrypt) and
// every bucket (decrypt: s3:GetObject and the KMS calls S3 makes), the
// same question as the complete scan. The property, for each answer a
// (complete) and a' (with the refusal):
//
//  1. a' is a or CONDITIONAL: less information never turns an answer
//     around, never makes one more certain (Kleene logic, docs/eval.md);
//  2. where the refused layer applies and could deny — the SCPs of a
//     member account's principal (Organizations UG, SCP evaluation), a
//     key's policy (KMS DG: every request needs it), a bucket's policy
//     (S3 UG: it may deny even its own account) — a' is not ALLOW; grants
//     only allow (KMS DG, grants), so without them an ALLOW that a grant
//     gave, or a DENY for want of an allow, is CONDITIONAL;
//  3. an answer that changed names the gap in its unknowns;
//  4. nothing was dropped: the same principals, keys and buckets, and the
//     refused call recorded in the snapshot's errors.
func TestPartialCollectionNeverAllows(t *testing.T) {
	endpoint := mototest.Start(t)
	ctx := context.Background()
	seeded := mototest.Seed(ctx, t, endpoint)
	seedAdmins(ctx, t, endpoint, seeded.Members)
	mototest.UseEnv(t)

	full, g0 := scanThrough(ctx, t, endpoint)
	if errs := mototest.UnexpectedIn(full); len(errs) > 0 || len(full.Organization.Errors) > 0 {
		t.Fatalf("the complete scan has errors: %+v %+v", errs, full.Organization.Errors)
	}
	var questions []question
	for _, p := range g0.Principals() {
		for _, k := range g0.Keys() {
			questions = append(questions, question{p.ARN, k.ARN, "kms:Decrypt"})
		}
		for _, r := range g0.Resources() {
			if r.Type == "s3:bucket" {
				questions = append(questions, question{p.ARN, r.ARN, "decrypt"})
			}
		}
	}
	answers := map[question]*graph.Answer{}
	for _, q := range questions {
		a, err := g0.Can(graph.Query{Principal: q.principal, Action: q.action, Resource: q.resource, ChainDepth: -1})
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		answers[q] = a
	}

	member := func(p string) bool {
		acct := strings.Split(p, ":")[4]
		return acct != seeded.Management && slices.Contains(seeded.Members, acct)
	}
	isBucket := func(q question) bool { return strings.HasPrefix(q.resource, "arn:aws:s3:::") }
	cases := []struct {
		refusal
		// recorded says how the snapshot records the refused calls.
		recorded func(s *snapshot.Snapshot) int
		// couldDeny says whether the refused layer applies to q and may deny it.
		couldDeny func(q question) bool
		// gap is what the unknowns of a changed answer say.
		gap string
	}{
		{
			refusal: refusal{
				op: "ListPolicies", matches: targetIs("ListPolicies"), status: 400,
				body: `{"__type":"AccessDeniedException","message":"You don't have permissions to access this resource."}`,
			},
			recorded: func(s *snapshot.Snapshot) int {
				n := 0
				for _, e := range s.Organization.Errors {
					if e.Operation == "ListPolicies" && e.Code == "AccessDeniedException" {
						n++
					}
				}
				return n
			},
			// SCPs are enabled in the seeded root; RCPs are not, so their
			// failed listing is no gap.
			couldDeny: func(q question) bool { return member(q.principal) },
			gap:       "SCPs could not be listed (organizations ListPolicies failed: AccessDeniedException",
		},
		{
			refusal: refusal{
				op: "GetKeyPolicy", matches: targetIs("GetKeyPolicy"), status: 400,
				body: `{"__type":"AccessDeniedException","message":"User is not authorized to perform: kms:GetKeyPolicy"}`,
			},
			recorded:  accountErrors("GetKeyPolicy", "AccessDeniedException"),
			couldDeny: func(question) bool { return true },
			gap:       "key policy not collected",
		},
		{
			refusal: refusal{
				op: "ListGrants", matches: targetIs("ListGrants"), status: 500,
				body: `{"__type":"KMSInternalException","message":"internal error"}`,
			},
			recorded:  accountErrors("ListGrants", "KMSInternalException"),
			couldDeny: func(question) bool { return false },
			gap:       "grants not collected",
		},
		{
			refusal: refusal{
				op: "GetBucketPolicy", status: 403,
				matches: func(r *http.Request) bool { _, ok := r.URL.Query()["policy"]; return r.Method == http.MethodGet && ok },
				body:    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`,
			},
			recorded:  accountErrors("GetBucketPolicy", "AccessDenied"),
			couldDeny: isBucket,
			gap:       "s3 GetBucketPolicy failed: AccessDenied",
		},
	}
	for _, tc := range cases {
		t.Run("refused "+tc.op, func(t *testing.T) {
			proxyURL, refused := refusingProxy(t, endpoint, tc.refusal)
			partial, g := scanThrough(ctx, t, proxyURL)
			if refused.Load() == 0 {
				t.Fatalf("the proxy never saw %s", tc.op)
			}
			if n := tc.recorded(partial); n == 0 {
				t.Errorf("no %s error recorded in the snapshot", tc.op)
			}
			// Nothing dropped.
			if len(g.Principals()) != len(g0.Principals()) || len(g.Keys()) != len(g0.Keys()) || len(g.Resources()) != len(g0.Resources()) {
				t.Fatalf("items dropped: principals %d/%d keys %d/%d resources %d/%d",
					len(g.Principals()), len(g0.Principals()), len(g.Keys()), len(g0.Keys()), len(g.Resources()), len(g0.Resources()))
			}
			changed, uncertainAllow := 0, 0
			for _, q := range questions {
				was := answers[q]
				a, err := g.Can(graph.Query{Principal: q.principal, Action: q.action, Resource: q.resource, ChainDepth: -1})
				if err != nil {
					t.Fatalf("%+v: %v", q, err)
				}
				if a.Decision != was.Decision && a.Decision != eval.Conditional {
					t.Errorf("%s %s %s: %s without %s, %s with it", q.principal, q.action, q.resource, a.Decision, tc.op, was.Decision)
				}
				if tc.couldDeny(q) && a.Decision == eval.Allow {
					t.Errorf("%s %s %s: ALLOW though %s was refused and could deny", q.principal, q.action, q.resource, tc.op)
				}
				if a.Decision == was.Decision {
					continue
				}
				changed++
				if was.Decision == eval.Allow {
					uncertainAllow++
				}
				if !slices.ContainsFunc(a.Unknowns, func(i graph.Issue) bool { return strings.Contains(i.Message, tc.gap) }) {
					t.Errorf("%s %s %s: %s (was %s) without naming the gap %q: %v", q.principal, q.action, q.resource, a.Decision, was.Decision, tc.gap, a.Unknowns)
				}
			}
			t.Logf("%s refused: %d answers changed, %d of them ALLOW before", tc.op, changed, uncertainAllow)
			// The refusal mattered: some answers that were ALLOW are not.
			if uncertainAllow == 0 {
				t.Errorf("refusing %s changed %d answers (%d ALLOW): the test does not exercise it", tc.op, changed, uncertainAllow)
			}
		})
	}
}

// accountErrors counts the accounts' recorded errors of an operation and code.
func accountErrors(op, code string) func(*snapshot.Snapshot) int {
	return func(s *snapshot.Snapshot) int {
		n := 0
		for _, a := range s.Accounts {
			for _, e := range a.Errors {
				if e.Operation == op && e.Code == code {
					n++
				}
			}
		}
		return n
	}
}
