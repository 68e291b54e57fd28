package scanner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/sourcegraph/conc"
	"github.com/sourcegraph/conc/pool"

	"github.com/keyhound/keyhound/graph/accessdenied"
)

// DefaultCheckSample is how many accounts a preflight tries when the scan
// would read more.
const DefaultCheckSample = 20

// CheckOptions say which accounts a preflight (keyhound scan --check) tries.
type CheckOptions struct {
	// Org and Accounts are a scan's: the organization's active accounts
	// (with Accounts, only those), or Accounts, or the caller's own.
	Org      bool
	Accounts []string
	// Sample is how many of them are tried (0: all when there are at most
	// DefaultCheckSample, else DefaultCheckSample), chosen the same way on
	// every run: the management account and the caller's, then accounts
	// spread evenly over the sorted list.
	Sample int
	// HomeRegion is where the regional services are asked (default us-east-1).
	HomeRegion string
	// Concurrency bounds the accounts tried at once (default 8).
	Concurrency int
}

// Statuses of a checked call.
const (
	CheckOK      = "OK"
	CheckDenied  = "DENIED"  // AWS refused it: the action is missing (or an SCP, a boundary… denies it)
	CheckError   = "ERROR"   // any other failure
	CheckSkipped = "SKIPPED" // not tried: no role in the account, an earlier call failed, or the service is not scanned
)

// CheckReport is what a preflight found: whether keyhound scan would get
// into each account, and whether each service answers there.
type CheckReport struct {
	Caller        string `json:"caller"` // the caller's principal ARN
	CallerAccount string `json:"caller_account"`
	HomeRegion    string `json:"home_region"`
	// Management is the organization's management account (with Org).
	Management string `json:"management_account,omitempty"`
	// Organization is each Organizations call a scan makes (with Org).
	Organization []CallCheck `json:"organization,omitempty"`
	// AccountsKnown counts the accounts the scan would read; Accounts are
	// those tried, sorted.
	AccountsKnown int            `json:"accounts_known"`
	Accounts      []AccountCheck `json:"accounts"`
	// OK is true when every call tried worked.
	OK bool `json:"ok"`
}

// AccountCheck is one account's preflight.
type AccountCheck struct {
	Account string `json:"account"`
	// Role is the principal that read the account ("" when no role could
	// be assumed); AssumeErrors are the roles tried that failed, in order.
	Role         string      `json:"role,omitempty"`
	AssumeErrors []CallCheck `json:"assume_errors,omitempty"`
	// Calls are one cheap read of each service, in probes' order.
	Calls []CallCheck `json:"calls"`
}

// CallCheck is one call tried and how it went.
type CallCheck struct {
	Service   string `json:"service"`
	Operation string `json:"operation"`
	// Action is the IAM action the call needs: the one to allow when it
	// is DENIED.
	Action   string `json:"action"`
	Resource string `json:"resource,omitempty"`
	Status   string `json:"status"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"`
}

// failed reports whether the call did not work.
func (c CallCheck) failed() bool { return c.Status == CheckDenied || c.Status == CheckError }

// errNotScanned marks a service the account's clients do not offer.
var errNotScanned = errors.New("not scanned")

// probe is one cheap read of a service: a first page of one item where
// the API allows it.
type probe struct {
	service, operation string
	call               func(ctx context.Context, ac AccountClients, region string) error
}

// probes are the preflight's calls in each account, one per service a
// scan reads.
var probes = []probe{
	{"sts", "GetCallerIdentity", func(ctx context.Context, ac AccountClients, _ string) error {
		s, ok := ac.(interface{ STS() stsAPI })
		if !ok {
			return errNotScanned
		}
		_, err := s.STS().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	}},
	{"iam", "GetAccountAuthorizationDetails", func(ctx context.Context, ac AccountClients, _ string) error {
		return tryCall(ac.IAM(), func(c iamAPI) error {
			_, err := c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(1)})
			return err
		})
	}},
	{"kms", "ListKeys", func(ctx context.Context, ac AccountClients, region string) error {
		return tryCall(ac.KMS(region), func(c kmsAPI) error {
			_, err := c.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(1)})
			return err
		})
	}},
	{"ec2", "DescribeRegions", func(ctx context.Context, ac AccountClients, region string) error {
		return tryCall(ac.EC2(region), func(c ec2API) error {
			_, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
			return err
		})
	}},
	{"s3", "ListBuckets", func(ctx context.Context, ac AccountClients, region string) error {
		return tryCall(ac.S3(region), func(c s3API) error {
			_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(1)})
			return err
		})
	}},
	{"sqs", "ListQueues", func(ctx context.Context, ac AccountClients, region string) error {
		return tryCall(ac.SQS(region), func(c sqsAPI) error {
			_, err := c.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1)})
			return err
		})
	}},
	{"secretsmanager", "ListSecrets", func(ctx context.Context, ac AccountClients, region string) error {
		return tryCall(ac.SecretsManager(region), func(c secretsAPI) error {
			_, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(1)})
			return err
		})
	}},
	{"sns", "ListTopics", func(ctx context.Context, ac AccountClients, region string) error {
		return tryCall(ac.SNS(region), func(c snsAPI) error {
			_, err := c.ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		})
	}},
	{"dynamodb", "ListTables", func(ctx context.Context, ac AccountClients, region string) error {
		return tryCall(ac.DynamoDB(region), func(c dynamoAPI) error {
			_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
			return err
		})
	}},
	{"lambda", "ListFunctions", func(ctx context.Context, ac AccountClients, region string) error {
		return tryCall(ac.Lambda(region), func(c lambdaAPI) error {
			_, err := c.ListFunctions(ctx, &lambda.ListFunctionsInput{MaxItems: aws.Int32(1)})
			return err
		})
	}},
	{"logs", "DescribeLogGroups", func(ctx context.Context, ac AccountClients, region string) error {
		return tryCall(ac.Logs(region), func(c logsAPI) error {
			_, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(1)})
			return err
		})
	}},
	{"rds", "DescribeDBInstances", func(ctx context.Context, ac AccountClients, region string) error {
		return tryCall(ac.RDS(region), func(c rdsAPI) error {
			// 20 is the smallest page RDS accepts.
			_, err := c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(20)})
			return err
		})
	}},
}

// tryCall calls f with c, unless c is nil (the service is not scanned).
func tryCall[C comparable](c C, f func(C) error) error {
	var zero C
	if c == zero {
		return errNotScanned
	}
	return f(c)
}

// CheckServices lists, in order, the services a preflight tries in each account.
func CheckServices() []string {
	out := make([]string, len(probes))
	for i, p := range probes {
		out[i] = p.service
	}
	return out
}

// Check is a preflight: it reads the organization as a scan would (with
// Org), then in each account of a sample assumes the audit role and makes
// one cheap read of each service, and reports what worked, what AWS denied
// (with the IAM action to allow) and what failed otherwise. Like Scan, it
// fails only when the caller cannot tell who it is.
func Check(ctx context.Context, c Clients, o CheckOptions) (*CheckReport, error) {
	if o.HomeRegion == "" {
		o.HomeRegion = "us-east-1"
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	id, err := c.Caller().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("who am I (sts:GetCallerIdentity): %w", err)
	}
	self := deref(id.Account)
	rep := &CheckReport{Caller: principalARN(deref(id.Arn)), CallerAccount: self, HomeRegion: o.HomeRegion}
	accounts := slices.Clone(o.Accounts)
	if o.Org {
		probe := &orgProbe{orgAPI: c.Organizations(), calls: map[string]CallCheck{}}
		org, err := collectOrganization(ctx, probe, &recorder{}, nil, nil)
		rep.Organization = probe.report()
		if err == nil {
			if org.Organization != nil {
				rep.Management = org.Organization.MasterAccountID
			}
			if len(o.Accounts) == 0 {
				for _, a := range org.Accounts {
					if active(a) {
						accounts = append(accounts, a.ID)
					}
				}
			}
		}
	}
	if len(accounts) == 0 {
		accounts = []string{self}
	}
	slices.Sort(accounts)
	accounts = slices.Compact(accounts)
	rep.AccountsKnown = len(accounts)
	sample := sampleAccounts(accounts, o.Sample, rep.Management, self)
	p := pool.NewWithResults[AccountCheck]().WithMaxGoroutines(o.Concurrency)
	for _, acct := range sample {
		p.Go(func() AccountCheck { return checkAccount(ctx, c, acct, o.HomeRegion) })
	}
	rep.Accounts = p.Wait()
	slices.SortFunc(rep.Accounts, func(a, b AccountCheck) int { return strings.Compare(a.Account, b.Account) })
	rep.OK = !slices.ContainsFunc(rep.Organization, CallCheck.failed)
	for _, a := range rep.Accounts {
		if a.Role == "" || slices.ContainsFunc(a.Calls, CallCheck.failed) {
			rep.OK = false
		}
	}
	return rep, nil
}

// checkAccount enters account and tries each probe at once.
func checkAccount(ctx context.Context, c Clients, account, region string) AccountCheck {
	out := AccountCheck{Account: account, Calls: make([]CallCheck, len(probes))}
	ac, err := c.Account(ctx, account)
	if err != nil {
		var ae *AssumeError
		if errors.As(err, &ae) {
			for _, a := range ae.Attempts {
				out.AssumeErrors = append(out.AssumeErrors, callCheck("sts", "AssumeRole", a.RoleARN, a.Err))
			}
		} else {
			out.AssumeErrors = append(out.AssumeErrors, callCheck("sts", "AssumeRole", account, err))
		}
		for i, p := range probes {
			out.Calls[i] = callCheck(p.service, p.operation, "", errSkipped)
		}
		return out
	}
	if p, ok := ac.(interface{ Principal() string }); ok {
		out.Role = p.Principal()
	}
	if out.Role == "" {
		out.Role = "(unknown)"
	}
	var wg conc.WaitGroup
	for i, p := range probes {
		wg.Go(func() { out.Calls[i] = callCheck(p.service, p.operation, "", p.call(ctx, ac, region)) })
	}
	wg.Wait()
	return out
}

// errSkipped marks a call not tried because the account could not be entered.
var errSkipped = errors.New("not tried: no role could be assumed in the account")

// deniedCodes are the error codes AWS services answer a refused call with
// (IAM UG, troubleshoot_access-denied; EC2 UnauthorizedOperation, SNS
// AuthorizationError).
var deniedCodes = []string{"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "UnauthorizedAccess", "Forbidden"}

// callCheck classifies one call's outcome.
func callCheck(service, operation, resource string, err error) CallCheck {
	action, _, ok := accessdenied.OperationAction(service, operation)
	if !ok {
		action = service + ":" + operation // IAM's, Organizations' and STS's actions have their operation's name
	}
	cc := CallCheck{Service: service, Operation: operation, Action: action, Resource: resource, Status: CheckOK}
	var ae smithy.APIError
	var re *awshttp.ResponseError
	switch {
	case err == nil:
		return cc
	case errors.Is(err, errNotScanned), errors.Is(err, errSkipped):
		cc.Status, cc.Message = CheckSkipped, err.Error()
		return cc
	case errors.As(err, &ae):
		cc.Code, cc.Message = ae.ErrorCode(), ae.ErrorMessage()
	case callTimedOut(err):
		cc.Code, cc.Message = CodeCallTimeout, callTimeoutMessage(err)
	default:
		cc.Message = err.Error()
	}
	cc.Status = CheckError
	if slices.Contains(deniedCodes, cc.Code) || errors.As(err, &re) && re.HTTPStatusCode() == 403 {
		cc.Status = CheckDenied
	}
	return cc
}

// sampleAccounts picks n of the sorted accounts the same way every time:
// the must accounts present first, then accounts spread evenly over the
// list. n <= 0: all when there are at most DefaultCheckSample, else that many.
func sampleAccounts(accounts []string, n int, must ...string) []string {
	if n <= 0 {
		n = DefaultCheckSample
	}
	if n >= len(accounts) {
		return accounts
	}
	picked := map[string]bool{}
	var out []string
	add := func(a string) {
		if len(out) < n && !picked[a] {
			picked[a] = true
			out = append(out, a)
		}
	}
	for _, m := range must {
		if _, found := slices.BinarySearch(accounts, m); found {
			add(m)
		}
	}
	for i := 0; len(out) < n && i < n; i++ {
		add(accounts[i*len(accounts)/n])
	}
	for _, a := range accounts {
		add(a)
	}
	slices.Sort(out)
	return out
}

// orgProbe passes the organization's calls through and notes how each
// went; once a policy's content and targets have been read, the other
// policies' are not (a preflight needs one of each, not hundreds of calls
// at Organizations' 2 a second).
type orgProbe struct {
	orgAPI
	mu    sync.Mutex
	calls map[string]CallCheck
}

// orgOperations are the Organizations calls of a scan, in order.
var orgOperations = []string{
	"DescribeOrganization", "ListRoots", "ListOrganizationalUnitsForParent", "ListAccountsForParent",
	"ListPolicies", "DescribePolicy", "ListTargetsForPolicy",
}

func (p *orgProbe) note(op string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.calls[op]; ok && prev.failed() {
		return // the first failure tells
	}
	if notFound(err, "PolicyTypeNotEnabledException") {
		err = nil // a policy type not enabled is no failure
	}
	p.calls[op] = callCheck("organizations", op, "", err)
}

func (p *orgProbe) done(op string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.calls[op]
	return ok && c.Status == CheckOK
}

func (p *orgProbe) report() []CallCheck {
	out := make([]CallCheck, len(orgOperations))
	for i, op := range orgOperations {
		c, ok := p.calls[op]
		if !ok {
			c = callCheck("organizations", op, "", errors.New("not tried"))
			c.Status = CheckSkipped
		}
		out[i] = c
	}
	return out
}

func (p *orgProbe) DescribeOrganization(ctx context.Context, in *organizations.DescribeOrganizationInput, o ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error) {
	out, err := p.orgAPI.DescribeOrganization(ctx, in, o...)
	p.note("DescribeOrganization", err)
	return out, err
}

func (p *orgProbe) ListRoots(ctx context.Context, in *organizations.ListRootsInput, o ...func(*organizations.Options)) (*organizations.ListRootsOutput, error) {
	out, err := p.orgAPI.ListRoots(ctx, in, o...)
	p.note("ListRoots", err)
	return out, err
}

func (p *orgProbe) ListOrganizationalUnitsForParent(ctx context.Context, in *organizations.ListOrganizationalUnitsForParentInput, o ...func(*organizations.Options)) (*organizations.ListOrganizationalUnitsForParentOutput, error) {
	out, err := p.orgAPI.ListOrganizationalUnitsForParent(ctx, in, o...)
	p.note("ListOrganizationalUnitsForParent", err)
	return out, err
}

func (p *orgProbe) ListAccountsForParent(ctx context.Context, in *organizations.ListAccountsForParentInput, o ...func(*organizations.Options)) (*organizations.ListAccountsForParentOutput, error) {
	out, err := p.orgAPI.ListAccountsForParent(ctx, in, o...)
	p.note("ListAccountsForParent", err)
	return out, err
}

func (p *orgProbe) ListPolicies(ctx context.Context, in *organizations.ListPoliciesInput, o ...func(*organizations.Options)) (*organizations.ListPoliciesOutput, error) {
	out, err := p.orgAPI.ListPolicies(ctx, in, o...)
	p.note("ListPolicies", err)
	return out, err
}

func (p *orgProbe) DescribePolicy(ctx context.Context, in *organizations.DescribePolicyInput, o ...func(*organizations.Options)) (*organizations.DescribePolicyOutput, error) {
	if p.done("DescribePolicy") {
		return &organizations.DescribePolicyOutput{}, nil
	}
	out, err := p.orgAPI.DescribePolicy(ctx, in, o...)
	p.note("DescribePolicy", err)
	return out, err
}

func (p *orgProbe) ListTargetsForPolicy(ctx context.Context, in *organizations.ListTargetsForPolicyInput, o ...func(*organizations.Options)) (*organizations.ListTargetsForPolicyOutput, error) {
	if p.done("ListTargetsForPolicy") {
		return &organizations.ListTargetsForPolicyOutput{}, nil
	}
	out, err := p.orgAPI.ListTargetsForPolicy(ctx, in, o...)
	p.note("ListTargetsForPolicy", err)
	return out, err
}
