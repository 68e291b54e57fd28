package graph

// A graph built with BuildOptions.Background answers about its keys at
// once (Keys, Key, ResolveKey, Endpoint, Endpoints, InSnapshot,
// SCPDeniedRegions, the organization), while its principals, their index
// and classes, and its resources are built on goroutines of their own.
// Every other exported method, and Delta, OrgDelta and Rebuild, calls wait
// first: nothing reads what is still being built (pending_test.go asks
// every one during the build, under the race detector). Code that runs
// in the build calls none of them (buildIndex reads sortedPrincipals, not
// Principals).
//
// That build begins at Start, Built or the first wait, not at Build's
// return: the TUI makes the keys list's rows and draws its first frame
// with both CPUs, then starts it (they took a third of the CPU each while
// the principals and resources were built beside them).

// principalsHook, when not nil, runs first on the principals' goroutine:
// a test makes the build panic there.
var principalsHook func()

// wait blocks until the principals are built, starting their build, and
// panics as it did.
func (g *Graph) wait() {
	if g.pending == nil || g.built.Load() { // without the channel's lock: queries call it per principal
		return
	}
	g.Start()
	<-g.pending
	if g.panicked != nil {
		panic(g.panicked)
	}
}

// Start begins a background build (BuildOptions.Background) not begun
// yet; otherwise it does nothing.
func (g *Graph) Start() {
	if g.start != nil {
		g.startOnce.Do(func() { close(g.start) })
	}
}

// Built is closed once the graph's principals are built: at once, but
// while a background build runs, which it starts.
func (g *Graph) Built() <-chan struct{} {
	if g.pending == nil {
		return closedChan
	}
	g.Start()
	return g.pending
}

// closedChan is Built's channel for a graph built whole.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// Ready reports whether the principals are built, without waiting or
// starting their build.
func (g *Graph) Ready() bool {
	if g.pending == nil {
		return true
	}
	select {
	case <-g.pending:
		return true
	default:
		return false
	}
}

// needResources builds the resources of a graph built with
// BuildOptions.LazyResources the first time an answer reads them (and
// waits for a background build): every reader of g.resources and
// g.resourceARNs calls it first (lazyresources_test.go asks each exported
// method of a graph of its own). A KMS key's ARN is never a resource's
// (resourceFor), so that can, who-can and denied about a principal and a
// key never build them.
func (g *Graph) needResources() {
	g.wait()
	if g.resBuild != nil {
		g.resOnce.Do(func() {
			g.resBuild()
			g.resBuilt.Store(true)
		})
	}
}

// ResourcesBuilt reports whether every resource is built, without
// building them: a graph built with BuildOptions.LazyResources builds
// them when an answer first reads them (and, with a ResourceIndex, a
// key's own before), one built in the background with the principals.
func (g *Graph) ResourcesBuilt() bool {
	if g.resBuild != nil {
		return g.resBuilt.Load()
	}
	return g.Ready()
}
