package scanner

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// orgErrorOps lists the organization's recorded errors as "Operation
// Resource Code".
func orgErrorOps(o *snapshot.Organization) []string {
	var out []string
	for _, e := range o.Errors {
		out = append(out, e.Operation+" "+e.Resource+" "+e.Code)
	}
	return out
}

// A failed call about the organization's policies is recorded in
// organization.errors and the rest is read: the scan is partial, never
// silently "no SCPs" (a failed ListPolicies used to end the listing
// without a word), and a failed DescribePolicy or ListTargetsForPolicy no
// longer fails the whole scan. A policy type not enabled
// (PolicyTypeNotEnabledException, Organizations API reference) is no failure.
func TestFakeAWSOrganizationPolicyFailures(t *testing.T) {
	denied := &fakeaws.Fault{Code: "AccessDeniedException", Message: "You don't have permissions to access this resource."}
	cases := []struct {
		name    string
		fault   func(fakeaws.Call) *fakeaws.Fault
		errors  []string
		check   func(t *testing.T, o *snapshot.Organization)
		partial bool
	}{
		{
			name: "ListPolicies of SCPs refused",
			fault: func(c fakeaws.Call) *fakeaws.Fault {
				if c.Op == "ListPolicies" && c.Resource == snapshot.PolicyTypeSCP {
					return denied
				}
				return nil
			},
			errors: []string{"ListPolicies SERVICE_CONTROL_POLICY AccessDeniedException"},
			check: func(t *testing.T, o *snapshot.Organization) {
				if len(o.Policies) != 0 {
					t.Errorf("policies %+v", o.Policies)
				}
			},
			partial: true,
		},
		{
			name: "DescribePolicy refused: content not collected, targets read",
			fault: func(c fakeaws.Call) *fakeaws.Fault {
				if c.Op == "DescribePolicy" {
					return denied
				}
				return nil
			},
			errors: []string{"DescribePolicy p-FullAWSAccess AccessDeniedException"},
			check: func(t *testing.T, o *snapshot.Organization) {
				if len(o.Policies) != 1 || o.Policies[0].Content != "" || len(o.Policies[0].Targets) != 1 {
					t.Errorf("policies %+v", o.Policies)
				}
			},
			partial: true,
		},
		{
			name: "ListTargetsForPolicy fails after its retries: targets not collected",
			fault: func(c fakeaws.Call) *fakeaws.Fault {
				if c.Op == "ListTargetsForPolicy" {
					return &fakeaws.Fault{Status: 500, Code: "ServiceException", Message: "try again"}
				}
				return nil
			},
			errors: []string{"ListTargetsForPolicy p-FullAWSAccess ServiceException"},
			check: func(t *testing.T, o *snapshot.Organization) {
				if len(o.Policies) != 1 || o.Policies[0].Content == "" || o.Policies[0].Targets != nil {
					t.Errorf("policies %+v", o.Policies)
				}
			},
			partial: true,
		},
		{
			name: "RCPs not enabled: no gap",
			fault: func(c fakeaws.Call) *fakeaws.Fault {
				if c.Op == "ListPolicies" && c.Resource == snapshot.PolicyTypeRCP {
					return &fakeaws.Fault{Code: "PolicyTypeNotEnabledException", Message: "This operation can be performed only for enabled policy types."}
				}
				return nil
			},
			check: func(t *testing.T, o *snapshot.Organization) {
				if len(o.Policies) != 1 || len(o.Policies[0].Targets) != 1 {
					t.Errorf("policies %+v", o.Policies)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, c := startFake(t, &fakeaws.Server{Members: fakeMembers[:1], Keys: 1, Roles: 1, Fault: tc.fault}, 2)
			snap, res, events := collect(context.Background(), t, c, Options{Org: true, Regions: []string{"us-east-1"}})
			o := snap.Organization
			if o == nil || len(o.Accounts) != 2 {
				t.Fatalf("organization %+v", o)
			}
			if got := orgErrorOps(o); !slices.Equal(got, tc.errors) {
				t.Errorf("organization errors %v, want %v", got, tc.errors)
			}
			tc.check(t, o)
			if res.Complete == tc.partial || res.Errors != len(tc.errors) || res.Accounts != 2 {
				t.Errorf("result %+v", res)
			}
			if ev := errorEvents(events, s.Management); len(ev) != len(tc.errors) || len(ev) > 0 && !strings.HasPrefix(ev[0].Message, "organizations ") {
				t.Errorf("error events %+v", ev)
			}
			writeAndLoad(t, snap)
		})
	}
}

// A suspended account of the organization is not scanned (its role cannot
// be assumed, its resources cannot be used: Organizations UG, "Monitor the
// state of your AWS accounts"), but it is no longer skipped without a
// word: it gets an entry whose error says why.
func TestFakeAWSSuspendedAccount(t *testing.T) {
	const suspended = "200000000099"
	var assumed atomic.Int64 // AssumeRole calls into the suspended account
	s, c := startFake(t, &fakeaws.Server{Members: fakeMembers[:1], Suspended: []string{suspended}, Keys: 1, Roles: 1, Fault: func(call fakeaws.Call) *fakeaws.Fault {
		if call.Op == "AssumeRole" && strings.Contains(call.Resource, "::"+suspended+":") {
			assumed.Add(1)
		}
		return nil
	}}, 2)
	snap, res, events := collect(context.Background(), t, c, Options{Org: true, Regions: []string{"us-east-1"}})
	if n := assumed.Load(); n != 0 {
		t.Errorf("the suspended account's role was assumed %d times", n)
	}
	a := snap.Accounts[suspended]
	if a == nil || a.IAM != nil || len(a.Errors) != 1 {
		t.Fatalf("suspended account entry %+v", a)
	}
	e := a.Errors[0]
	if e.Code != CodeAccountNotActive || e.Service != "organizations" || e.Resource != suspended || !strings.Contains(e.Message, "SUSPENDED") {
		t.Errorf("error %+v", e)
	}
	if res.Complete || res.Accounts != 2 || res.Errors != 1 {
		t.Errorf("result %+v", res)
	}
	if ev := errorEvents(events, suspended); len(ev) != 1 {
		t.Errorf("error events %+v", ev)
	}
	// Asked for other accounts only, it is not the scan's business.
	snap, _, _ = collect(context.Background(), t, c, Options{Org: true, Accounts: []string{s.Management}, Regions: []string{"us-east-1"}})
	if snap.Accounts[suspended] != nil {
		t.Errorf("an account not asked for got an entry: %+v", snap.Accounts[suspended])
	}
}

// fakeDynamo lists tables; describing the ones in denied fails; policies
// holds their resource policies, and reading those of policyDenied fails.
type fakeDynamo struct {
	tables       []string
	denied       map[string]bool
	policies     map[string]string
	policyDenied map[string]bool
}

func (f *fakeDynamo) GetResourcePolicy(_ context.Context, in *dynamodb.GetResourcePolicyInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetResourcePolicyOutput, error) {
	name := (*in.ResourceArn)[strings.LastIndex(*in.ResourceArn, "/")+1:]
	if f.policyDenied[name] {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: dynamodb:GetResourcePolicy"}
	}
	p, ok := f.policies[name]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "PolicyNotFoundException", Message: "Resource-based policy not found for the provided ResourceArn"}
	}
	return &dynamodb.GetResourcePolicyOutput{Policy: &p}, nil
}

func (f *fakeDynamo) ListTables(context.Context, *dynamodb.ListTablesInput, ...func(*dynamodb.Options)) (*dynamodb.ListTablesOutput, error) {
	return &dynamodb.ListTablesOutput{TableNames: f.tables}, nil
}

func (f *fakeDynamo) DescribeTable(_ context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	if f.denied[*in.TableName] {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: dynamodb:DescribeTable"}
	}
	return &dynamodb.DescribeTableOutput{Table: &ddbtypes.TableDescription{
		TableName: in.TableName, TableArn: aws.String("arn:aws:dynamodb:us-east-1:111111111111:table/" + *in.TableName),
		SSEDescription: &ddbtypes.SSEDescription{SSEType: ddbtypes.SSETypeKms, KMSMasterKeyArn: aws.String("arn:aws:kms:us-east-1:111111111111:key/k")},
	}}, nil
}

// A table whose DescribeTable fails stays in the snapshot, named, with the
// failure recorded under its ARN: its encryption is unknown, where it used
// to be dropped.
func TestDescribeTableFailureKeepsTheTable(t *testing.T) {
	rec := &recorder{}
	out := collectDynamoDB(context.Background(), &fakeDynamo{tables: []string{"orders", "ledger"}, denied: map[string]bool{"ledger": true}}, "111111111111", "us-east-1", rec)
	if out == nil || len(out.Tables) != 2 {
		t.Fatalf("tables %+v", out)
	}
	if o := out.Tables[0]; o.TableName != "orders" || o.SSEDescription == nil {
		t.Errorf("described table %+v", o)
	}
	ledger := "arn:aws:dynamodb:us-east-1:111111111111:table/ledger"
	if l := out.Tables[1]; l.TableName != "ledger" || l.TableArn != ledger || l.SSEDescription != nil {
		t.Errorf("undescribed table %+v", l)
	}
	errs := rec.sorted()
	if len(errs) != 1 || errs[0].Operation != "DescribeTable" || errs[0].Resource != ledger || errs[0].Code != "AccessDeniedException" {
		t.Errorf("errors %+v", errs)
	}
}

// A table's resource-based policy is collected (DynamoDB API Reference,
// GetResourcePolicy): PolicyNotFoundException is "no policy", any other
// failure is recorded under the table's ARN so that the graph reads the
// policy as unknown. Tables used to be read without their policies, so
// cross-account answers on them were DENY whatever the table allowed.
func TestDynamoDBResourcePolicies(t *testing.T) {
	rec := &recorder{}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"dynamodb:GetItem","Resource":"*"}]}`
	out := collectDynamoDB(context.Background(), &fakeDynamo{
		tables:   []string{"orders", "ledger", "plain"},
		policies: map[string]string{"orders": doc}, policyDenied: map[string]bool{"ledger": true},
	}, "111111111111", "us-east-1", rec)
	if out == nil || len(out.Tables) != 3 {
		t.Fatalf("tables %+v", out)
	}
	if p := out.Tables[0].ResourcePolicy; p == nil || *p != doc {
		t.Errorf("orders: policy %v, want the table's", p)
	}
	if p := out.Tables[2].ResourcePolicy; p != nil {
		t.Errorf("plain: policy %q, want none", *p)
	}
	errs := rec.sorted()
	if len(errs) != 1 || errs[0].Operation != "GetResourcePolicy" || errs[0].Resource != "arn:aws:dynamodb:us-east-1:111111111111:table/ledger" {
		t.Errorf("errors %+v, want ledger's GetResourcePolicy", errs)
	}
}
