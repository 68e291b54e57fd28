package graph

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/accessdenied"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// Errors of ExplainDenied for what a message hides and the options must give.
var (
	ErrHiddenPrincipal = errors.New("the message hides the caller (User: ***): give it with --principal")
	ErrHiddenKey       = errors.New("the message hides the key: give it with --key, or the resource the call was about with --resource")
)

// DeniedOptions fill in what an AccessDenied message does not say.
type DeniedOptions struct {
	// Principal, when the message hides the caller ("User: ***").
	Principal string
	// Key, when the message hides the key (KMS's "on this resource" forms).
	Key string
	// Resource, the resource the call was about (a bucket, a secret) when
	// the message names only the key: its key is used, through its service.
	Resource string
	// ViaService is kms:ViaService when the KMS call came through a service
	// ("s3.us-east-1.amazonaws.com").
	ViaService string
	// Service is the service the call went to (its IAM prefix, "rds"), when
	// the message names only an operation several services have.
	Service string
}

// DeniedRequest is the request keyhound evaluates for a message.
type DeniedRequest struct {
	Principal  string `json:"principal"`
	Action     string `json:"action"`
	Resource   string `json:"resource"`
	Region     string `json:"region,omitempty"`
	ViaService string `json:"via_service,omitempty"`
	// KMSCalls are the KMS calls evaluated for a service's report of a KMS
	// failure, made by the service for the caller through ViaService.
	KMSCalls []string `json:"kms_calls,omitempty"`
}

// DeniedReport is keyhound's reading of an AccessDenied error: the request,
// keyhound's own verdict and the layers that deny it, whether that agrees
// with what AWS said, and the smallest fixes.
type DeniedReport struct {
	Message  *accessdenied.Message `json:"message"`
	Request  DeniedRequest         `json:"request"`
	Decision eval.Verdict          `json:"decision"`
	DeniedBy []eval.Denial         `json:"denied_by"`
	Reasons  []eval.Reason         `json:"reasons"`
	// Conditions are what the live request must have had for the verdict to
	// be DENY, when keyhound's is CONDITIONAL.
	Conditions []eval.Residual `json:"conditions,omitempty"`
	Steps      []Step          `json:"steps,omitempty"`
	// MessageLayer is the layer AWS's message names ("" when it names none).
	MessageLayer string `json:"message_layer,omitempty"`
	// AgreesWithMessage is true when keyhound also denies, and (if the
	// message names a layer) finds that layer among those that deny.
	AgreesWithMessage bool `json:"agrees_with_message"`
	// AlsoDenying are denying layers the message does not name: AWS names
	// only one.
	AlsoDenying []string `json:"also_denying,omitempty"`
	// Explanations say what could explain a disagreement.
	Explanations []string `json:"explanations,omitempty"`
	Fixes        []Fix    `json:"fixes"`
	Unknowns     []Issue  `json:"unknowns,omitempty"`
}

// ExplainDenied evaluates the request an AccessDenied message is about and
// proposes the smallest fixes. Where the message hides the caller or the
// key, o must say; a key-state error needs only the key. A service's report
// that it could not use a KMS key (KindServiceKMS) is answered by the KMS
// calls the service makes for the caller.
func (g *Graph) ExplainDenied(m *accessdenied.Message, o DeniedOptions) (*DeniedReport, error) {
	g.wait()
	m, err := resolveOperation(m, o)
	if err != nil {
		return nil, err
	}
	rep := &DeniedReport{Message: m, DeniedBy: []eval.Denial{}, Reasons: []eval.Reason{}, Fixes: []Fix{}}
	if m.Layer != nil {
		rep.MessageLayer = m.Layer.String()
	}
	if m.Kind == accessdenied.KindServiceKMS {
		return g.explainServiceKMS(rep, m, o)
	}
	principal := m.Principal
	if principal == "" || principal == "***" {
		principal = o.Principal
	}
	target, via := m.Resource, o.ViaService
	if o.Resource != "" {
		target = o.Resource
	}
	if target == "" || m.ResourceHidden && o.Key != "" {
		target = o.Key
	}
	rep.Request = DeniedRequest{Principal: principal, Action: m.Action, Resource: target, Region: m.Region, ViaService: via}

	if m.Kind == accessdenied.KindKeyState || m.Kind == accessdenied.KindNotFound {
		return g.keyStateReport(rep, m, target)
	}
	switch {
	case principal == "":
		return nil, ErrHiddenPrincipal
	case m.Action == "":
		return nil, errors.New("the message names no action")
	case target == "":
		return nil, ErrHiddenKey
	}
	q := Query{Principal: principal, Action: m.Action, Resource: target, Region: m.Region, ChainDepth: -1}
	// A KMS call about a resource: its key, through its service.
	if res := g.resourceFor(target); res != nil && strings.HasPrefix(strings.ToLower(m.Action), "kms:") {
		if res.Key == "" {
			return nil, fmt.Errorf("%s names no key in the snapshot", target)
		}
		q.Resource = res.Key
		if sp, ok := servicePaths[res.Type]; ok && via == "" && !sp.asService {
			via = sp.service + "." + res.Region + ".amazonaws.com"
		}
		rep.Request.Resource, rep.Request.ViaService = res.Key, via
	}
	if via != "" {
		q.Context = map[string][]string{"kms:ViaService": {via}, "aws:ViaAWSService": {"true"}}
	}
	a, err := g.Can(q)
	if err != nil {
		return nil, err
	}
	return g.finishDenied(rep, m, principal, a), nil
}

// compare says whether keyhound's verdict agrees with the message, which
// other layers deny, and what could explain a disagreement.
func (g *Graph) compare(rep *DeniedReport, m *accessdenied.Message, a *Answer) {
	var denying []string
	for _, d := range a.DeniedBy {
		if s := d.Layer.String(); !slices.Contains(denying, s) {
			denying = append(denying, s)
		}
	}
	for _, st := range a.Steps {
		for _, d := range st.DeniedBy {
			if s := d.Layer.String(); !slices.Contains(denying, s) {
				denying = append(denying, s)
			}
		}
	}
	switch a.DirectDecision {
	case eval.Deny:
		rep.AgreesWithMessage = rep.MessageLayer == "" || slices.Contains(denying, rep.MessageLayer)
		for _, l := range denying {
			if l != rep.MessageLayer {
				rep.AlsoDenying = append(rep.AlsoDenying, l)
			}
		}
		if !rep.AgreesWithMessage {
			rep.Explanations = append(rep.Explanations,
				"AWS names the "+rep.MessageLayer+"; keyhound finds "+strings.Join(denying, ", ")+" denying: AWS reports one failing layer only, and a layer keyhound cannot see (a session policy, a VPC endpoint policy not in the snapshot) or a snapshot older than a policy change would explain the difference")
		}
	case eval.Conditional:
		rep.Explanations = append(rep.Explanations, "keyhound's answer is CONDITIONAL: the live request decided it. For the denial, the request must have missed every way to be allowed, or met a deny:")
		for _, cl := range eval.Clauses(a.Conditions) {
			what := "missed: "
			if cl.Effect == policy.Deny {
				what = "met: "
			}
			rep.Explanations = append(rep.Explanations, "  "+what+cl.Text()+" ("+cl.Source()+")")
		}
		for _, u := range a.Unknowns {
			rep.Explanations = append(rep.Explanations, "  unknown to keyhound: "+u.Message)
		}
	default:
		rep.Explanations = append(rep.Explanations,
			"keyhound would ALLOW this request: the snapshot may be older than the policy change that denies it (rescan)",
			"a condition only the live request knows may have failed: source IP or VPC, VPC endpoint, MFA, time, encryption context",
			"a layer keyhound did not see: a session policy passed to AssumeRole, a VPC endpoint policy, a policy that was not collected",
			"the call may have come from another principal or Region, or through a service (kms:ViaService), than the message suggests")
		for _, u := range a.Unknowns {
			rep.Explanations = append(rep.Explanations, "not collected or unparseable: "+u.Message)
		}
	}
	if m.Kind == accessdenied.KindKMSHidden && a.DirectDecision == eval.Deny {
		rep.Explanations = append(rep.Explanations, "KMS hides which layer denied (and whether the key exists in this Region); keyhound's trace names it")
	}
}

// keyStateReport answers a key-state or not-found error: no policy is at
// fault.
func (g *Graph) keyStateReport(rep *DeniedReport, m *accessdenied.Message, target string) (*DeniedReport, error) {
	if target == "" {
		return nil, ErrHiddenKey
	}
	key, err := g.ResolveKey(target, "", m.Region)
	if err != nil {
		if m.Kind == accessdenied.KindNotFound {
			rep.Decision = eval.Deny
			rep.Explanations = []string{"the key is not in the snapshot either: check the key ID, the Region, and that the caller uses the key's ARN (alias names and key IDs resolve in the caller's own account and Region)"}
			return rep, nil
		}
		return nil, err
	}
	rep.Request.Resource = key.ARN
	rep.Decision = eval.Deny
	rep.DeniedBy = []eval.Denial{{Layer: eval.LayerKeyState}}
	rep.MessageLayer = eval.LayerKeyState.String()
	if f, ok := keyRemedy(&eval.Request{Action: m.Action, Principal: arn.Principal{AccountID: key.Account}}, key); ok {
		rep.Fixes = append(rep.Fixes, f)
		rep.AgreesWithMessage = true
	} else {
		rep.Explanations = append(rep.Explanations, "the snapshot has the key "+key.State()+": it may have changed since the scan (rescan)")
	}
	if m.KeyState != "" && m.KeyState != key.State() {
		rep.Explanations = append(rep.Explanations, "the message says "+m.KeyState+", the snapshot "+key.State()+": the snapshot may be out of date")
	}
	return rep, nil
}
