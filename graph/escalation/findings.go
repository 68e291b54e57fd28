package escalation

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/sourcegraph/conc/stream"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// Rules of the escalation findings.
const (
	// RuleKeyPolicyRewrite: a principal outside the key's administrators can
	// replace the key policy (kms:PutKeyPolicy), and so decrypt.
	RuleKeyPolicyRewrite = "escalation-key-policy-rewrite"
	// RuleUnconstrainedGrant: a principal that cannot decrypt may create a
	// grant on the key with no kms:GrantOperations or kms:GranteePrincipal
	// limit, and so give itself (or anyone) decrypt.
	RuleUnconstrainedGrant = "escalation-unconstrained-grant"
	// RuleWritableDecrypter: a principal that cannot decrypt may change the
	// policies, trust or credentials of a role or user that can.
	RuleWritableDecrypter = "escalation-writable-decrypter"
)

// maxPaths is how many paths a finding shows as evidence.
const maxPaths = 10

// Reach is a key's blast radius: how far the data under it spans. Resources
// counts the resources of the snapshot it encrypts; Accounts the accounts of
// the key, of those resources, and of the principals (and outside
// accounts) who can decrypt with it now.
type Reach struct {
	Resources int `json:"resources"`
	Accounts  int `json:"accounts"`
}

// Severity is an escalation finding's severity on a key of this reach:
// critical when the key's data spans three accounts or more, or ten
// resources or more; high when it spans two accounts or encrypts a
// resource of the snapshot; medium otherwise.
func (r Reach) Severity() graph.Severity {
	switch {
	case r.Accounts >= 3 || r.Resources >= 10:
		return graph.Critical
	case r.Accounts >= 2 || r.Resources >= 1:
		return graph.High
	}
	return graph.Medium
}

func (r Reach) String() string {
	return countOf(r.Resources, "resource") + ", " + countOf(r.Accounts, "account")
}

// KeyReach is the blast radius of key, given who can decrypt with it now.
func KeyReach(g *graph.Graph, key *graph.Key, who []graph.Who) Reach {
	return keyReach(key, g.ResourcesOf(key.ARN), who)
}

// keyReach is KeyReach given the key's resources.
func keyReach(key *graph.Key, res []*graph.Resource, who []graph.Who) Reach {
	accounts := map[string]bool{key.Account: true}
	for _, r := range res {
		accounts[r.Account] = true
	}
	last := key.Account
	for _, w := range who {
		// who-can lists an account's principals together: one insertion
		// per run of them, not per principal (an organization-wide key
		// lists every principal of the organization).
		if w.Account != "" && w.Account != last {
			accounts[w.Account] = true
			last = w.Account
		}
	}
	return Reach{Resources: len(res), Accounts: len(accounts)}
}

// resourcesByKey is graph.ResourcesOf for every key, in one pass (it
// reads every resource of the snapshot each time it is asked).
func resourcesByKey(g *graph.Graph) map[string][]*graph.Resource {
	out := map[string][]*graph.Resource{}
	for _, r := range g.Resources() {
		if r.Key != "" {
			out[r.Key] = append(out[r.Key], r)
		}
	}
	return out
}

// Findings lists the escalation findings of the snapshot's customer managed
// keys (AWS managed keys' policies cannot be changed), sorted as
// graph.Findings sorts: each key's paths (Paths with opts) and its readers
// now (who-can) are asked once.
func Findings(g *graph.Graph, opts Options) ([]graph.Finding, error) {
	g.ParseKeyPolicies() // each key's findings read its policy
	var out []graph.Finding
	writable := map[string]*graph.Finding{} // by decrypter
	w := newWriters(g)
	// One Searcher for every key: what does not depend on the key is
	// prepared once, not per key (24,000 keys at 1,000 accounts).
	sr := NewSearcher(g, opts)
	action := cmp.Or(opts.Action, "kms:Decrypt")
	resources := resourcesByKey(g)
	// Keys are searched on a pool of workers (the graph, the
	// Searcher and the writers are read-only there, or guarded); what a key
	// adds is merged in key order, on one goroutine, so the answer is the
	// sequential one. The merge does little: a key's work, who-can's
	// answer included, stays on its worker.
	// The stream keeps at most one task more than its goroutines ahead of
	// the one merged next: with as many goroutines as processors, a slow
	// key (an organization-wide one) would hold the others back. Four
	// times as many keep the processors busy (the runtime shares them).
	pool := stream.New().WithMaxGoroutines(4 * runtime.GOMAXPROCS(0))
	var firstErr error
	for _, k := range g.Keys() {
		if k.Manager() == eval.KeyManagerAWS || k.Policy() == nil {
			continue
		}
		pool.Go(func() stream.Callback {
			r := keyFindings(g, sr, w, k, resources[k.ARN], action)
			return func() {
				if r.err != nil {
					firstErr = cmp.Or(firstErr, r.err)
					return
				}
				out = append(out, r.found...)
				w.add(k, r.writable, r.reach, writable)
			}
		})
	}
	pool.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	for arn, f := range writable {
		if n := w.keys[arn]; n > maxPaths {
			f.Evidence = append(f.Evidence, graph.Evidence{Statement: -1, Resource: arn, Detail: fmt.Sprintf("and %d more keys (keyhound what-can %s)", n-maxPaths, arn)})
		}
		out = append(out, *f)
	}
	Sort(out)
	return out, nil
}

// keyResult is what one key gives Findings.
type keyResult struct {
	writable []writableDecrypter
	reach    Reach
	found    []graph.Finding
	err      error
}

// keyFindings searches one key's escalation paths and its key-level
// findings, and lists its writable decrypters; it only reads (the writers'
// cache is guarded), and runs on Findings' workers.
func keyFindings(g *graph.Graph, sr *Searcher, w *writers, k *graph.Key, res []*graph.Resource, action string) keyResult {
	who, err := g.WhoCan(action, k.ARN, "", graph.DefaultChainDepth)
	if err != nil {
		return keyResult{err: fmt.Errorf("who can use %s: %w", k.ARN, err)}
	}
	// The search is given this answer, with chains deeper than its own
	// depth: who reaches the key through a chain of 4 or 5 roles can use it
	// now, and is no escalation (as export --escalation does). One who-can
	// per key, not two: who-can is a third of the time here.
	s, err := sr.newSearch(k.ARN)
	if err != nil {
		return keyResult{err: fmt.Errorf("escalation paths to %s: %w", k.ARN, err)}
	}
	s.who = who
	s.run()
	paths := s.paths()
	r := keyResult{reach: keyReach(k, res, who)}
	// Who can use the key now is the search's excluded set.
	r.writable = w.decrypters(s)
	s.release()
	if f := keyPolicyRewrite(k, paths, r.reach); f != nil {
		r.found = append(r.found, *f)
	}
	if f := unconstrainedGrant(g, k, paths, r.reach); f != nil {
		r.found = append(r.found, *f)
	}
	return r
}

// Sort sorts findings as graph.Findings does: most severe first, then by
// rule and resource (stable: a finding's place among equals is kept).
func Sort(fs []graph.Finding) {
	slices.SortStableFunc(fs, func(a, b graph.Finding) int {
		return cmp.Or(cmp.Compare(a.Severity, b.Severity), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Resource, b.Resource))
	})
}

// keyName is a key's first alias, or its ARN.
func keyName(k *graph.Key) string {
	if len(k.Aliases) > 0 {
		return k.Aliases[0]
	}
	return k.ARN
}

// keyPolicyRewrite reports the paths whose PutKeyPolicy is made by a
// principal that is not one of the key's administrators (KeyAdmins).
func keyPolicyRewrite(k *graph.Key, paths []Path, reach Reach) *graph.Finding {
	admins := KeyAdmins(k)
	var hits []Path
	for _, p := range paths {
		for _, s := range p.Steps {
			if s.Kind == "PutKeyPolicy" && !admins[principalName(s.Principal)] {
				hits = append(hits, p)
				break
			}
		}
	}
	if len(hits) == 0 {
		return nil
	}
	return pathFinding(k, RuleKeyPolicyRewrite, reach, hits,
		fmt.Sprintf("Key policy rewritable by %s outside the key's administrators", countOf(len(hits), "principal")),
		"Limit kms:PutKeyPolicy to the key's administrators: name them in the key policy, and deny kms:PutKeyPolicy to everyone else (an identity policy boundary or an SCP)")
}

// unconstrainedGrant reports the paths whose CreateGrant is allowed with no
// limit on the grant's operations or grantee.
func unconstrainedGrant(g *graph.Graph, k *graph.Key, paths []Path, reach Reach) *graph.Finding {
	var hits []Path
	for _, p := range paths {
		for _, s := range p.Steps {
			if s.Kind == "CreateGrant" && anyGrant(g, s.Principal, k) {
				hits = append(hits, p)
				break
			}
		}
	}
	if len(hits) == 0 {
		return nil
	}
	return pathFinding(k, RuleUnconstrainedGrant, reach, hits,
		fmt.Sprintf("Unconstrained CreateGrant: %s that cannot decrypt may grant it", countOf(len(hits), "principal")),
		"Add kms:GrantOperations (the operations the grantee needs) and kms:GranteePrincipal, or kms:GrantIsForAWSResource, conditions to the statements allowing kms:CreateGrant")
}

// grantOperations are every operation a grant can allow.
var grantOperations = []string{
	"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
	"ReEncryptFrom", "ReEncryptTo", "CreateGrant", "RetireGrant", "DescribeKey", "Sign", "Verify", "GetPublicKey", "GenerateMac", "VerifyMac", "DeriveSharedSecret",
}

// anyGrant reports whether principal may call kms:CreateGrant on the key for
// a grant of every operation, to a grantee no policy names, not for an AWS
// resource: no condition limits what it grants, or to whom.
func anyGrant(g *graph.Graph, principal string, k *graph.Key) bool {
	a, err := g.Can(graph.Query{
		Principal: principal, Action: "kms:CreateGrant", Resource: k.ARN, ChainDepth: -1,
		Context: map[string][]string{
			"kms:GrantOperations":       grantOperations,
			"kms:GranteePrincipal":      {arn.AccountRoot("aws", "000000000000")},
			"kms:GrantIsForAWSResource": {"false"},
		},
	})
	return err == nil && a.Decision != eval.Deny
}

// KeyAdmins are the principals the key policy itself names (by ARN, not by
// account) in an Allow statement for kms:PutKeyPolicy: the key's
// administrators. An account's root, which the default key policy names
// for kms:*, delegates to the account's IAM policies: a principal allowed
// through that delegation alone is not an administrator of the key. Keys
// are "account/kind/name" (principalName).
func KeyAdmins(k *graph.Key) map[string]bool {
	admins := map[string]bool{}
	if k.Policy() == nil || k.Policy().Policy == nil {
		return admins
	}
	for i := range k.Policy().Policy.Statements {
		st := &k.Policy().Policy.Statements[i]
		if st.Effect != policy.Allow || st.Principal == nil || st.NotPrincipal || st.NotAction || !st.MatchesAction("kms:putkeypolicy") {
			continue
		}
		for _, a := range st.Principal.AWS {
			if n := principalName(a); n != "" {
				admins[n] = true
			}
		}
	}
	return admins
}

// principalName is a user's or role's ARN as "account/kind/name", its path
// left out (a policy may name a role without it); "" for anything else.
func principalName(s string) string {
	p, err := arn.ParsePrincipal(s)
	if err != nil || (p.Kind != arn.KindUser && p.Kind != arn.KindRole) {
		return ""
	}
	return p.AccountID + "/" + p.Kind.String() + "/" + p.Name
}

// pathFinding is a finding on key whose evidence is each path: a line
// naming the principal and its path, then the statements or grants that
// allow each step.
func pathFinding(k *graph.Key, rule string, reach Reach, paths []Path, title, remedy string) *graph.Finding {
	f := &graph.Finding{
		Rule: rule, Severity: reach.Severity(), Title: title, Account: k.Account, Region: k.Region, Resource: k.ARN,
		Remedy: remedy + " (the key's reach: " + reach.String() + ").",
	}
	for i, p := range paths {
		if i == maxPaths {
			f.Evidence = append(f.Evidence, graph.Evidence{Statement: -1, Resource: k.ARN, Detail: fmt.Sprintf("and %d more (keyhound who-can decrypt %s --escalation)", len(paths)-maxPaths, k.ARN)})
			break
		}
		f.Evidence = append(f.Evidence, graph.Evidence{Statement: -1, Ref: p.Principal, Resource: k.ARN, Name: p.Principal, Detail: "can gain access: " + Describe(p) + " (" + p.Decision.String() + ")"})
		for _, s := range p.Steps {
			// The calls the path makes, as the snapshot allows them; the
			// last, on the key, is allowed only under their changes.
			if s.Kind != "" {
				f.Evidence = append(f.Evidence, stepEvidence(s)...)
			}
		}
	}
	return f
}

// stepEvidence points at what allows a step: its statements and grants
// (or, with none known, the step itself).
func stepEvidence(s Step) []graph.Evidence {
	detail := fmt.Sprintf("%s may call %s on %s (%s)", shortARN(s.Principal), s.Action, shortARN(s.Target), s.Decision)
	if len(s.Reasons) == 0 {
		return []graph.Evidence{{Statement: -1, Resource: s.Target, Detail: detail}}
	}
	out := make([]graph.Evidence, 0, len(s.Reasons))
	for _, r := range s.Reasons {
		out = append(out, graph.Evidence{Policy: r.Policy, PolicyARN: r.PolicyARN, Statement: r.Statement, Sid: r.Sid, Grant: r.Grant, Resource: s.Target, Detail: detail})
	}
	return out
}

// shortARN is an IAM ARN's resource part with its account
// ("222222222222:role/Deployer"); other ARNs whole.
func shortARN(s string) string {
	if rest, ok := strings.CutPrefix(s, "arn:aws:iam::"); ok {
		return rest
	}
	return s
}

func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
