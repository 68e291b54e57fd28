package graph

import (
	"reflect"
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

func TestFindingsOnDemo(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	g := Build(s, errs)
	got := map[string][]string{}
	for _, f := range g.Findings() {
		got[f.Rule] = append(got[f.Rule], f.Resource)
		if len(f.Evidence) == 0 || f.Title == "" {
			t.Errorf("finding without evidence or title: %+v", f)
		}
	}
	want := map[string][]string{
		"key-policy-open":             {"arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a005"},
		"external-access":             {"arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"},
		"external-grant":              {"arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"},
		"shared-with-aws-managed-key": {"arn:aws:ec2:us-east-1::snapshot/snap-0awsebs000000001", "arn:aws:s3:::kh-demo-legacy-exports"},
		"key-pending-deletion-in-use": {"arn:aws:ec2:us-east-1:111111111111:volume/vol-0legacy0000000001"},
		"rotation-off":                {"arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a005"},
	}
	for rule, res := range want {
		if len(got[rule]) != len(res) {
			t.Errorf("%s: %v, want %v", rule, got[rule], res)
			continue
		}
		for i := range res {
			if got[rule][i] != res[i] {
				t.Errorf("%s: %v, want %v", rule, got[rule], res)
			}
		}
	}
	// ann's policy allows kms:Decrypt on "*"; so do the sandbox Tinkerer's and others'.
	if len(got["identity-decrypt-any-key"]) == 0 {
		t.Error("identity-decrypt-any-key not found")
	}
	fs := g.Findings()
	if fs[0].Severity != Critical {
		t.Errorf("first finding is %s, want the critical one first", fs[0].Severity)
	}
}

// S3 UG, bucket-encryption: "use the full key ARN": an alias in a bucket's
// default encryption resolves in the requester's account.
func TestFindingS3KeyNotARN(t *testing.T) {
	snap := `{"format":"keyhound.snapshot/v1","accounts":{"111111111111":{"regions":{"us-east-1":{
	  "kms":{"Keys":[{"KeyMetadata":{"KeyId":"k1","Arn":"arn:aws:kms:us-east-1:111111111111:key/k1","KeyState":"Enabled","Enabled":true},
	     "Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}","Grants":[],"Aliases":[{"AliasName":"alias/data","TargetKeyId":"k1"}]}]},
	  "s3":{"Buckets":[{"Name":"shared","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"222222222222\"},\"Action\":\"s3:PutObject\",\"Resource\":\"arn:aws:s3:::shared/*\"}]}",
	     "ServerSideEncryptionConfiguration":{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"alias/data"}}]}},
	    {"Name":"private","ServerSideEncryptionConfiguration":{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"alias/data"}}]}}]}}}}}}`
	s, errs, err := snapshot.Decode([]byte(snap))
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	var got []string
	for _, f := range Build(s, errs).Findings() {
		if f.Rule == "s3-key-not-arn" {
			got = append(got, f.Resource)
		}
	}
	if len(got) != 1 || got[0] != "arn:aws:s3:::shared" {
		t.Errorf("s3-key-not-arn = %v, want only the shared bucket", got)
	}
}

// A key policy naming a unique ID (AROA…) names a deleted principal (IAM UG,
// Principal element: a recreated role does not match).
func TestFindingDeletedPrincipal(t *testing.T) {
	snap := `{"format":"keyhound.snapshot/v1","accounts":{"111111111111":{"regions":{"us-east-1":{"kms":{"Keys":[
	  {"KeyMetadata":{"KeyId":"k1","Arn":"arn:aws:kms:us-east-1:111111111111:key/k1","KeyState":"Enabled","Enabled":true},"Grants":[],
	   "Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Old\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"AROAEXAMPLEID123456\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}]}"}]}}}}}}`
	s, errs, err := snapshot.Decode([]byte(snap))
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	fs := Build(s, errs).Findings()
	if len(fs) != 1 || fs[0].Rule != "deleted-principal" || fs[0].Evidence[0].Sid != "Old" {
		t.Errorf("findings = %+v", fs)
	}
}

// forallvalues-single-valued: a set operator on a single-valued key in an
// Allow statement, found in key and identity policies; the plain operator,
// ForAnyValue, and ForAllValues on a multivalued key are not findings. And
// the finding's claim holds in the evaluator: such an identity statement
// allows a Decrypt that carries no encryption context at all.
func TestForAllValuesOnSingleValuedKey(t *testing.T) {
	const acct = "111111111111"
	cond := func(op, key string) string {
		return `{"` + op + `":{"` + key + `":"billing"}}`
	}
	policyWith := func(principal, c string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:*","Resource":"*"},` +
			`{"Sid":"S","Effect":"Allow",` + principal + `"Action":"kms:Decrypt","Resource":"*","Condition":` + c + `}]}`
	}
	for _, tc := range []struct {
		op, key string
		want    bool
	}{
		{"ForAllValues:StringEquals", "kms:EncryptionContext:app", true},
		{"ForAllValues:StringLike", "aws:RequestTag/team", true},
		{"ForAllValues:StringEquals", "kms:CallerAccount", true},
		{"StringEquals", "kms:EncryptionContext:app", false},
		{"ForAnyValue:StringEquals", "kms:EncryptionContext:app", false},
		{"ForAllValues:StringEquals", "kms:EncryptionContextKeys", false},
	} {
		keyPolicy := policyWith(`"Principal":{"AWS":"arn:aws:iam::`+acct+`:role/app"},`, cond(tc.op, tc.key))
		identity := `{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":` + cond(tc.op, tc.key) + `}]}`
		snap := &snapshot.Snapshot{Format: snapshot.Format, Accounts: map[string]*snapshot.Account{acct: {
			IAM: &snapshot.IAM{RoleDetailList: []snapshot.RoleDetail{{
				RoleName: "app", Arn: "arn:aws:iam::" + acct + ":role/app", Path: "/",
				RolePolicyList: []snapshot.PolicyDetail{{PolicyName: "ec", PolicyDocument: identity}},
			}}},
			Regions: map[string]*snapshot.Region{"us-east-1": {KMS: &snapshot.KMS{Keys: []snapshot.Key{{
				KeyMetadata: snapshot.KeyMetadata{AWSAccountID: acct, KeyID: "k", Arn: "arn:aws:kms:us-east-1:" + acct + ":key/k", Enabled: true, KeyState: "Enabled", KeyManager: "CUSTOMER", KeySpec: "SYMMETRIC_DEFAULT"},
				Policy:      &keyPolicy, Grants: []snapshot.Grant{},
			}}}}},
		}}}
		g := Build(snap, nil)
		var where []string
		for _, f := range g.Findings() {
			if f.Rule == "forallvalues-single-valued" {
				where = append(where, f.Resource)
				if f.Evidence[0].Statement != 0 && f.Evidence[0].Statement != 1 || f.Evidence[0].Detail == "" {
					t.Errorf("%s %s: evidence %+v", tc.op, tc.key, f.Evidence)
				}
			}
		}
		if got := len(where) == 2; got != tc.want {
			t.Errorf("%s on %s: findings on %v, want one on the key and one on the role: %v", tc.op, tc.key, where, tc.want)
		}
		if tc.want && tc.key == "kms:EncryptionContext:app" {
			// No encryption context, and the context known to be complete.
			a, err := g.Can(Query{Principal: "arn:aws:iam::" + acct + ":role/app", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:" + acct + ":key/k", ContextComplete: true})
			if err != nil || a.Decision != eval.Allow {
				t.Errorf("Decrypt without an encryption context: %v %v, want ALLOW (the finding's claim)", a.Decision, err)
			}
		}
	}
}

// FindingsAbout gives, for any set of ARNs, the findings of Findings about
// them: the same findings in the same order, computed for them alone.
func TestFindingsAbout(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	graphs := map[string]*Graph{
		"demo": Build(s, errs),
		"gen":  Build(gen.Organization(gen.Options{Accounts: 4, Regions: 1, RolesPerAccount: 10, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 1, EscalationShare: 0.3}), nil),
	}
	for name, g := range graphs {
		all := g.Findings()
		var ids []string
		seen := map[string]bool{}
		for _, f := range all {
			if !seen[f.Resource] {
				seen[f.Resource] = true
				ids = append(ids, f.Resource)
			}
		}
		if len(ids) < 3 {
			t.Fatalf("%s: findings about %d things, too few to test with", name, len(ids))
		}
		about := func(ids []string) []Finding {
			var out []Finding
			for _, f := range all {
				if slices.Contains(ids, f.Resource) {
					out = append(out, f)
				}
			}
			return out
		}
		sets := [][]string{ids, ids[:len(ids)/2], ids[len(ids)/2:], {"arn:aws:kms:us-east-1:000000000000:key/none"}}
		for _, id := range ids {
			sets = append(sets, []string{id})
		}
		for _, set := range sets {
			if got, want := g.FindingsAbout(set), about(set); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: FindingsAbout(%v) = %d findings, want %d", name, set, len(got), len(want))
			}
		}
	}
}
