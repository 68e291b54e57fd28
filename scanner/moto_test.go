package scanner

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/mototest"
)

// TestScanAgainstMoto is the end-to-end test of issue #4's first slice: an
// organization with three member accounts in two OUs and an SCP, keys with
// policies, aliases, tags and cross-account grants, and IAM roles in every
// member account; the scan must put every item in its own account and
// nowhere else, and the snapshot must answer who can decrypt.
func TestScanAgainstMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	ctx := context.Background()
	s := mototest.Seed(ctx, t, endpoint)

	mototest.UseEnv(t)
	clients, err := NewAWSClients(ctx, AWSOptions{Region: "us-east-1", EndpointURL: endpoint, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	snap, res, err := Scan(ctx, clients, Options{Org: true, Regions: []string{"us-east-1"}, Version: "test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := clients.(*awsClients).limits.Calls(); n < 50 {
		t.Errorf("%d calls went through the rate limiter, want every call", n)
	}
	if errs := mototest.UnexpectedIn(snap); len(errs) > 0 {
		t.Errorf("scan of a healthy emulator: complete %v, errors: %+v", res.Complete, errs)
	}
	if res.Accounts != 4 {
		t.Errorf("scanned %d accounts, want the management account and 3 members", res.Accounts)
	}
	loaded, path := writeAndLoad(t, snap)

	// The organization.
	if loaded.Organization == nil || len(loaded.Organization.OrganizationalUnits) != 2 || len(loaded.Organization.Accounts) != 4 {
		t.Fatalf("organization = %+v", loaded.Organization)
	}
	var scpTargets []string
	for _, p := range loaded.Organization.Policies {
		if p.PolicySummary.Name == "NoDecryptInDev" {
			for _, tg := range p.Targets {
				scpTargets = append(scpTargets, tg.TargetID)
			}
			if !strings.Contains(p.Content, "kms:Decrypt") {
				t.Errorf("SCP content = %q", p.Content)
			}
		}
	}
	if !slices.Equal(scpTargets, []string{s.DevOU}) {
		t.Errorf("SCP targets = %v, want [%s]", scpTargets, s.DevOU)
	}
	// The RCP, with its type and target (the root).
	rcp := slices.IndexFunc(loaded.Organization.Policies, func(p snapshot.OrgPolicy) bool { return p.PolicySummary.Name == "DataPerimeter" })
	if rcp < 0 || loaded.Organization.Policies[rcp].PolicySummary.Type != snapshot.PolicyTypeRCP ||
		len(loaded.Organization.Policies[rcp].Targets) != 1 || !strings.HasPrefix(loaded.Organization.Policies[rcp].Targets[0].TargetID, "r-") ||
		!strings.Contains(loaded.Organization.Policies[rcp].Content, "aws:PrincipalOrgID") {
		t.Errorf("RCP DataPerimeter not collected with its root target: %+v", loaded.Organization.Policies)
	}

	// Every member's key and role in its own account, and nowhere else
	// (moto answers unknown credentials from its default account).
	for _, acct := range s.Members {
		for _, other := range append([]string{s.Management}, s.Members...) {
			a := loaded.Accounts[other]
			if a == nil {
				t.Fatalf("account %s missing", other)
			}
			found := false
			for _, k := range a.Regions["us-east-1"].KMS.Keys {
				found = found || k.KeyMetadata.Arn == s.Keys[acct]
			}
			if found != (other == acct) {
				t.Errorf("key of %s found in %s: %v", acct, other, found)
			}
		}
		a := loaded.Accounts[acct]
		var key *snapshot.Key
		for i, k := range a.Regions["us-east-1"].KMS.Keys {
			if k.KeyMetadata.Arn == s.Keys[acct] {
				key = &a.Regions["us-east-1"].KMS.Keys[i]
			}
		}
		if key.Policy == nil || len(key.Aliases) != 1 || len(key.Grants) != 1 || len(key.Tags) != 1 || key.KeyRotationEnabled == nil {
			t.Errorf("key of %s: policy %v aliases %v grants %v tags %v", acct, key.Policy != nil, key.Aliases, key.Grants, key.Tags)
		}
		if a.IAM == nil || !slices.ContainsFunc(a.IAM.RoleDetailList, func(r snapshot.RoleDetail) bool { return r.RoleName == "Reader" }) {
			t.Errorf("role Reader missing from %s", acct)
		}
		// Its resources, in its account and nowhere else.
		for _, other := range append([]string{s.Management}, s.Members...) {
			r := loaded.Accounts[other].Regions["us-east-1"]
			hasBucket := r.S3 != nil && slices.ContainsFunc(r.S3.Buckets, func(b snapshot.Bucket) bool { return "arn:aws:s3:::"+b.Name == s.Buckets[acct] })
			hasSecret := r.SecretsManager != nil && slices.ContainsFunc(r.SecretsManager.Secrets, func(x snapshot.Secret) bool { return x.ARN == s.Secrets[acct] })
			hasQueue := r.SQS != nil && slices.ContainsFunc(r.SQS.Queues, func(q snapshot.Queue) bool { return q.QueueURL == s.Queues[acct] })
			if hasBucket != (other == acct) || hasSecret != (other == acct) || hasQueue != (other == acct) {
				t.Errorf("resources of %s in %s: bucket %v secret %v queue %v", acct, other, hasBucket, hasSecret, hasQueue)
			}
		}
		r := a.Regions["us-east-1"]
		for _, b := range r.S3.Buckets {
			if b.Policy == nil || b.ServerSideEncryptionConfiguration == nil || b.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID != s.Keys[acct] {
				t.Errorf("bucket %s: policy %v encryption %+v", b.Name, b.Policy != nil, b.ServerSideEncryptionConfiguration)
			}
		}
		for _, sec := range r.SecretsManager.Secrets {
			if sec.ResourcePolicy == nil || sec.KmsKeyID != s.Keys[acct] {
				t.Errorf("secret %s: policy %v key %s", sec.ARN, sec.ResourcePolicy != nil, sec.KmsKeyID)
			}
		}
		if q := r.SQS.Queues[0]; q.Attributes["KmsMasterKeyId"] != s.Keys[acct] {
			t.Errorf("queue attributes = %v", q.Attributes)
		}
		if r.DynamoDB == nil || len(r.DynamoDB.Tables) != 1 {
			t.Errorf("tables of %s: %+v", acct, r.DynamoDB)
		} else if tb := r.DynamoDB.Tables[0]; tb.TableArn != s.Tables[acct] || tb.ResourcePolicy == nil || !strings.Contains(*tb.ResourcePolicy, ":role/Reader") ||
			tb.SSEDescription == nil || tb.SSEDescription.KMSMasterKeyArn != s.Keys[acct] {
			t.Errorf("table of %s: %+v (policy %v)", acct, tb, tb.ResourcePolicy != nil)
		}
		// The EBS and RDS snapshots, owned here, shared with the next member.
		other := s.Members[(slices.Index(s.Members, acct)+1)%len(s.Members)]
		ebs := slices.IndexFunc(r.EC2.Snapshots, func(x snapshot.EBSSnapshot) bool { return x.SnapshotID == s.Snapshots[acct] })
		if ebs < 0 || !slices.Contains(r.EC2.Snapshots[ebs].CreateVolumePermissions, snapshot.CreateVolumePermission{UserID: other}) {
			t.Errorf("EBS snapshot %s of %s: %+v", s.Snapshots[acct], acct, r.EC2.Snapshots)
		}
		for _, x := range r.EC2.Snapshots {
			if x.OwnerID != acct {
				t.Errorf("snapshot %s of %s listed in %s", x.SnapshotID, x.OwnerID, acct)
			}
		}
		dbs := slices.IndexFunc(r.RDS.DBSnapshots, func(x snapshot.DBSnapshot) bool { return x.DBSnapshotArn == s.DBSnapshots[acct] })
		if dbs < 0 {
			t.Fatalf("RDS snapshot %s missing from %s", s.DBSnapshots[acct], acct)
		}
		restore := false
		for _, at := range r.RDS.DBSnapshots[dbs].Attributes {
			restore = restore || (at.AttributeName == "restore" && slices.Contains(at.AttributeValues, other))
		}
		if !restore || r.RDS.DBSnapshots[dbs].KmsKeyID != s.Keys[acct] {
			t.Errorf("RDS snapshot: %+v", r.RDS.DBSnapshots[dbs])
		}
		cs := slices.IndexFunc(r.RDS.DBClusterSnapshots, func(x snapshot.DBClusterSnapshot) bool { return x.DBClusterSnapshotArn == s.ClusterSnapshots[acct] })
		if cs < 0 {
			t.Fatalf("RDS cluster snapshot %s missing from %s: %+v", s.ClusterSnapshots[acct], acct, r.RDS.DBClusterSnapshots)
		}
		restore = false
		for _, at := range r.RDS.DBClusterSnapshots[cs].Attributes {
			restore = restore || (at.AttributeName == "restore" && slices.Contains(at.AttributeValues, other))
		}
		if !restore || r.RDS.DBClusterSnapshots[cs].KmsKeyID != s.Keys[acct] || !r.RDS.DBClusterSnapshots[cs].StorageEncrypted {
			t.Errorf("RDS cluster snapshot: %+v", r.RDS.DBClusterSnapshots[cs])
		}
		// The log group with its key; the function with its policy (moto
		// drops a function's KMSKeyArn, see MOTO.md).
		if len(r.Logs.LogGroups) != 1 || r.Logs.LogGroups[0].KmsKeyID != s.Keys[acct] {
			t.Errorf("log groups of %s: %+v", acct, r.Logs.LogGroups)
		}
		if len(r.Lambda.Functions) != 1 || r.Lambda.Functions[0].Policy == nil || !strings.Contains(*r.Lambda.Functions[0].Policy, other) {
			t.Errorf("functions of %s: %+v", acct, r.Lambda.Functions)
		}
	}
	// Secret values are never collected.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var plain strings.Builder
	_ = snapshot.Write(&plain, loaded, false)
	if strings.Contains(plain.String(), "never-read-by-keyhound") || len(raw) == 0 {
		t.Error("a secret value reached the snapshot")
	}

	// The snapshot answers: Reader decrypts its own account's key, except
	// in the dev OU where the SCP denies.
	g := graph.Build(loaded, nil) // it loaded without errors
	for i, acct := range s.Members {
		a, err := g.Can(graph.Query{Principal: "arn:aws:iam::" + acct + ":role/Reader", Action: "kms:Decrypt", Resource: s.Keys[acct], ChainDepth: -1})
		if err != nil {
			t.Fatal(err)
		}
		want := eval.Allow
		if i%2 == 1 {
			want = eval.Deny
		}
		if a.Decision != want {
			t.Errorf("Reader in %s (OU %d): %s, want %s", acct, i%2, a.Decision, want)
		}
	}
}
