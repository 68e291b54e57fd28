package graph

import (
	"regexp"
	"strconv"
	"testing"
	"unsafe"

	"github.com/keyhound/keyhound/graph/gen"
)

// A resource's path is made when asked, from its Region's path, its
// list and its index, and names the very item it was built from.
func TestResourcePathNamesItsItem(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 3, Regions: 2, RolesPerAccount: 2, KeysPerRegion: 2, ResourcesPerKey: 3, Seed: 7})
	g := Build(s, nil)
	re := regexp.MustCompile(`^accounts\["(\d{12})"\]\.regions\["([a-z0-9-]+)"\](\.[A-Za-z0-9.]+)\[(\d+)\]$`)
	seen := map[string]int{}
	for _, r := range g.Resources() {
		m := re.FindStringSubmatch(r.Path())
		if m == nil {
			t.Fatalf("%s: path %q", r.ARN, r.Path())
		}
		if m[1] != r.Account || m[2] != r.Region {
			t.Errorf("%s of %s/%s: path %q", r.ARN, r.Account, r.Region, r.Path())
		}
		i, _ := strconv.Atoi(m[4])
		reg := s.Accounts[m[1]].Regions[m[2]]
		var arn string
		switch m[3] {
		case ".s3.Buckets":
			arn = "arn:aws:s3:::" + reg.S3.Buckets[i].Name
		case ".secretsmanager.Secrets":
			arn = reg.SecretsManager.Secrets[i].ARN
		case ".sqs.Queues":
			arn = reg.SQS.Queues[i].Attributes["QueueArn"]
		case ".lambda.Functions":
			arn = reg.Lambda.Functions[i].FunctionArn
		default:
			t.Fatalf("%s: a list the test does not know, %s", r.ARN, m[3])
		}
		if arn != r.ARN {
			t.Errorf("%s: its path %q names %s", r.ARN, r.Path(), arn)
		}
		seen[m[3]]++
	}
	if len(seen) < 3 {
		t.Errorf("only %v lists: too few to test", seen)
	}
	if (&Resource{regionPath: "somewhere"}).Path() != "somewhere" {
		t.Error("a resource of no list: its path is its Region's")
	}
	// 500,000 resources at 5,000 accounts: the list and index sit in the
	// flags' word, and the path is one string a Region.
	if n := unsafe.Sizeof(Resource{}); n > 176 {
		t.Errorf("a Resource is %d bytes, was 176 with its path a string each", n)
	}
}
