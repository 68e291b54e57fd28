package graph

import (
	"cmp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Graph is the access graph of one snapshot.
type Graph struct {
	Snapshot *snapshot.Snapshot
	Org      *Org
	// Issues are the snapshot's load errors and unparseable policies, sorted by path.
	Issues []Issue

	principals map[string]*Principal // by ARN
	// assumeMemo caches canAssume's verdicts, by caller and role.
	assumeMemo sync.Map
	// sortedPrincipals and sortedKeys list principals and keys by ARN.
	sortedPrincipals []*Principal
	sortedKeys       []*Key
	// otherRoles are the roles principals does not find by their plain
	// ARN, by "account/name" (addPrincipals, Role).
	otherRoles   map[string]*Principal
	keys         map[string]*Key      // by key ARN
	keyIDs       map[string]*Key      // by "account/region/id"
	aliases      map[string]*Key      // by "account/region/alias/name"
	leftOut      []leftOutKey         // keys the snapshot contradicts itself about (keyarn.go, resolvekey.go)
	endpoints    map[string]*endpoint // VPC endpoints by ID
	resources    []*Resource          // sorted by ARN
	resourceARNs map[string]*Resource
	ix           *index
	partition    string
	// numClasses counts the principals' classes (share.go); noShare turns
	// sharing off, for tests that check it changes no answer.
	numClasses int
	noShare    bool
	// lite is what the key filter reads of each principal (candidates.go).
	lite []principalLite
	// traits are what sharing knows of each policy of the snapshot (share.go).
	traits map[*policy.Policy]policyTraits
	// accountIndex numbers the accounts of the snapshot's principals (from 1).
	accountIndex map[string]int32
	// accountFacts holds, by account index, a context with the
	// account-level principal keys (aws:PrincipalAccount, …; share.go).
	accountFacts []*policy.Context
	// stmtDeps says, for each identity-policy statement, how the key
	// filter's answer for it depends on the principal; read-only once built.
	stmtDeps map[*policy.Statement]stmtDep
	// pending, when not nil, is closed once a background build of the
	// principals is done (panicked: what it panicked with); wait.
	pending  chan struct{}
	panicked any
	built    atomic.Bool // pending closed, nothing panicked: wait's fast path
	// start, when not nil, is closed when the background build may begin
	// (Start); startOnce closes it.
	start     chan struct{}
	startOnce sync.Once
	// resBuild, when not nil, builds the resources, once (resOnce), when
	// an answer first reads them (needResources).
	resBuild func()
	resOnce  sync.Once
	resBuilt atomic.Bool // resBuild done
	// kres builds, before them all, the resources of one key at a time,
	// with BuildOptions.ResourceIndex (keyresources.go).
	kres *keyResources
	// docs parses the key and resource policies left for later, each
	// distinct text once (lazydoc.go).
	docs *docTable
}

type builder struct {
	g         *Graph
	partition string
	// cache holds the documents preparse parsed, read-only once the
	// accounts are built (by two builders at once); local, those a
	// builder parsed as it met them (misses counts them).
	cache  map[string]parsed
	local  map[string]parsed
	misses int
	// issues are the issues the builder met, added to the graph's once
	// it is done (Build, Rebuild).
	issues []Issue
	// order holds the principals in the order they were added, keyOrder
	// the keys; endpoints and leftOut are the VPC endpoints and left-out
	// keys it built, all of them put in the graph by addKeys.
	order     []*Principal
	keyOrder  []*Key
	endpoints []*endpoint
	leftOut   []leftOutKey
	// resources are those it built, in that order (buildResources).
	resources []*Resource
	// tagSets shares principals' and keys' tag maps by their tags, tagSig its
	// lookup key's buffer (principals.go).
	tagSets map[string]tagSet
	tagSig  []byte
}

// Build builds the graph of a loaded snapshot; loadErrs are the snapshot's
// load errors, kept as issues.
func Build(s *snapshot.Snapshot, loadErrs []snapshot.LoadError) *Graph {
	g, _ := build(s, loadErrs, BuildOptions{})
	return g
}

// BuildOptions change what Build does when, never what the graph answers.
type BuildOptions struct {
	// KnownIssues says Issues are the graph's issues as Build made them
	// for the same snapshot and load errors (in an earlier run of the same
	// keyhound: the graph cache keeps them). The graph takes them as they
	// are, and each resource's policy is parsed when an answer first asks
	// for it (resourcepolicy.go) instead of all of them by Build.
	KnownIssues bool
	Issues      []Issue
	// Background, with KnownIssues, returns once the organization and the
	// keys are built; the principals (their index and classes) and the
	// resources are built on goroutines of their own, from the first call
	// to Start, Built or a method that reads them (which waits for them,
	// pending.go). The TUI draws the keys list first, with both CPUs. A
	// graph whose build never starts keeps its two goroutines, blocked,
	// and the snapshot: call Start, or drop the process.
	// The build goes on reading the snapshot: it must not change (it never
	// does once loaded; changeset.Apply copies).
	Background bool
	// LazyResources, with KnownIssues and not Background, builds the
	// resources when an answer first reads them (needResources), not
	// beside the principals: for a question about a principal and a key
	// (can, denied), which never reads them, a third of a 5,000-account
	// build and its memory. A question that reads them then builds them
	// after the principals instead of beside them.
	LazyResources bool
	// ResourceIndex, with LazyResources, is what ResourceIndex returned
	// for a graph of the same snapshot built by the same keyhound (the
	// graph cache keeps it): ResourcesOf a key then builds the resources
	// of its Regions only, before (or without) the others.
	ResourceIndex []byte
	// Hold, when not nil, keeps a background build from starting the
	// principals and resources until it is closed: a test sees the graph
	// as it is while they are built.
	Hold <-chan struct{}
	// Done, when not nil, is called once a background build is done (or
	// panicked), before Built's channel is closed: whoever sees it closed
	// knows Done has run. The TUI keeps its load's collector policy until
	// then (cmd/keyhound loadCached). Never called without Background.
	Done func()
}

// BuildWith is Build with options.
func BuildWith(s *snapshot.Snapshot, loadErrs []snapshot.LoadError, o BuildOptions) *Graph {
	g, _ := build(s, loadErrs, o)
	return g
}

func build(s *snapshot.Snapshot, loadErrs []snapshot.LoadError, o BuildOptions) (*Graph, *builder) {
	principals, keys := sizes(s)
	g := &Graph{
		Snapshot: s, keys: make(map[string]*Key, keys), keyIDs: make(map[string]*Key, keys), aliases: map[string]*Key{}, endpoints: map[string]*endpoint{}, resourceARNs: map[string]*Resource{},
		partition: s.Partition, docs: &docTable{},
	}
	if g.partition == "" {
		g.partition = "aws"
	}
	for _, e := range loadErrs {
		g.Issues = append(g.Issues, Issue{Account: e.Account, Region: e.Region, Item: e.Item, Path: e.Path, Message: e.Message})
	}
	b := &builder{g: g, partition: g.partition, cache: map[string]parsed{}}
	background := o.Background && o.KnownIssues
	accounts := sortedKeys(s.Accounts)
	bp, bk := b.fork(), b.fork()
	// One-shot, the keys are built while the documents are parsed and the
	// organization built: they need neither (keywork.go).
	var waitKeys func() any
	if !background {
		waitKeys = keysAhead(bk, s, accounts)
	}
	// In the background the principals' builder parses its own documents,
	// as it meets them, so that the keys do not wait for them.
	func() {
		defer func() {
			if p := recover(); p != nil {
				if waitKeys != nil {
					waitKeys() // the keys stop before Build's caller gets the panic
				}
				panic(p)
			}
		}()
		b.preparse(s, !background, !o.KnownIssues)
		b.buildOrg(s.Organization)
	}()
	g.Issues = append(g.Issues, b.issues...)
	// Principals on one goroutine, keys and resources on this one (the
	// resources on a third later, with LazyResources or Background): they
	// share nothing but what is read-only by now (the snapshot, the
	// organization, preparse's documents), and each builder keeps its own
	// issues and late documents.
	// One-shot, the keys' goroutine helps with the principals once done
	// (principalwork.go, bh); in the background it builds the resources.
	work := newPrincipalWork(s, accounts)
	var bh *builder
	if background {
		bp.order = make([]*Principal, 0, principals) // all of them
	} else {
		bh = b.fork()
	}
	var start chan struct{} // nil: at once
	if background {
		start = make(chan struct{})
		g.start = start
	}
	var wg sync.WaitGroup
	var panicked, panickedR any // a panic there is Build's caller's, as on one goroutine
	wg.Go(func() {
		defer func() { panicked = recover() }()
		if start != nil {
			<-start
		}
		if principalsHook != nil {
			principalsHook()
		}
		if background && o.Hold != nil {
			<-o.Hold
		}
		work.claim(bp)
		order, ok := work.order(principals)
		if !ok {
			return // the helper panicked: Build panics with it
		}
		g.addPrincipals(order)
		g.sortPrincipals(order)
		indexAndClasses(g)
	})
	if background {
		// The keys now, on every CPU (keywork.go), the resources beside
		// the principals: the TUI lists the keys while both are built
		// (pending.go).
		g.sortKeys(buildKeysOnEveryCPU(b, s, accounts))
		g.Issues = slices.Clone(o.Issues)
		g.pending = make(chan struct{})
		wg.Go(func() {
			defer func() { panickedR = recover() }()
			<-start
			if o.Hold != nil {
				<-o.Hold
			}
			eachRegion(s, accounts, bk.buildResources)
			bk.resolveResources()
		})
		go func() {
			wg.Wait()
			g.panicked = cmp.Or(panicked, panickedR)
			g.built.Store(g.panicked == nil)
			if o.Done != nil {
				o.Done()
			}
			close(g.pending)
		}()
		return g, b
	}
	lazy := o.KnownIssues && o.LazyResources
	if p := waitKeys(); p != nil {
		work.stop() // the principals' goroutine claims no more accounts
		wg.Wait()   // nothing goes on writing
		panic(p)
	}
	eachRegion(s, accounts, func(id, region string, reg *snapshot.Region, rb string) {
		bk.buildEndpoints(id, region, reg.EC2, rb+".ec2")
		if !lazy {
			bk.buildResources(id, region, reg, rb)
		}
	})
	// Keys sorted first: ResolveKey scans them for a key ID or alias name
	// of a resource in an empty Region (or account), as it does later.
	bk.addKeys()
	g.sortKeys(bk.keyOrder)
	if lazy {
		g.resBuild = func() {
			// A builder of its own, without preparse's documents: the
			// resources parse theirs on first use (lazydoc.go), and the
			// graph need not keep the map of every IAM document alive.
			br := &builder{g: g, partition: g.partition}
			eachRegion(s, accounts, br.buildResources)
			br.resolveResources()
			g.kres.adopt(g)
		}
		if len(o.ResourceIndex) > 0 {
			g.kres = &keyResources{index: o.ResourceIndex}
		}
	} else {
		bk.resolveResources()
	}
	if !o.KnownIssues {
		bk.resolveKeyPolicies(g.sortedKeys)
		bk.resolvePolicies(g.resources)
	}
	helped := work.help(bh)
	wg.Wait()
	if p := cmp.Or(helped, panicked); p != nil {
		panic(p)
	}
	b.misses += bp.misses + bk.misses + bh.misses
	if o.KnownIssues {
		g.Issues = slices.Clone(o.Issues)
		return g, b
	}
	g.resourceTraits()
	// The issues, sorted by path below: those of one path come from one
	// builder, in the order it met them, as a build on one goroutine would.
	g.Issues = append(g.Issues, bp.issues...)
	g.Issues = append(g.Issues, bh.issues...)
	g.Issues = append(g.Issues, bk.issues...)
	slices.SortStableFunc(g.Issues, func(a, b Issue) int {
		switch {
		case a.Path < b.Path:
			return -1
		case a.Path > b.Path:
			return 1
		}
		return 0
	})
	return g, b
}

// indexAndClasses builds the principals' index and classes at once, once
// they are sorted: each reads the principals and the organization and
// writes fields of its own (the index p.seq and g.ix, the classes the
// rest), and they were a third of the principals' side of a 5,000-account
// build, one after the other. A panic in either is the caller's.
func indexAndClasses(g *Graph) {
	runBoth(g.buildIndex, g.classes)
}

// eachRegion calls do for each Region of the accounts, in order, with its
// JSON path.
func eachRegion(s *snapshot.Snapshot, accounts []string, do func(account, region string, reg *snapshot.Region, path string)) {
	for _, id := range accounts {
		a := s.Accounts[id]
		for _, region := range sortedKeys(a.Regions) {
			do(id, region, a.Regions[region], regionPath(id, region))
		}
	}
}

// regionPath is the JSON path of an account's Region in the snapshot.
func regionPath(account, region string) string {
	return "accounts[" + strconv.Quote(account) + "].regions[" + strconv.Quote(region) + "]"
}

// sizes counts the snapshot's users and roles, and keys, to make the
// graph's largest maps once: growing them cost 1.6 s of a 5,000-account
// build.
func sizes(s *snapshot.Snapshot) (principals, keys int) {
	for _, a := range s.Accounts {
		if a.IAM != nil {
			principals += len(a.IAM.UserDetailList) + len(a.IAM.RoleDetailList)
		}
		for _, r := range a.Regions {
			if r.KMS != nil {
				keys += len(r.KMS.Keys)
			}
		}
	}
	return principals, keys
}

// Principal returns the IAM user or role with that ARN, or nil.
func (g *Graph) Principal(arn string) *Principal {
	g.wait()
	return g.principals[arn]
}

// Role returns the role of that name in account, or nil.
func (g *Graph) Role(account, name string) *Principal {
	g.wait()
	var buf [128]byte
	b := append(buf[:0], "arn:"...)
	b = append(b, g.partition...)
	b = append(b, ":iam::"...)
	b = append(b, account...)
	b = append(b, ":role/"...)
	b = append(b, name...)
	if p := g.principals[string(b)]; p != nil && p.Kind == arn.KindRole && p.Account == account && p.Name == name {
		return p
	}
	if len(g.otherRoles) == 0 {
		return nil
	}
	return g.otherRoles[account+"/"+name]
}

// Key returns the key with that ARN, or nil.
func (g *Graph) Key(arn string) *Key { return g.keys[arn] }

// Keys returns every key, sorted by ARN. The slice is shared: callers must
// not change its elements (appending copies).
func (g *Graph) Keys() []*Key { return slices.Clip(g.sortedKeys) }

// Principals returns every IAM user and role, sorted by ARN. The slice is
// shared: callers must not change its elements (appending copies).
func (g *Graph) Principals() []*Principal {
	g.wait()
	return slices.Clip(g.sortedPrincipals)
}

// fork is a builder for part of b's build, on another goroutine: the
// same graph and preparsed documents, its own issues and late documents.
func (b *builder) fork() *builder {
	return &builder{g: b.g, partition: b.partition, cache: b.cache}
}

// issue records an issue the build met.
func (b *builder) issue(iss Issue) { b.issues = append(b.issues, iss) }

// InSnapshot reports whether account's IAM was collected.
func (g *Graph) InSnapshot(account string) bool {
	a := g.Snapshot.Accounts[account]
	return a != nil && a.IAM != nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// PrincipalsOf returns an account's users and roles, sorted by ARN. The
// slice is shared: callers must not change its elements.
func (g *Graph) PrincipalsOf(account string) []*Principal {
	g.wait()
	return slices.Clip(g.ix.byAccount[account])
}
