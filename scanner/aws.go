package scanner

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
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

	"github.com/keyhound/keyhound/graph/arn"
)

// AWSOptions configure the AWS clients.
type AWSOptions struct {
	Profile string
	// Region is the home Region: STS, Organizations, Region discovery and
	// IAM are asked there, and its partition is the scan's ("us-gov-west-1":
	// aws-us-gov). Default: the credentials' Region (AWS_REGION, the
	// profile's region), else us-east-1.
	Region      string
	EndpointURL string // an emulator's endpoint, as the AWS CLI's --endpoint-url
	// RoleNames are the audit roles tried in each account, in order: the
	// first that AssumeRole accepts reads the account (default
	// DefaultRoleName). RoleARNTemplate, when set, names the one role
	// instead ("arn:aws:iam::{account}:role/Audit"; {partition} stands for
	// the partition); RoleARNs, per account, override both.
	RoleNames       []string
	RoleARNTemplate string
	RoleARNs        map[string]string
	// ExternalID, SessionName (default "keyhound") and SourceIdentity are
	// passed to every AssumeRole.
	ExternalID     string
	SessionName    string
	SourceIdentity string
	// MFAToken returns the code of a profile's mfa_serial device (default
	// TerminalMFAToken).
	MFAToken MFATokenFunc
	// CallTimeout bounds each attempt of a call, connecting and reading
	// the answer included (default 60 s): an endpoint that never answers
	// costs one timeout per attempt; the retryer tries again.
	CallTimeout time.Duration
	// MaxConns is how many idle HTTP connections are kept per host
	// (default MaxRequests).
	MaxConns int
	// MaxRequests bounds the requests in flight at once across the whole
	// scan, every account, Region and retry included (default
	// DefaultMaxRequests).
	MaxRequests int
	// QuotaShare is the share of AWS's published request quotas the scan
	// allows itself, per account, Region and API (0 < share ≤ 1; default
	// DefaultQuotaShare, half: the rest is left to the accounts' own
	// traffic). The adaptive buckets slow down below it when AWS throttles.
	QuotaShare float64
	// SDKLog receives the SDK's own log lines (warnings such as a response
	// without a checksum); nil discards them.
	SDKLog io.Writer
	// MaxAttempts of the standard retryer (default AWS_MAX_ATTEMPTS, else 10).
	MaxAttempts int
	// maxBackoff between attempts (default the SDK's 20 s); tests shorten it.
	maxBackoff time.Duration
}

// DefaultCallTimeout is AWSOptions.CallTimeout's default.
const DefaultCallTimeout = 60 * time.Second

// NewAWSClients loads the standard credential chain, as the AWS CLI does
// (environment, shared credentials and config files, SSO, credential_process,
// web identity, container and instance metadata; a profile's mfa_serial is
// asked for through MFAToken), checks that it yields credentials, and
// returns clients for the scanner. No credentials at all is a
// *NoCredentialsError, an expired SSO session an *SSOExpiredError. Following the
// AWS SDK for Go v2 guidance: the standard retryer with a new instance per
// client and no client-side retry quota (ratelimit.None), one shared HTTP
// transport sized to the requests in flight, and per account one credentials
// cache over an AssumeRole provider, shared by its regional clients. SDK
// request logging stays off: it would print session tokens; the SDK's
// other log lines (warnings) go to o.SDKLog, or nowhere.
func NewAWSClients(ctx context.Context, o AWSOptions) (Clients, error) {
	c, err := newAWSClients(ctx, o, &Stats{}, newLimiter().withMaxRequests(o.MaxRequests).withShare(o.QuotaShare))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// newAWSClients is NewAWSClients counting into stats and limiting with
// limits, which several clients may share.
func newAWSClients(ctx context.Context, o AWSOptions, stats *Stats, limits *limiter) (*awsClients, error) {
	o.setDefaults()
	cfg, err := o.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	partition := PartitionOf(cfg.Region)
	if err := o.checkRoles(partition); err != nil {
		return nil, err
	}
	if err := checkShare(o.QuotaShare); err != nil {
		return nil, err
	}
	if err := checkCredentials(ctx, cfg); err != nil {
		return nil, err
	}
	c := &awsClients{cfg: cfg, o: o, partition: partition, limits: limits, stats: stats}
	c.cfg.APIOptions = append(c.cfg.APIOptions, c.stats.middleware)
	// The caller's STS calls (AssumeRole into every account) wait for the
	// caller's own buckets.
	c.sts = sts.NewFromConfig(c.cfg, func(so *sts.Options) {
		so.APIOptions = append(so.APIOptions, limits.middleware("caller:"+o.Profile))
	})
	return c, nil
}

// LoadConfig is the AWS configuration NewAWSClients builds from o (its
// Profile, Region, EndpointURL, retries, timeouts and MFA prompt), with the
// credentials checked the same way: none at all is a *NoCredentialsError, an
// expired SSO session an *SSOExpiredError. For commands that read AWS
// directly (keyhound usage --cloudtrail s3://…) with scan's credentials.
func LoadConfig(ctx context.Context, o AWSOptions) (aws.Config, error) {
	o.setDefaults()
	cfg, err := o.loadConfig(ctx)
	if err != nil {
		return aws.Config{}, err
	}
	if err := checkCredentials(ctx, cfg); err != nil {
		return aws.Config{}, err
	}
	return cfg, nil
}

func (o *AWSOptions) setDefaults() {
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
	if len(o.RoleNames) == 0 {
		o.RoleNames = []string{DefaultRoleName}
	}
	if o.SessionName == "" {
		o.SessionName = "keyhound"
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.MFAToken == nil {
		o.MFAToken = TerminalMFAToken
	}
}

// loadConfig loads the standard credential chain as o says (defaults set),
// Region us-east-1 when none is configured; credentials are not checked.
func (o *AWSOptions) loadConfig(ctx context.Context) (aws.Config, error) {
	mfa := &mfaPrompt{fn: o.MFAToken}
	// The SDK's buildable client, so that AWS_CA_BUNDLE and the like still
	// apply; its timeout bounds each attempt (http.Client.Timeout), and a
	// timed-out attempt is a connection error the standard retryer retries.
	httpClient := awshttp.NewBuildableClient().WithTimeout(o.CallTimeout).WithTransportOptions(func(tr *http.Transport) {
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
		// A profile's role_arn with mfa_serial asks for the code.
		config.WithAssumeRoleCredentialOptions(func(ao *stscreds.AssumeRoleOptions) {
			ao.TokenProvider = mfa.token
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
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if sc, ok := sharedConfigOf(cfg); ok {
		mfa.serial = sc.MFASerial
	}
	return cfg, nil
}

type awsClients struct {
	cfg       aws.Config
	o         AWSOptions
	partition string
	sts       *sts.Client
	once      sync.Once
	self      string // the caller's account
	selfARN   string // the caller, as Principal reports it
	selfErr   error
	limits    *limiter
	stats     *Stats
}

// Stats counts the calls of every client made from c.
func (c *awsClients) Stats() *Stats { return c.stats }

// Region is the home Region the credentials resolved to (AWSOptions.Region,
// AWS_REGION, the profile's region, else us-east-1).
func (c *awsClients) Region() string { return c.cfg.Region }

func (c *awsClients) Caller() stsAPI { return c.sts }

func (c *awsClients) Organizations() orgAPI {
	cfg := c.cfg.Copy()
	cfg.APIOptions = append(cfg.APIOptions, c.limits.middleware("organization"))
	return organizations.NewFromConfig(cfg)
}

// whoAmI asks STS, once, who the caller is.
func (c *awsClients) whoAmI(ctx context.Context) error {
	c.once.Do(func() {
		id, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			c.selfErr = err
			return
		}
		c.self, c.selfARN = aws.ToString(id.Account), principalARN(aws.ToString(id.Arn))
	})
	return c.selfErr
}

// principalARN is the IAM principal behind a caller ARN: an assumed-role
// session's role (arn:PARTITION:iam::ACCOUNT:role/NAME; the session ARN does
// not carry the role's path), any other caller as it is.
func principalARN(caller string) string {
	if p, err := arn.ParsePrincipal(caller); err == nil && p.Kind == arn.KindAssumedRole {
		return p.RoleARN()
	}
	return caller
}

// Account returns the clients of account: the caller's own credentials in
// its own account, elsewhere the first role of AWSOptions that AssumeRole
// accepts; when none does, an *AssumeError naming each role and its error.
func (c *awsClients) Account(ctx context.Context, account string) (AccountClients, error) {
	if err := c.whoAmI(ctx); err != nil {
		return nil, err
	}
	cfg := c.cfg.Copy()
	principal := c.selfARN
	if account != c.self {
		principal = ""
		ae := &AssumeError{Account: account}
		for _, roleARN := range c.o.roleARNs(c.partition, account) {
			creds, err := c.assume(ctx, roleARN)
			if err == nil {
				cfg.Credentials, principal = creds, roleARN
				break
			}
			ae.Attempts = append(ae.Attempts, RoleAttempt{RoleARN: roleARN, Err: err})
			if ctx.Err() != nil {
				break
			}
		}
		if principal == "" {
			return nil, ae
		}
	}
	// Every call of the account waits for its (account, Region, API) bucket.
	cfg.APIOptions = append(cfg.APIOptions, c.limits.middleware(account))
	return &awsAccount{cfg: cfg, principal: principal}, nil
}

// assume returns a credentials cache over an AssumeRole provider for
// roleARN (sessions of one hour, refreshed as they expire), once it has
// worked: it fails here, once, rather than on every call of the account.
func (c *awsClients) assume(ctx context.Context, roleARN string) (aws.CredentialsProvider, error) {
	provider := stscreds.NewAssumeRoleProvider(c.sts, roleARN, func(ao *stscreds.AssumeRoleOptions) {
		ao.RoleSessionName = c.o.SessionName
		ao.Duration = time.Hour
		if c.o.ExternalID != "" {
			ao.ExternalID = aws.String(c.o.ExternalID)
		}
		if c.o.SourceIdentity != "" {
			ao.SourceIdentity = aws.String(c.o.SourceIdentity)
		}
	})
	creds := aws.NewCredentialsCache(provider)
	if _, err := creds.Retrieve(ctx); err != nil {
		return nil, err
	}
	return creds, nil
}

type awsAccount struct {
	cfg       aws.Config
	principal string
}

// Principal is the IAM principal that reads the account: the role assumed
// in it, or in the caller's own account the caller (an assumed-role
// session as its role's ARN).
func (a *awsAccount) Principal() string { return a.principal }

// STS is the account's STS client, as its principal.
func (a *awsAccount) STS() stsAPI { return sts.NewFromConfig(a.cfg) }

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

// NewProfileClients returns clients for setups without an organization:
// each named shared-config profile is one account, read with the profile's
// own credentials (no role is assumed), its account ID from
// sts:GetCallerIdentity. It returns the accounts, in the profiles' order.
func NewProfileClients(ctx context.Context, o AWSOptions, profiles []string) (Clients, []string, error) {
	stats, limits := &Stats{}, newLimiter().withMaxRequests(o.MaxRequests).withShare(o.QuotaShare)
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
		c.once.Do(func() { c.self, c.selfARN = acct, principalARN(aws.ToString(id.Arn)) }) // its own account: no role to assume
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
func (p *profileClients) Region() string        { return p.first.Region() }

func (p *profileClients) Account(ctx context.Context, account string) (AccountClients, error) {
	c := p.byAccount[account]
	if c == nil {
		return nil, fmt.Errorf("account %s: no profile reads it", account)
	}
	return c.Account(ctx, account)
}
