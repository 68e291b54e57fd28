package export

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// dbOrg is a generated organization with an encrypted RDS DB instance in
// account 100000000001: a resource keyhound does not answer through.
func dbOrg() (*graph.Graph, string) {
	s := gen.Organization(gen.Options{Accounts: 3, Regions: 1, RolesPerAccount: 2, KeysPerRegion: 2, ResourcesPerKey: 1, Seed: 4})
	var db string
	for _, r := range s.Accounts["100000000001"].Regions {
		k := r.KMS.Keys[0].KeyMetadata
		db = "arn:aws:rds:" + "us-east-1" + ":" + k.AWSAccountID + ":db:orders"
		r.RDS = &snapshot.RDS{DBInstances: []snapshot.DBInstance{{DBInstanceIdentifier: "orders", DBInstanceArn: db, StorageEncrypted: true, KmsKeyID: k.Arn}}}
	}
	return graph.Build(s, nil), db
}

// A resource whose who-can fails (an RDS DB instance: no read path keyhound
// models) gets its node and no access edges, and Unanswered is told, once,
// with why: never silently none.
func TestUnansweredTargetsAreTold(t *testing.T) {
	g, db := dbOrg()
	for _, o := range []Options{{}, {Accounts: []string{"100000000001"}}} {
		var told []string
		o.Unanswered = func(target string, err error) { told = append(told, target+": "+err.Error()) }
		var buf bytes.Buffer
		if err := Write(context.Background(), g, o, NewJSON(&buf)); err != nil {
			t.Fatal(err)
		}
		if len(told) != 1 || !strings.HasPrefix(told[0], db+": ") || !strings.Contains(told[0], "not supported") {
			t.Errorf("accounts %v: told %q, want %s once, with why", o.Accounts, told, db)
		}
		if !strings.Contains(buf.String(), `"`+db+`"`) {
			t.Errorf("accounts %v: the DB instance's node is not written", o.Accounts)
		}
	}
}
