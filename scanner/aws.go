package scanner

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
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
	"github.com/aws/smithy-go/logging"
)

// AWSOptions configure the AWS clients.
type AWSOptions struct {
	Profile     string
	Region      string // the home Region for global services and STS
	EndpointURL string // an emulator's endpoint, as the AWS CLI's --endpoint-url
	// RoleName is the audit role assumed in each account
	// (default OrganizationAccountAccessRole); RoleARNTemplate, when set,
	// overrides it ("arn:aws:iam::{account}:role/Audit").
	RoleName        string
	RoleARNTemplate string
	ExternalID      string
	SessionName     string
	// MaxConns is how many idle HTTP connections are kept per host
	// (default MaxRequests).
	MaxConns int
	// MaxRequests bounds the requests in flight at once across the whole
	// scan, every account, Region and retry included (default
	// DefaultMaxRequests).
	MaxRequests int
	// SDKLog receives the SDK's own log lines (warnings such as a response
	// without a checksum); nil discards them.
	SDKLog io.Writer
	// MaxAttempts of the standard retryer (default AWS_MAX_ATTEMPTS, else 10).
	MaxAttempts int
	// maxBackoff between attempts (default the SDK's 20 s); tests shorten it.
	maxBackoff time.Duration
}

// NewAWSClients loads the standard credential chain (environment, profiles,
// SSO, instance roles) and returns clients for the scanner. Following the
// AWS SDK for Go v2 guidance: the standard retryer with a new instance per
// client and no client-side retry quota (ratelimit.None), one shared HTTP
// transport sized to the requests in flight, and per account one credentials
// cache over an AssumeRole provider, shared by its regional clients. SDK
// request logging stays off: it would print session tokens; the SDK's
// other log lines (warnings) go to o.SDKLog, or nowhere.
func NewAWSClients(ctx context.Context, o AWSOptions) (Clients, error) {
	c, err := newAWSClients(ctx, o, &Stats{}, newLimiter().withMaxRequests(o.MaxRequests))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// newAWSClients is NewAWSClients counting into stats and limiting with
// limits, which several clients may share.
func newAWSClients(ctx context.Context, o AWSOptions, stats *Stats, limits *limiter) (*awsClients, error) {
	if o.MaxAttempts <= 0 {
		// As the AWS CLI: the environment may say otherwise (a custom
		// retryer makes the SDK ignore it).
		o.MaxAttempts = 10
		if n, err := strconv.Atoi(os.Getenv("AWS_MAX_ATTEMPTS")); err == nil && n > 0 {
			o.MaxAttempts = n
		}
	}
	if o.MaxConns <= 0 {
		o.MaxConns = cmp.Or(max(o.MaxRequests, 0), DefaultMaxRequests)
	}
	if o.RoleName == "" {
		o.RoleName = "OrganizationAccountAccessRole"
	}
	if o.SessionName == "" {
		o.SessionName = "keyhound"
	}
	// The SDK's buildable client, so that AWS_CA_BUNDLE and the like still apply.
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = o.MaxConns, o.MaxConns
	})
	var sdkLog logging.Logger = logging.Nop{}
	if o.SDKLog != nil {
		sdkLog = logging.NewStandardLogger(o.SDKLog)
	}
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(httpClient),
		config.WithLogger(sdkLog),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = o.MaxAttempts
				so.RateLimiter = ratelimit.None
				if o.maxBackoff > 0 {
					so.MaxBackoff = o.maxBackoff
				}
			})
		}),
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.EndpointURL != "" {
		opts = append(opts, config.WithBaseEndpoint(o.EndpointURL))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	c := &awsClients{cfg: cfg, o: o, limits: limits, stats: stats}
	c.cfg.APIOptions = append(c.cfg.APIOptions, c.stats.middleware)
	// The caller's STS calls (AssumeRole into every account) wait for the
	// caller's own buckets.
	c.sts = sts.NewFromConfig(c.cfg, func(so *sts.Options) {
		so.APIOptions = append(so.APIOptions, limits.middleware("caller:"+o.Profile))
	})
	return c, nil
}

type awsClients struct {
	cfg     aws.Config
	o       AWSOptions
	sts     *sts.Client
	once    sync.Once
	self    string
	selfErr error
	limits  *limiter
	stats   *Stats
}

// Stats counts the calls of every client made from c.
func (c *awsClients) Stats() *Stats { return c.stats }

func (c *awsClients) Caller() stsAPI { return c.sts }

func (c *awsClients) Organizations() orgAPI {
	cfg := c.cfg.Copy()
	cfg.APIOptions = append(cfg.APIOptions, c.limits.middleware("organization"))
	return organizations.NewFromConfig(cfg)
}

func (c *awsClients) Account(ctx context.Context, account string) (AccountClients, error) {
	c.once.Do(func() {
		id, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		c.self, c.selfErr = aws.ToString(id.Account), err
		if err != nil {
			c.self = ""
		}
	})
	if c.selfErr != nil {
		return nil, c.selfErr
	}
	cfg := c.cfg.Copy()
	if account != c.self {
		roleARN := "arn:" + partitionOf(c.cfg.Region) + ":iam::" + account + ":role/" + c.o.RoleName
		if c.o.RoleARNTemplate != "" {
			roleARN = strings.ReplaceAll(c.o.RoleARNTemplate, "{account}", account)
		}
		provider := stscreds.NewAssumeRoleProvider(c.sts, roleARN, func(ao *stscreds.AssumeRoleOptions) {
			ao.RoleSessionName = c.o.SessionName
			ao.Duration = time.Hour
			if c.o.ExternalID != "" {
				ao.ExternalID = aws.String(c.o.ExternalID)
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
		// Fail here, once, rather than on every call of the account.
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return nil, fmt.Errorf("assume %s: %w", roleARN, err)
		}
	}
	// Every call of the account waits for its (account, Region, API) bucket.
	cfg.APIOptions = append(cfg.APIOptions, c.limits.middleware(account))
	return &awsAccount{cfg: cfg}, nil
}

type awsAccount struct{ cfg aws.Config }

func (a *awsAccount) IAM() iamAPI { return iam.NewFromConfig(a.cfg) }

func (a *awsAccount) KMS(region string) kmsAPI {
	return kms.NewFromConfig(a.cfg, func(o *kms.Options) { o.Region = region })
}

func (a *awsAccount) S3(region string) s3API {
	return s3.NewFromConfig(a.cfg, func(o *s3.Options) {
		o.Region = region
		// An emulator at one endpoint serves buckets by path, not by host name.
		o.UsePathStyle = a.cfg.BaseEndpoint != nil
	})
}

func (a *awsAccount) SQS(region string) sqsAPI {
	return sqs.NewFromConfig(a.cfg, func(o *sqs.Options) { o.Region = region })
}

func (a *awsAccount) SecretsManager(region string) secretsAPI {
	return secretsmanager.NewFromConfig(a.cfg, func(o *secretsmanager.Options) { o.Region = region })
}

func (a *awsAccount) SNS(region string) snsAPI {
	return sns.NewFromConfig(a.cfg, func(o *sns.Options) { o.Region = region })
}

func (a *awsAccount) Lambda(region string) lambdaAPI {
	return lambda.NewFromConfig(a.cfg, func(o *lambda.Options) { o.Region = region })
}

func (a *awsAccount) Logs(region string) logsAPI {
	return cloudwatchlogs.NewFromConfig(a.cfg, func(o *cloudwatchlogs.Options) { o.Region = region })
}

func (a *awsAccount) EC2(region string) ec2API {
	return ec2.NewFromConfig(a.cfg, func(o *ec2.Options) { o.Region = region })
}

func (a *awsAccount) RDS(region string) rdsAPI {
	return rds.NewFromConfig(a.cfg, func(o *rds.Options) { o.Region = region })
}

func (a *awsAccount) DynamoDB(region string) dynamoAPI {
	return dynamodb.NewFromConfig(a.cfg, func(o *dynamodb.Options) { o.Region = region })
}

func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// NewProfileClients returns clients for setups without an organization:
// each named shared-config profile is one account, read with the profile's
// own credentials (no role is assumed), its account ID from
// sts:GetCallerIdentity. It returns the accounts, in the profiles' order.
func NewProfileClients(ctx context.Context, o AWSOptions, profiles []string) (Clients, []string, error) {
	stats, limits := &Stats{}, newLimiter().withMaxRequests(o.MaxRequests)
	pc := &profileClients{byAccount: map[string]*awsClients{}}
	var accounts []string
	for _, name := range profiles {
		po := o
		po.Profile = name
		c, err := newAWSClients(ctx, po, stats, limits)
		if err != nil {
			return nil, nil, fmt.Errorf("profile %s: %w", name, err)
		}
		id, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return nil, nil, fmt.Errorf("profile %s: who am I (sts:GetCallerIdentity): %w", name, err)
		}
		acct := aws.ToString(id.Account)
		if _, dup := pc.byAccount[acct]; dup {
			return nil, nil, fmt.Errorf("profile %s: account %s is already scanned through another profile", name, acct)
		}
		c.once.Do(func() { c.self = acct }) // its own account: no role to assume
		pc.byAccount[acct] = c
		accounts = append(accounts, acct)
		if pc.first == nil {
			pc.first = c
		}
	}
	if pc.first == nil {
		return nil, nil, fmt.Errorf("no profiles given")
	}
	return pc, accounts, nil
}

// profileClients reads each account through its own profile.
type profileClients struct {
	first     *awsClients
	byAccount map[string]*awsClients
}

func (p *profileClients) Caller() stsAPI        { return p.first.sts }
func (p *profileClients) Organizations() orgAPI { return p.first.Organizations() }
func (p *profileClients) Stats() *Stats         { return p.first.stats }

func (p *profileClients) Account(ctx context.Context, account string) (AccountClients, error) {
	c := p.byAccount[account]
	if c == nil {
		return nil, fmt.Errorf("account %s: no profile reads it", account)
	}
	return c.Account(ctx, account)
}
