package scanner

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyhound/keyhound/internal/mototest"
)

// refusal is an operation the fault proxy refuses, and how.
type refusal struct {
	op string
	// matches tells the operation's requests: a JSON protocol's X-Amz-Target
	// suffix, or S3's GET ?policy.
	matches func(r *http.Request) bool
	status  int
	body    string // the error in the service's protocol
	// limit, when not 0, is how many of its calls are refused; the rest go
	// through.
	limit int64
}

func targetIs(op string) func(*http.Request) bool {
	return func(r *http.Request) bool { return strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+op) }
}

// refusingProxy forwards every call to moto but answers the refused
// operation with its error: every attempt (the retryer gives up), or the
// first f.limit.
func refusingProxy(t *testing.T, endpoint string, f refusal) (string, *atomic.Int64) {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.matches(r) && (f.limit == 0 || refused.Load() < f.limit) {
			refused.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			if strings.HasPrefix(f.body, "<") {
				w.Header().Set("Content-Type", "application/xml")
			} else {
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			}
			w.WriteHeader(f.status)
			_, _ = io.WriteString(w, f.body)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &refused
}

// Throttled calls are retried by the standard retryer and counted; the scan
// completes with everything collected.
func TestScanRetriesThrottlingAndCountsIt(t *testing.T) {
	endpoint := mototest.Start(t)
	ctx := context.Background()
	s := mototest.Seed(ctx, t, endpoint)
	mototest.UseEnv(t)
	// The first two ListKeys calls are throttled, as KMS does when a quota
	// is exceeded (https://docs.aws.amazon.com/kms/latest/developerguide/throttling.html).
	proxyURL, throttled := refusingProxy(t, endpoint, refusal{
		op: "ListKeys", matches: targetIs("ListKeys"), limit: 2,
		status: http.StatusBadRequest, body: `{"__type":"ThrottlingException","message":"Rate exceeded"}`,
	})
	clients, err := NewAWSClients(ctx, AWSOptions{Region: "us-east-1", EndpointURL: proxyURL, MaxAttempts: 5, maxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan Event, 1024)
	var last Event
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range events {
			if e.Phase == "done" {
				last = e
			}
		}
	}()
	member := s.Members[0]
	snap, res, err := Scan(ctx, clients, Options{Accounts: []string{member}, Regions: []string{"us-east-1"}, Version: "test"}, events)
	close(events)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if throttled.Load() != 2 {
		t.Fatalf("the proxy throttled %d calls, want 2", throttled.Load())
	}
	if errs := mototest.Unexpected(snap.Accounts[member].Errors); len(errs) > 0 {
		t.Fatalf("a throttled scan must retry and complete: %+v %+v", res, errs)
	}
	keys := snap.Accounts[member].Regions["us-east-1"].KMS.Keys
	if len(keys) == 0 {
		t.Fatal("no keys collected after the throttling")
	}
	c := clients.(*awsClients).Stats().Counts()
	if c.Throttles != 2 || c.Calls < 10 {
		t.Errorf("counts %+v: want the 2 throttles and every call", c)
	}
	if last.AccountsDone != 1 || last.AccountsTotal != 1 || last.Throttles != 2 {
		t.Errorf("last event %+v", last)
	}
}

// --profiles: each profile is one account, read with its own credentials.
// The second profile holds a session in a member account (moto gives a
// session's calls to the account of the role assumed).
func TestScanProfiles(t *testing.T) {
	endpoint := mototest.Start(t)
	ctx := context.Background()
	s := mototest.Seed(ctx, t, endpoint)
	mototest.UseEnv(t)
	member := s.Members[1]
	stsc := sts.NewFromConfig(mototest.StaticConfig(endpoint, credentials.NewStaticCredentialsProvider("testing", "testing", "")))
	ar, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("profile")})
	if err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(t.TempDir(), "credentials")
	c := ar.Credentials
	content := "[mgmt]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n[member]\naws_access_key_id = " + aws.ToString(c.AccessKeyId) +
		"\naws_secret_access_key = " + aws.ToString(c.SecretAccessKey) + "\naws_session_token = " + aws.ToString(c.SessionToken) + "\n"
	if err := os.WriteFile(creds, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	clients, accounts, err := NewProfileClients(ctx, AWSOptions{Region: "us-east-1", EndpointURL: endpoint, MaxAttempts: 3}, []string{"mgmt", "member"})
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 2 || accounts[0] != s.Management || accounts[1] != member {
		t.Fatalf("profiles' accounts %v, want [%s %s]", accounts, s.Management, member)
	}
	snap, _, err := Scan(ctx, clients, Options{Accounts: accounts, Regions: []string{"us-east-1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if errs := mototest.UnexpectedIn(snap); len(errs) > 0 {
		t.Fatalf("errors: %+v", errs)
	}
	keys := snap.Accounts[member].Regions["us-east-1"].KMS.Keys
	found := false
	for _, k := range keys {
		found = found || k.KeyMetadata.Arn == s.Keys[member]
	}
	if !found {
		t.Errorf("the member profile's key %s is not in its account", s.Keys[member])
	}
	if _, _, err := NewProfileClients(ctx, AWSOptions{Region: "us-east-1", EndpointURL: endpoint}, []string{"mgmt", "mgmt"}); err == nil {
		t.Error("two profiles of one account should be refused")
	}
}

// A service that fails with a server error on every call (after the
// retries): the scan completes, records the error on its account, Region and
// operation, and loses nothing else.
func TestScanSurvivesServerErrors(t *testing.T) {
	endpoint := mototest.Start(t)
	ctx := context.Background()
	s := mototest.Seed(ctx, t, endpoint)
	mototest.UseEnv(t)
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var failed atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "secretsmanager.ListSecrets" {
			failed.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"__type":"InternalServiceError","message":"something broke"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	clients, err := NewAWSClients(ctx, AWSOptions{Region: "us-east-1", EndpointURL: srv.URL, MaxAttempts: 2, maxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	member := s.Members[0]
	snap, res, err := Scan(ctx, clients, Options{Accounts: []string{member}, Regions: []string{"us-east-1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if failed.Load() < 2 {
		t.Fatalf("ListSecrets was called %d times: the retryer should have tried twice", failed.Load())
	}
	errs := mototest.Unexpected(snap.Accounts[member].Errors)
	if res.Complete || len(errs) != 1 || errs[0].Operation != "ListSecrets" || errs[0].Region != "us-east-1" || errs[0].Code != "InternalServiceError" {
		t.Fatalf("want one recorded ListSecrets error: complete %v, %+v", res.Complete, errs)
	}
	reg := snap.Accounts[member].Regions["us-east-1"]
	if reg.SecretsManager != nil && reg.SecretsManager.Secrets != nil {
		t.Errorf("secrets that could not be listed must be 'not collected' (nil), not empty: %+v", reg.SecretsManager)
	}
	found := false
	for _, k := range reg.KMS.Keys {
		found = found || k.KeyMetadata.Arn == s.Keys[member]
	}
	if !found || len(reg.SQS.Queues) == 0 {
		t.Errorf("the other services were lost: keys %d, queues %+v", len(reg.KMS.Keys), reg.SQS)
	}
}
