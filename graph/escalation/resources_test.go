package escalation_test

import (
	"testing"

	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/snapshot"
)

const bucket = "arn:aws:s3:::kh-test"

// bucketUnder adds a bucket encrypted with the key to account A.
func (w *world) bucketUnder() *world {
	r := w.s.Accounts[acctA].Regions[region]
	r.S3 = &snapshot.S3{Buckets: []snapshot.Bucket{{
		Name: "kh-test",
		ServerSideEncryptionConfiguration: &snapshot.ServerSideEncryptionConfiguration{Rules: []snapshot.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &snapshot.ServerSideEncryptionByDefault{SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyARN},
		}}},
	}}}
	return w
}

func TestResourcePaths(t *testing.T) {
	w := newWorld().bucketUnder().
		// alice may read the bucket, and give herself decrypt.
		user(acctA, "alice", doc(allow("s3:GetObject", bucket+"/*"), allow("iam:PutUserPolicy", user(acctA, "alice")))).
		// bob may give himself decrypt, but not read the bucket.
		user(acctA, "bob", doc(allow("iam:PutUserPolicy", user(acctA, "bob")))).
		// carol can read it now.
		user(acctA, "carol", doc(allow("s3:GetObject", bucket+"/*"), allow("kms:Decrypt", keyARN)))
	g := w.graph(t)
	who, err := g.WhoCan("decrypt", bucket, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(who) != 1 || who[0].Principal != user(acctA, "carol") {
		t.Fatalf("who can read the bucket now: %+v", who)
	}
	paths, err := escalation.ResourcePaths(g, bucket, who, escalation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 || paths[0].Principal != user(acctA, "alice") {
		t.Fatalf("paths: %+v", paths)
	}
	if got, want := describe(paths[0]), "PutUserPolicy@alice > kms:Decrypt@k1 > s3:GetObject@*"; got != want {
		t.Errorf("path %s, want %s", got, want)
	}
	if got, want := escalation.Describe(paths[0]), "PutUserPolicy on "+user(acctA, "alice")+", then Decrypt, then GetObject on "+bucket+"/*"; got != want {
		t.Errorf("Describe %q, want %q", got, want)
	}
	if _, err := escalation.ResourcePaths(g, "arn:aws:s3:::nope", who, escalation.Options{}); err == nil {
		t.Error("a resource not in the snapshot: no error")
	}
}
