package fakeaws

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/accessdenied"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// Root is the ID of the organization's root.
const Root = "r-fake"

// OU is an organizational unit: its ID ("ou-…"), name, and parent (Root
// or another OU's ID; "" is Root).
type OU struct {
	ID, Name, Parent string
}

// SCP is a service control policy: its ID ("p-…"), name, content (the
// policy JSON) and targets (Root, OU IDs, account IDs). AWS's own
// FullAWSAccess is always there besides, attached to the root and every
// OU (AWS attaches it to every account too; the fake leaves the account
// level empty, which evaluators read the same way: no level of its own).
//
// The fake enforces the SCPs as AWS does: every call of a member account's
// principal is evaluated against the SCPs on its account's path with the
// IAM policy evaluator (graph/eval), in a complete context (the call's
// Region as aws:RequestedRegion, the principal's ARN and account); one
// they deny is answered AccessDenied in the service's protocol with AWS's
// message ("User: ARN is not authorized to perform: ACTION with an
// explicit deny in a service control policy", IAM UG, "Troubleshoot access
// denied error messages"). The management account is not restricted.
type SCP struct {
	ID, Name, Content string
	Targets           []string
}

// fullAWSAccess is AWS's managed SCP.
const fullAWSAccess = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// parent is the parent of an account or OU.
func (s *Server) parent(id string) string {
	for _, ou := range s.OUs {
		if ou.ID == id {
			if ou.Parent == "" {
				return Root
			}
			return ou.Parent
		}
	}
	if p := s.Parents[id]; p != "" {
		return p
	}
	return Root
}

// path is an account's path: root, OUs, account.
func (s *Server) path(account string) []string {
	path := []string{account}
	for id := account; id != Root && len(path) < 8; {
		id = s.parent(id)
		path = append(path, id)
	}
	slices.Reverse(path)
	return path
}

// targets are where an SCP is attached.
func (s *Server) targets(id string) []string {
	if id == "p-FullAWSAccess" {
		t := []string{Root}
		for _, ou := range s.OUs {
			t = append(t, ou.ID)
		}
		return t
	}
	for _, p := range s.SCPs {
		if p.ID == id {
			return p.Targets
		}
	}
	return nil
}

// policies returns the parsed SCPs by ID, FullAWSAccess included.
func (s *Server) policies() map[string]*policy.Policy {
	s.orgOnce.Do(func() {
		s.scpDocs = map[string]*policy.Policy{}
		docs := map[string]string{"p-FullAWSAccess": fullAWSAccess}
		for _, p := range s.SCPs {
			docs[p.ID] = p.Content
		}
		for id, doc := range docs {
			p, err := policy.ParseString(doc)
			if err != nil {
				panic("fakeaws: SCP " + id + ": " + err.Error())
			}
			s.scpDocs[id] = p
		}
	})
	return s.scpDocs
}

// allowAll stands for the caller's identity policies: the fake's
// principals may do anything their SCPs allow.
var allowAll = func() eval.NamedPolicy {
	p, err := policy.ParseString(fullAWSAccess)
	if err != nil {
		panic(err)
	}
	return eval.NamedPolicy{Name: "allow-all", Policy: p}
}()

// scpDeny evaluates a call against the SCPs of its account; it returns
// AWS's AccessDenied when they deny it.
func (s *Server) scpDeny(c Call) *Fault {
	if len(s.SCPs) == 0 || c.Account == s.Management || c.Service == "" {
		return nil
	}
	docs := s.policies()
	var levels [][]eval.NamedPolicy
	for _, id := range s.path(c.Account) {
		var level []eval.NamedPolicy
		for _, pid := range append([]string{"p-FullAWSAccess"}, s.scpIDs()...) {
			if slices.Contains(s.targets(pid), id) {
				level = append(level, eval.NamedPolicy{Name: pid, Policy: docs[pid]})
			}
		}
		levels = append(levels, level)
	}
	caller := s.callerARN(c)
	p, err := arn.ParsePrincipal(caller)
	if err != nil {
		return nil
	}
	action, _, ok := accessdenied.OperationAction(c.Service, c.Op)
	if !ok {
		action = c.Service + ":" + c.Op
	}
	ctx := policy.NewContext(true)
	ctx.Set("aws:RequestedRegion", c.Region)
	d, err := eval.Evaluate(&eval.Request{
		Principal: p, Action: action, Resource: "*", ResourceAccount: c.Account, Context: ctx,
		SCPs: levels, ManagementAccount: s.Management, IdentityPolicies: []eval.NamedPolicy{allowAll},
	})
	if err != nil || d.Verdict != eval.Deny || !d.DeniedByLayer(eval.LayerSCP) {
		return nil
	}
	why := "with an explicit deny in a service control policy"
	explicit := false
	for _, x := range d.DeniedBy {
		explicit = explicit || x.Layer == eval.LayerSCP && x.Explicit
	}
	if !explicit {
		why = "because no service control policy allows the " + action + " action"
	}
	msg := "User: " + caller + " is not authorized to perform: " + action + " " + why
	switch protocol(c.Service) {
	case "ec2":
		return &Fault{
			Status: http.StatusForbidden, Code: "UnauthorizedOperation",
			Message: "You are not authorized to perform this operation. " + msg + ". Encoded authorization failure message: fake-" + strconv.Itoa(len(msg)),
		}
	case "query":
		code := "AccessDenied"
		if c.Service == "sns" {
			code = "AuthorizationError"
		}
		return &Fault{Status: http.StatusForbidden, Code: code, Message: msg}
	case "s3":
		return &Fault{Status: http.StatusForbidden, Code: "AccessDenied", Message: msg}
	case "restjson":
		return &Fault{Status: http.StatusForbidden, Code: "AccessDeniedException", Message: msg}
	}
	return &Fault{Status: http.StatusBadRequest, Code: "AccessDeniedException", Message: msg}
}

func (s *Server) scpIDs() []string {
	out := make([]string, len(s.SCPs))
	for i, p := range s.SCPs {
		out[i] = p.ID
	}
	return out
}

// organizations answers AWS Organizations: the root, the OUs under each
// parent, the accounts under each parent 20 a page (as AWS), the SCPs with
// their content and targets.
func (s *Server) organizations(w http.ResponseWriter, c Call, in map[string]any) {
	orgARN := "arn:" + Partition(c.Region) + ":organizations::" + s.Management
	rootARN := orgARN + ":root/o-fake/" + Root
	summary := func(id, name string) map[string]any {
		return map[string]any{
			"Id": id, "Arn": orgARN + ":policy/o-fake/service_control_policy/" + id,
			"Name": name, "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": id == "p-FullAWSAccess",
		}
	}
	if c.Op != "DescribeOrganization" && c.Account != s.Management && !slices.Contains(s.DelegatedAdmins, c.Account) {
		s.fail(w, c, http.StatusBadRequest, "AccessDeniedException", "You don't have permissions to access this resource.")
		return
	}
	parent, _ := in["ParentId"].(string)
	switch c.Op {
	case "DescribeOrganization":
		writeJSON(w, map[string]any{"Organization": map[string]any{
			"Id": "o-fake", "Arn": orgARN + ":organization/o-fake",
			"MasterAccountId": s.Management, "FeatureSet": "ALL",
		}})
	case "ListRoots":
		writeJSON(w, map[string]any{"Roots": []any{map[string]any{
			"Id": Root, "Arn": rootARN, "Name": "Root",
			"PolicyTypes": []any{map[string]any{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}},
		}}})
	case "ListOrganizationalUnitsForParent":
		ous := []any{}
		for _, ou := range s.OUs {
			if s.parent(ou.ID) == parent {
				ous = append(ous, map[string]any{"Id": ou.ID, "Name": ou.Name, "Arn": orgARN + ":ou/o-fake/" + ou.ID})
			}
		}
		writeJSON(w, map[string]any{"OrganizationalUnits": ous})
	case "ListAccountsForParent":
		var under []string
		for _, a := range append(s.Accounts(), s.Suspended...) {
			if s.parent(a) == parent {
				under = append(under, a)
			}
		}
		start, _ := strconv.Atoi(c.Token)
		start = min(start, len(under))
		end := min(start+20, len(under))
		accts := []any{}
		for _, a := range under[start:end] {
			state := "ACTIVE"
			if slices.Contains(s.Suspended, a) {
				state = "SUSPENDED"
			}
			accts = append(accts, map[string]any{
				"Id": a, "Arn": orgARN + ":account/o-fake/" + a,
				"Name": "account-" + a, "Email": a + "@example.com", "Status": state, "State": state,
			})
		}
		out := map[string]any{"Accounts": accts}
		if end < len(under) {
			out["NextToken"] = strconv.Itoa(end)
		}
		writeJSON(w, out)
	case "ListPolicies":
		ps := []any{}
		if in["Filter"] == "SERVICE_CONTROL_POLICY" {
			ps = append(ps, summary("p-FullAWSAccess", "FullAWSAccess"))
			for _, p := range s.SCPs {
				ps = append(ps, summary(p.ID, p.Name))
			}
		}
		writeJSON(w, map[string]any{"Policies": ps})
	case "DescribePolicy":
		content := fullAWSAccess
		name := "FullAWSAccess"
		for _, p := range s.SCPs {
			if p.ID == c.Resource {
				content, name = p.Content, p.Name
			}
		}
		writeJSON(w, map[string]any{"Policy": map[string]any{"PolicySummary": summary(c.Resource, name), "Content": content}})
	case "ListTargetsForPolicy":
		targets := []any{}
		for _, t := range s.targets(c.Resource) {
			typ, arnOf := "ACCOUNT", orgARN+":account/o-fake/"+t
			switch {
			case t == Root:
				typ, arnOf = "ROOT", rootARN
			case strings.HasPrefix(t, "ou-"):
				typ, arnOf = "ORGANIZATIONAL_UNIT", orgARN+":ou/o-fake/"+t
			}
			targets = append(targets, map[string]any{"TargetId": t, "Arn": arnOf, "Name": t, "Type": typ})
		}
		writeJSON(w, map[string]any{"Targets": targets})
	default:
		writeJSON(w, map[string]any{})
	}
}
