package graph_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Two spellings of one question to the access graph must get one answer
// (keyhound can). The rewrites name the same key, caller and request in
// another way:
//
//   - the key by its ARN, its alias ARN, its alias name or its key ID (with
//     --region; a name resolves in the caller's account, as AWS resolves it:
//     KMS DG, concepts.html#key-id);
//   - the encryption context as --encryption-context pairs or as --context
//     kms:EncryptionContext:K (and kms:EncryptionContextKeys) keys (KMS DG,
//     conditions-kms.html; KMS API Reference, GrantConstraints);
//   - a role session or its role (IAM UG,
//     reference_policies_elements_principal.html#principal-roles: a role in
//     a Principal element covers its sessions).
//
// Both queries must give the same decision (with role chains), direct
// decision and denying layers. A rewrite that knows less (pairs without
// kms:EncryptionContextKeys) must give the same decision or CONDITIONAL.
func TestEquivalentQueries(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	graphs := []struct {
		name string
		g    *graph.Graph
	}{
		{"demo", graph.Build(s, errs)},
		{"generated", graph.Build(gen.Organization(gen.Options{Accounts: 4, Regions: 2, RolesPerAccount: 6, KeysPerRegion: 2, ResourcesPerKey: 1, Seed: 12}), nil)},
	}
	for _, tg := range graphs {
		t.Run(tg.name, func(t *testing.T) {
			g := tg.g
			var callers []string
			for _, p := range g.Principals() {
				callers = append(callers, p.ARN)
				if p.Kind == arn.KindRole {
					callers = append(callers, "arn:aws:sts::"+p.Account+":assumed-role/"+p.Name+"/s")
				}
			}
			keys := g.Keys()
			const n = 400
			checked := map[string]int{}
			for i := range n {
				rng := rand.New(rand.NewPCG(12, uint64(i)))
				q, key := genQuery(rng, callers, keys)
				want := ask(t, g, q)
				for _, rw := range queryRewrites {
					rq, ok := rw.apply(g, q, key)
					if !ok {
						continue
					}
					checked[rw.name]++
					got := ask(t, g, rq)
					if rw.weaker {
						if got.Decision != eval.Conditional && got.Decision != want.Decision {
							t.Errorf("rewrite %q: %s, then %s knowing less\noriginal:  %s\nrewritten: %s", rw.name, want.Decision, got.Decision, queryText(q), queryText(rq))
						}
						continue
					}
					if got.Decision != want.Decision || got.DirectDecision != want.DirectDecision || !slices.Equal(got.DeniedBy, want.DeniedBy) {
						t.Errorf("rewrite %q: %s (direct %s) %v, then %s (direct %s) %v\noriginal:  %s\nrewritten: %s", rw.name,
							want.Decision, want.DirectDecision, want.DeniedBy, got.Decision, got.DirectDecision, got.DeniedBy, queryText(q), queryText(rq))
					}
				}
				if t.Failed() {
					return
				}
			}
			t.Logf("%d queries; rewrites applied: %v", n, checked)
			for _, rw := range queryRewrites {
				if checked[rw.name] < n/20 {
					t.Errorf("rewrite %q applied to %d queries only", rw.name, checked[rw.name])
				}
			}
		})
	}
}

func ask(t *testing.T, g *graph.Graph, q graph.Query) *graph.Answer {
	t.Helper()
	a, err := g.Can(q)
	if err != nil {
		t.Fatalf("%s: %v", queryText(q), err)
	}
	return a
}

// queryText is the query as keyhound can's command line.
func queryText(q graph.Query) string {
	var b strings.Builder
	b.WriteString("keyhound can")
	if q.Region != "" {
		fmt.Fprintf(&b, " --region %s", q.Region)
	}
	for _, k := range slices.Sorted(maps.Keys(q.Context)) {
		if q.Context[k] == nil {
			fmt.Fprintf(&b, " --absent %s", k)
		}
		for _, v := range q.Context[k] {
			fmt.Fprintf(&b, " --context %s=%s", k, v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(q.EncryptionContext)) {
		fmt.Fprintf(&b, " --encryption-context %s=%s", k, q.EncryptionContext[k])
	}
	if q.EncryptionContext != nil && len(q.EncryptionContext) == 0 {
		b.WriteString(" (empty encryption context)")
	}
	if q.ContextComplete {
		b.WriteString(" --context-complete")
	}
	fmt.Fprintf(&b, " --chain-depth %d %s %s %s", q.ChainDepth, q.Principal, q.Action, q.Resource)
	return b.String()
}

// genQuery draws a query; half of them ask for what a grant allows, by its
// grantee, with an encryption context near the grant's constraints.
func genQuery(rng *rand.Rand, callers []string, keys []*graph.Key) (graph.Query, *graph.Key) {
	key := keys[rng.IntN(len(keys))]
	q := graph.Query{
		Principal:  callers[rng.IntN(len(callers))],
		Action:     []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncryptFrom"}[rng.IntN(6)],
		Resource:   key.ARN,
		ChainDepth: []int{-1, 0}[rng.IntN(2)],
	}
	pairs := map[string][]string{"department": {"finance", "sales"}, "app": {"x"}, "aws:s3:arn": {"arn:aws:s3:::kh-demo-reports/report.csv"}}
	var granted []*graph.Key
	for _, k := range keys {
		if len(k.Grants) > 0 {
			granted = append(granted, k)
		}
	}
	if len(granted) > 0 && rng.IntN(2) == 0 {
		key = granted[rng.IntN(len(granted))]
		gr := key.Grants[rng.IntN(len(key.Grants))]
		q.Resource, q.Action = key.ARN, "kms:"+gr.Operations[rng.IntN(len(gr.Operations))]
		q.Principal = gr.GranteePrincipal
		if p, err := arn.ParsePrincipal(gr.GranteePrincipal); err == nil && p.Kind == arn.KindRole {
			q.Principal = "arn:aws:sts::" + p.AccountID + ":assumed-role/" + p.Name + "/s"
		}
		if c := gr.Constraints; c != nil {
			for k, v := range c.EncryptionContextSubset {
				pairs[k] = append(pairs[k], v)
			}
			for k, v := range c.EncryptionContextEquals {
				pairs[k] = append(pairs[k], v)
			}
		}
	}
	if rng.IntN(4) > 0 {
		q.EncryptionContext = map[string]string{}
		for _, k := range slices.Sorted(maps.Keys(pairs)) {
			if rng.IntN(2) == 0 {
				q.EncryptionContext[k] = pairs[k][rng.IntN(len(pairs[k]))]
			}
		}
	}
	if rng.IntN(3) == 0 {
		q.Context = map[string][]string{"aws:SourceVpce": nil}
	}
	q.ContextComplete = rng.IntN(4) == 0
	return q, key
}

type queryRewrite struct {
	name   string
	weaker bool
	apply  func(*graph.Graph, graph.Query, *graph.Key) (graph.Query, bool)
}

// sameAccount reports whether the caller is in the key's account, where a
// key ID or alias name resolves.
func sameAccount(q graph.Query, key *graph.Key) bool {
	p, err := arn.ParsePrincipal(q.Principal)
	return err == nil && p.AccountID == key.Account
}

func withContext(q graph.Query) graph.Query {
	ctx := map[string][]string{}
	maps.Copy(ctx, q.Context)
	q.Context = ctx
	return q
}

var queryRewrites = []queryRewrite{
	{name: "alias ARN for the key ARN", apply: func(_ *graph.Graph, q graph.Query, key *graph.Key) (graph.Query, bool) {
		if len(key.Aliases) == 0 {
			return q, false
		}
		q.Resource = "arn:aws:kms:" + key.Region + ":" + key.Account + ":" + key.Aliases[0]
		return q, true
	}},
	{name: "alias name with --region for the key ARN", apply: func(_ *graph.Graph, q graph.Query, key *graph.Key) (graph.Query, bool) {
		if len(key.Aliases) == 0 || !sameAccount(q, key) {
			return q, false
		}
		q.Resource, q.Region = key.Aliases[0], key.Region
		return q, true
	}},
	{name: "key ID with --region for the key ARN", apply: func(_ *graph.Graph, q graph.Query, key *graph.Key) (graph.Query, bool) {
		if !sameAccount(q, key) {
			return q, false
		}
		q.Resource, q.Region = key.ID, key.Region
		return q, true
	}},
	{name: "encryption context as condition keys", apply: func(_ *graph.Graph, q graph.Query, _ *graph.Key) (graph.Query, bool) {
		if q.EncryptionContext == nil {
			return q, false
		}
		q = withContext(q)
		keys := []string{}
		for k, v := range q.EncryptionContext {
			q.Context["kms:EncryptionContext:"+k] = []string{v}
			keys = append(keys, k)
		}
		if len(keys) == 0 {
			q.Context["kms:EncryptionContextKeys"] = nil // no encryption context
		} else {
			q.Context["kms:EncryptionContextKeys"] = keys
		}
		q.EncryptionContext = nil
		return q, true
	}},
	{name: "encryption-context pairs alone", weaker: true, apply: func(_ *graph.Graph, q graph.Query, _ *graph.Key) (graph.Query, bool) {
		if q.EncryptionContext == nil {
			return q, false
		}
		q = withContext(q)
		for k, v := range q.EncryptionContext {
			q.Context["kms:EncryptionContext:"+k] = []string{v}
		}
		q.EncryptionContext = nil
		return q, true
	}},
	{name: "role for its session", apply: func(g *graph.Graph, q graph.Query, _ *graph.Key) (graph.Query, bool) {
		p, err := arn.ParsePrincipal(q.Principal)
		if err != nil || p.Kind != arn.KindAssumedRole {
			return q, false
		}
		role := g.Role(p.AccountID, p.Name)
		if role == nil {
			return q, false
		}
		q.Principal = role.ARN
		return q, true
	}},
}

// The demo's batch-reports grant lets the Batch role decrypt with the
// reports key when the encryption context has department=finance (KMS API
// Reference, GrantConstraints). keyhound can --context
// kms:EncryptionContext:department=finance says that as well as
// --encryption-context department=finance: the graph passes the query's
// context into the request, where the grant reads it.
func TestGrantConstraintFromContextKeys_Can(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	g := graph.Build(s, errs)
	base := graph.Query{Principal: "arn:aws:sts::222222222222:assumed-role/Batch/job", Action: "kms:Decrypt", Resource: demo.ReportsKey, ChainDepth: -1}
	for _, tc := range []struct {
		name     string
		ctx      map[string][]string
		ec       map[string]string
		complete bool
		want     eval.Verdict
	}{
		{name: "--encryption-context", ec: map[string]string{"department": "finance"}, want: eval.Allow},
		{name: "--context", ctx: map[string][]string{"kms:EncryptionContext:department": {"finance"}}, want: eval.Allow},
		{name: "--context --context-complete", ctx: map[string][]string{"kms:EncryptionContext:department": {"finance"}}, complete: true, want: eval.Allow},
		{name: "--context with another department", ctx: map[string][]string{"kms:EncryptionContext:department": {"sales"}}, want: eval.Deny},
		{name: "--absent", ctx: map[string][]string{"kms:EncryptionContext:department": nil}, want: eval.Deny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := base
			q.Context, q.EncryptionContext, q.ContextComplete = tc.ctx, tc.ec, tc.complete
			a := ask(t, g, q)
			if a.Decision != tc.want {
				t.Fatalf("%s: %s %v, want %s", queryText(q), a.Decision, a.DeniedBy, tc.want)
			}
			for _, rs := range a.Reasons {
				if rs.Layer == eval.LayerGrant && rs.Grant != "" && len(rs.Conditions) > 0 {
					if c := rs.Conditions[0]; c.Key != "kms:EncryptionContext:department" || !c.Known {
						t.Errorf("grant constraint explained as %+v", c)
					}
				}
			}
		})
	}
}
