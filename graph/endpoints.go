package graph

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// endpoint is a VPC endpoint with its policy (nil: full access, AWS's default).
type endpoint struct {
	ID, Account, Region, Service, VPC, Type string
	Policy                                  *eval.NamedPolicy
	Issue                                   *Issue
}

func (b *builder) buildEndpoints(account, region string, ec2 *snapshot.EC2, base string) {
	if ec2 == nil {
		return
	}
	for i, ve := range ec2.VpcEndpoints {
		ep := &endpoint{ID: ve.VpcEndpointID, Account: account, Region: region, Service: ve.ServiceName, VPC: ve.VpcID, Type: ve.VpcEndpointType}
		if ve.PolicyDocument != "" {
			ep.Policy, ep.Issue = b.parsePolicy(ve.PolicyDocument, ve.VpcEndpointID, "", account, region, ve.VpcEndpointID,
				base+".VpcEndpoints["+strconv.Itoa(i)+"].PolicyDocument")
		}
		b.endpoints = append(b.endpoints, ep)
	}
}

// VPCEndpoint is a VPC endpoint of the snapshot, as answers name it.
type VPCEndpoint struct {
	ID      string `json:"id"`
	VPC     string `json:"vpc,omitempty"`
	Service string `json:"service,omitempty"` // com.amazonaws.REGION.SERVICE
	Type    string `json:"type,omitempty"`    // Interface, Gateway…
	Account string `json:"account"`
	Region  string `json:"region"`
	// Policy is "none" (requests through it are not limited), "known" or
	// "unparseable".
	Policy string `json:"policy"`
}

func (ep *endpoint) view() VPCEndpoint {
	v := VPCEndpoint{ID: ep.ID, VPC: ep.VPC, Service: ep.Service, Type: ep.Type, Account: ep.Account, Region: ep.Region, Policy: "none"}
	switch {
	case ep.Issue != nil:
		v.Policy = "unparseable"
	case ep.Policy != nil:
		v.Policy = "known"
	}
	return v
}

// Endpoint returns the VPC endpoint with that ID.
func (g *Graph) Endpoint(id string) (VPCEndpoint, bool) {
	ep := g.endpoints[id]
	if ep == nil {
		return VPCEndpoint{}, false
	}
	return ep.view(), true
}

// Endpoints returns the snapshot's VPC endpoints, sorted by ID.
func (g *Graph) Endpoints() []VPCEndpoint {
	out := make([]VPCEndpoint, 0, len(g.endpoints))
	for _, ep := range g.endpoints {
		out = append(out, ep.view())
	}
	slices.SortFunc(out, func(a, b VPCEndpoint) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// EndpointMatch names, for a condition on aws:SourceVpce or aws:SourceVpc,
// the snapshot's VPC endpoints of the request's service and Region through
// which it holds: the endpoints a request must come through to be allowed
// (an Allow statement's condition), or through which it is denied (a Deny
// statement's). An empty list: none of the snapshot's endpoints does.
type EndpointMatch struct {
	Condition eval.Residual `json:"condition"`
	Endpoints []VPCEndpoint `json:"endpoints"`
}

// sourceVPCKeys are the condition keys a request through a VPC endpoint
// carries (IAM UG, "AWS global condition context keys"): the endpoint's ID
// and its VPC's.
var sourceVPCKeys = map[string]bool{"aws:sourcevpce": true, "aws:sourcevpc": true}

// EndpointsFor lists the endpoints of service (as in kms:ViaService, "kms",
// "s3") in region that satisfy each residual condition on aws:SourceVpce or
// aws:SourceVpc, in the conditions' order; other conditions are skipped.
func (g *Graph) EndpointsFor(conditions []eval.Residual, service, region string) []EndpointMatch {
	g.wait()
	var out []EndpointMatch
	var eps []*endpoint
	for _, c := range conditions {
		if !sourceVPCKeys[strings.ToLower(c.Key)] {
			continue
		}
		if eps == nil {
			eps = g.endpointsOf(service, region)
		}
		cond, ok := residualCondition(c)
		m := EndpointMatch{Condition: c, Endpoints: []VPCEndpoint{}}
		for _, ep := range eps {
			ctx := policy.NewContext(true)
			ctx.Set("aws:SourceVpce", ep.ID)
			if ep.VPC != "" {
				ctx.Set("aws:SourceVpc", ep.VPC)
			}
			if ok && cond.Eval(ctx) == policy.True {
				m.Endpoints = append(m.Endpoints, ep.view())
			}
		}
		out = append(out, m)
	}
	return out
}

// endpointsOf returns the endpoints of a service in a Region, sorted by ID
// (service names: com.amazonaws.REGION.SERVICE, or SERVICE-fips).
func (g *Graph) endpointsOf(service, region string) []*endpoint {
	out := []*endpoint{}
	for _, ep := range g.endpoints {
		name, ok := strings.CutPrefix(ep.Service, "com.amazonaws."+region+".")
		if ok && (name == service || name == service+"-fips") {
			out = append(out, ep)
		}
	}
	slices.SortFunc(out, func(a, b *endpoint) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// residualCondition rebuilds a residual's condition to evaluate it.
func residualCondition(r eval.Residual) (*policy.Condition, bool) {
	block, err := json.Marshal(map[string]map[string][]string{r.Operator: {r.Key: r.Values}})
	if err != nil {
		return nil, false
	}
	p, err := policy.ParseString(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + string(block) + `}]}`)
	if err != nil || len(p.Statements) != 1 || len(p.Statements[0].Conditions) != 1 {
		return nil, false
	}
	return &p.Statements[0].Conditions[0], true
}

// answerEndpoints lists, for an answer's conditions on aws:SourceVpce and
// aws:SourceVpc, the snapshot's endpoints of the action's service in the
// resource's Region that satisfy them.
func (g *Graph) answerEndpoints(a *Answer) []EndpointMatch {
	service, _, ok := strings.Cut(strings.ToLower(a.Action), ":")
	if !ok || len(a.Conditions) == 0 {
		return nil
	}
	region := ""
	if r, err := arn.Parse(a.Resource); err == nil {
		region = r.Region
	}
	if res := g.resourceFor(a.Resource); res != nil {
		region = res.Region
	}
	return g.EndpointsFor(a.Conditions, service, region)
}

// writeEndpoints says which of the snapshot's VPC endpoints satisfy the
// answer's conditions on aws:SourceVpce and aws:SourceVpc.
func writeEndpoints(w io.Writer, matches []EndpointMatch) error {
	if len(matches) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\nVPC endpoints of the snapshot that satisfy the conditions on aws:SourceVpce/aws:SourceVpc:\n")
	for _, m := range matches {
		c := m.Condition
		verb := "allowed through"
		if c.Effect == policy.Deny {
			verb = "denied through"
		}
		fmt.Fprintf(&b, "  %s %s %s — %s:", c.Key, c.Operator, strings.Join(c.Values, " or "), verb)
		if len(m.Endpoints) == 0 {
			b.WriteString(" none\n")
			continue
		}
		b.WriteString("\n")
		for _, ep := range m.Endpoints {
			fmt.Fprintf(&b, "    %s  %s  %s  %s %s  policy: %s\n", ep.ID, orDash(ep.VPC), ep.Service, ep.Account, ep.Region, ep.Policy)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
