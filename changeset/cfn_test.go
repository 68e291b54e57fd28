package changeset

import (
	"errors"
	"strings"
	"testing"
)

// describeCFN lists changes as describe does, the pseudo parameters left
// for Apply written ${AWS::…}, with each unknown's attribute.
func describeCFN(changes []Change) string {
	var b strings.Builder
	for _, c := range changes {
		b.WriteString(c.Source.String() + " " + c.Source.Address + ": " + c.String() + "\n")
		for _, u := range c.Unknown {
			b.WriteString("    unknown " + u.Field + ": " + u.Attribute + "\n")
		}
	}
	return readablePseudo(b.String())
}

// Each template of testdata reads to the changes its golden file lists:
// every resource type, in YAML with short-form tags and in JSON with the
// long form, functions resolved and unresolved.
func TestReadTemplateGolden(t *testing.T) {
	for _, name := range []string{"cfn-all.yaml", "cfn-all.json"} {
		t.Run(name, func(t *testing.T) {
			changes, err := readFile(t, name)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".golden", describeCFN(changes))
		})
	}
}

// byAddress finds the changes read from one resource.
func byAddress(t *testing.T, changes []Change, id string) []Change {
	t.Helper()
	var out []Change
	for _, c := range changes {
		if c.Source.Address == id {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no change from %s", id)
	}
	return out
}

// The functions keyhound evaluates give the values CloudFormation would:
// Ref to a parameter's Default, Fn::Join, Fn::Sub with variables and
// Fn::FindInMap; a YAML date stays a string; the pseudo parameters are
// left for Apply.
func TestReadTemplateResolves(t *testing.T) {
	changes, err := readFile(t, "cfn-all.yaml")
	if err != nil {
		t.Fatal(err)
	}
	key := byAddress(t, changes, "AppKey")[0]
	for _, want := range []string{
		`"Version":"2012-10-17"`,
		`"AWS":"arn:` + pseudoValue("AWS::Partition") + `:iam::` + pseudoValue("AWS::AccountId") + `:root"`,
		`"AWS":"arn:aws:iam::999999999999:root"`,
		`"AWS":"arn:aws:iam::555555555555:root"`,
		`"Bool":{"aws:SecureTransport":true}`,
	} {
		if !strings.Contains(key.Document, want) {
			t.Errorf("AppKey's policy %s lacks %s", key.Document, want)
		}
	}
	bp := byAddress(t, changes, "ReportsBucketPolicy")[0]
	if bp.Target != "kh-demo-reports" || !strings.Contains(bp.Document, `"Resource":"arn:`+pseudoValue("AWS::Partition")+`:s3:::kh-demo-reports/*"`) {
		t.Errorf("bucket policy: %s %s", bp.Target, bp.Document)
	}
	role := byAddress(t, changes, "AppRole")
	if !strings.Contains(role[1].Document, `"Resource":"arn:`+pseudoValue("AWS::Partition")+`:kms:`+pseudoValue("AWS::Region")+`:`+pseudoValue("AWS::AccountId")+`:key/AppKey"`) {
		t.Errorf("AppRole's inline policy: %s", role[1].Document)
	}
	if role[3].PolicyARN != "policy/team/reports-read" {
		t.Errorf("AppRole's !Ref ReadPolicy: %q, want the policy the template creates", role[3].PolicyARN)
	}
	if sp := byAddress(t, changes, "AppSecretPolicy")[0]; sp.Target != "app/db" || !strings.Contains(sp.Document, ":role/app/AppRole") {
		t.Errorf("secret policy: %s %s", sp.Target, sp.Document)
	}
}

// A bad template is an *Error naming the file, the path of the bad value
// and its line, in JSON as in YAML.
func TestReadTemplateErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, text, want string
	}{
		{"no type", "t.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  K:\n    Properties: {}\n", "t.yaml:3: Resources.K.Type: missing"},
		{"resources not a mapping", "t.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: [a]\n", "t.yaml:2: Resources: missing, or not a mapping"},
		{"missing property", "t.yaml", "Resources:\n  A:\n    Type: AWS::KMS::Alias\n    Properties:\n      AliasName: alias/x\n", "t.yaml:5: Resources.A.Properties.TargetKeyId: missing"},
		{"ref to nothing", "t.json", "{\"Resources\": {\"A\": {\"Type\": \"AWS::KMS::Alias\",\n \"Properties\": {\"AliasName\": \"alias/x\",\n  \"TargetKeyId\": {\"Ref\": \"Nope\"}}}}}", "t.json:3: Resources.A.Properties.TargetKeyId.Ref: Nope is neither a parameter nor a resource"},
		{"document not JSON", "t.yaml", "Resources:\n  P:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: b\n      PolicyDocument: 'not json'\n", "t.yaml:6: Resources.P.Properties.PolicyDocument: not a JSON policy document"},
		{"document a list", "t.yaml", "Resources:\n  P:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: b\n      PolicyDocument: [a]\n", "PolicyDocument: want a policy document, got a list"},
		{"bad getatt", "t.yaml", "Resources:\n  A:\n    Type: AWS::KMS::Alias\n    Properties:\n      AliasName: alias/x\n      TargetKeyId: !GetAtt Nope.Arn\n", "t.yaml:6: Resources.A.Properties.TargetKeyId.Fn::GetAtt: Nope is not a resource"},
		{"unclosed sub", "t.yaml", "Resources:\n  A:\n    Type: AWS::KMS::Alias\n    Properties:\n      AliasName: !Sub alias/${X\n      TargetKeyId: k\n", "unclosed ${"},
		{"bad JSON", "t.json", "{\"Resources\": {\"A\": {\"Type\": \"AWS::KMS::Key\",,}}}", "t.json:1: invalid character"},
		{"no AWS types", "t.yaml", "Resources:\n  A:\n    Type: Custom::Thing\n", "nor a CloudFormation template"},
		{"inline policy without name", "t.yaml", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n      Policies:\n        - PolicyDocument: {}\n", "t.yaml:7: Resources.R.Properties.Policies[0]: want PolicyName and PolicyDocument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.text), tc.file)
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v (%T), want an *Error with %q", err, err, tc.want)
			}
		})
	}
}
