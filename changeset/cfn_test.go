package changeset

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// describeCFN lists changes as describe does, the pseudo parameters left
// for Apply written ${AWS::…}, with each unknown's attribute. The stack's
// account and Region, which every change but an organization policy's
// has (TestReadTemplateResolves), are left out.
func describeCFN(changes []Change) string {
	var b strings.Builder
	for _, c := range changes {
		line := c.Source.String() + " " + c.Source.Address + ": " + c.String() + "\n"
		b.WriteString(strings.Replace(readablePseudo(line), " account=${AWS::AccountId} region=${AWS::Region}", "", 1))
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
	for _, c := range changes {
		stack := c.Account == pseudoValue("AWS::AccountId") && c.Region == pseudoValue("AWS::Region")
		if org := c.Kind == KindSCP || c.Kind == KindRCP; stack == org {
			t.Errorf("%s: account %q, region %q", c.Source.Address, c.Account, c.Region)
		}
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

// Reading a template never panics and fails only with an *Error; Apply
// takes what it reads.
func FuzzReadTemplate(f *testing.F) {
	for _, name := range []string{"cfn-all.yaml", "cfn-all.json", "cfn-dilip.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Path: !ImportValue p\n      AssumeRolePolicyDocument: {}\n"))
	f.Add([]byte("Resources:\n  A:\n    Type: AWS::KMS::Alias\n    Properties: {AliasName: !Ref A, TargetKeyId: !GetAtt A.Arn}\n"))
	base, _, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		changes, err := Read(bytes.NewReader(data), "f")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			return
		}
		_, _, _ = Apply(base, changes, WithAccount("111111111111"))
	})
}

// YAML anchors nested in anchors are not expanded without bound: a
// document that would be exponential is an error, soon.
func TestReadTemplateAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i < 12; i++ {
		p := "*x" + strconv.Itoa(i-1)
		fmt.Fprintf(&b, "x%d: &x%d [%s, %s, %s, %s, %s, %s, %s, %s, %s, %s]\n", i, i, p, p, p, p, p, p, p, p, p, p)
	}
	b.WriteString("Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {Statement: *x11}\n")
	_, err := Read(strings.NewReader(b.String()), "bomb.yaml")
	if err == nil || !strings.Contains(err.Error(), "bomb.yaml:") || !strings.Contains(err.Error(), "aliases are expanded") {
		t.Errorf("error %v, want one about the aliases", err)
	}
}

// !Ref AWS::NoValue leaves a list item or a property out: a key whose
// KeyPolicy is AWS::NoValue gets the default key policy.
func TestReadTemplateNoValue(t *testing.T) {
	body := "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties: {KeyPolicy: !Ref AWS::NoValue}\n" +
		"  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: p\n      Users: [ann, !Ref AWS::NoValue]\n      PolicyDocument: {Statement: [{Effect: Allow, Action: 's3:*', Resource: '*', Condition: !Ref AWS::NoValue}]}\n"
	changes, err := Read(strings.NewReader(body), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := describeCFN(changes)
	want := "t.yaml:2 K: add key-policy K unknown:target\n    unknown target: Resources.K (the key ID is generated when deployed: named by its logical ID)\n" +
		"t.yaml:5 P: replace identity-policy user/ann name=p +document\n"
	if got != want || changes[1].Document != `{"Statement":[{"Action":"s3:*","Effect":"Allow","Resource":"*"}]}` {
		t.Errorf("got\n%s%s\nwant\n%s", got, changes[1].Document, want)
	}
}

// docs/cli.md names every CloudFormation type a template is read for.
func TestCloudFormationTypesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range CloudFormationTypes() {
		short := typ[strings.LastIndex(typ, "::")+2:]
		if !strings.Contains(string(doc), "`"+typ+"`") && !strings.Contains(string(doc), "`"+short+"`") {
			t.Errorf("docs/cli.md does not name %s", typ)
		}
	}
}
