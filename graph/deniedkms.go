package graph

import (
	"errors"
	"fmt"
	"strings"

	"github.com/keyhound/keyhound/graph/accessdenied"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
)

// ErrUnknownService is returned when a message names an operation that
// several services have and nothing else in it tells which was called.
var ErrUnknownService = errors.New("the message does not say which service was called")

// resolveOperation settles the service and action of a message that names
// only an operation several services have, from o.Service. It returns a copy
// when it changes anything; m itself is left as parsed.
func resolveOperation(m *accessdenied.Message, o DeniedOptions) (*accessdenied.Message, error) {
	if m.Action != "" || m.Operation == "" {
		return m, nil
	}
	if o.Service == "" {
		if len(m.Services) > 1 {
			return nil, fmt.Errorf("%w: %s is an operation of %s; give the one called with --service",
				ErrUnknownService, m.Operation, strings.Join(m.Services, ", "))
		}
		return m, nil
	}
	mm := *m
	mm.Service, mm.Services = o.Service, nil
	if action, name, ok := accessdenied.OperationAction(o.Service, m.Operation); ok {
		mm.Action, mm.Operation = action, name
	} else if name == "" {
		mm.Action = o.Service + ":" + m.Operation
	}
	return &mm, nil
}

// explainServiceKMS answers a service's report that it could not use a KMS
// key for the caller: when the service says the key is disabled, missing or
// in the wrong state — or leaves it open, and the snapshot has the key so —
// the key's state is the answer; otherwise the KMS calls the service makes
// for the caller, through the service (kms:ViaService), are evaluated, on the
// resource the call was about when o names it (with the resource's own
// permission: the whole service path), else on the key the message names.
func (g *Graph) explainServiceKMS(rep *DeniedReport, m *accessdenied.Message, o DeniedOptions) (*DeniedReport, error) {
	if m.KMS != nil && m.KMS.Layer != nil {
		rep.MessageLayer = m.KMS.Layer.String()
	}
	principal := o.Principal
	if principal == "" && m.Principal != "***" {
		principal = m.Principal
	}
	keyRef := m.KMSKey
	if o.Key != "" {
		keyRef = o.Key
	}
	resource := o.Resource
	if resource == "" && m.Resource != "" && m.Resource != m.KMSKey {
		resource = m.Resource
	}
	res := g.resourceFor(resource)
	if keyRef == "" && res != nil {
		keyRef = res.Key
	}
	var key *Key
	if keyRef != "" {
		k, err := g.ResolveKey(keyRef, "", m.Region)
		if err == nil {
			key = k
		}
	}
	rep.Request = DeniedRequest{Principal: principal, Action: m.Action, Resource: keyRef, Region: m.Region}

	// The key's state.
	switch {
	case m.KMSCause == accessdenied.CauseDisabled || m.KMSCause == accessdenied.CauseInvalidState || m.KMSCause == accessdenied.CauseNotFound,
		m.KMSCause == accessdenied.CauseNotAccessible && key != nil && key.State() != "Enabled":
		return g.keyStateReport(rep, keyStateMessage(m), keyRef)
	}

	switch {
	case principal == "":
		return nil, errors.New("the message does not name the caller: give it with --principal (for Lambda, the function's execution role)")
	case res != nil && servicePathCall(res, m.Action):
		return g.explainResourcePath(rep, m, principal, res)
	case keyRef == "":
		return nil, ErrHiddenKey
	case key == nil:
		return nil, fmt.Errorf("the key %s is not in the snapshot", keyRef)
	}
	calls, err := serviceKMSCalls(m)
	if err != nil {
		return nil, err
	}
	via := m.Service + "." + key.Region + ".amazonaws.com"
	rep.Request.Resource, rep.Request.ViaService, rep.Request.KMSCalls = key.ARN, via, calls
	combined := &Answer{Principal: principal, Action: m.Action, Resource: key.ARN, Decision: eval.Allow, DeniedBy: []eval.Denial{}, Reasons: []eval.Reason{}}
	for _, call := range calls {
		q := forwardKMSQuery(Query{Principal: principal}, m.Service, key.Region, call, key.ARN)
		q.ChainDepth = -1
		a, err := g.Can(q)
		if err != nil {
			return nil, err
		}
		combined.Steps = append(combined.Steps, Step{
			Action: call, Resource: key.ARN, Principal: principal, ViaService: via,
			Decision: a.DirectDecision, DeniedBy: a.DeniedBy, Reasons: a.Reasons, Conditions: a.Conditions, request: a.Request,
		})
		combined.Decision = combined.Decision.And(a.DirectDecision)
		combined.DeniedBy = append(combined.DeniedBy, a.DeniedBy...)
		combined.Reasons = append(combined.Reasons, a.Reasons...)
		combined.Conditions = append(combined.Conditions, a.Conditions...)
		combined.Unknowns = append(combined.Unknowns, a.Unknowns...)
	}
	combined.DirectDecision = combined.Decision
	return g.finishDenied(rep, m, principal, combined), nil
}

// explainResourcePath answers through the resource the call was about: its
// own permission and each KMS call its service makes (Can on the resource).
func (g *Graph) explainResourcePath(rep *DeniedReport, m *accessdenied.Message, principal string, res *Resource) (*DeniedReport, error) {
	action := m.Action
	if action == "" {
		action = "decrypt"
	}
	a, err := g.Can(Query{Principal: principal, Action: action, Resource: res.ARN, ChainDepth: -1})
	if err != nil {
		return nil, err
	}
	rep.Request.Action, rep.Request.Resource = a.Action, res.ARN
	if len(a.Steps) > 1 {
		rep.Request.ViaService = a.Steps[len(a.Steps)-1].ViaService
	}
	if m.KMSKey != "" && res.Key != "" && !sameKey(g, m.KMSKey, res.Key, m.Region) {
		rep.Explanations = append(rep.Explanations, "the message names the key "+m.KMSKey+"; the snapshot has "+res.ARN+" encrypted with "+res.Key+": the resource may have been re-encrypted since the scan, or the call was about another resource")
	}
	return g.finishDenied(rep, m, principal, a), nil
}

// finishDenied copies an answer into the report, compares it with the
// message and proposes the fixes.
func (g *Graph) finishDenied(rep *DeniedReport, m *accessdenied.Message, principal string, a *Answer) *DeniedReport {
	rep.Decision, rep.DeniedBy, rep.Reasons, rep.Conditions, rep.Steps, rep.Unknowns = a.DirectDecision, a.DeniedBy, a.Reasons, a.Conditions, a.Steps, a.Unknowns
	if p, err := arn.ParsePrincipal(principal); err == nil {
		rep.Request.Principal = p.ARN
	}
	g.compare(rep, m, a)
	if fixes := g.Fixes(a); fixes != nil {
		rep.Fixes = fixes
	}
	return rep
}

// serviceKMSCalls are the KMS calls to evaluate for a service's report: the
// one the message names, or those servicePaths says the service's action
// makes.
func serviceKMSCalls(m *accessdenied.Message) ([]string, error) {
	if m.KMSAction != "" {
		return []string{m.KMSAction}, nil
	}
	for _, sp := range servicePaths {
		if sp.service != m.Service || sp.asService {
			continue
		}
		for action, calls := range sp.calls {
			if strings.EqualFold(action, m.Action) {
				return calls, nil
			}
		}
	}
	if m.Action == "" {
		return nil, errors.New("the message names neither the operation nor the KMS call: give the resource the call was about with --resource")
	}
	return nil, fmt.Errorf("keyhound does not know which KMS calls %s makes: give the resource the call was about with --resource, or evaluate the KMS call with `keyhound can`", m.Action)
}

// servicePathCall says whether keyhound knows the KMS calls action makes on
// res (an empty action: the resource's reading action).
func servicePathCall(res *Resource, action string) bool {
	sp, ok := servicePaths[res.Type]
	if !ok {
		return false
	}
	if action == "" {
		return true
	}
	for a := range sp.calls {
		if strings.EqualFold(a, action) {
			return true
		}
	}
	return false
}

// keyStateMessage is the key-state error a service's report amounts to.
func keyStateMessage(m *accessdenied.Message) *accessdenied.Message {
	km := *m
	km.Kind, km.Action = accessdenied.KindKeyState, m.KMSAction
	if km.Action == "" {
		km.Action = "kms:Decrypt"
	}
	switch m.KMSCause {
	case accessdenied.CauseNotFound:
		km.Kind = accessdenied.KindNotFound
	case accessdenied.CauseDisabled:
		if km.KeyState == "" {
			km.KeyState = "Disabled"
		}
	}
	return &km
}

// sameKey says whether two key references resolve to the same key.
func sameKey(g *Graph, a, b, region string) bool {
	ka, errA := g.ResolveKey(a, "", region)
	kb, errB := g.ResolveKey(b, "", region)
	return errA == nil && errB == nil && ka.ARN == kb.ARN
}
