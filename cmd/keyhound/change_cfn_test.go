package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
)

// cfnDilip is a CloudFormation template whose AWS::IAM::Policy (at line
// 11) gives dilip-no-policy kms:Decrypt on alias/reports' key.
var cfnDilip = filepath.Join("..", "..", "changeset", "testdata", "cfn-dilip.yaml")

const dilipNoPolicy = "arn:aws:iam::222222222222:user/dilip-no-policy"

// diff --snapshot @demo --change TEMPLATE reports the access the template
// would add, with the statement that adds it; can answers ALLOW where it
// said DENY; SARIF points at the template's resource.
func TestDiffChangeCloudFormation(t *testing.T) {
	code, out, errOut := runCLI(t, "", "diff", "--snapshot", demoName, "--change", cfnDilip)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"1 new access",
		"+ ALLOW                  " + dilipNoPolicy + "  kms:Decrypt",
		"identity policy reports-decrypt of " + dilipNoPolicy + ": statement added",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
	can := []string{"can", "--snapshot", demoName, dilipNoPolicy, "kms:Decrypt", demo.ReportsKey}
	if code, _, _ := runCLI(t, "", can...); code != 1 {
		t.Errorf("can without the template: exit %d, want 1 (DENY)", code)
	}
	if code, out, errOut := runCLI(t, "", append(can, "--change", cfnDilip)...); code != 0 {
		t.Errorf("can with the template: exit %d, want 0 (ALLOW): %s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "diff", "--snapshot", demoName, "--change", cfnDilip, "--format", "sarif")
	if code != 0 || !strings.Contains(out, `"uri": "`+filepath.ToSlash(cfnDilip)+`"`) || !strings.Contains(out, `"startLine": 11`) {
		t.Errorf("SARIF: exit %d, no result at %s:11:\n%s%s", code, cfnDilip, out, errOut)
	}
}

// A template's new key lands in --change-account's account, its
// ${AWS::AccountId} filled in; without it, in the demo's several
// accounts, the key is not applied and stderr says why. who-can lists the
// partner account's role and the key's own account's users.
func TestChangeCloudFormationAccount(t *testing.T) {
	file := filepath.Join(t.TempDir(), "template.yaml")
	body := `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  PartnerKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - {Sid: Root, Effect: Allow, Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}, Action: "kms:*", Resource: "*"}
          - {Sid: Partner, Effect: Allow, Principal: {AWS: arn:aws:iam::999999999999:root}, Action: kms:Decrypt, Resource: "*"}
  PartnerAlias:
    Type: AWS::KMS::Alias
    Properties: {AliasName: alias/partner, TargetKeyId: !Ref PartnerKey}
`
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	const newKey = "arn:aws:kms:us-east-1:111111111111:key/PartnerKey"
	code, out, errOut := runCLI(t, "", "who-can", "--snapshot", demoName, "--change", file, "--change-account", "111111111111", "kms:Decrypt", newKey)
	// The partner's role, through its account; ann, through the root
	// statement whose ${AWS::AccountId} is 111111111111.
	if code != 0 || !strings.Contains(out, "arn:aws:iam::999999999999:role/OrgAdmin") || !strings.Contains(out, "arn:aws:iam::111111111111:user/ann") {
		t.Errorf("who-can on the new key: exit %d:\n%s%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "", "diff", "--snapshot", demoName, "--change", file)
	if code != 0 || !strings.Contains(errOut, "template.yaml:3: add key-policy PartnerKey not applied: a new key, in an account or Region not known") {
		t.Errorf("diff without --change-account: exit %d, stderr:\n%s", code, errOut)
	}
}

// A bad template is bad input (exit 3), naming the file, the line and
// the path of the bad value.
func TestChangeCloudFormationBad(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.yaml")
	body := "Resources:\n  A:\n    Type: AWS::KMS::Alias\n    Properties:\n      AliasName: alias/x\n      TargetKeyId: !GetAtt Missing.Arn\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "diff", "--snapshot", demoName, "--change", file)
	if want := "bad.yaml:6: Resources.A.Properties.TargetKeyId.Fn::GetAtt: Missing is not a resource of the template"; code != exitBadInput || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, want %d; stderr %q, want %q in it", code, exitBadInput, errOut, want)
	}
}
