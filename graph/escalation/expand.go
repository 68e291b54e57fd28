package escalation

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// expand adds the states that lead into n's: a principal that can act as
// n's (assuming it, holding its credentials, running code as it, rewriting
// its trust policy), and, when a widening is pending, n's principal making
// one of its changes.
//
// A state with a widening pending needs its writer still: a step into it
// is worth adding only when a write can follow within the depth.
func (s *search) expand(n *node) {
	y := n.st.p
	room := s.depth - n.level // steps left before the depth
	if n.st.goal != (goal{}) {
		room-- // keep one for the write
	}
	for _, k := range kinds {
		if k.Effect == EffectIdentity || k.Effect == EffectNoBoundary || k.Effect == EffectGroup || k.Effect == EffectVersion {
			s.expandWrite(n, k)
		}
	}
	if room < 1 {
		return
	}
	if y.Kind == arn.KindRole && n.chain && !s.exhaustive {
		for _, a := range s.chainAssumers[y] {
			s.linkAssume(n, a.p, a.a)
		}
	} else if y.Kind == arn.KindRole {
		for _, a := range s.g.AssumedBy(y.ARN) {
			if x := s.g.Principal(a.Via[0]); x != nil {
				s.linkAssume(n, x, a)
			}
		}
	}
	trust := uint16(0) // y's trust policy, read once for every compute kind
	if y.Kind == arn.KindRole {
		trust = s.trustOf(y)
	}
	for _, k := range kinds {
		switch k.Effect {
		case EffectCredentials:
			s.expandCredentials(n, k)
		case EffectCompute:
			s.expandCompute(n, k, trust)
		case EffectFunction:
			s.expandFunction(n, k)
		case EffectTrust:
			if room >= 2 {
				s.expandTrust(n, k)
			}
		}
	}
}

// linkAssume adds x assuming n's role; a chain state's assumer is one.
func (s *search) linkAssume(n *node, x *graph.Principal, a graph.Assumable) {
	y := n.st.p
	s.link(n, x, n.st.goal, step(x.ARN, "sts:AssumeRole", "AssumeRole", y.ARN, a.Decision, graph.Query{Principal: x.ARN, Action: "sts:AssumeRole", Resource: y.ARN}))
}

// expandCredentials: x creates an access key or a password for user y.
func (s *search) expandCredentials(n *node, k Kind) {
	y := n.st.p
	if y.Kind != arn.KindUser {
		return
	}
	for _, x := range s.capableIn(k.Actions[0], y.Account) {
		if x == y || s.redundant(x, n.st.goal) || s.settled(x, n.st.goal, n.level+1) || !mayAllow(x, k.Actions[0], y.ARN) {
			continue
		}
		q := graph.Query{Principal: x.ARN, Action: k.Actions[0], Resource: y.ARN}
		if v := s.can(q, ""); v != eval.Deny {
			s.link(n, x, n.st.goal, s.withExplanations(step(x.ARN, k.Actions[0], k.Name, y.ARN, v, q), ""))
		}
	}
}

// expandCompute: x creates a function, an instance, a task, a job, a build
// project, a notebook or a training job that runs as role y, passing y to
// the service (same account only: IAM UG, id_roles_use_passrole); trust
// is y's trustMask.
func (s *search) expandCompute(n *node, k Kind, trust uint16) {
	y := n.st.p
	if y.Kind != arn.KindRole || trust&serviceBit(k.Service) == 0 || k.Service == "ec2.amazonaws.com" && !s.profiles[y.ARN] {
		return // its trust policy names no such service (the cheapest test first)
	}
	var callers []*graph.Principal
	for _, x := range s.creators(k, y.Account) {
		if x != y && !s.redundant(x, n.st.goal) && !s.settled(x, n.st.goal, n.level+1) && mayAllow(x, k.Actions[1], y.ARN) {
			callers = append(callers, x)
		}
	}
	if len(callers) == 0 || s.can(graph.Query{Principal: k.Service, Action: "sts:AssumeRole", Resource: y.ARN}, "") == eval.Deny {
		return // no one to pass it, or the service cannot assume the role
	}
	for _, x := range callers {
		st, v := s.passStep(x, y, k)
		if v != eval.Deny {
			s.link(n, x, n.st.goal, st)
		}
	}
}

// creators are the principals of account that may, on the cheap filter,
// pass a role (to anything) and make kind k's calls on its new resource
// in the key's Region: the callers of k in account whatever the role,
// once per Searcher.
func (s *search) creators(k Kind, account string) []*graph.Principal {
	key := creatorsKey{k.Name, account, s.key.Region}
	s.mu.Lock()
	out, ok := s.creatorsOf[key]
	s.mu.Unlock()
	if ok {
		return out
	}
	if candidates := s.capableIn(k.Actions[1], account); len(candidates) > 0 {
		res := s.computeResource(k, account)
		calls := slices.Concat(k.Actions[:1], k.Actions[2:])
		for _, x := range candidates {
			ok := true
			for _, a := range calls {
				ok = ok && mayAllow(x, a, res)
			}
			if ok {
				out = append(out, x)
			}
		}
	}
	s.mu.Lock()
	s.creatorsOf[key] = out
	s.mu.Unlock()
	return out
}

type creatorsKey struct{ kind, account, region string }

// passStep is x's create call of kind k with role y passed to its service
// (and the calls that run the code), evaluated.
func (s *search) passStep(x, y *graph.Principal, k Kind) (Step, eval.Verdict) {
	res := s.computeResource(k, y.Account)
	// The new resource has no resource-based policy yet: the caller's
	// identity side and the organization's decide.
	qs := []graph.Query{
		{Principal: x.ARN, Action: k.Actions[0], Resource: res, WhatIf: &graph.WhatIf{NewResource: true}},
		{Principal: x.ARN, Action: k.Actions[1], Resource: y.ARN, Context: map[string][]string{"iam:PassedToService": {k.Service}}},
	}
	for _, a := range k.Actions[2:] {
		qs = append(qs, graph.Query{Principal: x.ARN, Action: a, Resource: res, WhatIf: &graph.WhatIf{NewResource: true}})
	}
	v := eval.Allow
	tags := make([]string, len(qs))
	tags[1] = k.Service
	for i, q := range qs {
		v = v.And(s.can(q, tags[i]))
	}
	return s.withExplanations(step(x.ARN, strings.Join(k.Actions, "+"), k.Name, y.ARN, v, qs...), tags...), v
}

// trustMayName is a cheap, sound filter before asking whether service may
// assume role y: its trust policy needs an Allow statement for
// sts:AssumeRole naming the service, or anyone (a role whose trust policy
// is not known may).
func trustMayName(y *graph.Principal, service string) bool {
	if b := serviceBit(service); b != 0 {
		return trustMask(y)&b != 0
	}
	if y.Trust == nil || y.Trust.Policy == nil {
		return true
	}
	for i := range y.Trust.Policy.Statements {
		st := &y.Trust.Policy.Statements[i]
		if st.Effect == policy.Allow && (namesAnyone(st) || slices.Contains(st.Principal.Service, service)) && st.MatchesAction("sts:assumerole") {
			return true
		}
	}
	return false
}

// trustMask is trustMayName for every service of the table at once, as
// bits (serviceBit): one reading of the trust policy for them all.
func trustMask(y *graph.Principal) uint16 {
	if y.Trust == nil || y.Trust.Policy == nil {
		return allServices
	}
	var m uint16
	for i := range y.Trust.Policy.Statements {
		st := &y.Trust.Policy.Statements[i]
		if st.Effect != policy.Allow {
			continue
		}
		// The principal first: most trust policies name no service, and
		// matching the action costs more.
		anyone := namesAnyone(st)
		var bits uint16
		if !anyone {
			for _, sv := range st.Principal.Service {
				bits |= serviceBit(sv)
			}
			if bits&^m == 0 {
				continue // no service, or none not already named
			}
		}
		if !st.MatchesAction("sts:assumerole") {
			continue
		}
		if anyone {
			return allServices
		}
		m |= bits
	}
	return m
}

// namesAnyone reports whether a trust statement's principal may be any
// service.
func namesAnyone(st *policy.Statement) bool {
	return st.Principal == nil || st.NotPrincipal || st.Principal.Any || slices.Contains(st.Principal.Service, "*")
}

// services are the services the table's steps pass roles to (and Lambda,
// for existing functions); serviceBit is a service's bit, 0 for another.
var services = func() []string {
	out := []string{"lambda.amazonaws.com"}
	for _, k := range kinds {
		if k.Service != "" && !slices.Contains(out, k.Service) {
			out = append(out, k.Service)
		}
	}
	return out
}()

var allServices = uint16(1)<<len(services) - 1

func serviceBit(service string) uint16 {
	if i := slices.Index(services, service); i >= 0 && i < 16 {
		return 1 << i
	}
	return 0
}

// computeResource is the ARN a compute step's create call is asked on: the
// kind's new resource in the key's Region and the role's account.
func (s *search) computeResource(k Kind, account string) string {
	svc, _, _ := strings.Cut(k.Actions[0], ":")
	return "arn:" + s.partition + ":" + svc + ":" + s.key.Region + ":" + account + ":" + k.Resource
}

// expandTrust: x rewrites role y's trust policy to name itself, then
// assumes y (two steps).
func (s *search) expandTrust(n *node, k Kind) {
	y := n.st.p
	if y.Kind != arn.KindRole {
		return
	}
	for _, x := range s.capableIn(k.Actions[0], y.Account) {
		if x == y || s.redundant(x, n.st.goal) || s.settled(x, n.st.goal, n.level+2) || !mayAllow(x, k.Actions[0], y.ARN) {
			continue
		}
		q1 := graph.Query{Principal: x.ARN, Action: k.Actions[0], Resource: y.ARN}
		v1 := s.can(q1, "")
		if v1 == eval.Deny {
			continue
		}
		trust := s.trustNaming(x.ARN)
		if trust == nil {
			continue
		}
		q2 := graph.Query{Principal: x.ARN, Action: "sts:AssumeRole", Resource: y.ARN, WhatIf: &graph.WhatIf{ResourcePolicy: &eval.NamedPolicy{Name: "trust policy (rewritten)", Policy: trust}}}
		v2 := s.can(q2, "trust")
		if v2 == eval.Deny {
			continue
		}
		s.link(n, x, n.st.goal,
			s.withExplanations(step(x.ARN, k.Actions[0], k.Name, y.ARN, v1, q1), ""),
			s.withExplanations(step(x.ARN, "sts:AssumeRole", "AssumeRole", y.ARN, v2, q2), "trust"))
	}
}

// expandWrite: n's principal makes one of the pending widening's changes
// itself (same account: IAM has no resource-based policies).
func (s *search) expandWrite(n *node, k Kind) {
	t, y := n.st.goal.target, n.st.p
	bit := modIdentity
	switch k.Effect {
	case EffectNoBoundary:
		bit = modBoundary
	case EffectGroup:
		bit = modGroup
	case EffectVersion:
		bit = modVersion
	}
	if t == nil || n.st.goal.mods&bit == 0 || y.Account != t.Account {
		return
	}
	rest := goal{target: t, mods: n.st.goal.mods &^ bit}
	if rest.mods == 0 {
		rest = goal{}
	}
	if s.redundant(y, rest) || s.settled(y, rest, n.level+1) {
		return // a write would add nothing, nor one through a stack (two steps)
	}
	resources := s.resources(k, t)
	switch k.Effect {
	case EffectGroup:
		resources = []string{n.st.goal.group.arn}
	case EffectVersion:
		resources = []string{n.st.goal.version.policy}
	}
	for _, res := range resources {
		if !mayAllow(y, k.Actions[0], res) {
			continue
		}
		q := graph.Query{Principal: y.ARN, Action: k.Actions[0], Resource: res}
		if v := s.can(q, ""); v != eval.Deny {
			st := s.withExplanations(step(y.ARN, k.Actions[0], k.Name, res, v, q), "")
			st.Widens = t.ARN
			if k.Effect == EffectVersion {
				st.Version = n.st.goal.version.id
			}
			s.link(n, y, rest, st)
		}
	}
	if k.ViaStack {
		s.writeViaStack(n, k, rest, resources)
	}
}

// redundant reports whether a state of x with goal g would be turned away
// by add whatever its steps (x acts on the key itself): a step into it
// need not be evaluated.
func (s *search) redundant(x *graph.Principal, g goal) bool {
	return g == (goal{}) && s.direct.has(x)
}

// settled reports whether a state of x with goal g reached at level would
// be turned away by add whatever its verdict: it has an ALLOW path as
// short, or a shorter one (add keeps the first of equals). A step into it
// need not be evaluated.
func (s *search) settled(x *graph.Principal, g goal, level int) bool {
	old := s.best[state{x, g}]
	return old != nil && (old.level < level || old.level == level && old.verdict == eval.Allow)
}

// noContext is an incomplete, empty context: every condition key unknown.
var noContext = policy.NewContext(false)

// mayAllow is a cheap, sound filter before a full evaluation: p needs an
// identity Allow statement for the action whose resources may match res
// (IAM has no resource-based policies). Principals whose policies are not
// all known may.
func mayAllow(p *graph.Principal, action, res string) bool {
	if len(p.Issues) > 0 {
		return true
	}
	action = lowerAction(action)
	for _, np := range p.Policies {
		for i := range np.Policy.Statements {
			st := &np.Policy.Statements[i]
			if st.Effect == policy.Allow && st.MatchesAction(action) && st.MatchesResource(res, noContext) != policy.False {
				return true
			}
		}
	}
	return false
}

// lowered are the table's actions in lower case, as statements match
// them: mayAllow asks about them for most states the search expands.
var lowered = func() map[string]string {
	out := map[string]string{}
	for _, k := range kinds {
		for _, a := range k.Actions {
			out[a] = strings.ToLower(a)
		}
	}
	return out
}()

// lowerAction is strings.ToLower(action), without allocating for the
// table's actions.
func lowerAction(action string) string {
	if l, ok := lowered[action]; ok {
		return l
	}
	return strings.ToLower(action)
}
