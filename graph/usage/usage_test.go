package usage

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
)

func demoGraph(t testing.TB) *graph.Graph {
	t.Helper()
	s, lerrs, err := snapshot.Load(bytes.NewReader(demo.Snapshot()))
	if err != nil {
		t.Fatal(err)
	}
	return graph.Build(s, lerrs)
}

const reports = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"

func TestCaller(t *testing.T) {
	j := New(demoGraph(t))
	cases := []struct {
		name string
		id   Identity
		want Caller
	}{
		{
			"user",
			Identity{Type: "IAMUser", ARN: "arn:aws:iam::222222222222:user/dilip", AccountID: "222222222222"},
			Caller{Principal: "arn:aws:iam::222222222222:user/dilip", Account: "222222222222"},
		},
		{
			"session issuer",
			Identity{Type: "AssumedRole", ARN: "arn:aws:sts::222222222222:assumed-role/DataEngineer/a", IssuerARN: "arn:aws:iam::222222222222:role/DataEngineer", IssuerType: "Role"},
			Caller{Principal: "arn:aws:iam::222222222222:role/DataEngineer", Account: "222222222222"},
		},
		{
			"session rewritten to a role with a path",
			Identity{Type: "AssumedRole", ARN: "arn:aws:sts::111111111111:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling", AccountID: "111111111111"},
			Caller{Principal: "arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", Account: "111111111111"},
		},
		{
			"session of a role not in the snapshot",
			Identity{Type: "AssumedRole", ARN: "arn:aws:sts::555555555555:assumed-role/Exporter/x"},
			Caller{Principal: "arn:aws:iam::555555555555:role/Exporter", Account: "555555555555"},
		},
		{
			"the key owner's copy: unique ID",
			Identity{Type: "AWSAccount", PrincipalID: "AROADATAENGINEER:alice", AccountID: "222222222222"},
			Caller{Principal: "arn:aws:iam::222222222222:role/DataEngineer", Account: "222222222222"},
		},
		{
			"the key owner's copy: unknown ID",
			Identity{Type: "AWSAccount", PrincipalID: "AROAOTHER:x", AccountID: "777777777777"},
			Caller{Principal: "arn:aws:iam::777777777777:root", Account: "777777777777"},
		},
		{
			"through a service",
			Identity{Type: "IAMUser", ARN: "arn:aws:iam::222222222222:user/dilip", InvokedBy: "s3.amazonaws.com"},
			Caller{Principal: "arn:aws:iam::222222222222:user/dilip", Account: "222222222222", Via: "s3.amazonaws.com"},
		},
		{
			"a service as itself",
			Identity{Type: "AWSService", InvokedBy: "rds.amazonaws.com"},
			Caller{Principal: "service:rds.amazonaws.com", Service: true},
		},
		{
			"AWS Internal is no service name",
			Identity{Type: "IAMUser", ARN: "arn:aws:iam::222222222222:user/dilip", InvokedBy: "AWS Internal"},
			Caller{Principal: "arn:aws:iam::222222222222:user/dilip", Account: "222222222222"},
		},
	}
	for _, c := range cases {
		e := Event{Identity: c.id}
		if got := j.caller(&e); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestKey(t *testing.T) {
	j := New(demoGraph(t))
	cases := []struct {
		keyID, account, region string
		res                    []Resource
		want                   string
	}{
		{"alias/reports", "111111111111", "us-east-1", nil, reports},
		{"arn:aws:kms:us-east-1:111111111111:alias/reports", "222222222222", "us-east-1", nil, reports},
		{"1d6a2f4e-0000-4000-8000-00000000a001", "111111111111", "us-east-1", nil, reports},
		{"alias/reports", "222222222222", "us-east-1", nil, ""}, // an alias name resolves in the caller's account only
		{"", "", "", []Resource{{ARN: reports, Type: "AWS::KMS::Key"}}, reports},
		{"arn:aws:kms:us-east-1:999999999999:key/nope", "", "us-east-1", nil, ""},
	}
	for _, c := range cases {
		e := Event{KeyID: c.keyID, Region: c.region, Resources: c.res}
		for range 2 { // the second time from the cache
			got := ""
			if k := j.key(&e, c.account); k != nil {
				got = k.ARN
			}
			if got != c.want {
				t.Errorf("%q in %s: %q, want %q", c.keyID, c.account, got, c.want)
			}
		}
	}
}

func decrypt(n int, session string) Event {
	return Event{
		Time: time.Date(2026, 11, 1, 0, 0, n, 0, time.UTC), Source: "kms.amazonaws.com", Name: "Decrypt", Region: "us-east-1",
		Identity:  Identity{Type: "AssumedRole", ARN: "arn:aws:sts::222222222222:assumed-role/DataEngineer/" + session, AccountID: "222222222222"},
		Resources: []Resource{{ARN: reports, Type: "AWS::KMS::Key"}},
	}
}

// TestBounded: memory grows with distinct triples and denial causes, not
// with events or sessions.
func TestBounded(t *testing.T) {
	j := New(demoGraph(t))
	for i := range 5000 {
		e := decrypt(i, "s"+string(rune('a'+i%26))+time.Duration(i).String())
		j.Add(&e)
		e.ErrorCode, e.ErrorMessage = "AccessDenied", "User: "+e.Identity.ARN+" is not authorized to perform: kms:Decrypt on resource: "+reports+" with an explicit deny in a service control policy"
		j.Add(&e)
	}
	if len(j.uses) != 1 || len(j.denials) != 1 {
		t.Fatalf("%d uses, %d denial sigs after 10,000 events of one triple", len(j.uses), len(j.denials))
	}
	u := j.Uses()[0]
	if u.Count != 5000 || u.First != decrypt(0, "").Time || u.Last != decrypt(4999, "").Time {
		t.Errorf("use %+v", u)
	}
	d := j.Denials()
	if len(d) != 1 || d[0].Count != 5000 || len(d[0].Events) != maxRefs {
		t.Errorf("denials %+v", d)
	}
}

// TestMerge: joiners merged give what one joiner of every event gives.
func TestMerge(t *testing.T) {
	g := demoGraph(t)
	one, a, b := New(g), New(g), New(g)
	for i := range 40 {
		e := decrypt(i, "x")
		if i%3 == 0 {
			e.Identity.InvokedBy = "s3.amazonaws.com"
		}
		if i%4 == 0 {
			e.SharedEventID, e.RecipientAccount = "s", "111111111111"
		}
		if i%5 == 0 {
			e.ErrorCode, e.ErrorMessage = "AccessDenied", "User: "+e.Identity.ARN+" is not authorized to perform: kms:Decrypt on resource: "+reports+" because no identity-based policy allows the kms:Decrypt action"
		}
		one.Add(&e)
		if i < 17 {
			a.Add(&e)
		} else {
			b.Add(&e)
		}
	}
	a.Merge(b)
	if !reflect.DeepEqual(one.Uses(), a.Uses()) || one.Stats() != a.Stats() {
		t.Errorf("merged:\n%+v %+v\none:\n%+v %+v", a.Uses(), a.Stats(), one.Uses(), one.Stats())
	}
	da, do := a.Denials(), one.Denials()
	if len(da) != 1 || da[0].Count != do[0].Count {
		t.Errorf("denials merged %+v, one %+v", da, do)
	}
}
