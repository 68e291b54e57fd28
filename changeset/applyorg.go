package changeset

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// orgPolicy creates, rewrites, deletes, attaches or detaches an SCP or RCP.
// A change with Attach only attaches (add) or detaches (remove) the policy
// found by ID, ARN or name, whatever its type.
func (a *applier) orgPolicy(c *Change) error {
	if a.out.Organization == nil {
		a.unplaced(c, "the snapshot has no organization")
		return nil
	}
	typ := snapshot.PolicyTypeSCP
	if c.Kind == KindRCP {
		typ = snapshot.PolicyTypeRCP
	}
	attachOnly := len(c.Attach) > 0 && c.Document == "" && !c.IsUnknown("document")
	if attachOnly && c.IsUnknown("target") {
		a.unplaced(c, "the policy attached is unknown until apply")
		return nil
	}
	i := slices.IndexFunc(a.out.Organization.Policies, func(p snapshot.OrgPolicy) bool {
		s := p.PolicySummary
		return (attachOnly || s.Type == typ) && (s.ID == c.Target || (s.Arn != "" && s.Arn == c.Target) || s.Name == c.Target)
	})
	if c.IsUnknown("attach") {
		if i >= 0 {
			a.orgPols.add(a.out.Organization.Policies[i].PolicySummary.ID)
		}
		a.unplaced(c, "what it is attached to is unknown until apply")
		return nil
	}
	org := a.organization()
	if i < 0 {
		if c.Op == OpRemove || attachOnly {
			a.unplaced(c, "no such policy in the snapshot's organization")
			return nil
		}
		id := c.Target
		name := c.Name
		if name == "" {
			name = c.Target
		}
		org.Policies = append(org.Policies, snapshot.OrgPolicy{
			PolicySummary: snapshot.PolicySummary{ID: id, Name: name, Type: typ},
			Content:       a.orgContent(c, id),
			Targets:       targets(nil, c.Attach, true),
		})
		a.orgPols.add(id)
		a.unknown(c, "target", id, "a new policy whose ID is unknown until apply: named "+id)
		a.entry(c, id, true)
		return nil
	}
	p := &org.Policies[i]
	a.orgPols.add(p.PolicySummary.ID)
	switch {
	case attachOnly:
		p.Targets = targets(p.Targets, c.Attach, c.Op != OpRemove)
	case c.Op == OpRemove:
		org.Policies = slices.Delete(org.Policies, i, i+1)
	default:
		p.Content = a.orgContent(c, p.PolicySummary.ID)
		if len(c.Attach) > 0 {
			p.Targets = targets(p.Targets, c.Attach, true)
		}
	}
	a.entry(c, c.Target, false)
	return nil
}

func (a *applier) orgContent(c *Change, id string) string {
	return a.docOrUnknown(c, id)
}

// targets returns a new list of a policy's targets with ids attached or detached.
func targets(old []snapshot.PolicyTarget, ids []string, attach bool) []snapshot.PolicyTarget {
	out := slices.Clone(old)
	if out == nil {
		out = []snapshot.PolicyTarget{}
	}
	for _, id := range ids {
		i := slices.IndexFunc(out, func(t snapshot.PolicyTarget) bool { return t.TargetID == id })
		switch {
		case attach && i < 0:
			out = append(out, snapshot.PolicyTarget{TargetID: id, Type: targetType(id)})
		case !attach && i >= 0:
			out = slices.Delete(out, i, i+1)
		}
	}
	return out
}

// targetType tells an organization target's type from its ID's form.
func targetType(id string) string {
	switch {
	case strings.HasPrefix(id, "r-"):
		return "ROOT"
	case strings.HasPrefix(id, "ou-"):
		return "ORGANIZATIONAL_UNIT"
	}
	return "ACCOUNT"
}
