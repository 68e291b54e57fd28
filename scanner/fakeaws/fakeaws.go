// Package fakeaws is a small AWS on loopback for the scanner's tests and
// benchmarks: the calls keyhound scan makes, answered in each service's own
// wire protocol (query XML, EC2 XML, JSON, REST XML, REST JSON), so that a
// test goes through the real SDK — signing, the standard retryer, the
// middleware that counts and rate-limits calls, stscreds — without moto. A
// test can slow any call down, fail it or hang it, and put AWS's own
// per-account quotas in front of it.
//
// It reads the SigV4 credential scope of each request for the service and
// the Region, and its access key for the account: AssumeRole hands out
// "ASIAFAKE<account>S<n>" keys (a session of the role assumed), and a key
// "AKIAFAKE<account>" (for shared-config profiles) acts in that account; any
// other key acts in Caller (default Management). ARNs are in the partition
// of the call's Region (us-gov-* aws-us-gov, cn-* aws-cn). Like AWS, a
// bucket read through another Region's endpoint answers PermanentRedirect.
// Large listings (EBS snapshots and volumes, SQS queues, buckets) page as
// AWS pages them (large.go), and Quotas is AWS's side of the request
// quotas, at its published rates (quotas.go).
//
// It is test support: no production code imports it.
package fakeaws

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/internal/mototest"
)

// Call is one request as the fake sees it.
type Call struct {
	Account string // whose credentials signed it
	Region  string // the credential scope's
	Service string // the signing name: kms, iam, s3, secretsmanager, logs…
	Op      string // the operation: ListKeys, GetBucketPolicy…
	// Resource is what the call is about, when it names one: a key ID, a
	// bucket name, a role ARN (AssumeRole).
	Resource string
	// Token is the page asked for (NextToken or Marker), "" for the first.
	Token string
	// Params is the form of a query-protocol call (STS, IAM, EC2, RDS,
	// SNS): AssumeRole's RoleArn, ExternalId, SourceIdentity, SerialNumber,
	// TokenCode…
	Params url.Values
	// MaxResults is the page size asked for (MaxResults), 0 when not set.
	MaxResults int

	key string // the access key that signed it
}

// Fault is how a call fails: an error in the call's protocol, or (Hang) no
// answer until the caller gives up.
type Fault struct {
	Status  int // HTTP status (default 400)
	Code    string
	Message string
	Hang    bool
}

// Server is the fake. Set its fields, then Start it; they must not change
// afterwards.
type Server struct {
	// Management is the organization's management account; Members its
	// other accounts (all ACTIVE, under the root unless Parents says
	// otherwise); Suspended accounts of the organization that are SUSPENDED
	// (listed, never called).
	Management string
	Members    []string
	Suspended  []string
	// OUs, Parents and SCPs shape the organization and its policies, which
	// the fake enforces (org.go).
	OUs     []OU
	Parents map[string]string
	SCPs    []SCP
	// Caller is the account of the caller's own credentials (default
	// Management). Organizations answers its calls when it is Management
	// or one of DelegatedAdmins; any other caller may only
	// DescribeOrganization (AccessDeniedException otherwise), as AWS.
	Caller          string
	DelegatedAdmins []string
	// RoleNames, when not nil, are the roles that exist in each account
	// (by name); AssumeRole of another answers AccessDenied, as AWS does
	// for a role that does not exist or does not trust the caller. Nil:
	// every role exists.
	RoleNames map[string][]string
	// Regions are the Regions enabled in every account (default us-east-1).
	Regions []string
	// Per account: Roles in IAM (RolesPerPage a page, default 100), Buckets
	// (spread over Regions); per account and Region, Keys (each with an
	// alias, a policy and a tag; the first with a grant), and one Aurora
	// cluster snapshot (encrypted with the first key, shared with
	// Management) when there is a key.
	Roles, RolesPerPage, Buckets, Keys int
	// Per account and Region: the account's own EBS Snapshots (every 100th
	// shared, see SnapshotShares) and Volumes, and SQS Queues, paginated
	// as AWS paginates them (large.go).
	Snapshots, Volumes, Queues int
	// BucketsPerPage, when set, is the most buckets a ListBuckets page
	// holds, whatever max-buckets asks (AWS may answer fewer).
	BucketsPerPage int
	// BadDate, when set, answers with a Date header the SDK cannot parse:
	// it logs a warning for every answer.
	BadDate bool
	// Latency, when set, delays each answer.
	Latency func(Call) time.Duration
	// Fault, when set and returning non-nil, fails the call.
	Fault func(Call) *Fault
	// Allow, when set, is AWS's side of the quotas: a call it refuses is
	// answered with the throttling error of its protocol.
	Allow func(Call) bool
	// Extras seeds what issue #13 collects besides (extras.go); without it
	// those calls find none.
	Extras bool

	// URL is the endpoint, once started.
	URL string

	total, throttled atomic.Int64
	inFlight, peak   atomic.Int64
	mu               sync.Mutex
	ops              map[string]int    // "account service:Op"
	sessions         map[string]string // access key → assumed-role session ARN
	orgOnce          sync.Once
	scpDocs          map[string]*policy.Policy // parsed SCPs by ID
}

// Start serves s on a loopback port until the test ends.
func Start(tb testing.TB, s *Server) *Server {
	tb.Helper()
	if s.Management == "" {
		s.Management = "100000000000"
	}
	if s.Caller == "" {
		s.Caller = s.Management
	}
	if len(s.Regions) == 0 {
		s.Regions = []string{"us-east-1"}
	}
	if s.RolesPerPage <= 0 {
		s.RolesPerPage = 100
	}
	s.ops, s.sessions = map[string]int{}, map[string]string{}
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// UseProfiles writes a shared credentials file with one profile per
// account (profile name → account ID), each with its own access key, and
// points the SDK at it.
func UseProfiles(tb testing.TB, profiles map[string]string) {
	tb.Helper()
	mototest.UseEnv(tb)
	tb.Setenv("AWS_ACCESS_KEY_ID", "")
	tb.Setenv("AWS_SECRET_ACCESS_KEY", "")
	var b strings.Builder
	names := make([]string, 0, len(profiles))
	for name := range profiles {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(&b, "[%s]\naws_access_key_id = AKIAFAKE%s\naws_secret_access_key = fake\n\n", name, profiles[name])
	}
	path := filepath.Join(tb.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	tb.Setenv("AWS_SHARED_CREDENTIALS_FILE", path)
}

// Calls returns how many requests of op (as "service:Op") account made,
// retries included; account "" counts every account.
func (s *Server) Calls(account, op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if account != "" {
		return s.ops[account+" "+op]
	}
	n := 0
	for k, v := range s.ops {
		if strings.HasSuffix(k, " "+op) {
			n += v
		}
	}
	return n
}

// Total returns every request answered or failed.
func (s *Server) Total() int { return int(s.total.Load()) }

// notePeak raises the peak of requests held at once to n.
func (s *Server) notePeak(n int64) {
	for p := s.peak.Load(); n > p; p = s.peak.Load() {
		if s.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// PeakInFlight returns the most requests the server held at once.
func (s *Server) PeakInFlight() int { return int(s.peak.Load()) }

// Throttled returns the requests Allow refused.
func (s *Server) Throttled() int { return int(s.throttled.Load()) }

// Accounts returns Management and the Members.
func (s *Server) Accounts() []string { return append([]string{s.Management}, s.Members...) }

// KeyARN is the ARN of key i of account in region.
func (s *Server) KeyARN(account, region string, i int) string {
	return "arn:" + Partition(region) + ":kms:" + region + ":" + account + ":key/" + s.keyID(account, region, i)
}

func (s *Server) keyID(account, region string, i int) string {
	return fmt.Sprintf("%08d-%04d-4000-8000-%s", i, slices.Index(s.Regions, region), account)
}

// Bucket is the name and Region of bucket i of account.
func (s *Server) Bucket(account string, i int) (name, region string) {
	return fmt.Sprintf("b-%s-%03d", account, i), s.Regions[i%len(s.Regions)]
}

// ClusterSnapshotARN is the ARN of the cluster snapshot of account in region.
func (s *Server) ClusterSnapshotARN(account, region string) string {
	return "arn:" + Partition(region) + ":rds:" + region + ":" + account + ":cluster-snapshot:ledger-manual"
}

// Partition is the partition of a Region, as keyhound's scanner reads it.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	}
	return "aws"
}

// callerARN is who signed c: an assumed-role session, or a user.
func (s *Server) callerARN(c Call) string {
	s.mu.Lock()
	session := s.sessions[c.key]
	s.mu.Unlock()
	if session != "" {
		return session
	}
	return "arn:" + Partition(c.Region) + ":iam::" + c.Account + ":user/scanner"
}

func (s *Server) known(account string) bool {
	return account == s.Management || slices.Contains(s.Members, account)
}

// ServeHTTP answers one AWS call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key, region, service := scope(r.Header.Get("Authorization"))
	c := Call{Account: s.Caller, Region: region, Service: service, key: key}
	if a, ok := strings.CutPrefix(key, "ASIAFAKE"); ok && len(a) >= 12 && s.known(a[:12]) {
		c.Account = a[:12]
	} else if a, ok := strings.CutPrefix(key, "AKIAFAKE"); ok && s.known(a) {
		c.Account = a
	}
	var form url.Values
	in := map[string]any{}
	switch target := r.Header.Get("X-Amz-Target"); {
	case target != "":
		c.Op = target[strings.LastIndex(target, ".")+1:]
		_ = json.Unmarshal(body, &in)
		// What the call is about: a key, an organization policy, a policy
		// type, a queue.
		for _, field := range []string{"KeyId", "PolicyId", "Filter", "QueueUrl"} {
			if id, ok := in[field].(string); ok {
				c.Resource = id
			}
		}
		c.Token, _ = in["NextToken"].(string)
		if n, ok := in["MaxResults"].(float64); ok {
			c.MaxResults = int(n)
		}
	case service == "s3" && strings.HasPrefix(r.URL.Path, "/v20180820/"):
		c.Service = "s3control"
		c.Op, c.Resource = s3ControlOp(r)
	case service == "s3":
		c.Op, c.Resource = s3Op(r)
		c.Token = r.URL.Query().Get("continuation-token")
		c.MaxResults, _ = strconv.Atoi(r.URL.Query().Get("max-buckets"))
	case service == "lambda":
		c.Op = "ListFunctions"
		if strings.HasSuffix(r.URL.Path, "/policy") {
			c.Op = "GetPolicy"
		}
	default:
		form, _ = url.ParseQuery(string(body))
		c.Params = form
		c.Op = form.Get("Action")
		c.Resource = cmp.Or(form.Get("RoleArn"), form.Get("SnapshotId"))
		c.Token = cmp.Or(form.Get("Marker"), form.Get("NextToken"))
		c.MaxResults, _ = strconv.Atoi(form.Get("MaxResults"))
	}
	s.total.Add(1)
	s.notePeak(s.inFlight.Add(1))
	defer s.inFlight.Add(-1)
	if s.BadDate {
		w.Header().Set("Date", "not a date")
	}
	s.mu.Lock()
	s.ops[c.Account+" "+c.Service+":"+c.Op]++
	s.mu.Unlock()

	if s.Fault != nil {
		if f := s.Fault(c); f != nil {
			if f.Hang {
				<-r.Context().Done()
				return
			}
			s.fail(w, c, f.Status, f.Code, f.Message)
			return
		}
	}
	if f := s.scpDeny(c); f != nil {
		s.fail(w, c, f.Status, f.Code, f.Message)
		return
	}
	if s.Allow != nil && !s.Allow(c) {
		s.throttled.Add(1)
		s.throttle(w, c)
		return
	}
	if s.Latency != nil {
		if d := s.Latency(c); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
	}
	s.answer(w, c, form, in)
}

// scope reads the access key, Region and service of a SigV4 Authorization header.
func scope(auth string) (key, region, service string) {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "", "", ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return "", "", ""
	}
	return parts[0], parts[2], parts[3]
}

// s3Op names a path-style S3 request.
func s3Op(r *http.Request) (op, bucket string) {
	bucket = strings.Trim(r.URL.Path, "/")
	q := r.URL.Query()
	switch {
	case bucket == "":
		return "ListBuckets", ""
	case q.Has("policy"):
		return "GetBucketPolicy", bucket
	case q.Has("encryption"):
		return "GetBucketEncryption", bucket
	case q.Has("publicAccessBlock"):
		return "GetPublicAccessBlock", bucket
	case q.Has("ownershipControls"):
		return "GetBucketOwnershipControls", bucket
	case q.Has("location"):
		return "GetBucketLocation", bucket
	}
	return r.Method + " " + r.URL.RawQuery, bucket
}

// protocol of a service: its wire format and error shape.
func protocol(service string) string {
	switch service {
	case "sts", "iam", "rds", "sns", "s3control":
		return "query"
	case "ec2":
		return "ec2"
	case "s3":
		return "s3"
	case "lambda":
		return "restjson"
	}
	return "json"
}

func (s *Server) throttle(w http.ResponseWriter, c Call) {
	switch protocol(c.Service) {
	case "s3":
		s.fail(w, c, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	case "ec2":
		s.fail(w, c, http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
	case "query":
		s.fail(w, c, http.StatusBadRequest, "Throttling", "Rate exceeded")
	case "restjson":
		s.fail(w, c, http.StatusTooManyRequests, "TooManyRequestsException", "Rate exceeded")
	default:
		s.fail(w, c, http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	}
}

// fail answers an error in the call's protocol.
func (s *Server) fail(w http.ResponseWriter, c Call, status int, code, msg string) {
	if status == 0 {
		status = http.StatusBadRequest
	}
	switch protocol(c.Service) {
	case "query":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake</RequestId></ErrorResponse>", esc(code), esc(msg))
	case "ec2":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>fake</RequestID></Response>", esc(code), esc(msg))
	case "s3":
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "<Error><Code>%s</Code><Message>%s</Message><RequestId>fake</RequestId></Error>", esc(code), esc(msg))
	case "restjson":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", code)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
	default:
		b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10)) // DynamoDB's client checks it
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
