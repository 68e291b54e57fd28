package graph

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

const (
	demoAnn     = "arn:aws:iam::111111111111:user/ann"
	demoS3Key   = "arn:aws:kms:us-east-1:111111111111:alias/aws/s3"
	demoS3Via   = "s3.us-east-1.amazonaws.com"
	demoLegacyB = "arn:aws:s3:::kh-demo-legacy-exports"
)

func demoGraph(t *testing.T) *Graph {
	t.Helper()
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil || len(errs) > 0 {
		t.Fatalf("demo: %v %v", err, errs)
	}
	return Build(s, errs)
}

// An AWS managed key is used through its service: "All AWS managed keys use a
// kms:ViaService condition key in their key policy document" (KMS DG,
// "kms:ViaService"; "AWS managed keys"). With nothing said of how the call is
// made, a caller who can decrypt only through S3 is CONDITIONAL on
// kms:ViaService — not DENY, which would answer a direct call the user did not
// ask about. The direct call and the call through S3 are answered when asked.
func TestServiceOnlyKeyConditionalOnViaService(t *testing.T) {
	g := demoGraph(t)
	for _, tc := range []struct {
		name     string
		ctx      map[string][]string
		complete bool
		want     eval.Verdict
	}{
		{"nothing said: CONDITIONAL on kms:ViaService", nil, false, eval.Conditional},
		{"--context-complete: the direct call", nil, true, eval.Deny},
		{"--absent kms:ViaService: the direct call", map[string][]string{"kms:ViaService": nil}, false, eval.Deny},
		{"condition keys are case-insensitive", map[string][]string{"KMS:viaservice": nil}, false, eval.Deny},
		{"through S3", map[string][]string{"kms:ViaService": {demoS3Via}}, false, eval.Allow},
		{"through another service", map[string][]string{"kms:ViaService": {"sqs.us-east-1.amazonaws.com"}}, false, eval.Deny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := g.Can(Query{Principal: demoAnn, Action: "kms:Decrypt", Resource: demoS3Key, Context: tc.ctx, ContextComplete: tc.complete, ChainDepth: -1})
			if err != nil {
				t.Fatal(err)
			}
			if a.Decision != tc.want {
				t.Fatalf("decision %s, want %s", a.Decision, tc.want)
			}
			if tc.want == eval.Conditional && !slices.ContainsFunc(a.Conditions, func(r eval.Residual) bool {
				return r.Key == "kms:ViaService" && slices.Equal(r.Values, []string{demoS3Via}) && r.Effect == policy.Allow
			}) {
				t.Errorf("conditions %+v lack kms:ViaService = %s", a.Conditions, demoS3Via)
			}
		})
	}
}

// A call through a service carries kms:ViaService and aws:ViaAWSService true;
// a direct call neither (IAM UG, "AWS global condition context keys",
// aws:ViaAWSService; "Forward access sessions"). The two move together, so a
// policy on aws:ViaAWSService is read consistently with kms:ViaService.
func TestViaAWSServiceFollowsViaService(t *testing.T) {
	g := demoGraph(t)
	for _, tc := range []struct {
		name string
		ctx  map[string][]string
		want []string
		pres policy.Presence
	}{
		{"unknown with kms:ViaService", nil, nil, policy.PresenceUnknown},
		{"false for a direct call", map[string][]string{"kms:ViaService": nil}, []string{"false"}, policy.PresencePresent},
		{"true through a service", map[string][]string{"kms:ViaService": {demoS3Via}}, []string{"true"}, policy.PresencePresent},
		{"given wins", map[string][]string{"kms:ViaService": {demoS3Via}, "aws:ViaAWSService": {"false"}}, []string{"false"}, policy.PresencePresent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _, err := g.Request(Query{Principal: demoAnn, Action: "kms:Decrypt", Resource: demoS3Key, Context: tc.ctx})
			if err != nil {
				t.Fatal(err)
			}
			got, pres := r.Context.Get("aws:ViaAWSService")
			if pres != tc.pres || !slices.Equal(got, tc.want) {
				t.Errorf("aws:ViaAWSService = %v (%v), want %v (%v)", got, pres, tc.want, tc.pres)
			}
		})
	}
	// Other actions are direct calls: sts:AssumeRole keeps aws:ViaAWSService false.
	r, _, err := g.Request(Query{Principal: demoAnn, Action: "sts:AssumeRole", Resource: "arn:aws:iam::111111111111:role/KeyAdmin"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Context.Get("aws:ViaAWSService"); !slices.Equal(got, []string{"false"}) {
		t.Errorf("sts:AssumeRole: aws:ViaAWSService = %v, want false", got)
	}
}

// who-can on an AWS managed key never says "nobody" while someone can read
// data under it: it lists who may decrypt through S3 (CONDITIONAL, the
// condition shown) and, for the bucket the key encrypts, who reads it. The
// key policy's "*" limited by kms:CallerAccount is the account's principals,
// not the public.
func TestWhoCanServiceOnlyKey(t *testing.T) {
	g := demoGraph(t)
	who, err := g.WhoCan("decrypt", demoS3Key, "", DefaultChainDepth)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(who, func(w Who) bool { return w.Principal == demoAnn })
	if i < 0 {
		t.Fatalf("who-can on %s lacks %s: %+v", demoS3Key, demoAnn, who)
	}
	if w := who[i]; w.Decision != eval.Conditional || len(w.Conditions) == 0 || w.Conditions[0].Key != "kms:ViaService" {
		t.Errorf("ann: %s %+v, want CONDITIONAL on kms:ViaService", w.Decision, w.Conditions)
	}
	for _, w := range who {
		if w.Principal == "*" || w.External {
			t.Errorf("%s (external %v) listed: the key's \"*\" is limited to its own account by kms:CallerAccount", w.Principal, w.External)
		}
		if w.Decision == eval.Allow {
			t.Errorf("%s ALLOW: an AWS managed key cannot be used directly", w.Principal)
		}
	}
	// Every answer agrees with can, principal by principal.
	for _, w := range who {
		a, err := g.Can(Query{Principal: w.Principal, Action: "kms:Decrypt", Resource: demoS3Key})
		if err != nil {
			t.Fatal(err)
		}
		if a.Decision != w.Decision {
			t.Errorf("%s: who-can %s, can %s", w.Principal, w.Decision, a.Decision)
		}
	}
	key, err := g.ResolveKey(demoS3Key, "", "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := g.WhoCanReadData("decrypt", key.ARN, DefaultChainDepth)
	if err != nil {
		t.Fatal(err)
	}
	j := slices.IndexFunc(data, func(d ResourceAccess) bool { return d.Resource == demoLegacyB })
	if j < 0 {
		t.Fatalf("data under %s lacks %s: %+v", demoS3Key, demoLegacyB, data)
	}
	if d := data[j]; d.Action != "s3:GetObject" || !slices.ContainsFunc(d.Principals, func(w Who) bool { return w.Principal == demoAnn && w.Decision == eval.Allow }) {
		t.Errorf("%s: %s %+v, want s3:GetObject with ann ALLOW", d.Resource, d.Action, d.Principals)
	}
	// The resource-level answer is who-can on the resource itself.
	direct, err := g.WhoCan("decrypt", demoLegacyB, "", DefaultChainDepth)
	if err != nil {
		t.Fatal(err)
	}
	if len(direct) != len(data[j].Principals) {
		t.Errorf("who-can on the bucket: %d answers, through the key: %d", len(direct), len(data[j].Principals))
	}
	if d, _ := g.WhoCanReadData("kms:Encrypt", key.ARN, DefaultChainDepth); d != nil {
		t.Errorf("kms:Encrypt reads no data: %+v", d)
	}
}

// A customer managed key whose policy allows only through a service is used
// the same way: DataEngineer reads alias/secrets only through Secrets
// Manager (key policy statement "AnalyticsReadsThroughSecretsManager").
func TestCustomerKeyAllowedOnlyThroughService(t *testing.T) {
	g := demoGraph(t)
	const engineer = "arn:aws:iam::222222222222:role/DataEngineer"
	a, err := g.Can(Query{Principal: engineer, Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:alias/secrets", ChainDepth: -1})
	if err != nil {
		t.Fatal(err)
	}
	if a.Decision != eval.Conditional {
		t.Fatalf("decision %s, want CONDITIONAL on kms:ViaService", a.Decision)
	}
	cls := eval.Clauses(a.Conditions)
	if len(cls) != 1 || !strings.HasPrefix(cls[0].Text(), "allowed only if kms:ViaService StringEquals secretsmanager.") {
		t.Fatalf("clauses %+v", cls)
	}
	// Cross-account, the caller's own account must allow too: the trace
	// shows the identity statement beside the key policy's condition.
	comp := eval.Companions(a.Request, a.Reasons, cls[0])
	if !slices.ContainsFunc(comp, func(rs eval.Reason) bool {
		return rs.Layer == eval.LayerIdentityPolicy && rs.Outcome == eval.OutcomeAllows
	}) {
		t.Errorf("companions %+v lack the identity policy that must also allow", comp)
	}
}
