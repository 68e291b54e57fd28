package graph

import (
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// SCPDeniedRegions returns the Regions, of those given, in which the SCPs of
// account deny (explicitly, whatever else the request holds) a read-only
// KMS call by a role of that account: Regions an SCP forbids, whose calls
// fail and whose resources cannot be used from that account. The management
// account, which SCPs do not restrict, has none. It is Org.DeniedRegions
// for a probe role and kms:ListKeys.
func (g *Graph) SCPDeniedRegions(account string, regions []string) []string {
	if g.Org == nil || !g.Org.Member(account) {
		return nil
	}
	probe := "arn:" + g.partition + ":iam::" + account + ":role/keyhound-region-probe"
	var out []string
	for _, d := range g.Org.DeniedRegions(RegionQuery{Account: account, Principal: probe, Actions: []string{"kms:ListKeys"}, Regions: regions}) {
		out = append(out, d.Region)
	}
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
func (g *Graph) regionFindings(about func(string) bool) []Finding {
	var out []Finding
	for _, id := range sortedKeys(g.Snapshot.Accounts) {
		if !about(arn.AccountRoot(g.partition, id)) {
			continue
		}
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
