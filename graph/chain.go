package graph

import (
	"cmp"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
)

// DefaultChainDepth is how many sts:AssumeRole hops Can follows by default.
const DefaultChainDepth = 5

// hop is one step of a role chain: the role assumed and how certain it is.
type hop struct {
	role     *Principal
	decision eval.Verdict
	prev     *hop
}

// sessionOf returns the ARN keyhound uses for a session of role, in the
// role's partition (a GovCloud role's session is arn:aws-us-gov:sts::…).
func sessionOf(role *Principal) string {
	return "arn:" + cmp.Or(role.arnPartition(), "aws") + ":sts::" + role.Account + ":assumed-role/" + role.Name + "/keyhound"
}

// canAssume evaluates whether caller can call sts:AssumeRole on role: the
// role's trust policy, and where required the caller's identity policies and
// its SCPs (IAM UG, cross-account access with roles: both the trust policy
// and the caller's identity policy must allow across accounts).
func (g *Graph) canAssume(caller string, role *Principal) eval.Verdict {
	return g.canAssumeIn(caller, role, nil)
}

// canAssumeIn is canAssume evaluating in s's storage (nil: its own).
func (g *Graph) canAssumeIn(caller string, role *Principal, s *scratch) eval.Verdict {
	if role.Trust == nil {
		return eval.Deny
	}
	memo := assumeKey{caller, role}
	if v, ok := g.assumeMemo.Load(memo); ok {
		return v.(eval.Verdict)
	}
	if s == nil {
		s = &scratch{}
	}
	r, _, err := g.request(Query{Principal: caller, Action: "sts:AssumeRole", Resource: role.ARN}, s)
	v := eval.Deny
	if err == nil {
		var e eval.Evaluator
		e.Evaluate(r, &s.dec)
		v = s.dec.Verdict
	}
	// The graph does not change: an answer holds for every later question.
	g.assumeMemo.Store(memo, v)
	return v
}

// assumeKey keys canAssume's memo.
type assumeKey struct {
	caller string
	role   *Principal
}

// chains returns the roles reachable from principal by sts:AssumeRole, each
// by its shortest chain (breadth first), up to depth hops. A chain is as
// certain as its least certain hop: ALLOW, or CONDITIONAL. Only roles whose
// trust policy can name the caller are tried (see index).
func (g *Graph) chains(principal string, depth int) []*hop {
	if depth <= 0 {
		return nil
	}
	visited := map[string]bool{principal: true}
	if e := g.entity(principal); e != nil {
		visited[e.ARN] = true
	}
	var out []*hop
	frontier := []*hop{nil}
	for level := 0; level < depth && len(frontier) > 0; level++ {
		var next []*hop
		for _, from := range frontier {
			caller := principal
			var self *Principal
			if from != nil {
				caller, self = sessionOf(from.role), from.role
			} else {
				self = g.entity(principal)
			}
			cp, err := arn.ParsePrincipal(caller)
			if err != nil {
				continue
			}
			for _, role := range g.assumeCandidates(cp, self) {
				if visited[role.ARN] {
					continue
				}
				v := g.canAssume(caller, role)
				if v == eval.Deny {
					continue
				}
				if from != nil && from.decision == eval.Conditional {
					v = eval.Conditional
				}
				h := &hop{role: role, decision: v, prev: from}
				visited[role.ARN] = true
				out = append(out, h)
				next = append(next, h)
			}
		}
		frontier = next
	}
	return out
}

// entity returns the user or role a principal ARN (or session) stands for.
func (g *Graph) entity(principal string) *Principal {
	p, err := arn.ParsePrincipal(principal)
	if err != nil {
		return nil
	}
	if p.Kind == arn.KindAssumedRole {
		return g.Role(p.AccountID, p.Name)
	}
	return g.Principal(p.ARN)
}

// via lists a chain's ARNs from the principal to the last role.
func (h *hop) via(principal string) []string {
	var rev []string
	for x := h; x != nil; x = x.prev {
		rev = append(rev, x.role.ARN)
	}
	out := []string{principal}
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	return out
}

// Assumable is a role a principal can assume, by its shortest chain.
type Assumable struct {
	Role     string       `json:"role"`
	Via      []string     `json:"via"` // from the principal to the role
	Decision eval.Verdict `json:"decision"`
}

// Assumables lists the roles principal can reach by sts:AssumeRole within
// depth hops (0: DefaultChainDepth), each by its shortest chain, nearest
// first.
func (g *Graph) Assumables(principal string, depth int) []Assumable {
	g.wait()
	hops := g.chains(principal, chainDepth(depth))
	out := make([]Assumable, len(hops))
	for i, h := range hops {
		out[i] = Assumable{Role: h.role.ARN, Via: h.via(principal), Decision: h.decision}
	}
	return out
}

// AssumedBy lists the principals of the snapshot that can assume role
// directly (one hop), with their decisions, sorted by ARN.
func (g *Graph) AssumedBy(roleARN string) []Assumable {
	g.wait()
	return g.assumedBy(roleARN, nil)
}

// assumedBy is AssumedBy, keeping among's principals when among is not nil
// (AssumedByAmong).
func (g *Graph) assumedBy(roleARN string, among *Among) []Assumable {
	role := g.principals[roleARN]
	if role == nil || role.Kind != arn.KindRole {
		return nil
	}
	var out []Assumable
	for _, p := range g.assumersOf(role) {
		if p == role || (among != nil && !among.keeps(&Who{Account: p.Account}, p)) {
			continue
		}
		if v := g.canAssume(p.ARN, role); v != eval.Deny {
			out = append(out, Assumable{Role: role.ARN, Via: []string{p.ARN, role.ARN}, Decision: v})
		}
	}
	return out
}
