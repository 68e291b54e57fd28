package graph

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// SCPDeniedRegions returns the Regions, of those given, in which the SCPs of
// account deny (explicitly, whatever else the request holds) a read-only
// KMS call by a role of that account: Regions an SCP forbids, whose calls
// fail and whose resources cannot be used from that account. The management
// account, which SCPs do not restrict, has none.
func (g *Graph) SCPDeniedRegions(account string, regions []string) []string {
	if g.Org == nil || account == g.Org.ManagementAccount || !g.Org.Member(account) {
		return nil
	}
	levels, _ := g.Org.levels(account, snapshot.PolicyTypeSCP)
	if len(levels) == 0 {
		return nil
	}
	caller, err := arn.ParsePrincipal("arn:" + g.partition + ":iam::" + account + ":role/keyhound-region-probe")
	if err != nil {
		return nil
	}
	var out []string
	for _, region := range regions {
		ctx := policy.NewContext(false)
		ctx.Set("aws:RequestedRegion", region)
		ctx.Set("aws:PrincipalAccount", account)
		r := &eval.Request{
			Principal: caller, Action: "kms:ListKeys", Resource: "*", ResourceAccount: account,
			SCPs: levels, ManagementAccount: g.Org.ManagementAccount, Context: ctx,
			// Only the SCPs are in question: the rest of the request allows.
			IdentityPolicies: []eval.NamedPolicy{allowAll},
		}
		d, err := eval.Evaluate(r)
		if err != nil {
			continue
		}
		for _, x := range d.DeniedBy {
			if x.Layer == eval.LayerSCP && x.Explicit && d.Verdict == eval.Deny {
				out = append(out, region)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// allowAll is an identity policy allowing everything, for questions about
// the other layers alone.
var allowAll = func() eval.NamedPolicy {
	p, err := policy.ParseString(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	if err != nil {
		panic(err)
	}
	return eval.NamedPolicy{Name: "allow-all", Policy: p}
}()

// regionFindings reports, per account, the enabled Regions its SCPs forbid.
func (g *Graph) regionFindings() []Finding {
	var out []Finding
	for _, id := range sortedKeys(g.Snapshot.Accounts) {
		a := g.Snapshot.Accounts[id]
		regions := a.EnabledRegions
		if regions == nil {
			regions = sortedKeys(a.Regions)
		}
		denied := g.SCPDeniedRegions(id, regions)
		if len(denied) == 0 {
			continue
		}
		out = append(out, Finding{
			Rule: "scp-denied-regions", Severity: Info, Account: id, Resource: arn.AccountRoot(g.partition, id),
			Title:    "SCPs forbid Regions the account has enabled: calls there fail, and a scan records them as denied",
			Evidence: []Evidence{{Statement: -1, Detail: "denied Regions: " + strings.Join(denied, ", ")}},
		})
	}
	return out
}
