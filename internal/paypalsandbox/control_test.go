package paypalsandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestEntitlements(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{EntitlementSecret: "s3cret"})
	post := func(body, key, sig string) resp {
		if sig == "" {
			sig = SignEntitlement("s3cret", []byte(body))
		}
		h := []string{"X-Signature", sig}
		if key != "" {
			h = append(h, "Idempotency-Key", key)
		}
		return e.do("POST", "/sandbox/entitlements", body, h...)
	}
	grant := `{"account":"alice@example.com","grant_id":"g-1","kind":"lifetime_plex_pass"}`

	if r := post(grant, "g-1", "sha256=00"); r.status != 401 {
		t.Errorf("bad signature: %d %s", r.status, r.body)
	}
	if r := post(grant, "g-1", SignEntitlement(DefaultEntitlementSecret, []byte(grant))); r.status != 401 {
		t.Errorf("wrong secret: %d", r.status)
	}
	if r := post(grant, "", ""); r.status != 400 {
		t.Errorf("no key: %d", r.status)
	}
	r1 := post(grant, "g-1", "")
	if r1.status != 201 || r1.json(t)["status"] != "granted" || !strings.HasPrefix(r1.json(t)["id"].(string), "ENT-") {
		t.Fatalf("grant: %d %s", r1.status, r1.body)
	}
	r2 := post(grant, "g-1", "")
	if r2.status != 200 || r2.header.Get("Idempotent-Replayed") != "true" || string(r2.body) != string(r1.body) {
		t.Errorf("replay: %d %v %s", r2.status, r2.header, r2.body)
	}
	other := `{"account":"bob@example.com","grant_id":"g-1","kind":"lifetime_plex_pass"}`
	if r := post(other, "g-1", ""); r.status != 409 {
		t.Errorf("key reuse: %d %s", r.status, r.body)
	}
	fail := `{"account":"carol+fail@example.com","grant_id":"g-2","kind":"lifetime_plex_pass"}`
	if r := post(fail, "g-2", ""); r.status != 422 {
		t.Errorf("+fail: %d %s", r.status, r.body)
	}
	if r := post(fail, "g-2", ""); r.status != 422 || r.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("+fail replay: %d %v", r.status, r.header)
	}
	if r := post(`{"account":"a","grant_id":"g-3","kind":"swag"}`, "g-3", ""); r.status != 400 {
		t.Errorf("bad kind: %d", r.status)
	}

	// Faults: a 500 after the grant is stored; the retry replays the grant.
	e.sb.InjectFault(Fault{Endpoint: EndpointEntitlement, Kind: FaultError500, Stage: StageAfter})
	g4 := `{"account":"dan@example.com","grant_id":"g-4","kind":"lifetime_plex_pass"}`
	if r := post(g4, "g-4", ""); r.status != 500 {
		t.Errorf("fault: %d", r.status)
	}
	if r := post(g4, "g-4", ""); r.status != 200 || r.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("after fault: %d %s", r.status, r.body)
	}

	var list []Entitlement
	json.Unmarshal(e.do("GET", "/sandbox/entitlements", nil).body, &list)
	if len(list) != 2 || list[0].GrantID != "g-1" || list[1].GrantID != "g-4" || !reflect.DeepEqual(list, e.sb.Entitlements()) {
		t.Errorf("list %+v", list)
	}
}

func TestSandboxItemsContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	body := payout("contract", "a@example.com")
	body["items"].([]map[string]any)[0]["amount"] = map[string]any{"currency": "JPY", "value": "1500"}
	id := e.create(body)
	r := e.do("GET", "/sandbox/items", nil)
	var raw []map[string]any
	if err := json.Unmarshal(r.body, &raw); err != nil || len(raw) != 1 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range raw[0] {
			if !yield(k) {
				return
			}
		}
	})
	want := []string{"amount", "payout_batch_id", "payout_item_id", "receiver", "sender_batch_id", "sender_item_id", "transaction_status"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	got := raw[0]
	if got["payout_batch_id"] != id || got["sender_batch_id"] != "contract" || got["sender_item_id"] != "item-0" ||
		got["receiver"] != "a@example.com" || fmt.Sprint(got["amount"]) != "map[currency:JPY value:1500]" || got["transaction_status"] != "PENDING" {
		t.Errorf("item %v", got)
	}

	// An empty sandbox lists [] (not null).
	e2 := newEnv(t, Config{})
	if r := e2.do("GET", "/sandbox/items", nil); strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("empty: %s", r.body)
	}

	// POST /sandbox/advance moves the clock and processing.
	r = e.do("POST", "/sandbox/advance", `{"seconds": 1}`)
	if r.status != 200 || !strings.HasPrefix(r.json(t)["now"].(string), "2026-03-01T12:00:01") {
		t.Errorf("advance: %d %s", r.status, r.body)
	}
	if e.sb.Items()[0].TransactionStatus != ItemSuccess {
		t.Error("advance did not process")
	}
	for _, bad := range []string{`{"seconds": -1}`, `{"secs": 1}`, `nope`} {
		if r := e.do("POST", "/sandbox/advance", bad); r.status != 400 {
			t.Errorf("%s: %d", bad, r.status)
		}
	}

	// Request log over HTTP and from Go.
	e.do("POST", "/v1/payments/payouts", payout("contract", "a@example.com"), "PayPal-Request-Id", "rid-7")
	log := e.sb.Requests()
	last := log[len(log)-1]
	if last.Method != "POST" || last.Path != "/v1/payments/payouts" || last.RequestID != "rid-7" || last.Status != 400 ||
		!strings.Contains(string(last.Body), `"sender_batch_id":"contract"`) || last.Header.Get("PayPal-Request-Id") != "rid-7" {
		t.Errorf("log %+v", last)
	}
	var httpLog []map[string]any
	json.Unmarshal(e.do("GET", "/sandbox/requests", nil).body, &httpLog)
	if len(httpLog) != len(log) || !strings.Contains(httpLog[len(httpLog)-1]["body"].(string), "contract") {
		t.Errorf("HTTP log %v", httpLog[len(httpLog)-1])
	}

	// Balances, batches, info, token revocation.
	if r := e.do("POST", "/sandbox/balances", `{"currency":"USD","value":"5.00"}`); r.status != 200 || r.json(t)["USD"] != "5.00" {
		t.Errorf("balances: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/sandbox/batches", nil); !strings.Contains(string(r.body), id) {
		t.Errorf("batches: %s", r.body)
	}
	if r := e.do("GET", "/sandbox", nil); r.json(t)["webhook_id"] != DefaultWebhookID || !strings.Contains(r.json(t)["cert_url"].(string), "/v1/notifications/certs/CERT-") {
		t.Errorf("info: %s", r.body)
	}
	if r := e.do("POST", "/sandbox/tokens/revoke", nil); r.status != 204 {
		t.Errorf("revoke: %d", r.status)
	}
	if r := e.do("GET", "/v1/payments/payouts/"+id, nil); r.status != 401 {
		t.Errorf("after revoke: %d", r.status)
	}
}

func TestConcurrentCreatesSameSenderBatchID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{}, envOpts{realClock: true})
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Go(func() {
			r := e.do("POST", "/v1/payments/payouts", payout(fmt.Sprintf("cc-%d", i%4), "a@example.com"))
			statuses[i] = r.status
			e.do("GET", "/sandbox/items", nil)
			e.sb.Advance(10 * time.Millisecond)
		})
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		if s == http.StatusCreated {
			created++
		}
	}
	if created != 4 || len(e.sb.Batches()) != 4 {
		t.Errorf("%d created, %d batches; want 4", created, len(e.sb.Batches()))
	}
}

func TestHandlerWithoutStart(t *testing.T) {
	t.Parallel()
	sb := New(Config{SigningKey: sharedKey(t), BaseURL: "https://api-m.sandbox.paypal.example/"})
	t.Cleanup(func() { sb.Close() })
	if sb.BaseURL() != "https://api-m.sandbox.paypal.example" {
		t.Errorf("BaseURL %s", sb.BaseURL())
	}
	if !strings.HasPrefix(sb.CertURL(), "https://api-m.sandbox.paypal.example/v1/notifications/certs/CERT-") {
		t.Errorf("CertURL %s", sb.CertURL())
	}
	if err := (Config{Balances: map[string]string{"XYZ": "1"}, RequestIDMode: "weird"}).Validate(); err == nil ||
		!strings.Contains(err.Error(), "XYZ") || !strings.Contains(err.Error(), "weird") {
		t.Errorf("Validate: %v", err)
	}
	if err := sb.Close(); err != nil {
		t.Error(err)
	}
	if err := sb.Close(); err != nil {
		t.Error("second Close:", err)
	}

	// Served by someone else's server, links follow the request's Host.
	sb2 := New(Config{SigningKey: sharedKey(t)})
	t.Cleanup(func() { sb2.Close() })
	srv := httptest.NewServer(sb2.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, sb: sb2, base: srv.URL}
	e.tok = e.token("x", "y")
	id := e.create(payout("h", "a@example.com"))
	if href := dig(e.getBatch(id, ""), "links", 0, "href").(string); !strings.HasPrefix(href, srv.URL+"/v1/payments/payouts/"+id) {
		t.Errorf("link %s", href)
	}
	if sb2.BaseURL() != srv.URL {
		t.Errorf("BaseURL %s, want %s", sb2.BaseURL(), srv.URL)
	}
}

func TestRequestLogLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{RequestLogLimit: 10})
	for i := range 25 {
		e.do("GET", fmt.Sprintf("/v1/payments/payouts/N%d", i), nil)
	}
	log := e.sb.Requests()
	if len(log) > 10 || log[len(log)-1].Path != "/v1/payments/payouts/N24" || log[len(log)-1].Status != 404 {
		t.Errorf("%d entries, last %+v", len(log), log[len(log)-1])
	}
}
