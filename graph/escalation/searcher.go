package escalation

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/policy"
)

// Searcher answers Paths for many keys of one graph: what does not depend
// on the key — users' groups, instance profiles, the principals capable of
// each step, who may widen whom (writers and what they may reach), who may
// be entered by a step other than an assumption — is computed once, when
// it is made, and shared by its searches, which may run on many goroutines
// (export does). Each search keeps its own evaluations.
type Searcher struct {
	g      *graph.Graph
	action string
	depth  int
	// groups are each user's groups' ARNs; profiles the roles in an
	// instance profile (snapshot IAM details); accountGroups each
	// account's groups with their policies.
	groups        map[string][]string
	accountGroups map[string][]*group
	profiles      map[string]bool
	// versions are, in each account where some principal may call
	// iam:SetDefaultPolicyVersion, its customer managed policies'
	// non-default versions (versions.go).
	versions map[string][]*version
	// functions are, in accounts where some principal may call
	// lambda:UpdateFunctionCode, the Lambda functions by their role's ARN
	// (functions.go).
	functions map[string][]function
	// runAs are the roles of the snapshot those functions run as.
	runAs []*graph.Principal
	// capable is graph.CapableByAccount for every action of the table, by
	// the action as the kinds spell it.
	capable map[string]map[string][]*graph.Principal
	// reached is each writer's reach, reachSet the same as sets; writers
	// lists, per target, the principals whose policies may widen it; avail
	// the widenings each target may get, targets those targets by ARN.
	reached  map[*graph.Principal][]*graph.Principal
	reachSet map[*graph.Principal]map[*graph.Principal]bool
	writers  map[*graph.Principal][]*graph.Principal
	avail    map[*graph.Principal]mods
	targets  []*graph.Principal
	succ     map[*graph.Principal][]*graph.Principal // successors' cache
	// enteredList is enteredPrincipals' answer for every principal, when
	// enteredReady (prepareEntered).
	enteredList  []*graph.Principal
	enteredSet   map[*graph.Principal]bool
	enteredReady bool
	// trustMasks are the principals' trustMask, by graph.Principal.Seq,
	// each read once (trustOf): with the mask's bits, trustRead.
	trustMasks []atomic.Uint32

	// mu guards what searches fill in as they go.
	mu         sync.Mutex
	oneHop     map[*graph.Principal][]graph.Assumable // assumables' cache
	trusts     map[string]*policy.Policy              // trust policies a rewrite would put
	sharedMemo map[string]answer                      // search.can's answers not about the key
	explained  map[string]explanation                 // explain's, likewise
	creatorsOf map[creatorsKey][]*graph.Principal     // creators'
}

// NewSearcher prepares searches of g with opts (the depth and action of
// every search it makes).
func NewSearcher(g *graph.Graph, opts Options) *Searcher {
	return newSearcher(g, opts).prepareEntered()
}

func newSearcher(g *graph.Graph, opts Options) *Searcher {
	sr := &Searcher{
		g: g, action: cmp.Or(opts.Action, "kms:Decrypt"), depth: cmp.Or(opts.Depth, DefaultDepth),
		groups: map[string][]string{}, accountGroups: map[string][]*group{}, profiles: map[string]bool{}, versions: map[string][]*version{},
		functions: map[string][]function{}, trustMasks: make([]atomic.Uint32, len(g.Principals())+1),
		capable: map[string]map[string][]*graph.Principal{}, reached: map[*graph.Principal][]*graph.Principal{},
		reachSet: map[*graph.Principal]map[*graph.Principal]bool{}, writers: map[*graph.Principal][]*graph.Principal{},
		avail: map[*graph.Principal]mods{}, succ: map[*graph.Principal][]*graph.Principal{},
		oneHop: map[*graph.Principal][]graph.Assumable{}, trusts: map[string]*policy.Policy{},
		sharedMemo: map[string]answer{}, explained: map[string]explanation{}, creatorsOf: map[creatorsKey][]*graph.Principal{},
	}
	// Every action the search asks Capable about, indexed in one pass.
	actions := []string{"sts:AssumeRole"}
	for _, k := range kinds {
		actions = append(actions, k.Actions...)
	}
	g.PrepareCapable(actions)
	for _, a := range actions {
		sr.capable[a] = g.CapableByAccount(a)
	}
	for id, a := range g.Snapshot.Accounts {
		if a.IAM == nil {
			continue
		}
		sr.accountGroups[id] = groupsOf(a.IAM)
		for _, k := range kinds {
			if k.Effect == EffectVersion && len(sr.capableIn(k.Actions[0], id)) > 0 {
				sr.versions[id] = versionsOf(a.IAM)
			}
			if k.Effect == EffectFunction && len(sr.capableIn(k.Actions[0], id)) > 0 {
				functionsOf(id, a.Regions, sr.functions)
			}
		}
		groupARN := map[string]string{}
		for _, gd := range a.IAM.GroupDetailList {
			groupARN[gd.GroupName] = gd.Arn
		}
		for _, u := range a.IAM.UserDetailList {
			for _, name := range u.GroupList {
				if ga := groupARN[name]; ga != "" {
					sr.groups[u.Arn] = append(sr.groups[u.Arn], ga)
				}
			}
		}
		for _, r := range a.IAM.RoleDetailList {
			if len(r.InstanceProfileList) > 0 {
				sr.profiles[r.Arn] = true
			}
		}
	}
	for role := range sr.functions {
		if y := g.Principal(role); y != nil {
			sr.runAs = append(sr.runAs, y)
		}
	}
	sr.prepareWidenings()
	return sr
}

// prepareEntered lists, for a Searcher that serves many keys, the
// principals a step other than an assumption may enter, once (a single
// search lists only who-can's, entryChains).
func (sr *Searcher) prepareEntered() *Searcher {
	sr.enteredList = sr.enteredPrincipals(nil, nil)
	sr.enteredSet = make(map[*graph.Principal]bool, len(sr.enteredList))
	for _, p := range sr.enteredList {
		sr.enteredSet[p] = true
	}
	sr.enteredReady = true
	return sr
}

// trustOf is trustMask(y), read once per principal (the Searcher's
// searches may run on many goroutines: reading it twice does no harm).
func (sr *Searcher) trustOf(y *graph.Principal) uint16 {
	q := y.Seq()
	if q <= 0 || q >= len(sr.trustMasks) {
		return trustMask(y)
	}
	if v := sr.trustMasks[q].Load(); v&trustRead != 0 {
		return uint16(v) //nolint:gosec // G115: the mask's 16 bits
	}
	m := trustMask(y)
	sr.trustMasks[q].Store(uint32(m) | trustRead)
	return m
}

// trustRead marks a trustMasks entry as read.
const trustRead = 1 << 16

// trustMayName is trustMayName(y, service), y's trust policy read once.
func (sr *Searcher) trustMayName(y *graph.Principal, service string) bool {
	if b := serviceBit(service); b != 0 {
		return sr.trustOf(y)&b != 0
	}
	return trustMayName(y, service)
}

// Paths is Paths(g, keyARN, opts) for the searcher's graph and options.
func (sr *Searcher) Paths(keyARN string) ([]Path, error) {
	return sr.PathsWith(keyARN, nil)
}

// PathsWith is Paths given who-can's answer for the action on the key
// (with role chains as deep as the searcher's depth), for a caller that
// has it already; nil: asked.
func (sr *Searcher) PathsWith(keyARN string, who []graph.Who) ([]Path, error) {
	s, err := sr.newSearch(keyARN)
	if err != nil {
		return nil, err
	}
	s.who = who
	s.run()
	defer s.release()
	return s.paths(), nil
}

// prepareWidenings lists, for each principal an IAM writer may widen and
// then act as, the widenings it may get and its writers: the writer itself,
// or a principal it may act as within depth-1 steps (reach: a cheap,
// generous filter), in the writer's account. Joining a group and setting a
// policy's default version have their own seeds (seedGroups, seedVersions),
// whose writers' reach is computed here too.
func (sr *Searcher) prepareWidenings() {
	for _, k := range kinds {
		var m mods
		switch k.Effect {
		case EffectIdentity:
			m = modIdentity
		case EffectNoBoundary:
			m = modBoundary
		case EffectGroup, EffectVersion:
			for _, ws := range sr.capableBy(k.Actions[0]) {
				for _, w := range ws {
					sr.reach(w)
				}
			}
			continue
		default:
			continue
		}
		for _, account := range sortedAccounts(sr.capableBy(k.Actions[0])) {
			for _, w := range sr.capableBy(k.Actions[0])[account] {
				for _, t := range sr.reach(w) {
					if t.Account != w.Account || m == modBoundary && t.Boundary == nil {
						continue
					}
					for _, res := range sr.resources(k, t) {
						if mayAllow(w, k.Actions[0], res) {
							sr.avail[t] |= m
							if !slices.Contains(sr.writers[t], w) {
								sr.writers[t] = append(sr.writers[t], w)
							}
							break
						}
					}
				}
			}
		}
	}
	sr.prepareStacks()
	for t := range sr.avail {
		sr.targets = append(sr.targets, t)
	}
	slices.SortFunc(sr.targets, func(a, b *graph.Principal) int { return cmp.Compare(a.ARN, b.ARN) })
}

// capableBy is graph.Capable(action) by account (the graph's index, read
// only), looked up by the action as the kinds spell it.
func (sr *Searcher) capableBy(action string) map[string][]*graph.Principal {
	if m, ok := sr.capable[action]; ok {
		return m
	}
	return sr.g.CapableByAccount(action)
}

func (sr *Searcher) capableIn(action, account string) []*graph.Principal {
	return sr.capableBy(action)[account]
}

// assumables is graph.Assumables(p, 1), once per principal.
func (sr *Searcher) assumables(p *graph.Principal) []graph.Assumable {
	sr.mu.Lock()
	out, ok := sr.oneHop[p]
	sr.mu.Unlock()
	if ok {
		return out
	}
	out = sr.g.Assumables(p.ARN, 1)
	sr.mu.Lock()
	sr.oneHop[p] = out
	sr.mu.Unlock()
	return out
}

// trustNaming is trustNaming(principal), parsed once per principal.
func (sr *Searcher) trustNaming(principal string) *policy.Policy {
	sr.mu.Lock()
	p, ok := sr.trusts[principal]
	sr.mu.Unlock()
	if ok {
		return p
	}
	p, err := trustNaming(principal)
	if err != nil {
		p = nil
	}
	sr.mu.Lock()
	sr.trusts[principal] = p
	sr.mu.Unlock()
	return p
}

// mayAssumeSome is a cheap filter before asking the graph which roles p
// may assume: p needs an identity statement for sts:AssumeRole, unless a
// role's trust policy names it (in the same account that suffices; the
// graph asks the same of its candidates), or its policies are not all
// known.
func (sr *Searcher) mayAssumeSome(p *graph.Principal) bool {
	if len(p.Issues) > 0 || slices.Contains(sr.capableIn("sts:AssumeRole", p.Account), p) || sr.g.NamedInTrust(p.ARN) {
		return true
	}
	// A role may be named without its path.
	return p.Kind == arn.KindRole && p.Path != "/" && sr.g.NamedInTrust(strings.TrimSuffix(p.ARN, p.Path[1:]+p.Name)+p.Name)
}
