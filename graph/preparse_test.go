package graph

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// preparse parses every document the build parses: the demo organization,
// a generated one and the scenario snapshots (every kind of resource
// policy) leave the build nothing to parse.
func TestPreparseCoversTheBuild(t *testing.T) {
	snaps := map[string]*snapshot.Snapshot{"generated": gen.Organization(gen.Options{Accounts: 3, Regions: 2, RolesPerAccount: 5, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 1, EscalationShare: 0.5})}
	d, _, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	snaps["demo"] = d
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var sc graphScenario
		if err := json.Unmarshal(data, &sc); err != nil {
			t.Fatal(err)
		}
		if snaps[f], _, err = snapshot.Decode(sc.Snapshot); err != nil {
			t.Fatal(err)
		}
	}
	for name, s := range snaps {
		_, b := build(s, nil, BuildOptions{})
		if b.misses > 0 || len(b.cache) == 0 {
			t.Errorf("%s: %d documents parsed by the build, %d by preparse", name, b.misses, len(b.cache))
		}
	}
}
