package usage

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// DefaultActions are the operations whose unused access is listed: the
// ones that read or make data under a key.
var DefaultActions = []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"}

// Options shape a report.
type Options struct {
	// Actions are the operations checked for unused access (DefaultActions
	// when empty).
	Actions []string
	// AWSManaged includes AWS managed keys (alias/aws/…) in the unused
	// lists; by default they are left out: their policies cannot be edited.
	AWSManaged bool
}

// Report is usage joined to the graph.
type Report struct {
	Stats        Stats         `json:"stats"`
	Uses         []Use         `json:"uses"`
	Unused       []UnusedEdge  `json:"unused"`
	UnusedGrants []UnusedGrant `json:"unused_grants"`
	UnusedKeys   []UnusedKey   `json:"unused_keys"`
	Unexplained  []Unexplained `json:"unexplained"`
	Denials      []DenialGroup `json:"denials"`
}

// UnusedEdge is access the graph gives (ALLOW or CONDITIONAL) that no
// event used: what to cut, with the statements and grants that give it.
type UnusedEdge struct {
	Key       string   `json:"key"`
	Aliases   []string `json:"aliases,omitempty"`
	Account   string   `json:"account"`
	Principal string   `json:"principal"`
	Kind      string   `json:"kind"`
	// Actions are the operations it may make and made none of.
	Actions []string `json:"actions"`
	// Decision is ALLOW when any of them is allowed outright.
	Decision eval.Verdict `json:"decision"`
	Because  []string     `json:"because,omitempty"`
}

// UnusedGrant is a grant no event used. KMS does not record which grant
// authorized a call, so a grant counts as used when its grantee made one
// of its operations on its key (or a service grantee was the via service).
type UnusedGrant struct {
	Key        string   `json:"key"`
	GrantID    string   `json:"grant_id"`
	Name       string   `json:"name,omitempty"`
	Grantee    string   `json:"grantee"`
	Operations []string `json:"operations"`
}

// UnusedKey is a key with no successful event in the window, with what
// GetKeyLastUsage said at scan time (nil: not collected).
type UnusedKey struct {
	Key       string                     `json:"key"`
	Aliases   []string                   `json:"aliases,omitempty"`
	State     string                     `json:"state"`
	LastUsage *snapshot.KeyLastUsageData `json:"last_usage,omitempty"`
}

// Report computes the unused access, the unexplained uses and the denial
// groups.
func (j *Joiner) Report(o Options) (*Report, error) {
	actions := o.Actions
	if len(actions) == 0 {
		actions = DefaultActions
	}
	r := &Report{Stats: j.Stats(), Uses: j.Uses()}
	used := map[Triple]bool{}
	usedByAccount := map[Triple]bool{} // Principal is the account
	usedByAnyone := map[Triple]bool{}  // Principal is ""
	keyUsed := map[string]bool{}
	for _, u := range r.Uses {
		used[u.Triple] = true
		usedByAccount[Triple{Principal: u.account, Key: u.Key, Action: u.Action}] = true
		usedByAnyone[Triple{Key: u.Key, Action: u.Action}] = true
		keyUsed[u.Key] = true
	}
	grants := newGrantIndex(r.Uses)
	for _, k := range j.g.Keys() {
		if k.Manager() == eval.KeyManagerAWS && !o.AWSManaged {
			continue
		}
		edges := map[string]*UnusedEdge{}
		for _, a := range actions {
			whos, err := j.g.WhoCan(a, k.ARN, k.Region, 0)
			if err != nil {
				return nil, err
			}
			for _, w := range whos {
				if w.Decision == eval.Deny || w.Principal == graph.AnyGrantee {
					continue
				}
				t := Triple{Principal: w.Principal, Key: k.ARN, Action: a}
				switch {
				case used[t]:
					continue
				case w.Kind == "account" && usedByAccount[Triple{Principal: w.Account, Key: k.ARN, Action: a}]:
					continue
				case w.Kind == "public" && usedByAnyone[Triple{Key: k.ARN, Action: a}]:
					continue
				}
				e := edges[w.Principal]
				if e == nil {
					e = &UnusedEdge{Key: k.ARN, Aliases: k.Aliases, Account: w.Account, Principal: w.Principal, Kind: w.Kind, Decision: w.Decision}
					edges[w.Principal] = e
				}
				e.Actions = append(e.Actions, a)
				if w.Decision == eval.Allow {
					e.Decision = eval.Allow
				}
				for _, b := range w.Because {
					if !slices.Contains(e.Because, b) {
						e.Because = append(e.Because, b)
					}
				}
			}
		}
		for _, e := range edges {
			r.Unused = append(r.Unused, *e)
		}
		if !keyUsed[k.ARN] {
			r.UnusedKeys = append(r.UnusedKeys, UnusedKey{Key: k.ARN, Aliases: k.Aliases, State: k.State(), LastUsage: k.LastUsage})
		}
		r.UnusedGrants = append(r.UnusedGrants, j.unusedGrants(k, grants)...)
	}
	slices.SortStableFunc(r.Unused, func(a, b UnusedEdge) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Account, b.Account), strings.Compare(a.Principal, b.Principal))
	})
	r.Unexplained = j.unexplained(r.Uses)
	r.Denials = j.Denials()
	return r, nil
}

// grantIndex answers whether a grant was used without scanning the uses
// (once per grant, that was grants × uses).
type grantIndex struct {
	used map[Triple]bool
	// vias are the services calls came through per (key, operation).
	vias map[Triple][]string
}

func newGrantIndex(uses []Use) grantIndex {
	x := grantIndex{used: make(map[Triple]bool, len(uses)), vias: map[Triple][]string{}}
	for _, u := range uses {
		x.used[u.Triple] = true
		ka := Triple{Key: u.Key, Action: u.Action}
		for _, v := range u.Via {
			if !slices.Contains(x.vias[ka], v.Service) {
				x.vias[ka] = append(x.vias[ka], v.Service)
			}
		}
	}
	return x
}

// unusedGrants lists k's grants no call used: a grant counts as used when
// its grantee (or the grantee service as itself) made one of its
// operations on k, or such a call came through the grantee service.
func (j *Joiner) unusedGrants(k *graph.Key, x grantIndex) []UnusedGrant {
	var out []UnusedGrant
	for _, gr := range k.Grants {
		grantee := gr.GranteePrincipal
		if p := j.g.Principal(grantee); p != nil {
			grantee = p.ARN
		}
		usedIt := slices.ContainsFunc(gr.Operations, func(op string) bool {
			a := "kms:" + op
			return x.used[Triple{Principal: grantee, Key: k.ARN, Action: a}] ||
				x.used[Triple{Principal: servicePrefix + grantee, Key: k.ARN, Action: a}] ||
				slices.ContainsFunc(x.vias[Triple{Key: k.ARN, Action: a}], func(v string) bool {
					return strings.HasPrefix(grantee, strings.TrimSuffix(v, "amazonaws.com"))
				})
		})
		if !usedIt {
			out = append(out, UnusedGrant{Key: k.ARN, GrantID: gr.GrantID, Name: gr.Name, Grantee: gr.GranteePrincipal, Operations: gr.Operations})
		}
	}
	return out
}

func keyRegion(keyARN string) string {
	parts := strings.SplitN(keyARN, ":", 5)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}

// Limit keeps the first n entries of each list (none when n is 0 or less);
// Stats still count them all.
func (r *Report) Limit(n int) {
	if n <= 0 {
		return
	}
	r.Uses = r.Uses[:min(n, len(r.Uses))]
	r.Unused = r.Unused[:min(n, len(r.Unused))]
	r.UnusedGrants = r.UnusedGrants[:min(n, len(r.UnusedGrants))]
	r.UnusedKeys = r.UnusedKeys[:min(n, len(r.UnusedKeys))]
	r.Unexplained = r.Unexplained[:min(n, len(r.Unexplained))]
	r.Denials = r.Denials[:min(n, len(r.Denials))]
}
