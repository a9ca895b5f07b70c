package entitlement

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/models"
)

const bodyHTML502 = `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>`

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func client(t testing.TB, url, secret string, timeout time.Duration) *Client {
	t.Helper()
	c, err := New(Config{URL: url, Secret: secret, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEntitlementGrant(t *testing.T) {
	t.Parallel()
	const secret = "grant-hmac-secret"
	tests := []struct {
		name     string
		handler  func(w http.ResponseWriter, r *http.Request)
		want     []error // nil: granted
		wantCode int
	}{
		{"201 granted", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(201)
			io.WriteString(w, `{"entitlement_id":"ent-1","status":"granted"}`)
		}, nil, 201},
		{"200 replay", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"id":"ent-1","status":"granted"}`)
		}, nil, 200},
		{"200 without body", func(w http.ResponseWriter, r *http.Request) {}, nil, 200},
		{"409 conflict", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(409)
			io.WriteString(w, `{"error":"idempotency_key_reused"}`)
		}, []error{models.ErrConflict}, 0},
		{"400 invalid", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"unknown_account"}`)
		}, []error{models.ErrInvalid}, 0},
		// Refused credentials are an operator problem: nothing was granted,
		// retry later with the same grant id once the secret is fixed.
		{"401 bad signature", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }, []error{models.ErrTransient}, 0},
		{"429", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) }, []error{models.ErrTransient}, 0},
		{"500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, []error{models.ErrTransient}, 0},
		{"502 HTML", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(502)
			io.WriteString(w, bodyHTML502)
		}, []error{models.ErrTransient}, 0},
		{"202 is not granted", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) }, []error{models.ErrTransient}, 0},
		{"hang", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
		}, []error{models.ErrTransient}, 0},
		{"reset", func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := http.NewResponseController(w).Hijack()
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			conn.Close()
		}, []error{models.ErrTransient}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				mu  sync.Mutex
				got *http.Request
				raw []byte
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				got, raw = r.Clone(r.Context()), b
				mu.Unlock()
				tt.handler(w, r)
			}))
			defer srv.Close()
			ec := client(t, srv.URL+"/sandbox/entitlements", secret, 300*time.Millisecond)
			res, err := ec.Grant(ctxT(t), Request{Account: "plex-account-42", GrantID: "grant-award-7"})

			mu.Lock()
			defer mu.Unlock()
			if got == nil {
				t.Fatal("no request")
			}
			if got.Method != http.MethodPost || got.URL.Path != "/sandbox/entitlements" {
				t.Errorf("request %s %s", got.Method, got.URL.Path)
			}
			if got.Header.Get("Idempotency-Key") != "grant-award-7" {
				t.Errorf("Idempotency-Key = %q", got.Header.Get("Idempotency-Key"))
			}
			m := hmac.New(sha256.New, []byte(secret))
			m.Write(raw)
			if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); got.Header.Get("X-Signature") != want {
				t.Errorf("X-Signature = %q, want %q", got.Header.Get("X-Signature"), want)
			}
			var body map[string]string
			if err := json.Unmarshal(raw, &body); err != nil || len(body) != 3 ||
				body["account"] != "plex-account-42" || body["grant_id"] != "grant-award-7" || body["kind"] != "lifetime_plex_pass" {
				t.Errorf("body %s (%v)", raw, err)
			}

			if tt.want == nil {
				if err != nil || res.StatusCode != tt.wantCode || res.GrantID != "grant-award-7" {
					t.Fatalf("Grant = %+v, %v", res, err)
				}
				return
			}
			for _, k := range tt.want {
				if !errors.Is(err, k) {
					t.Errorf("err = %v, want %v", err, k)
				}
			}
			if err != nil && strings.Contains(err.Error(), "plex-account-42") {
				t.Errorf("error leaks the account: %v", err)
			}
		})
	}
}

func TestEntitlementGrantLocalValidation(t *testing.T) {
	t.Parallel()
	ec := client(t, "http://127.0.0.1:1/grant", "s", time.Second)
	for _, g := range []Request{
		{GrantID: "g"},
		{Account: "a"},
		{Account: "a", GrantID: "g", Kind: "swag"},
		{Account: "a", GrantID: "g h"},
	} {
		if _, err := ec.Grant(ctxT(t), g); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("Grant(%+v) = %v, want ErrInvalid", g, err)
		}
	}
	if _, err := New(Config{URL: "http://x"}); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("no secret: %v", err)
	}
}

func TestSandboxEntitlements(t *testing.T) {
	t.Parallel()
	sb := paypalsandbox.New(paypalsandbox.Config{})
	t.Cleanup(func() { sb.Close() })
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ec := client(t, base+"/sandbox/entitlements", paypalsandbox.DefaultEntitlementSecret, 5*time.Second)
	g := Request{Account: "plex-account-42", GrantID: "grant-award-7"}
	first, err := ec.Grant(ctxT(t), g)
	if err != nil || first.StatusCode != 201 || first.EntitlementID == "" || first.Status != "granted" {
		t.Fatalf("grant = %+v, %v", first, err)
	}
	replay, err := ec.Grant(ctxT(t), g)
	if err != nil || replay.StatusCode != 200 || replay.EntitlementID != first.EntitlementID {
		t.Fatalf("replay = %+v, %v", replay, err)
	}
	if _, err := ec.Grant(ctxT(t), Request{Account: "other", GrantID: g.GrantID}); !errors.Is(err, models.ErrConflict) {
		t.Errorf("reused key: %v", err)
	}
	if _, err := ec.Grant(ctxT(t), Request{Account: "x+fail", GrantID: "grant-8"}); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("ineligible: %v", err)
	}
	bad := client(t, base+"/sandbox/entitlements", "wrong", 5*time.Second)
	if _, err := bad.Grant(ctxT(t), Request{Account: "a", GrantID: "grant-9"}); !errors.Is(err, models.ErrTransient) {
		t.Errorf("bad signature: %v", err)
	}
	if n := len(sb.Entitlements()); n != 1 {
		t.Errorf("%d entitlements, want 1", n)
	}
}
