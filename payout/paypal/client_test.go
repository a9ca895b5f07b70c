package paypal

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

const bodyItemSuccess = `{"payout_item_id":"8AELMXH8UB2P8","transaction_id":"0C413693MN970190K","activity_id":"0E158638XS0329106","transaction_status":"SUCCESS","payout_item_fee":{"currency":"USD","value":"0.25"},"payout_batch_id":"Q8KVJG9TZTNN4","sender_batch_id":"bb-award-1-a1","payout_item":{"amount":{"value":"10.00","currency":"USD"},"recipient_type":"EMAIL","note":"Thanks","receiver":"researcher@example.com","sender_item_id":"award-1","recipient_wallet":"PAYPAL"},"time_processed":"2026-01-02T03:04:25Z","links":[]}`

func TestTokenReusedAcrossCalls(t *testing.T) {
	t.Parallel()
	f := newFakePayPal(t, jsonHandler(200, bodyItemSuccess))
	c := newTestClient(t, f, nil)
	for range 3 {
		if _, err := c.GetItem(ctxT(t), "8AELMXH8UB2P8"); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.tokenCalls.Load(); n != 1 {
		t.Errorf("%d token requests for 3 calls, want 1", n)
	}
	for _, r := range f.recorded() {
		if r.header.Get("Authorization") != "Bearer tok-1" {
			t.Errorf("Authorization = %q", r.header.Get("Authorization"))
		}
	}
}

func TestTokenRefreshedAtExpiry(t *testing.T) {
	t.Parallel()
	f := newFakePayPal(t, jsonHandler(200, bodyItemSuccess))
	f.expiresIn = 3600
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newTestClient(t, f, func(cfg *Config) {
		cfg.NowFunc = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	call := func() {
		t.Helper()
		if _, err := c.GetItem(ctxT(t), "8AELMXH8UB2P8"); err != nil {
			t.Fatal(err)
		}
	}
	call()
	advance(58 * time.Minute) // within the hour, outside the early-refresh margin
	call()
	if n := f.tokenCalls.Load(); n != 1 {
		t.Fatalf("%d token requests before expiry, want 1", n)
	}
	advance(90 * time.Second) // inside the last minute: refresh before use
	call()
	if n := f.tokenCalls.Load(); n != 2 {
		t.Fatalf("%d token requests after expiry, want 2", n)
	}
	if len(f.recorded()) != 3 {
		t.Errorf("%d API requests, want 3 (no 401 round trip)", len(f.recorded()))
	}
}

func TestTokenRefreshOnceOn401ThenSuccess(t *testing.T) {
	t.Parallel()
	f := newFakePayPal(t, jsonHandler(201, bodyCreated))
	c := newTestClient(t, f, nil)
	if _, _, err := c.accessToken(ctxT(t), 0); err != nil {
		t.Fatal(err)
	}
	f.revokeAll() // PayPal forgets tok-1 before its expiry

	got, err := c.CreateBatch(ctxT(t), oneItemBatch("bb-award-1-a1"))
	if err != nil || got.BatchID != "5UXD2E8A7EBQJ" {
		t.Fatalf("CreateBatch = %+v, %v", got, err)
	}
	if n := f.tokenCalls.Load(); n != 2 {
		t.Errorf("%d token requests, want 2 (initial + one refresh)", n)
	}
	reqs := f.recorded()
	if len(reqs) != 2 {
		t.Fatalf("%d API requests, want 2", len(reqs))
	}
	first, retry := reqs[0], reqs[1]
	if first.header.Get("Authorization") != "Bearer tok-1" || retry.header.Get("Authorization") != "Bearer tok-2" {
		t.Errorf("auth headers %q then %q", first.header.Get("Authorization"), retry.header.Get("Authorization"))
	}
	if !bytes.Equal(first.body, retry.body) || first.header.Get("PayPal-Request-Id") != retry.header.Get("PayPal-Request-Id") {
		t.Errorf("retry after 401 differs from the first request")
	}
}

func TestConcurrent401sRefreshOnce(t *testing.T) {
	t.Parallel()
	const n = 16
	var (
		arrived atomic.Int32
		release = make(chan struct{})
	)
	// Hold every request with the revoked token until all n have arrived,
	// so that the 401s are truly concurrent.
	f := newFakePayPalWith(t, jsonHandler(200, bodyItemSuccess), func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v1/oauth2/token" && r.Header.Get("Authorization") == "Bearer tok-1" {
				if arrived.Add(1) == n {
					close(release)
				}
				select {
				case <-release:
				case <-time.After(5 * time.Second):
				}
			}
			inner.ServeHTTP(w, r)
		})
	})
	c := newTestClient(t, f, nil)
	// Warm the token, then revoke it.
	if _, _, err := c.accessToken(ctxT(t), 0); err != nil {
		t.Fatal(err)
	}
	f.revokeAll()

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := c.GetItem(ctxT(t), "8AELMXH8UB2P8")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("GetItem: %v", err)
		}
	}
	if got := f.tokenCalls.Load(); got != 2 {
		t.Errorf("%d token requests, want 2 (warm-up + exactly one refresh)", got)
	}
	if got := len(f.recorded()); got != 2*n {
		t.Errorf("%d API requests, want %d (each rejected once, retried once)", got, 2*n)
	}
}

func TestTokenInvalidClient(t *testing.T) {
	t.Parallel()
	f := newFakePayPal(t, jsonHandler(201, bodyCreated))
	c := newTestClient(t, f, func(cfg *Config) { cfg.Secret = "wrong" })
	_, err := c.CreateBatch(ctxT(t), oneItemBatch("bb-1"))
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if ae.StatusCode != 401 || ae.Name != "invalid_client" || !ae.OperatorProblem() || !ae.NothingCreated() ||
		!errors.Is(err, models.ErrTransient) {
		t.Errorf("got %+v (%v)", ae, err)
	}
	if len(f.recorded()) != 0 {
		t.Error("payout request sent without a token")
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error leaks the secret: %v", err)
	}
}

func TestTokenEndpointDown(t *testing.T) {
	t.Parallel()
	f := newFakePayPalWith(t, jsonHandler(201, bodyCreated), func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/oauth2/token" {
				w.WriteHeader(503)
				w.Write([]byte("<html>down</html>"))
				return
			}
			inner.ServeHTTP(w, r)
		})
	})
	c := newTestClient(t, f, nil)
	_, err := c.CreateBatch(ctxT(t), oneItemBatch("bb-1"))
	var ae *APIError
	if !errors.Is(err, models.ErrTransient) || !errors.As(err, &ae) || ae.OperatorProblem() {
		t.Fatalf("err = %v", err)
	}
}

func TestNewClientConfig(t *testing.T) {
	t.Parallel()
	base := testConfig("https://api-m.sandbox.paypal.com")
	tests := []struct {
		name string
		mod  func(*Config)
		ok   bool
	}{
		{"ok", func(*Config) {}, true},
		{"no client id", func(c *Config) { c.ClientID = "" }, false},
		{"no secret", func(c *Config) { c.Secret = "" }, false},
		{"no base", func(c *Config) { c.APIBase = "" }, false},
		{"base not a URL", func(c *Config) { c.APIBase = "api.paypal.com" }, false},
		{"negative timeout", func(c *Config) { c.Timeout = -1 }, false},
		{"page size", func(c *Config) { c.PageSize = 1001 }, false},
		{"cert host with path", func(c *Config) { c.CertHosts = []string{"api.paypal.com/certs"} }, false},
		{"cert hosts", func(c *Config) { c.CertHosts = []string{"api.paypal.com", "http://127.0.0.1:9000"} }, true},
	}
	for _, tt := range tests {
		cfg := base
		tt.mod(&cfg)
		_, err := NewClient(cfg)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, models.ErrInvalid)) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
	c, err := NewClient(base)
	if err != nil {
		t.Fatal(err)
	}
	if c.http.Timeout != 2*time.Second {
		t.Errorf("timeout = %v", c.http.Timeout)
	}
	base.Timeout = 0
	c, _ = NewClient(base)
	if c.http.Timeout != DefaultTimeout {
		t.Errorf("default timeout = %v", c.http.Timeout)
	}
}

// Logs carry ids only: no receivers, secrets or tokens.
func TestLogsCarryNoSecrets(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	f := newFakePayPal(t, jsonHandler(201, bodyCreated))
	c := newTestClient(t, f, func(cfg *Config) {
		cfg.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	c.log.Info("config", slog.Any("cfg", testConfig(f.srv.URL)))
	if _, err := c.CreateBatch(ctxT(t), oneItemBatch("bb-award-1-a1")); err != nil {
		t.Fatal(err)
	}
	f.revokeAll()
	if _, err := c.CreateBatch(ctxT(t), oneItemBatch("bb-award-1-a1")); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, secret := range []string{"researcher@example.com", "s3cret-value", "tok-1", "tok-2", "Thanks for report"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "5UXD2E8A7EBQJ") || !strings.Contains(out, "bb-award-1-a1") {
		t.Errorf("log lacks the ids:\n%s", out)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
