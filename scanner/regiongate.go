package scanner

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/aws/smithy-go"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/accessdenied"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// regionalActions are the IAM actions of every call keyhound makes in a
// Region (docs/permissions.md): a Region is skipped only when the SCPs deny
// every one of them. S3's are those of a bucket read through its Region's
// endpoint; ListBuckets and GetBucketLocation go to the home Region, as
// does S3 Control (the account's Block Public Access). Checked against the
// client interfaces by TestRegionalActionsAreTheScannersRegionalCalls.
var regionalActions = []string{
	"kms:ListKeys", "kms:ListAliases", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListGrants", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:GetKeyLastUsage",
	"ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:DescribeSnapshotAttribute", "ec2:GetEbsEncryptionByDefault", "ec2:GetEbsDefaultKmsKeyId", "ec2:DescribeVpcEndpoints",
	"rds:DescribeDBInstances", "rds:DescribeDBSnapshots", "rds:DescribeDBSnapshotAttributes", "rds:DescribeDBClusterSnapshots", "rds:DescribeDBClusterSnapshotAttributes",
	"s3:GetBucketPolicy", "s3:GetEncryptionConfiguration", "s3:GetBucketPublicAccessBlock", "s3:GetBucketOwnershipControls",
	"sqs:ListQueues", "sqs:GetQueueAttributes",
	"secretsmanager:ListSecrets", "secretsmanager:GetResourcePolicy", "secretsmanager:DescribeSecret",
	"sns:ListTopics", "sns:GetTopicAttributes",
	"dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:GetResourcePolicy",
	"lambda:ListFunctions", "lambda:GetPolicy",
	"logs:DescribeLogGroups",
}

// principaler is an account's clients that know whom they act as: the
// audit role's ARN, or the profile's caller.
type principaler interface{ Principal() string }

// auditPrincipal is whom the scanner acts as in acct, for reading its
// SCPs: the clients' own answer, or "" when they cannot tell (graph reads
// the SCPs for a role of the account whose ARN is unknown, so that an
// exemption by ARN leaves the Region to be scanned rather than skipped;
// a denial there after all is classified by its message).
func auditPrincipal(ac AccountClients) string {
	if p, ok := ac.(principaler); ok {
		return p.Principal()
	}
	return ""
}

// scpGate holds an account's Regions back until the organization's SCPs
// are read, then tells which of them the SCPs deny the audit role. With no
// organization read (no --org), it tells none.
type scpGate struct {
	policies chan struct{} // closed once the SCPs are read, or cannot be
	done     chan struct{} // closed once the organization's listing ends
	org      *graph.Org    // set before policies closes; nil: SCPs unknown
	mu       sync.Mutex
	paths    map[string][]string // accounts' paths as the listing finds them
	once     sync.Once
}

func newSCPGate() *scpGate {
	return &scpGate{policies: make(chan struct{}), done: make(chan struct{}), paths: map[string][]string{}}
}

// setPolicies is called once the organization's policies are read: o
// holds them with the roots and the errors so far.
func (g *scpGate) setPolicies(o *snapshot.Organization) {
	g.once.Do(func() {
		g.org = graph.NewOrg(o)
		close(g.policies)
	})
}

// setPath records where the listing found an account.
func (g *scpGate) setPath(account string, path []string) {
	g.mu.Lock()
	g.paths[account] = path
	g.mu.Unlock()
}

// finish is called when the listing ends, whatever became of it.
func (g *scpGate) finish() {
	g.once.Do(func() { close(g.policies) }) // policies never read: unknown
	close(g.done)
}

func (g *scpGate) path(account string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.paths[account]
}

// denied waits for the SCPs and returns the Regions, of regions, that they
// deny principal in account, as skips; none when the SCPs or the account's
// place in the organization are unknown (unknown is not denied), or ctx
// ends first.
func (g *scpGate) denied(ctx context.Context, account, principal, partition string, regions []string) []snapshot.RegionSkip {
	if g == nil || len(regions) == 0 {
		return nil
	}
	select {
	case <-g.policies:
	case <-ctx.Done():
		return nil
	}
	if g.org == nil {
		return nil
	}
	path := g.path(account)
	if path == nil {
		// Not found by the listing yet (an account asked for by ID): wait
		// for the listing to end.
		select {
		case <-g.done:
		case <-ctx.Done():
			return nil
		}
		if path = g.path(account); path == nil {
			return nil
		}
	}
	var out []snapshot.RegionSkip
	q := graph.RegionQuery{Account: account, Path: path, Principal: principal, Partition: partition, Actions: regionalActions, Regions: regions}
	for _, d := range g.org.DeniedRegions(q) {
		out = append(out, snapshot.RegionSkip{Region: d.Region, Reason: snapshot.SkipReasonSCP, Policies: d.Policies, Message: d.Message})
	}
	return out
}

// scpDenial returns AWS's message when err is an AccessDenied that names a
// service control policy ("… with an explicit deny in a service control
// policy", "… because no service control policy allows …": IAM UG,
// "Troubleshoot access denied error messages"), and "" otherwise.
func scpDenial(err error) string {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return ""
	}
	msg := ae.ErrorMessage()
	m, perr := accessdenied.Parse(msg)
	if perr == nil && m.Layer != nil && *m.Layer == eval.LayerSCP {
		return msg
	}
	// EC2 adds "Encoded authorization failure message: …" after the policy
	// type; the IAM UG notes the wording "due to an explicit deny in a
	// Service Control Policy" too.
	lower := strings.ToLower(msg)
	if strings.Contains(lower, "explicit deny in a service control policy") || strings.Contains(lower, "because no service control policy allows") {
		return msg
	}
	return ""
}
