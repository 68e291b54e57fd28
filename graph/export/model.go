// Package export turns an access graph into files other tools read: JSON
// (keyhound.graph/v1), GraphML, Graphviz DOT, Cypher for Neo4j, CSV in
// neo4j-admin import layout, Mermaid, and findings as SARIF 2.1.0 or CSV.
//
// Walk enumerates the graph's nodes and edges in a deterministic order,
// computing who can use each key and read each resource on a bounded pool of
// workers; writers stream what it gives, so memory does not grow with the
// number of edges. Like the rest of graph, the package does no I/O of its
// own: writers take an io.Writer.
package export

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
)

// Version is the format of the JSON export.
const Version = "keyhound.graph/v1"

// Node kinds.
const (
	KindOrganization = "organization"
	KindRoot         = "root"
	KindOU           = "ou"
	KindAccount      = "account"
	KindUser         = "user"
	KindRole         = "role"
	KindExternal     = "external" // an account or principal outside the snapshot
	KindPublic       = "public"   // "*"
	KindKey          = "key"
	KindResource     = "resource"
)

// Edge kinds.
const (
	EdgeContains    = "contains"     // organization → root → OU → account → principal, key, resource
	EdgeCanAssume   = "can-assume"   // principal → role
	EdgeCanUseKey   = "can-use-key"  // principal → key, per action
	EdgeEncryptedBy = "encrypted-by" // resource → key
	EdgeCanRead     = "can-read"     // principal → resource: its permission and its service's KMS calls
	EdgeGrant       = "grant"        // grantee → key: a grant and its operations
	// EdgeCanEscalate: principal → key, a principal that cannot use the key
	// now but can make itself able to in a few API calls (graph/escalation;
	// Options.Escalation). Its Steps are the calls; Attrs["steps"] says
	// them in a line.
	EdgeCanEscalate = "can-escalate-to"
)

// Node is one node of the access graph.
type Node struct {
	ID      string            `json:"id"` // an ARN, an account ID, an OU or root ID, "*"
	Kind    string            `json:"kind"`
	Label   string            `json:"label"`
	Account string            `json:"account,omitempty"`
	Attrs   map[string]string `json:"attrs,omitempty"`
}

// Edge is one edge of the access graph. Decision, Conditions and Because
// are set on access edges (can-assume, can-use-key, can-read).
type Edge struct {
	From       string          `json:"from"`
	To         string          `json:"to"`
	Kind       string          `json:"kind"`
	Action     string          `json:"action,omitempty"`
	Decision   eval.Verdict    `json:"decision,omitempty"`
	Conditions []eval.Residual `json:"conditions,omitempty"`
	// Via is the role chain, when the access goes through one.
	Via []string `json:"via,omitempty"`
	// Because names the statements and grants that allow it.
	Because []string `json:"because,omitempty"`
	// Steps, on a can-escalate-to edge, are the calls that give the access,
	// the last being the action on the key.
	Steps []escalation.Step `json:"steps,omitempty"`
	// Uses and LastUsed, on can-use-key and can-read edges when
	// Options.Usage is given: the calls the principal made (on a can-read
	// edge, on the resource's key, any operation) and the last one's time
	// (RFC 3339; absent when there was none).
	Uses     *int              `json:"uses,omitempty"`
	LastUsed string            `json:"last_used,omitempty"`
	Attrs    map[string]string `json:"attrs,omitempty"`
}

// UseKey names the calls of a principal on a key: one action, or any
// ("").
type UseKey struct{ Principal, Key, Action string }

// EdgeUse is how many calls were made, and when the last was.
type EdgeUse struct {
	Count int
	Last  time.Time
}

// Options narrow an export. The zero value exports everything, with
// kms:Decrypt as the key action.
type Options struct {
	// Accounts keeps the nodes of these accounts, the edges that touch them
	// and the nodes at the other end of those edges.
	Accounts []string
	// Keys keeps these keys (ARNs, aliases, key IDs) and what touches them.
	Keys []string
	// Principals keeps edges from these principals (ARNs).
	Principals []string
	// Decisions keeps access edges with these decisions (default ALLOW and
	// CONDITIONAL; DENY is never an edge).
	Decisions []eval.Verdict
	// Actions are the KMS actions of can-use-key edges (default kms:Decrypt).
	Actions []string
	// ChainDepth is how many role hops who-can follows (0: the default).
	ChainDepth int
	// Workers computing who-can in parallel (default 2).
	Workers int
	// Escalation adds can-escalate-to edges: for each key and action, the
	// principals that can gain it in up to EscalationDepth steps
	// (graph/escalation; 0: escalation.DefaultDepth).
	Escalation      bool
	EscalationDepth int
	// Usage, when not nil, adds uses and last_used to the access edges:
	// CloudTrail usage as graph/usage joins it, by principal, key and
	// action (can-use-key) and by principal and key, any action ("",
	// can-read).
	Usage map[UseKey]EdgeUse
	// Among, when set, keeps only the access edges from its principals
	// (graph.AmongPrincipals or AmongAccounts, of the graph exported),
	// computing those alone (graph.WhoCanAmong, AssumedByAmong): what a
	// comparison needs when only they may answer otherwise (graph/diff).
	// Not with Escalation, whose searches read whole answers.
	Among *graph.Among
	// Unanswered, when not nil, is told of each key or resource whose
	// access edges could not be made (who-can on it failed: a resource
	// type keyhound does not answer through, as an RDS DB instance): its
	// node is written, its access edges are not. Called on one goroutine
	// at a time, in the walk's order; a filtered export past its held
	// edges may tell of one twice.
	Unanswered func(target string, err error)

	// wholeWhoCan asks who-can the whole answer for every target, as an
	// export did before graph.WhoCanAmong: the reference its tests compare
	// a filtered export with.
	wholeWhoCan bool
	// heldEdges, when positive, bounds the access edges a filtered export
	// holds in memory (heldEdges, the constant, otherwise): tests set it
	// low to take the path past the bound.
	heldEdges int
}

func (o *Options) normalize(g *graph.Graph) error {
	if len(o.Actions) == 0 {
		o.Actions = []string{"kms:Decrypt"}
	}
	if len(o.Decisions) == 0 {
		o.Decisions = []eval.Verdict{eval.Allow, eval.Conditional}
	}
	if o.ChainDepth == 0 {
		o.ChainDepth = graph.DefaultChainDepth
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Among != nil && o.Escalation {
		return errors.New("export: Among does not go with escalation edges")
	}
	if o.Among != nil && !o.Among.Of(g) {
		return errors.New("export: the Among was made for another graph")
	}
	for i, k := range o.Keys {
		key, err := g.ResolveKey(k, "", "")
		if err != nil {
			return err
		}
		o.Keys[i] = key.ARN
	}
	return nil
}

// filter decides what an export keeps.
type filter struct {
	accounts, keys, principals map[string]bool
	decisions                  map[eval.Verdict]bool
}

func newFilter(o *Options) *filter {
	set := func(l []string) map[string]bool {
		if len(l) == 0 {
			return nil
		}
		m := make(map[string]bool, len(l))
		for _, s := range l {
			m[s] = true
		}
		return m
	}
	f := &filter{accounts: set(o.Accounts), keys: set(o.Keys), principals: set(o.Principals), decisions: map[eval.Verdict]bool{}}
	for _, d := range o.Decisions {
		f.decisions[d] = true
	}
	return f
}

func (f *filter) key(k *graph.Key) bool {
	return (f.keys == nil || f.keys[k.ARN]) && (f.accounts == nil || f.accounts[k.Account])
}

func (f *filter) principal(p string) bool { return f.principals == nil || f.principals[p] }

// access keeps an access edge: its decision is wanted, its principal is, and
// with an account filter, one of its ends is in those accounts.
func (f *filter) access(from, fromAccount, toAccount string, d eval.Verdict) bool {
	return f.decisions[d] && f.principal(from) && (f.accounts == nil || f.accounts[fromAccount] || f.accounts[toAccount])
}

// label is a short name for a node: a key's alias, a role's name.
func label(id string) string {
	if i := strings.LastIndexAny(id, "/:"); i >= 0 && i < len(id)-1 {
		return id[i+1:]
	}
	return id
}

func sortedAttrs(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortStrings(s []string) { slices.Sort(s) }
