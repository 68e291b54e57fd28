package changeset

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
)

const dilipNoPolicy = "arn:aws:iam::222222222222:user/dilip-no-policy"

// An AWS::IAM::Policy of a template gives dilip-no-policy kms:Decrypt on
// alias/reports' key: can goes from DENY to ALLOW, and the base stays as
// it was.
func TestApplyTemplateGrantsDecrypt(t *testing.T) {
	base := demoSnapshot(t)
	before, _ := json.Marshal(base)
	out, applied := apply(t, base, "cfn-dilip.yaml")
	if after, _ := json.Marshal(base); !bytes.Equal(before, after) {
		t.Fatal("Apply changed the base snapshot")
	}
	if d := decision(t, base, dilipNoPolicy, "kms:Decrypt", demo.ReportsKey); d != eval.Deny {
		t.Errorf("base: %s, want DENY", d)
	}
	if d := decision(t, out, dilipNoPolicy, "kms:Decrypt", demo.ReportsKey); d != eval.Allow {
		t.Errorf("changed: %s, want ALLOW", d)
	}
	if strings.Join(applied.Principals, " ") != dilipNoPolicy || len(applied.Unknowns) > 0 {
		t.Errorf("principals %v, unknowns %v", applied.Principals, applied.Unknowns)
	}
}

// In a snapshot of several accounts, a template's account is the one
// that holds what it changes: cfn-all.json's policy for dilip-no-policy
// places its stack in 222222222222, new key and managed policy included.
// cfn-all.yaml changes ann (111111111111) and dilip-no-policy
// (222222222222): its account is not known, its new key not placed.
func TestApplyTemplateStackAccount(t *testing.T) {
	out, applied := apply(t, demoSnapshot(t), "cfn-all.json")
	keys := out.Accounts["222222222222"].Regions["us-east-1"].KMS.Keys
	if k := keys[len(keys)-2]; k.KeyMetadata.Arn != "arn:aws:kms:us-east-1:222222222222:key/ExportKey" || k.Policy == nil || !strings.Contains(*k.Policy, `"arn:aws:iam::222222222222:root"`) {
		t.Errorf("ExportKey: %s, policy %v", k.KeyMetadata.Arn, k.Policy)
	}
	if d := decision(t, out, dilipNoPolicy, "kms:Encrypt", "arn:aws:kms:us-east-1:222222222222:key/ExportKey"); d != eval.Allow {
		t.Errorf("dilip-no-policy encrypts with ExportKey: %s, want ALLOW (%+v)", d, applied.Entries)
	}

	_, applied = apply(t, demoSnapshot(t), "cfn-all.yaml")
	var notes []string
	for _, e := range applied.Unplaced() {
		notes = append(notes, e.Source.Address+": "+e.Note)
	}
	if got := strings.Join(notes, "\n"); !strings.Contains(got, "AppKey: a new key, in an account or Region not known") {
		t.Errorf("unplaced:\n%s", got)
	}
}

// With WithAccount the template's new key lands in that account, its
// pseudo parameters filled in: its root statement names the account, the
// alias points at it, and the managed policy the template creates and
// attaches (its Resource from Fn::Sub) lets dilip-no-policy encrypt with it.
func TestApplyTemplateNewKey(t *testing.T) {
	base := demoSnapshot(t)
	out, applied := apply(t, base, "cfn-all.json", WithAccount("222222222222"))
	const newKey = "arn:aws:kms:us-east-1:222222222222:key/ExportKey"
	keys := out.Accounts["222222222222"].Regions["us-east-1"].KMS.Keys
	k := keys[len(keys)-2]
	if k.KeyMetadata.Arn != newKey || k.Policy == nil || !strings.Contains(*k.Policy, `"arn:aws:iam::222222222222:root"`) {
		t.Fatalf("new key %s, policy %v", k.KeyMetadata.Arn, k.Policy)
	}
	if len(k.Aliases) != 1 || k.Aliases[0].AliasName != "alias/export" {
		t.Errorf("alias/export: %+v", k.Aliases)
	}
	if d := decision(t, out, dilipNoPolicy, "kms:Encrypt", newKey); d != eval.Allow {
		t.Errorf("dilip-no-policy encrypts with the new key: %s, want ALLOW (%+v)", d, applied.Entries)
	}
	// The key whose policy is behind Fn::If is left not collected.
	if k := keys[len(keys)-1]; k.KeyMetadata.KeyID != "MaybeKey" || k.Policy != nil {
		t.Errorf("MaybeKey: %s, policy %v", k.KeyMetadata.KeyID, k.Policy)
	}
}

// A new key in YAML: the partner named through a parameter's Default
// may decrypt with it; the default-policy key gives no one outside its
// account anything; a bucket is encrypted with the new key.
func TestApplyTemplateYAML(t *testing.T) {
	base := demoSnapshot(t)
	out, _ := apply(t, base, "cfn-all.yaml", WithAccount("111111111111"))
	const appKey = "arn:aws:kms:us-east-1:111111111111:key/AppKey"
	if d := decision(t, out, "arn:aws:iam::999999999999:root", "kms:Decrypt", appKey); d != eval.Allow {
		t.Errorf("partner decrypts with AppKey: %s, want ALLOW", d)
	}
	if d := decision(t, out, "arn:aws:iam::999999999999:root", "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/DefaultKey"); d != eval.Deny {
		t.Errorf("partner decrypts with DefaultKey: %s, want DENY", d)
	}
	if d := decision(t, out, "arn:aws:iam::999999999999:root", "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:alias/reports-app"); d != eval.Allow {
		t.Errorf("partner decrypts with AppKey by its new alias: %s, want ALLOW", d)
	}
	// The bucket's encryption names the new key by its ARN (Fn::GetAtt).
	for _, bk := range out.Accounts["111111111111"].Regions["us-east-1"].S3.Buckets {
		if bk.Name == "kh-demo-reports" {
			if c := bk.ServerSideEncryptionConfiguration; c == nil || c.Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID != appKey || !c.Rules[0].BucketKeyEnabled {
				t.Errorf("kh-demo-reports encryption: %+v", c)
			}
		}
	}
	// The auditor (named through Fn::FindInMap) is outside the organization:
	// the RCP data perimeter still denies it.
	if d := decision(t, out, "arn:aws:iam::555555555555:root", "kms:DescribeKey", appKey); d != eval.Deny {
		t.Errorf("auditor describes AppKey: %s, want DENY", d)
	}
}

// What a template leaves unknown makes the answer CONDITIONAL, never a
// guess; the same template with the value known answers ALLOW. A stack is
// deployed to one account: with another account given, dilip-no-policy
// (of 222222222222) is not the template's to change.
func TestApplyTemplateUnknown(t *testing.T) {
	policy := func(resource, extra string) string {
		return "Conditions:\n  IsProd: !Equals [a, a]\nResources:\n  P:\n    Type: AWS::IAM::UserPolicy\n" + extra +
			"    Properties:\n      UserName: dilip-no-policy\n      PolicyName: p\n      PolicyDocument:\n        Version: '2012-10-17'\n" +
			"        Statement: [{Effect: Allow, Action: kms:Decrypt, Resource: " + resource + "}]\n"
	}
	// ann is in 111111111111, dilip-no-policy in 222222222222: a template
	// changing both does not tell its account.
	const alsoAnn = "  A:\n    Type: AWS::IAM::UserPolicy\n    Properties: {UserName: ann, PolicyName: p, PolicyDocument: {Statement: []}}\n"
	// The stack's account, from the caller's account: ALLOW when known.
	const inAccount = "'*', Condition: {StringEquals: {aws:PrincipalAccount: !Ref AWS::AccountId}}"
	base := demoSnapshot(t)
	for _, tc := range []struct {
		name, template string
		opts           []Option
		want           eval.Verdict
	}{
		{"literal", policy(demo.ReportsKeyID, ""), nil, eval.Allow},
		{"Fn::ImportValue", policy("!ImportValue shared-key", ""), nil, eval.Conditional},
		{"Condition", policy(demo.ReportsKeyID, "    Condition: IsProd\n"), nil, eval.Conditional},
		{"AWS::AccountId unknown", policy(inAccount, "") + alsoAnn, nil, eval.Conditional},
		{"AWS::AccountId given", policy(inAccount, "") + alsoAnn, []Option{WithAccount("222222222222")}, eval.Allow},
		{"AWS::AccountId from dilip-no-policy's account", policy(inAccount, ""), nil, eval.Allow},
		{"another account given", policy(demo.ReportsKeyID, ""), []Option{WithAccount("111111111111")}, eval.Deny},
		{"AWS::Region from the snapshot", policy("!Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:111111111111:key/*'", ""), nil, eval.Allow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changes, err := Read(strings.NewReader(tc.template), "t.yaml")
			if err != nil {
				t.Fatal(err)
			}
			out, applied, err := Apply(base, changes, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if d := decision(t, out, dilipNoPolicy, "kms:Decrypt", demo.ReportsKey); d != tc.want {
				t.Errorf("%s, want %s (unknowns %+v)", d, tc.want, applied.Unknowns)
			}
			if (tc.want == eval.Conditional) != (len(applied.Unknowns) > 0) && len(applied.Unplaced()) == 0 {
				t.Errorf("unknowns %+v", applied.Unknowns)
			}
		})
	}
}

// Applying every resource type of cfn-all.yaml gives the entries and
// unknowns its golden file lists.
func TestApplyTemplateAll(t *testing.T) {
	_, applied := apply(t, demoSnapshot(t), "cfn-all.yaml", WithAccount("111111111111"))
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(applied); err != nil {
		t.Fatal(err)
	}
	golden(t, "cfn-all.yaml.applied.golden", b.String())
}
