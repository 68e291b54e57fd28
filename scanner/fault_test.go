package scanner

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/keyhound/keyhound/internal/mototest"
)

// throttlingProxy forwards to moto, but answers the first n KMS ListKeys
// calls with ThrottlingException, as KMS does when a quota is exceeded
// (https://docs.aws.amazon.com/kms/latest/developerguide/throttling.html).
func throttlingProxy(t *testing.T, endpoint string, n int64) (string, *atomic.Int64) {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var throttled atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "TrentService.ListKeys" && throttled.Load() < n {
			throttled.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &throttled
}

// Throttled calls are retried by the standard retryer and counted; the scan
// completes with everything collected.
func TestScanRetriesThrottlingAndCountsIt(t *testing.T) {
	endpoint := mototest.Start(t)
	ctx := context.Background()
	s := mototest.Seed(ctx, t, endpoint)
	mototest.UseEnv(t)
	proxyURL, throttled := throttlingProxy(t, endpoint, 2)
	clients, err := NewAWSClients(ctx, AWSOptions{Region: "us-east-1", EndpointURL: proxyURL, MaxAttempts: 5})
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
