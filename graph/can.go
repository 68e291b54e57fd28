package graph

import (
	"fmt"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Query asks whether a principal can perform an action on a key.
type Query struct {
	Principal string
	Action    string
	// Resource is a key ARN, an alias ARN, or a key ID or alias name in the
	// principal's account and the Region of Region (or unique in the snapshot).
	Resource string
	Region   string
	// Context holds request-context keys the caller knows; a nil value list
	// means the key is known to be absent.
	Context           map[string][]string
	EncryptionContext map[string]string
	// ContextComplete says the context is the whole request: keys not given are absent.
	ContextComplete bool
	// ChainDepth is how many sts:AssumeRole hops to follow (0: DefaultChainDepth; <0: none).
	ChainDepth int
	// WhatIf, when not nil, asks the question under a hypothetical change
	// to the principal's or the resource's policies (whatif.go).
	WhatIf *WhatIf
}

// Answer is the access graph's answer to a Query.
type Answer struct {
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	// Decision is the effective answer; DirectDecision is the principal acting
	// as itself (they differ once role chains are followed).
	Decision       eval.Verdict    `json:"decision"`
	DirectDecision eval.Verdict    `json:"direct_decision"`
	DeniedBy       []eval.Denial   `json:"denied_by"`
	Reasons        []eval.Reason   `json:"reasons"`
	Conditions     []eval.Residual `json:"conditions,omitempty"`
	// Endpoints names the VPC endpoints that satisfy the conditions on
	// aws:SourceVpce and aws:SourceVpc (endpoints.go).
	Endpoints []EndpointMatch `json:"endpoints,omitempty"`
	Paths     []Path          `json:"paths"`
	// Steps, for a resource, are the resource's own permission and each KMS
	// call its service makes for the caller; the decision needs them all.
	Steps []Step `json:"steps,omitempty"`
	// Unknowns are the snapshot's gaps the answer depends on: uncollected or
	// unparseable policies, accounts outside the snapshot.
	Unknowns []Issue       `json:"unknowns,omitempty"`
	Request  *eval.Request `json:"-"`
}

// Path is one way a principal reaches the access: itself, or a chain of
// roles it assumes, shortest first. Paths lists only ways that allow (or may).
type Path struct {
	Via      []string     `json:"via"`
	Decision eval.Verdict `json:"decision"`
}

// Can answers a query about a KMS key.
func (g *Graph) Can(q Query) (*Answer, error) {
	g.wait()
	return g.can(q, nil)
}

// can answers q; hops, when non-nil, are the principal's role chains,
// computed once by callers that ask many questions of one principal.
func (g *Graph) can(q Query, hops []*hop) (*Answer, error) {
	dr, err := g.decide(q)
	if err != nil {
		return nil, err
	}
	a := &Answer{
		Principal: q.Principal, Action: dr.action, Resource: dr.resource,
		Decision: dr.verdict, DirectDecision: dr.verdict,
		DeniedBy: dr.deniedBy, Reasons: dr.reasons, Conditions: dr.conditions,
		Steps: dr.steps, Paths: []Path{}, Unknowns: dr.unknowns, Request: dr.request,
	}
	a.Endpoints = g.answerEndpoints(a)
	if dr.verdict != eval.Deny {
		a.Paths = append(a.Paths, Path{Via: []string{q.Principal}, Decision: dr.verdict})
	}
	if dr.verdict == eval.Allow {
		return a, nil
	}
	// Role chains: the principal may reach the access through roles it can
	// assume. The shortest chain of each role is tried; a chain is as certain
	// as its least certain step.
	if hops == nil {
		hops = g.chains(q.Principal, chainDepth(q.ChainDepth))
	}
	for _, h := range hops {
		cq := q
		cq.Principal = sessionOf(h.role)
		cd, err := g.decide(cq)
		if err != nil || cd.verdict == eval.Deny {
			continue
		}
		v := cd.verdict
		if h.decision == eval.Conditional {
			v = eval.Conditional
		}
		a.Paths = append(a.Paths, Path{Via: h.via(q.Principal), Decision: v})
		if v == eval.Allow {
			a.Decision = eval.Allow
		} else if a.Decision == eval.Deny {
			a.Decision = eval.Conditional
		}
	}
	return a, nil
}

// direct is the answer for a principal acting as itself.
type direct struct {
	action, resource string
	verdict          eval.Verdict
	deniedBy         []eval.Denial
	reasons          []eval.Reason
	conditions       []eval.Residual
	unknowns         []Issue
	request          *eval.Request
	steps            []Step
}

// decide answers q for the principal itself: one request for a key, or the
// resource's own permission and every KMS call its service makes.
func (g *Graph) decide(q Query) (*direct, error) {
	if res := g.resourceFor(q.Resource); res != nil {
		return g.decideResource(q, res)
	}
	r, unknowns, err := g.Request(q)
	if err != nil {
		return nil, err
	}
	d, err := eval.Evaluate(r)
	if err != nil {
		return nil, err
	}
	return &direct{
		action: r.Action, resource: r.Resource, verdict: d.Verdict, deniedBy: d.DeniedBy, reasons: d.Reasons,
		conditions: d.Conditions, unknowns: unknowns, request: r,
	}, nil
}

// Request builds the evaluation request of a query from the snapshot: the
// caller's policies, the resource's policy (a key's policy and grants, or a
// role's trust policy for sts:AssumeRole), the organization's SCPs and RCPs,
// and the context the snapshot tells (principal's account, ARN, type, tags,
// organization ID and path; the resource's account and organization).
// The caller is assumed to call in its own name (setCallDefaults); whether
// a KMS call comes straight or through a service (kms:ViaService) stays
// open unless the query says. Everything else only a live request carries
// stays unknown.
func (g *Graph) Request(q Query) (*eval.Request, []Issue, error) {
	g.wait()
	return g.request(q, nil)
}

// scratch is storage one goroutine reuses across many evaluations whose
// requests and decisions it does not keep (who-can over many principals).
type scratch struct {
	req eval.Request
	ctx policy.Context
	dec eval.Decision
}

// request builds q's request, in s's storage when s is not nil (the request
// is then valid until s is used again).
func (g *Graph) request(q Query, s *scratch) (*eval.Request, []Issue, error) {
	p, err := arn.ParsePrincipal(q.Principal)
	if err != nil {
		return nil, nil, err
	}
	var r *eval.Request
	var ctx *policy.Context
	if s != nil {
		s.req = eval.Request{Principal: p, Action: q.Action, EncryptionContext: q.EncryptionContext}
		s.ctx.Reset(q.ContextComplete)
		r, ctx = &s.req, &s.ctx
	} else {
		r = &eval.Request{Principal: p, Action: q.Action, EncryptionContext: q.EncryptionContext}
		ctx = policy.NewContextSize(q.ContextComplete, 24)
	}
	var unknowns []Issue
	action := strings.ToLower(q.Action)
	var resAccount string
	switch {
	case strings.HasPrefix(action, "kms:"):
		region := q.Region
		if a, err := arn.Parse(q.Resource); err == nil && region == "" {
			region = a.Region
		}
		key, err := g.ResolveKey(q.Resource, p.AccountID, region)
		if err != nil {
			return nil, nil, err
		}
		unknowns = g.keySide(r, key)
		resAccount = key.Account
		// aws:ResourceTag/* of a key are its tags, when they were collected.
		if key.Tags != nil {
			for k, v := range key.Tags {
				ctx.Set("aws:ResourceTag/"+k, v)
			}
			ctx.SetPrefixKnown("aws:ResourceTag/")
		}
	case strings.HasPrefix(action, "sts:assumerole"):
		role := g.Principal(q.Resource)
		if role == nil || role.Kind != arn.KindRole {
			return nil, nil, fmt.Errorf("role %s is not in the snapshot", q.Resource)
		}
		r.Resource, r.ResourceAccount = role.ARN, role.Account
		if role.Trust != nil {
			r.ResourcePolicy = role.Trust
		} else {
			r.MarkUnknown(eval.LayerTrustPolicy)
			unknowns = append(unknowns, Issue{Account: role.Account, Item: role.ARN, Path: "AssumeRolePolicyDocument", Message: "trust policy not collected or unparseable"})
		}
		resAccount = role.Account
	case noResourcePolicy(action) || q.WhatIf.newResource():
		// IAM, EC2 and Lambda calls on resources without a resource-based
		// policy: the identity side and the organization's decide.
		a, err := arn.Parse(q.Resource)
		if err != nil || a.AccountID == "" {
			return nil, nil, fmt.Errorf("action %s: resource %q is not an ARN naming an account", q.Action, q.Resource)
		}
		r.Resource, r.ResourceAccount = q.Resource, a.AccountID
		resAccount = a.AccountID
	default:
		return nil, nil, fmt.Errorf("action %s: only KMS actions on keys, sts:AssumeRole and IAM, EC2 and Lambda calls on ARNs are answered so far", q.Action)
	}
	ucaller, err := g.callerSide(r, ctx, q.Principal)
	if err != nil {
		return nil, nil, err
	}
	unknowns = append(unknowns, ucaller...)
	unknowns = append(unknowns, g.orgSide(r, ctx, p.AccountID, resAccount)...)
	q.WhatIf.apply(r)

	setCallDefaults(ctx, p.Kind, action, q.Context, q.ContextComplete)
	for _, k := range sortedKeys(q.Context) {
		if v := q.Context[k]; v == nil {
			ctx.SetAbsent(k)
		} else {
			ctx.Set(k, v...)
		}
	}
	eval.SetEncryptionContext(ctx, q.EncryptionContext)
	// A request through a VPC endpoint must also be allowed by its policy.
	if vpce := q.Context["aws:SourceVpce"]; len(vpce) == 1 {
		switch ep := g.endpoints[vpce[0]]; {
		case ep == nil:
			r.MarkUnknown(eval.LayerVPCEndpointPolicy)
			unknowns = append(unknowns, Issue{Item: vpce[0], Path: "ec2.VpcEndpoints", Message: "VPC endpoint " + vpce[0] + " is not in the snapshot: its policy is unknown"})
		case ep.Issue != nil:
			r.MarkUnknown(eval.LayerVPCEndpointPolicy)
			unknowns = append(unknowns, *ep.Issue)
		default:
			r.VPCEndpointPolicy = ep.Policy
		}
	}
	r.Context = ctx
	if err := r.Prepare(); err != nil {
		return nil, nil, err
	}
	return r, unknowns, nil
}

// noResourcePolicy reports whether action (lower case) is one the graph
// answers on an ARN without a resource-based policy: IAM's calls (IAM has
// none), and EC2's and Lambda's create calls, whose new resource has none
// yet.
func noResourcePolicy(action string) bool {
	return strings.HasPrefix(action, "iam:") || strings.HasPrefix(action, "ec2:") || action == "lambda:createfunction"
}

// setCallDefaults sets what the graph assumes of how a call is made, for the
// keys the query's context does not give: the principal calls in its own
// name (kms:GrantIsForAWSResource and aws:CalledVia absent,
// aws:PrincipalIsAWSService false). Whether a KMS call comes straight from
// the caller or through a service with its credentials (a forward access
// session: IAM UG, "Forward access sessions") is left open: kms:ViaService
// is unknown, and aws:ViaAWSService with it, since a call through a service
// carries both (aws:ViaAWSService true) and a direct call neither (false).
// A caller whom only a service path allows is then CONDITIONAL on
// kms:ViaService, not denied for a direct call the user did not ask about.
// A complete context, or kms:ViaService given (absent or a value), answers
// that one call. Other actions are direct calls.
func setCallDefaults(ctx *policy.Context, kind arn.PrincipalKind, action string, given map[string][]string, complete bool) {
	if kind != arn.KindService {
		ctx.SetKey(keyPrincipalIsAWSService, "false")
	}
	ctx.SetAbsentKey(keyGrantIsForAWSResource)
	ctx.SetAbsentKey(keyCalledVia)
	via, viaGiven := lookupFold(given, "kms:ViaService")
	switch {
	case !strings.HasPrefix(action, "kms:") || complete || viaGiven && via == nil:
		ctx.SetAbsentKey(keyViaService)
		ctx.SetKey(keyViaAWSService, "false")
	case viaGiven:
		ctx.SetKey(keyViaAWSService, "true")
	}
}

// lookupFold returns the values of a context key, matched without regard
// to case (condition keys are case-insensitive), and whether it is given.
func lookupFold(m map[string][]string, key string) ([]string, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// keySide fills the request's resource side from a key.
func (g *Graph) keySide(r *eval.Request, key *Key) []Issue {
	var unknowns []Issue
	r.Resource, r.ResourceAccount = key.ARN, key.Account
	r.KeyState, r.KeyManager, r.Grants = key.State(), key.Manager(), key.Grants
	if key.Policy() != nil {
		r.ResourcePolicy = key.Policy()
	} else {
		r.MarkUnknown(eval.LayerKeyPolicy)
		unknowns = append(unknowns, *key.PolicyIssue())
	}
	if !key.GrantsKnown {
		r.MarkUnknown(eval.LayerGrant)
		iss := Issue{Account: key.Account, Region: key.Region, Item: key.ARN, Path: "Grants", Message: "grants not collected: a grant could allow more"}
		if key.GrantsIssue != nil {
			iss = *key.GrantsIssue
		}
		unknowns = append(unknowns, iss)
	}
	if key.StateIssue != nil {
		r.MarkUnknown(eval.LayerKeyState)
		unknowns = append(unknowns, *key.StateIssue)
	}
	return unknowns
}

// callerSide fills the caller's policies and the context its identity tells.
func (g *Graph) callerSide(r *eval.Request, ctx *policy.Context, principal string) ([]Issue, error) {
	p := r.Principal
	var unknowns []Issue
	switch p.Kind {
	case arn.KindUser, arn.KindRole, arn.KindAssumedRole:
		var ent *Principal
		if p.Kind == arn.KindAssumedRole {
			ent = g.Role(p.AccountID, p.Name)
		} else {
			ent = g.Principal(p.ARN)
		}
		switch {
		case ent != nil:
			r.IdentityPolicies, r.PermissionsBoundary = ent.Policies, ent.Boundary
			unknowns = append(unknowns, ent.Issues...)
			for _, iss := range ent.Issues {
				if ent.Boundary != nil && iss.Item == ent.Boundary.ARN {
					r.MarkUnknown(eval.LayerPermissionsBoundary)
				} else {
					r.MarkUnknown(eval.LayerIdentityPolicy)
				}
			}
			setPrincipalTags(ctx, ent)
			if p.Kind == arn.KindAssumedRole {
				// aws:PrincipalArn of a session is its role's ARN, path included.
				ctx.Set("aws:PrincipalArn", ent.ARN)
			}
			// A session's ARN carries no path: take the role's, so that a
			// service-linked role's sessions are recognized as such.
			r.Principal.Path = ent.Path
		case g.InSnapshot(p.AccountID):
			return nil, fmt.Errorf("principal %s is not in the snapshot (account %s's IAM was collected)", principal, p.AccountID)
		default:
			r.MarkUnknown(eval.LayerIdentityPolicy)
			unknowns = append(unknowns, g.accountGap(p.AccountID, principal))
		}
	}
	if a := g.Snapshot.Accounts[p.AccountID]; a != nil && a.EnabledRegions != nil {
		r.PrincipalEnabledRegions = a.EnabledRegions
	}
	return unknowns, nil
}

// setPrincipalTags sets what a request of p tells of its tags: each as
// aws:PrincipalTag/KEY, and, for a principal with none, that every such
// key is absent. Requests (callerSide) and OrgDelta's pre-filter read the
// principal alike through it.
func setPrincipalTags(ctx *policy.Context, p *Principal) {
	for _, t := range p.tagKeys {
		ctx.SetKey(t.key, t.value)
	}
	if p.Tags == nil {
		ctx.SetPrefixKnown("aws:PrincipalTag/")
	}
}

// orgSide fills SCP levels (caller's account), RCP levels (resource's
// account) and the organization context keys.
func (g *Graph) orgSide(r *eval.Request, ctx *policy.Context, callerAccount, resAccount string) []Issue {
	if g.Org == nil {
		return nil
	}
	var unknowns []Issue
	r.ManagementAccount = g.Org.ManagementAccount
	if callerAccount != "" {
		levels, issues := g.Org.levels(callerAccount, snapshot.PolicyTypeSCP)
		r.SCPs = levels
		if len(issues) > 0 {
			r.MarkUnknown(eval.LayerSCP)
			unknowns = append(unknowns, issues...)
		}
	}
	levels, issues := g.Org.levels(resAccount, snapshot.PolicyTypeRCP)
	r.RCPs = levels
	if len(issues) > 0 {
		r.MarkUnknown(eval.LayerRCP)
		unknowns = append(unknowns, issues...)
	}
	switch {
	case g.Org.Member(callerAccount):
		ctx.SetKey(keyPrincipalOrgID, g.Org.ID)
		ctx.SetKey(keyPrincipalOrgPaths, g.Org.OrgPaths(callerAccount))
	case callerAccount != "" && g.Org.ID != "" && !g.Org.membershipUnknown(callerAccount):
		// Outside this organization: in another one, or in none. (Not
		// listed by a listing that did not finish: unknown.)
		ctx.SetNotIn("aws:PrincipalOrgID", g.Org.ID)
	}
	if g.Org.Member(resAccount) {
		ctx.SetKey(keyResourceOrgID, g.Org.ID)
	}
	return unknowns
}

// chainDepth maps Query.ChainDepth to a number of hops.
func chainDepth(d int) int {
	if d == 0 {
		return DefaultChainDepth
	}
	return d
}

// Context keys the graph sets on every request.
var (
	keyViaAWSService         = policy.MakeKey("aws:ViaAWSService")
	keyPrincipalIsAWSService = policy.MakeKey("aws:PrincipalIsAWSService")
	keyViaService            = policy.MakeKey("kms:ViaService")
	keyGrantIsForAWSResource = policy.MakeKey("kms:GrantIsForAWSResource")
	keyCalledVia             = policy.MakeKey("aws:CalledVia")
	keyPrincipalOrgID        = policy.MakeKey("aws:PrincipalOrgID")
	keyPrincipalOrgPaths     = policy.MakeKey("aws:PrincipalOrgPaths")
	keyResourceOrgID         = policy.MakeKey("aws:ResourceOrgID")
)
