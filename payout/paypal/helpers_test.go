package paypal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

// fakePayPal is a minimal PayPal for unit tests: an OAuth endpoint issuing
// tok-1, tok-2, … and an API mux whose handlers the test supplies. Requests
// with an unknown or revoked bearer get PayPal's invalid_token 401.
type fakePayPal struct {
	srv        *httptest.Server
	tokenCalls atomic.Int32
	expiresIn  int

	mu       sync.Mutex
	valid    map[string]bool
	requests []recorded
	api      http.HandlerFunc
}

type recorded struct {
	method, path, query string
	header              http.Header
	body                []byte
}

func newFakePayPal(t testing.TB, api http.HandlerFunc) *fakePayPal {
	t.Helper()
	return newFakePayPalWith(t, api, nil)
}

// newFakePayPalWith puts middleware mw (if not nil) in front of the fake.
func newFakePayPalWith(t testing.TB, api http.HandlerFunc, mw func(http.Handler) http.Handler) *fakePayPal {
	t.Helper()
	f := &fakePayPal{valid: map[string]bool{}, api: api, expiresIn: 32400}
	var h http.Handler = http.HandlerFunc(f.serve)
	if mw != nil {
		h = mw(h)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePayPal) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.URL.Path == "/v1/oauth2/token" {
		user, pass, ok := r.BasicAuth()
		if !ok || user != "client-id" || pass != "s3cret-value" || string(body) != "grant_type=client_credentials" {
			writeJSON(w, 401, `{"error":"invalid_client","error_description":"Client Authentication failed"}`)
			return
		}
		n := f.tokenCalls.Add(1)
		tok := fmt.Sprintf("tok-%d", n)
		f.mu.Lock()
		f.valid[tok] = true
		f.mu.Unlock()
		writeJSON(w, 200, fmt.Sprintf(`{"scope":"https://uri.paypal.com/payments/payouts","access_token":%q,"token_type":"Bearer","app_id":"APP-80W284485P519543T","expires_in":%d,"nonce":"n"}`, tok, f.expiresIn))
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	ok := f.valid[tok]
	f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
	f.mu.Unlock()
	if !ok {
		writeJSON(w, 401, `{"error":"invalid_token","error_description":"Access Token not found in cache"}`)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.api(w, r)
}

// revokeAll makes every issued token invalid (as after expiry).
func (f *fakePayPal) revokeAll() {
	f.mu.Lock()
	clear(f.valid)
	f.mu.Unlock()
}

func (f *fakePayPal) recorded() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Paypal-Debug-Id", "dbg123")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func jsonHandler(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, status, body) }
}

func testConfig(base string) Config {
	return Config{ClientID: "client-id", Secret: "s3cret-value", APIBase: base, Timeout: 2 * time.Second}
}

func newTestClient(t testing.TB, f *fakePayPal, mod func(*Config)) *Client {
	t.Helper()
	cfg := testConfig(f.srv.URL)
	cfg.Logger = slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// tWriter sends log output through t.Log.
type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func usd(minor int64) models.Money { return models.Money{Minor: minor, Currency: "USD"} }

func oneItemBatch(id string) Batch {
	return Batch{
		SenderBatchID: id,
		Items: []Item{{
			SenderItemID: "award-1",
			Receiver:     "researcher@example.com",
			Amount:       usd(1000),
			Note:         "Thanks for report R-1",
		}},
	}
}

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
