package escalation

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// version is an existing, non-default version of a customer managed
// policy: iam:SetDefaultPolicyVersion can make it the policy's default
// (IAM UG, "Versioning IAM policies"). The graph keeps only default
// versions; the Searcher keeps these, parsed, for the accounts where some
// principal may call SetDefaultPolicyVersion.
type version struct {
	policy string // the policy's ARN
	id     string // the version's ID ("v2")
	np     eval.NamedPolicy
}

// versionsOf returns an account's non-default versions of customer
// managed policies that parse (one that does not is left out: what it
// allows is unknown).
func versionsOf(iam *snapshot.IAM) []*version {
	var out []*version
	for i := range iam.Policies {
		mp := &iam.Policies[i]
		if len(mp.PolicyVersionList) < 2 || strings.Contains(mp.Arn, ":iam::aws:policy/") {
			continue // one version, or an AWS managed policy (customers cannot set its default)
		}
		def, _ := mp.DefaultDocument()
		for _, v := range mp.PolicyVersionList {
			if v.IsDefaultVersion || v.VersionID == mp.DefaultVersionID || v.Document == def {
				continue
			}
			p, err := policy.ParseString(v.Document)
			if err != nil {
				continue
			}
			name := mp.PolicyName
			if name == "" {
				name = mp.Arn[strings.LastIndexByte(mp.Arn, '/')+1:]
			}
			out = append(out, &version{policy: mp.Arn, id: v.VersionID, np: eval.NamedPolicy{Name: name + " (version " + v.VersionID + ")", ARN: mp.Arn, Policy: p}})
		}
	}
	return out
}

// mayAllowKey is a cheap filter: whether the version has an Allow
// statement for the action whose resources may match the key.
func (v *version) mayAllowKey(action, key string) bool {
	for i := range v.np.Policy.Statements {
		st := &v.np.Policy.Statements[i]
		if st.Effect == policy.Allow && st.MatchesAction(action) && st.MatchesResource(key, noContext) != policy.False {
			return true
		}
	}
	return false
}

// seedVersions adds, for each user or role an iam:SetDefaultPolicyVersion
// writer may act as (its reach) with a customer managed policy attached
// (itself or through a group), the existing versions of that policy that,
// made its default, let it act on the key. The hypothetical adds the
// version to its identity policies and keeps the current default: that
// default did not let it act on the key, and its denies still apply (a
// path they would not stop in AWS may be missed, none is made up).
func (s *search) seedVersions() {
	for _, k := range kinds {
		if k.Effect == EffectVersion {
			s.seedVersionsBy(k)
		}
	}
}

func (s *search) seedVersionsBy(k Kind) {
	action := strings.ToLower(s.action)
	for _, account := range sortedAccounts(s.capableBy(k.Actions[0])) {
		if !s.keyTrusts(account) {
			continue
		}
		var versions []*version
		for _, v := range s.versions[account] {
			if v.mayAllowKey(action, s.key.ARN) {
				versions = append(versions, v)
			}
		}
		if len(versions) == 0 {
			continue
		}
		for _, w := range s.capableBy(k.Actions[0])[account] {
			for _, t := range s.reach(w) {
				if t.Account != account || t.Kind != arn.KindUser && t.Kind != arn.KindRole || s.direct.has(t) {
					continue
				}
				for _, v := range versions {
					if !attached(t, v.policy) || !mayAllow(w, k.Actions[0], v.policy) {
						continue
					}
					if !slices.Contains(s.versionWriters[t], w) {
						s.versionWriters[t] = append(s.versionWriters[t], w)
					}
					after := &graph.WhatIf{IdentityPolicies: []eval.NamedPolicy{v.np}}
					last := s.keyStep(t.ARN, after, "version "+v.policy+" "+v.id)
					if last.Decision == eval.Deny {
						continue
					}
					s.add(&node{st: state{t, goal{target: t, mods: modVersion, version: v}}, verdict: last.Decision, steps: []Step{last}})
				}
			}
		}
	}
}

// attached reports whether managed policy arn applies to p (attached to
// it or to one of its groups).
func attached(p *graph.Principal, policyARN string) bool {
	for _, np := range p.Policies {
		if np.ARN == policyARN {
			return true
		}
	}
	return false
}
