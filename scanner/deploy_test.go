package scanner

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/keyhound/keyhound/graph/accessdenied"
)

// The CloudFormation templates of deploy/ grant what the scanner calls and
// nothing else, and docs/permissions.md says the same.

// apiPrefixes maps each narrow client interface of the scanner to the IAM
// prefix of its service's actions; "" for calls that need no permission
// (sts:GetCallerIdentity).
var apiPrefixes = map[string]string{
	"orgAPI": "organizations", "iamAPI": "iam", "kmsAPI": "kms", "stsAPI": "", "s3API": "s3", "sqsAPI": "sqs",
	"secretsAPI": "secretsmanager", "snsAPI": "sns", "dynamoAPI": "dynamodb", "ec2API": "ec2", "rdsAPI": "rds",
	"lambdaAPI": "lambda", "logsAPI": "logs", "s3ControlAPI": "s3control",
}

// controlActions are the IAM actions of S3 Control's operations, which
// keyhound's operation table (keyed by IAM prefix) does not hold: S3 Control
// API Reference, GetPublicAccessBlock, "Permissions".
var controlActions = map[string]string{"GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock"}

// readOnlyAllowed are the actions allowed besides Describe*, List* and Get*:
// assuming the audit role, and naming the session's source identity.
var readOnlyAllowed = []string{"sts:AssumeRole", "sts:SetSourceIdentity"}

// dataReads are Get actions that read data, not metadata: never granted.
var dataReads = []string{"s3:GetObject", "s3:GetObjectVersion", "secretsmanager:GetSecretValue", "kms:GetParametersForImport", "lambda:GetFunction", "ssm:GetParameter", "dynamodb:GetItem", "logs:GetLogEvents"}

// scannerActions reads every narrow client interface in the scanner's
// sources (interfaces named …API) and returns the IAM action of each
// method, by service prefix: the actions keyhound scan calls.
func scannerActions(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			it, ok := ts.Type.(*ast.InterfaceType)
			if !ok || !strings.HasSuffix(ts.Name.Name, "API") {
				return true
			}
			prefix, known := apiPrefixes[ts.Name.Name]
			if !known {
				t.Errorf("%s: interface %s: add its IAM prefix to apiPrefixes (and its actions to deploy/ and docs/permissions.md)", name, ts.Name.Name)
				return false
			}
			for _, m := range it.Methods.List {
				for _, id := range m.Names {
					if prefix == "" {
						continue
					}
					if prefix == "s3control" {
						action, ok := controlActions[id.Name]
						if !ok {
							t.Errorf("%s: s3control %s: add its IAM action to controlActions", name, id.Name)
						}
						out["s3"] = append(out["s3"], action)
						continue
					}
					action, _, ok := accessdenied.OperationAction(prefix, id.Name)
					if !ok {
						action = prefix + ":" + id.Name // IAM's and Organizations' actions have their operations' names
					}
					out[prefix] = append(out[prefix], action)
				}
			}
			return false
		})
	}
	if len(out) < 10 {
		t.Fatalf("found the interfaces of %d services only", len(out))
	}
	return out
}

// template is a CloudFormation template read as plain YAML.
type template struct {
	path      string
	Resources map[string]struct {
		Type       string         `yaml:"Type"`
		Properties map[string]any `yaml:"Properties"`
	} `yaml:"Resources"`
	Parameters map[string]map[string]any `yaml:"Parameters"`
	Conditions map[string]any            `yaml:"Conditions"`
}

func loadTemplate(t *testing.T, path string) *template {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// Short forms (!Sub, !Ref) are YAML tags other tools cannot read: the
	// templates use the long forms (Fn::Sub, Ref).
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
			t.Errorf("%s:%d: short-form tag %s: use the long form", path, n.Line, n.Tag)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&node)
	tm := &template{path: path}
	if err := node.Decode(tm); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tm
}

// statements returns the permission statements of a resource: an IAM
// role's inline policies, or a managed policy's document.
func (tm *template) statements(t *testing.T, resource string) []map[string]any {
	t.Helper()
	r, ok := tm.Resources[resource]
	if !ok {
		t.Fatalf("%s: no resource %s", tm.path, resource)
	}
	var docs []any
	switch r.Type {
	case "AWS::IAM::Role":
		for _, p := range asList(r.Properties["Policies"]) {
			docs = append(docs, p.(map[string]any)["PolicyDocument"])
		}
	case "AWS::IAM::ManagedPolicy":
		docs = append(docs, r.Properties["PolicyDocument"])
	default:
		t.Fatalf("%s: %s is a %s", tm.path, resource, r.Type)
	}
	var out []map[string]any
	for _, d := range docs {
		for _, st := range asList(d.(map[string]any)["Statement"]) {
			out = append(out, st.(map[string]any))
		}
	}
	return out
}

func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// actionsOf lists the actions of Allow statements, sorted.
func actionsOf(t *testing.T, where string, statements []map[string]any) []string {
	t.Helper()
	var out []string
	for _, st := range statements {
		if st["Effect"] != "Allow" {
			t.Errorf("%s: statement %v is not an Allow", where, st["Sid"])
		}
		if _, ok := st["NotAction"]; ok {
			t.Errorf("%s: statement %v has NotAction", where, st["Sid"])
		}
		for _, a := range asList(st["Action"]) {
			out = append(out, a.(string))
		}
	}
	slices.Sort(out)
	return out
}

var readOnlyVerb = regexp.MustCompile(`^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]+$`)

func checkReadOnly(t *testing.T, where string, actions []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, a := range actions {
		switch {
		case strings.Contains(a, "*") || strings.Contains(a, "?"):
			t.Errorf("%s: wildcard action %q", where, a)
		case slices.Contains(dataReads, a):
			t.Errorf("%s: %s reads data", where, a)
		case !readOnlyVerb.MatchString(a) && !slices.Contains(readOnlyAllowed, a):
			t.Errorf("%s: %s is not a read (Describe*, List*, Get*) nor allowed by name", where, a)
		case seen[a]:
			t.Errorf("%s: %s granted twice", where, a)
		}
		seen[a] = true
	}
}

// docPolicy returns the actions of the JSON policy that follows the marker
// "<!-- policy: NAME -->" in docs/permissions.md.
func docPolicy(t *testing.T, doc, name string) []string {
	t.Helper()
	marker := "<!-- policy: " + name + " -->\n```json\n"
	i := strings.Index(doc, marker)
	if i < 0 {
		t.Fatalf("docs/permissions.md: no %q", marker)
	}
	body, _, found := strings.Cut(doc[i+len(marker):], "```")
	if !found {
		t.Fatalf("docs/permissions.md, policy %s: the JSON block does not end", name)
	}
	var p struct {
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("docs/permissions.md, policy %s: %v", name, err)
	}
	return actionsOf(t, "docs/permissions.md "+name, p.Statement)
}

func TestDeployTemplatesGrantWhatTheScannerCalls(t *testing.T) {
	calls := scannerActions(t)
	var reads, org []string
	for prefix, actions := range calls {
		if prefix == "organizations" {
			org = append(org, actions...)
		} else {
			reads = append(reads, actions...)
		}
	}
	wantReads := slices.Compact(slices.Sorted(slices.Values(reads)))
	slices.Sort(org)

	audit := loadTemplate(t, "../deploy/keyhound-audit-role.yaml")
	mgmt := loadTemplate(t, "../deploy/keyhound-management-role.yaml")
	docBytes, err := os.ReadFile("../docs/permissions.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(docBytes)

	granted := map[string][]string{
		"keyhound-audit-role.yaml AuditRole":       actionsOf(t, "audit role", audit.statements(t, "AuditRole")),
		"keyhound-management-role.yaml ReadPolicy": actionsOf(t, "management read policy", mgmt.statements(t, "ReadPolicy")),
		"docs/permissions.md audit":                docPolicy(t, doc, "audit"),
	}
	for where, actions := range granted {
		checkReadOnly(t, where, actions)
		// Exactly the scanner's reads: every one it calls, nothing more.
		if !slices.Equal(actions, wantReads) {
			t.Errorf("%s grants\n  %v\nthe scanner reads (with the pending collectors')\n  %v", where, actions, wantReads)
		}
	}
	scannerPolicy := actionsOf(t, "scanner policy", mgmt.statements(t, "ScannerPolicy"))
	checkReadOnly(t, "scanner policy", scannerPolicy)
	wantScanner := slices.Sorted(slices.Values(append(slices.Clone(org), readOnlyAllowed...)))
	for where, actions := range map[string][]string{"keyhound-management-role.yaml ScannerPolicy": scannerPolicy, "docs/permissions.md scanner": docPolicy(t, doc, "scanner")} {
		if !slices.Equal(actions, wantScanner) {
			t.Errorf("%s grants\n  %v\nwant the Organizations calls and the audit role\n  %v", where, actions, wantScanner)
		}
	}
	// sts:AssumeRole only on the audit role, by name, in any account.
	for _, st := range mgmt.statements(t, "ScannerPolicy") {
		if slices.Contains(asList(st["Action"]), any("sts:AssumeRole")) {
			res, _ := st["Resource"].(map[string]any)
			if res == nil || res["Fn::Sub"] != "arn:${AWS::Partition}:iam::*:role/${RoleName}" {
				t.Errorf("sts:AssumeRole on %v, want the audit role by name", st["Resource"])
			}
		}
	}
	// The parameters the docs and StackSet commands use.
	for _, p := range []string{"TrustedAccountId", "RoleName", "ExternalId", "MaxSessionDuration", "TrustedPrincipalPattern"} {
		if _, ok := audit.Parameters[p]; !ok {
			t.Errorf("audit template: no parameter %s", p)
		}
		if _, ok := mgmt.Parameters[p]; !ok {
			t.Errorf("management template: no parameter %s", p)
		}
	}
	if audit.Parameters["RoleName"]["Default"] != DefaultRoleName || mgmt.Parameters["RoleName"]["Default"] != DefaultRoleName {
		t.Errorf("RoleName defaults %v, %v; keyhound's is %s", audit.Parameters["RoleName"]["Default"], mgmt.Parameters["RoleName"]["Default"], DefaultRoleName)
	}
	for _, tm := range []*template{audit, mgmt} {
		checkReferences(t, tm)
	}
}

// pseudoParameters are CloudFormation's (AWS::Partition, AWS::AccountId…).
var pseudoParameters = []string{"AWS::AccountId", "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackName", "AWS::URLSuffix"}

// checkReferences checks that every Ref, Fn::Sub variable, Fn::GetAtt and
// Condition names a parameter, resource, pseudo parameter or condition of
// the template.
func checkReferences(t *testing.T, tm *template) {
	t.Helper()
	names := slices.Collect(maps.Keys(tm.Parameters))
	names = append(names, slices.Collect(maps.Keys(tm.Resources))...)
	names = append(names, pseudoParameters...)
	subVar := regexp.MustCompile(`\$\{([^}!]+)\}`)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				switch k {
				case "Ref":
					if s, _ := c.(string); !slices.Contains(names, s) {
						t.Errorf("%s: Ref %v names nothing", tm.path, c)
					}
				case "Fn::Sub":
					s, _ := c.(string)
					for _, m := range subVar.FindAllStringSubmatch(s, -1) {
						if !slices.Contains(names, m[1]) {
							t.Errorf("%s: Fn::Sub %q: ${%s} names nothing", tm.path, s, m[1])
						}
					}
				case "Fn::GetAtt":
					if l := asList(c); len(l) != 2 || !slices.Contains(names, l[0].(string)) {
						t.Errorf("%s: Fn::GetAtt %v", tm.path, c)
					}
				case "Condition":
					if s, ok := c.(string); ok {
						if _, found := tm.Conditions[s]; !found {
							t.Errorf("%s: condition %q is not defined", tm.path, s)
						}
					}
				case "Fn::If":
					if l := asList(c); len(l) != 3 {
						t.Errorf("%s: Fn::If %v", tm.path, c)
					} else if _, found := tm.Conditions[l[0].(string)]; !found {
						t.Errorf("%s: Fn::If on undefined condition %v", tm.path, l[0])
					}
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	for name, r := range tm.Resources {
		walk(r.Properties)
		_ = name
	}
	walk(tm.Conditions)
}

// cfn-lint, CloudFormation's own linter, when installed (pip install
// cfn-lint): the templates deploy as they are.
func TestDeployTemplatesLint(t *testing.T) {
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed")
	}
	out, err := exec.Command(lint, "../deploy/keyhound-audit-role.yaml", "../deploy/keyhound-management-role.yaml").CombinedOutput()
	if err != nil {
		t.Errorf("cfn-lint: %v\n%s", err, out)
	}
}

// The Region-deny check (regiongate.go) skips a Region only when the SCPs
// deny every call the scanner makes there: regionalActions must be exactly
// the scanner's calls but those of global services and of the home Region.
func TestRegionalActionsAreTheScannersRegionalCalls(t *testing.T) {
	home := []string{"s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock"}
	var want []string
	for prefix, actions := range scannerActions(t) {
		if prefix == "organizations" || prefix == "iam" || prefix == "sts" {
			continue
		}
		for _, a := range actions {
			if !slices.Contains(home, a) && a != "ec2:DescribeRegions" {
				want = append(want, a)
			}
		}
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(regionalActions))
	if !slices.Equal(slices.Compact(want), got) {
		t.Errorf("regionalActions %v\nwant %v", got, slices.Compact(want))
	}
}
