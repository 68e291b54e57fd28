package escalation_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Completeness at depth 1, for the kinds of step that are one call: every
// principal that who-can does not list, every call of those kinds it is
// allowed (asked one by one, on every target of its account), made on a
// copy of the snapshot; when plain who-can then lists it, Paths with depth
// 1 must have found it. Credentials and compute change no policy: a
// principal allowed to take a user's credentials, or to run a function as
// a role, that can act on the key itself must be found too.
func TestDepthOneIsComplete(t *testing.T) {
	const action = "kms:Decrypt"
	found := 0
	for _, bc := range bruteCases(t) {
		t.Run(bc.name, func(t *testing.T) {
			g := build(t, bc.s)
			for _, key := range g.Keys() {
				if key.Manager() == eval.KeyManagerAWS {
					continue
				}
				paths, err := escalation.Paths(g, key.ARN, escalation.Options{Depth: 1})
				if err != nil {
					t.Fatal(err)
				}
				before := listed(t, g, key.ARN, action)
				direct := map[string]bool{}
				who, err := g.WhoCan(action, key.ARN, "", 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range who {
					direct[w.Principal] = true
				}
				for _, p := range g.Principals() {
					if _, ok := before[p.ARN]; ok {
						continue
					}
					want := ""
					for _, st := range oneCallSteps(t, g, bc.s, key, p) {
						s := clone(t, bc.s)
						apply(t, s, key, st, action)
						if v, ok := listed(t, build(t, s), key.ARN, action)[p.ARN]; ok && v != eval.Deny {
							want = st.Kind
							break
						}
					}
					if want == "" {
						want = takeOver(g, bc.s, key, p, direct)
					}
					if want == "" {
						continue
					}
					found++
					if find(paths, p.ARN) == nil {
						t.Errorf("%s: %s can gain access by %s, Paths(depth 1) misses it", key.ARN, p.ARN, want)
					}
				}
			}
		})
	}
	if found < 10 {
		t.Errorf("only %d principals checked: the fixtures no longer exercise the search", found)
	}
}

// oneCallSteps are the calls of the one-call kinds p is allowed (not DENY)
// on the key and on every target of its account that could widen it.
func oneCallSteps(t *testing.T, g *graph.Graph, s *snapshot.Snapshot, key *graph.Key, p *graph.Principal) []escalation.Step {
	t.Helper()
	var targets []string
	if a := s.Accounts[p.Account]; a != nil && a.IAM != nil {
		for _, gd := range a.IAM.GroupDetailList {
			targets = append(targets, gd.Arn)
		}
		for _, mp := range a.IAM.Policies {
			targets = append(targets, mp.Arn)
		}
	}
	var out []escalation.Step
	ask := func(kind, action, target string, ctx map[string][]string) *escalation.Step {
		a, err := g.Can(graph.Query{Principal: p.ARN, Action: action, Resource: target, Context: ctx, ChainDepth: -1})
		if err == nil && a.Decision != eval.Deny {
			out = append(out, escalation.Step{Principal: p.ARN, Kind: kind, Action: action, Target: target, Widens: p.ARN})
			return &out[len(out)-1]
		}
		return nil
	}
	ask("PutKeyPolicy", "kms:PutKeyPolicy", key.ARN, map[string][]string{"kms:ViaService": nil})
	ask("CreateGrant", "kms:CreateGrant", key.ARN, map[string][]string{"kms:GrantOperations": {"Decrypt"}, "kms:GranteePrincipal": {p.ARN}, "kms:GrantIsForAWSResource": {"false"}, "kms:ViaService": nil})
	for _, k := range escalation.Kinds() {
		switch {
		case k.Effect == escalation.EffectGroup && p.Kind == arn.KindUser:
			for _, tg := range targets {
				ask(k.Name, k.Actions[0], tg, nil)
			}
		case k.Effect == escalation.EffectVersion:
			// Every existing version of every policy of its account.
			for _, mp := range s.Accounts[p.Account].IAM.Policies {
				for _, v := range mp.PolicyVersionList {
					if st := ask(k.Name, k.Actions[0], mp.Arn, nil); st != nil {
						st.Version = v.VersionID
					}
				}
			}
		case k.Effect != escalation.EffectIdentity && k.Effect != escalation.EffectNoBoundary:
		case k.Target == escalation.TargetUser && p.Kind == arn.KindUser, k.Target == escalation.TargetRole && p.Kind == arn.KindRole:
			ask(k.Name, k.Actions[0], p.ARN, nil)
		case k.Target == escalation.TargetGroup || k.Target == escalation.TargetPolicy:
			for _, tg := range targets {
				ask(k.Name, k.Actions[0], tg, nil)
			}
		}
	}
	return out
}

// takeOver names a one-call way p acts as a principal that can act on the
// key itself (direct): a user's credentials, a role run by a compute step.
func takeOver(g *graph.Graph, s *snapshot.Snapshot, key *graph.Key, p *graph.Principal, direct map[string]bool) string {
	can := func(q graph.Query) bool {
		q.ChainDepth = -1
		a, err := g.Can(q)
		return err == nil && a.Decision != eval.Deny
	}
	for _, u := range g.PrincipalsOf(p.Account) {
		if u == p || !direct[u.ARN] {
			continue
		}
		if u.Kind == arn.KindUser {
			for _, act := range []string{"iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"} {
				if can(graph.Query{Principal: p.ARN, Action: act, Resource: u.ARN}) {
					return act
				}
			}
			continue
		}
		// A function of the snapshot that runs as u, its code replaced and
		// invoked: asked on the caller's identity side (graph.Can would
		// read the function's ARN as a question about the data under it).
		for _, r := range s.Accounts[p.Account].Regions {
			if r.Lambda == nil {
				continue
			}
			for _, f := range r.Lambda.Functions {
				if f.Role != u.ARN || !can(graph.Query{Principal: "lambda.amazonaws.com", Action: "sts:AssumeRole", Resource: u.ARN}) {
					continue
				}
				ok := true
				for _, a := range []string{"lambda:UpdateFunctionCode", "lambda:InvokeFunction"} {
					r, _, err := g.Request(graph.Query{Principal: p.ARN, Action: a, Resource: f.FunctionArn, WhatIf: &graph.WhatIf{NewResource: true}})
					if err != nil {
						ok = false
						break
					}
					d, err := eval.Evaluate(r)
					ok = ok && err == nil && d.Verdict != eval.Deny
				}
				if ok {
					return "lambda:UpdateFunctionCode"
				}
			}
		}
		// A compute step of the table on role u: its new resource (the one
		// the search asks about), the service's trust, the calls and the
		// iam:PassRole to the service. EC2 needs an instance profile, which
		// the fixtures give no role that can decrypt.
		for _, k := range escalation.Kinds() {
			if k.Effect != escalation.EffectCompute || k.Service == "ec2.amazonaws.com" {
				continue
			}
			svc, _, _ := strings.Cut(k.Actions[0], ":")
			res := "arn:aws:" + svc + ":" + key.Region + ":" + p.Account + ":" + k.Resource
			ok := can(graph.Query{Principal: k.Service, Action: "sts:AssumeRole", Resource: u.ARN}) &&
				can(graph.Query{Principal: p.ARN, Action: "iam:PassRole", Resource: u.ARN, Context: map[string][]string{"iam:PassedToService": {k.Service}}})
			for _, a := range slices.Concat(k.Actions[:1], k.Actions[2:]) {
				ok = ok && can(graph.Query{Principal: p.ARN, Action: a, Resource: res, WhatIf: &graph.WhatIf{NewResource: true}})
			}
			if ok {
				return k.Actions[0]
			}
		}
	}
	return ""
}
