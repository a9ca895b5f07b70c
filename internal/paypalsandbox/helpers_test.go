package paypalsandbox

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// sharedKey avoids generating an RSA key per test.
func sharedKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// env is a started sandbox with a fixed clock (moved only by Advance).
type env struct {
	t    testing.TB
	sb   *Sandbox
	base string
	tok  string
}

type envOpts struct {
	realClock bool
}

func newEnv(t testing.TB, cfg Config, opts ...envOpts) *env {
	t.Helper()
	if cfg.SigningKey == nil {
		cfg.SigningKey = sharedKey(t)
	}
	if cfg.Now == nil && !(len(opts) > 0 && opts[0].realClock) {
		cfg.Now = func() time.Time { return t0 }
	}
	sb := New(cfg)
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	e := &env{t: t, sb: sb, base: base}
	e.tok = e.token("client-a", "secret")
	return e
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request with the env's token. body may be nil, []byte, a
// string or a value to encode.
func (e *env) do(method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if e.tok != "" {
		req.Header.Set("Authorization", "Bearer "+e.tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func (e *env) token(id, secret string) string {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.base+"/v1/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.SetBasicAuth(id, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 200 || out.AccessToken == "" {
		return ""
	}
	return out.AccessToken
}

// payout builds a create body with one item per receiver, 10.00 USD each.
func payout(senderBatchID string, receivers ...string) map[string]any {
	items := []map[string]any{}
	for i, r := range receivers {
		items = append(items, map[string]any{
			"recipient_type": "EMAIL", "receiver": r, "sender_item_id": fmt.Sprintf("item-%d", i),
			"amount": map[string]any{"currency": "USD", "value": "10.00"},
		})
	}
	h := map[string]any{"email_subject": "Your bounty", "email_message": "Thanks"}
	if senderBatchID != "" {
		h["sender_batch_id"] = senderBatchID
	}
	return map[string]any{"sender_batch_header": h, "items": items}
}

// create posts a payout and requires a 201; it returns the batch id.
func (e *env) create(body any, hdr ...string) string {
	e.t.Helper()
	r := e.do("POST", "/v1/payments/payouts", body, hdr...)
	if r.status != http.StatusCreated {
		e.t.Fatalf("create: status %d, body %s", r.status, r.body)
	}
	assertSchema(e.t, "payout", r.body)
	return r.json(e.t)["batch_header"].(map[string]any)["payout_batch_id"].(string)
}

func (e *env) getBatch(id string, query string) map[string]any {
	e.t.Helper()
	r := e.do("GET", "/v1/payments/payouts/"+id+query, nil)
	if r.status != 200 {
		e.t.Fatalf("get batch: %d %s", r.status, r.body)
	}
	assertSchema(e.t, "payout_batch", r.body)
	return r.json(e.t)
}

func (e *env) getItem(id string) map[string]any {
	e.t.Helper()
	r := e.do("GET", "/v1/payments/payouts-item/"+id, nil)
	if r.status != 200 {
		e.t.Fatalf("get item: %d %s", r.status, r.body)
	}
	assertSchema(e.t, "payout_item-2", r.body)
	return r.json(e.t)
}

func batchStatus(m map[string]any) string {
	return m["batch_header"].(map[string]any)["batch_status"].(string)
}

func itemsOf(m map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range m["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// dig walks a decoded JSON value by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// webhookSink records webhooks it receives.
type webhookSink struct {
	mu     sync.Mutex
	got    []received
	status func(n int) int // status for the n-th request (0-based)
	n      int
}

type received struct {
	header http.Header
	body   []byte
}

func (w *webhookSink) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.mu.Lock()
	n := w.n
	w.n++
	w.got = append(w.got, received{r.Header.Clone(), b})
	st := 200
	if w.status != nil {
		st = w.status(n)
	}
	w.mu.Unlock()
	rw.WriteHeader(st)
}

func (w *webhookSink) all() []received {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]received(nil), w.got...)
}
