package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/export"
	"github.com/keyhound/keyhound/graph/gen"
)

// Build makes principals on one goroutine and keys and resources on
// another: the graph must not depend on how they interleave. Ten builds of
// an organization whose identity, trust, key and bucket policies include
// unparseable ones (issues from both sides) give the same issues, in path
// order, the same lists and the same export.
func TestBuildIsDeterministic(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 8, Regions: 2, RolesPerAccount: 6, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 7})
	for i, id := range []string{"100000000002", "100000000005"} {
		a := s.Accounts[id]
		a.IAM.RoleDetailList[i].RolePolicyList[0].PolicyDocument = `{"Statement": [`
		a.IAM.RoleDetailList[i+1].AssumeRolePolicyDocument = `not json`
		for _, r := range a.Regions {
			bad := `{"Statement": 7}`
			r.KMS.Keys[len(r.KMS.Keys)-1].Policy = &bad
			if len(r.S3.Buckets) > 0 {
				maybe := `{"Statement": [{"Effect": "Maybe"}]}`
				r.S3.Buckets[0].Policy = &maybe
			}
		}
	}
	type view struct {
		Issues     []graph.Issue
		Principals []string
		Keys       []string
		Resources  []string
		Findings   []graph.Finding
		Export     string
	}
	look := func() view {
		g := graph.Build(s, nil)
		var v view
		v.Issues = g.Issues
		for _, p := range g.Principals() {
			v.Principals = append(v.Principals, p.ARN)
		}
		for _, k := range g.Keys() {
			v.Keys = append(v.Keys, k.ARN)
		}
		for _, r := range g.Resources() {
			v.Resources = append(v.Resources, r.ARN)
		}
		v.Findings = g.Findings()
		var b bytes.Buffer
		if err := export.Write(context.Background(), g, export.Options{}, export.NewJSON(&b)); err != nil {
			t.Fatal(err)
		}
		v.Export = b.String()
		return v
	}
	first := look()
	if !slices.IsSortedFunc(first.Issues, func(a, b graph.Issue) int { return strings.Compare(a.Path, b.Path) }) {
		t.Error("issues not in path order")
	}
	sides := map[string]bool{}
	for _, iss := range first.Issues {
		switch {
		case strings.Contains(iss.Path, ".iam"):
			sides["iam"] = true
		case strings.Contains(iss.Path, ".kms"):
			sides["kms"] = true
		case strings.Contains(iss.Path, ".s3"):
			sides["s3"] = true
		}
	}
	if len(sides) < 3 {
		t.Fatalf("the issues come from %v: want IAM, KMS and S3 (both goroutines)", sides)
	}
	for range 9 {
		if v := look(); !reflect.DeepEqual(v, first) {
			a, _ := json.Marshal(v.Issues)
			b, _ := json.Marshal(first.Issues)
			t.Fatalf("two builds differ (issues %s\nand %s)", a, b)
		}
	}
}
