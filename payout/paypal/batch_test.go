package paypal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

// Error bodies in the shapes PayPal's Payouts API answers with.
const (
	bodyDuplicateWithLink = `{"name":"USER_BUSINESS_ERROR","message":"User business error.","debug_id":"f701090abdcb2","information_link":"https://developer.paypal.com/docs/api/payments.payouts-batch/#errors","details":[{"field":"SENDER_BATCH_ID","location":"body","issue":"Batch with given sender_batch_id already exists","link":[{"href":"https://api.sandbox.paypal.com/v1/payments/payouts/Q6K2CE4GQ36MQ","rel":"self","method":"GET","encType":"application/json"}]}],"links":[]}`
	// plutov unit_test.go TestTypeErrorResponseOne shape.
	bodyDuplicatePlutov   = `{"name":"USER_BUSINESS_ERROR","message":"User business error.","debug_id":"f05063556a338","information_link":"https://developer.paypal.com/docs/api/payments.payouts-batch/#errors","details":[{"field":"SENDER_BATCH_ID","issue":"Batch with given sender_batch_id already exists","link":[{"href":"https://api.sandbox.paypal.com/v1/payments/payouts/CR9VS2K4X4846","rel":"self","method":"GET"}]}]}`
	bodyDuplicateNoLink   = `{"name":"USER_BUSINESS_ERROR","message":"User business error.","debug_id":"3b4a5e0d1c2f9","information_link":"https://developer.paypal.com/docs/api/payments.payouts-batch/#errors","details":[{"field":"SENDER_BATCH_ID","issue":"Duplicate batch request"}]}`
	bodyDuplicateBadLink  = `{"name":"USER_BUSINESS_ERROR","message":"User business error.","details":[{"field":"SENDER_BATCH_ID","issue":"Batch with given sender_batch_id already exists","link":[{"href":"https://api.sandbox.paypal.com/v1/notifications/webhooks","rel":"self"}]}]}`
	bodyBusinessOther     = `{"name":"USER_BUSINESS_ERROR","message":"User business error.","debug_id":"aa","details":[]}`
	bodyValidation        = `{"name":"VALIDATION_ERROR","message":"Invalid request - see details","debug_id":"9a8b7c","information_link":"https://developer.paypal.com/docs/api/payments.payouts-batch/#errors","details":[{"field":"items[0].receiver","location":"body","issue":"Receiver is invalid or does not match with type"}],"links":[]}`
	bodyDuplicateItem     = `{"name":"DUPLICATE_ITEM","message":"Duplicate item found in the request.","debug_id":"1a2b","details":[{"field":"items[1].sender_item_id","location":"body","issue":"Duplicate sender_item_id"}],"links":[]}`
	bodyInsufficientFunds = `{"name":"INSUFFICIENT_FUNDS","message":"Sender does not have sufficient funds. Please add funds and retry.","debug_id":"d1e2","information_link":"https://developer.paypal.com/docs/api/payments.payouts-batch/#errors","links":[]}`
	bodyNonHolding        = `{"name":"NON_HOLDING_CURRENCY","message":"Payouts in this currency are not supported for the sender.","debug_id":"c3","links":[]}`
	bodySenderRestricted  = `{"name":"SENDER_RESTRICTED","message":"Authorization error occurred.","debug_id":"e5","links":[]}`
	bodyInternal          = `{"name":"INTERNAL_ERROR","message":"An internal service error has occurred.","debug_id":"f6","links":[]}`
	bodyRateLimit         = `{"name":"RATE_LIMIT_REACHED","message":"Too many requests. Blocked due to rate limiting.","debug_id":"a7"}`
	bodyInProgress        = `{"name":"PREVIOUS_REQUEST_IN_PROGRESS","message":"A previous request with the same id is in progress.","debug_id":"b8"}`
	bodyCreated           = `{"batch_header":{"payout_batch_id":"5UXD2E8A7EBQJ","batch_status":"PENDING","time_created":"2026-01-02T03:04:05Z","sender_batch_header":{"sender_batch_id":"bb-award-1-a1","email_subject":"s","email_message":"m"}},"links":[{"href":"https://api-m.sandbox.paypal.com/v1/payments/payouts/5UXD2E8A7EBQJ","rel":"self","method":"GET","encType":"application/json"}]}`
	bodyHTML502           = `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>`
)

// wantKind describes how a create outcome must classify.
type wantKind struct {
	batchID        string // non-empty: success with this id
	duplicate      bool
	is             []error
	isNot          []error
	status         int // APIError.StatusCode, 0: no APIError expected
	nothingCreated bool
	operator       bool
	retryAfter     time.Duration
}

func TestCreateBatchClassification(t *testing.T) {
	t.Parallel()
	unknown := []error{models.ErrInvalid, models.ErrConflict, models.ErrNotFound}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    wantKind
	}{
		{"201 created", jsonHandler(201, bodyCreated),
			wantKind{batchID: "5UXD2E8A7EBQJ"}},
		{"200 is also success", jsonHandler(200, bodyCreated),
			wantKind{batchID: "5UXD2E8A7EBQJ"}},
		{"duplicate with link", jsonHandler(400, bodyDuplicateWithLink),
			wantKind{batchID: "Q6K2CE4GQ36MQ", duplicate: true}},
		{"duplicate with link, plutov shape", jsonHandler(400, bodyDuplicatePlutov),
			wantKind{batchID: "CR9VS2K4X4846", duplicate: true}},
		{"duplicate without link", jsonHandler(400, bodyDuplicateNoLink),
			wantKind{is: []error{ErrDuplicateNoLink, models.ErrConflict}, isNot: []error{models.ErrInvalid, models.ErrTransient}, status: 400}},
		{"duplicate with a link that is not a batch", jsonHandler(400, bodyDuplicateBadLink),
			wantKind{is: []error{ErrDuplicateNoLink, models.ErrConflict}, isNot: []error{models.ErrInvalid}, status: 400}},
		{"other USER_BUSINESS_ERROR is not invalid", jsonHandler(400, bodyBusinessOther),
			wantKind{is: []error{models.ErrConflict}, isNot: []error{models.ErrInvalid, ErrDuplicateNoLink, models.ErrTransient}, status: 400}},
		{"VALIDATION_ERROR", jsonHandler(400, bodyValidation),
			wantKind{is: []error{models.ErrInvalid}, isNot: []error{models.ErrTransient}, status: 400, nothingCreated: true}},
		{"DUPLICATE_ITEM", jsonHandler(400, bodyDuplicateItem),
			wantKind{is: []error{models.ErrInvalid}, isNot: []error{models.ErrTransient}, status: 400, nothingCreated: true}},
		{"422 INSUFFICIENT_FUNDS", jsonHandler(422, bodyInsufficientFunds),
			wantKind{is: []error{models.ErrTransient}, isNot: []error{models.ErrInvalid}, status: 422, nothingCreated: true, operator: true}},
		{"400 NON_HOLDING_CURRENCY", jsonHandler(400, bodyNonHolding),
			wantKind{is: []error{models.ErrTransient}, isNot: []error{models.ErrInvalid}, status: 400, nothingCreated: true, operator: true}},
		{"403 SENDER_RESTRICTED", jsonHandler(403, bodySenderRestricted),
			wantKind{is: []error{models.ErrTransient}, isNot: []error{models.ErrInvalid}, status: 403, nothingCreated: true, operator: true}},
		{"500 INTERNAL_ERROR", jsonHandler(500, bodyInternal),
			wantKind{is: []error{models.ErrTransient}, isNot: unknown, status: 500}},
		{"503 empty body", jsonHandler(503, ""),
			wantKind{is: []error{models.ErrTransient}, isNot: unknown, status: 503}},
		{"502 HTML", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			io.WriteString(w, bodyHTML502)
		}, wantKind{is: []error{models.ErrTransient}, isNot: unknown, status: 502}},
		{"400 HTML from a proxy", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(400)
			io.WriteString(w, "<html>Bad Request</html>")
		}, wantKind{is: []error{models.ErrTransient}, isNot: unknown, status: 400}},
		{"429 Retry-After", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			writeJSON(w, 429, bodyRateLimit)
		}, wantKind{is: []error{models.ErrTransient}, isNot: unknown, status: 429, retryAfter: 7 * time.Second}},
		{"PREVIOUS_REQUEST_IN_PROGRESS", jsonHandler(409, bodyInProgress),
			wantKind{is: []error{models.ErrTransient}, isNot: unknown, status: 409}},
		{"201 truncated JSON", jsonHandler(201, bodyCreated[:60]),
			wantKind{is: []error{models.ErrTransient}, isNot: unknown}},
		{"201 connection closed mid-body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(bodyCreated)))
			w.WriteHeader(201)
			io.WriteString(w, bodyCreated[:80])
			w.(http.Flusher).Flush()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}, wantKind{is: []error{models.ErrTransient}, isNot: unknown}},
		{"201 HTML", jsonHandler(201, "<html>ok</html>"),
			wantKind{is: []error{models.ErrTransient}, isNot: unknown}},
		{"201 without batch id", jsonHandler(201, `{"batch_header":{"batch_status":"PENDING"}}`),
			wantKind{is: []error{models.ErrTransient}, isNot: unknown}},
		{"201 with trailing garbage", jsonHandler(201, bodyCreated+"}"),
			wantKind{is: []error{models.ErrTransient}, isNot: unknown}},
		{"connection reset", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err)
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0) // RST instead of FIN
			}
			conn.Close()
		}, wantKind{is: []error{models.ErrTransient}, isNot: unknown}},
		{"hang until timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, wantKind{is: []error{models.ErrTransient}, isNot: unknown}},
		{"401 twice", jsonHandler(401, `{"error":"invalid_token","error_description":"Access Token not found in cache"}`),
			wantKind{is: []error{models.ErrTransient}, isNot: unknown, status: 401, nothingCreated: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakePayPal(t, tt.handler)
			c := newTestClient(t, f, func(cfg *Config) {
				cfg.Timeout = 5 * time.Second
				if strings.HasPrefix(tt.name, "hang") {
					cfg.Timeout = 300 * time.Millisecond
				}
			})
			b := oneItemBatch("bb-award-1-a1")
			got, err := c.CreateBatch(ctxT(t), b)
			checkCreate(t, got, err, tt.want)

			reqs := f.recorded()
			if len(reqs) == 0 {
				t.Fatal("no request reached the server")
			}
			for _, r := range reqs {
				checkCreateRequest(t, r, b)
			}
			if tt.name == "401 twice" {
				if len(reqs) != 2 || f.tokenCalls.Load() != 2 {
					t.Errorf("401 twice: %d requests, %d token calls; want 2 and 2", len(reqs), f.tokenCalls.Load())
				}
			} else if len(reqs) != 1 {
				t.Errorf("%d create requests, want exactly 1 (no hidden retries)", len(reqs))
			}
		})
	}
}

func checkCreate(t *testing.T, got Created, err error, want wantKind) {
	t.Helper()
	if want.batchID != "" {
		if err != nil {
			t.Fatalf("err = %v, want success", err)
		}
		if got.BatchID != want.batchID || got.Duplicate != want.duplicate || got.SenderBatchID != "bb-award-1-a1" {
			t.Fatalf("got %+v, want batch %s duplicate %v", got, want.batchID, want.duplicate)
		}
		return
	}
	if err == nil {
		t.Fatalf("got %+v, want an error", got)
	}
	t.Logf("error: %v", err)
	if got != (Created{}) {
		t.Errorf("got %+v with an error, want zero Created", got)
	}
	for _, k := range want.is {
		if !errors.Is(err, k) {
			t.Errorf("errors.Is(err, %v) = false, want true", k)
		}
	}
	for _, k := range want.isNot {
		if errors.Is(err, k) {
			t.Errorf("errors.Is(err, %v) = true, want false", k)
		}
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		if want.status != 0 {
			t.Fatalf("err is not *APIError, want status %d", want.status)
		}
		return
	}
	if ae.StatusCode != want.status {
		t.Errorf("StatusCode = %d, want %d", ae.StatusCode, want.status)
	}
	if ae.NothingCreated() != want.nothingCreated {
		t.Errorf("NothingCreated = %v, want %v", ae.NothingCreated(), want.nothingCreated)
	}
	if ae.OperatorProblem() != want.operator {
		t.Errorf("OperatorProblem = %v, want %v", ae.OperatorProblem(), want.operator)
	}
	if d, _ := RetryAfter(err); d != want.retryAfter {
		t.Errorf("RetryAfter = %v, want %v", d, want.retryAfter)
	}
	if strings.Contains(err.Error(), "researcher@example.com") {
		t.Errorf("error text leaks the receiver: %v", err)
	}
}

// checkCreateRequest checks what went over the wire: the plutov pitfalls
// (no timeout, error bodies it cannot decode, a dropped Retry-After) must
// be worked around.
func checkCreateRequest(t *testing.T, r recorded, b Batch) {
	t.Helper()
	if r.method != http.MethodPost || r.path != "/v1/payments/payouts" {
		t.Errorf("request %s %s", r.method, r.path)
	}
	if got := r.header.Get("PayPal-Request-Id"); got != b.SenderBatchID {
		t.Errorf("PayPal-Request-Id = %q, want %q", got, b.SenderBatchID)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	var body struct {
		Header map[string]string `json:"sender_batch_header"`
		Items  []map[string]any  `json:"items"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	if body.Header["sender_batch_id"] != b.SenderBatchID {
		t.Errorf("sender_batch_id = %q", body.Header["sender_batch_id"])
	}
	if body.Header["email_subject"] == "" || body.Header["email_message"] == "" {
		t.Errorf("empty email subject/message: %s", r.body)
	}
	if len(body.Items) != len(b.Items) {
		t.Fatalf("%d items sent", len(body.Items))
	}
	it := body.Items[0]
	if it["recipient_wallet"] != "PAYPAL" || it["recipient_type"] != "EMAIL" ||
		it["sender_item_id"] != b.Items[0].SenderItemID || it["receiver"] != b.Items[0].Receiver {
		t.Errorf("item sent: %v", it)
	}
	amt, _ := it["amount"].(map[string]any)
	want, _ := FormatAmount(b.Items[0].Amount)
	if amt["value"] != want || amt["currency"] != b.Items[0].Amount.Currency {
		t.Errorf("amount sent: %v, want %s", amt, want)
	}
}

// The same Batch must produce byte-identical requests: a resend repeats
// the frozen request exactly.
func TestCreateBatchRetrySendsIdenticalBody(t *testing.T) {
	t.Parallel()
	f := newFakePayPal(t, jsonHandler(500, bodyInternal))
	c := newTestClient(t, f, nil)
	b := oneItemBatch("bb-award-1-a1")
	b.Items[0].Amount = models.Money{Minor: 250000, Currency: "HUF"}
	for range 2 {
		if _, err := c.CreateBatch(ctxT(t), b); !errors.Is(err, models.ErrTransient) {
			t.Fatalf("err = %v", err)
		}
	}
	reqs := f.recorded()
	if len(reqs) != 2 || string(reqs[0].body) != string(reqs[1].body) {
		t.Fatalf("bodies differ:\n%s\n%s", reqs[0].body, reqs[1].body)
	}
	if !strings.Contains(string(reqs[0].body), `"value":"2500"`) {
		t.Errorf("HUF amount not rendered with PayPal's exponent: %s", reqs[0].body)
	}
}

func TestCreateBatchLocalValidation(t *testing.T) {
	t.Parallel()
	f := newFakePayPal(t, jsonHandler(201, bodyCreated))
	c := newTestClient(t, f, nil)
	mod := func(fn func(*Batch)) Batch {
		b := oneItemBatch("bb-award-1-a1")
		fn(&b)
		return b
	}
	tests := []struct {
		name  string
		batch Batch
	}{
		{"no sender_batch_id", mod(func(b *Batch) { b.SenderBatchID = "" })},
		{"sender_batch_id with space", mod(func(b *Batch) { b.SenderBatchID = "bb 1" })},
		{"sender_batch_id too long", mod(func(b *Batch) { b.SenderBatchID = strings.Repeat("x", 257) })},
		{"no items", mod(func(b *Batch) { b.Items = nil })},
		{"no sender_item_id", mod(func(b *Batch) { b.Items[0].SenderItemID = "" })},
		{"sender_item_id too long", mod(func(b *Batch) { b.Items[0].SenderItemID = strings.Repeat("x", 64) })},
		{"repeated sender_item_id", mod(func(b *Batch) { b.Items = append(b.Items, b.Items[0]) })},
		{"no receiver", mod(func(b *Batch) { b.Items[0].Receiver = "" })},
		{"zero amount", mod(func(b *Batch) { b.Items[0].Amount = usd(0) })},
		{"negative amount", mod(func(b *Batch) { b.Items[0].Amount = usd(-5) })},
		{"unsupported currency", mod(func(b *Batch) { b.Items[0].Amount = models.Money{Minor: 100, Currency: "KRW"} })},
		{"HUF fraction", mod(func(b *Batch) { b.Items[0].Amount = models.Money{Minor: 150050, Currency: "HUF"} })},
		{"bad recipient type", mod(func(b *Batch) { b.Items[0].RecipientType = "IBAN" })},
		{"note too long", mod(func(b *Batch) { b.Items[0].Note = strings.Repeat("n", 4001) })},
		{"subject too long", mod(func(b *Batch) { b.EmailSubject = strings.Repeat("s", 256) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateBatch(ctxT(t), tt.batch)
			if !errors.Is(err, models.ErrInvalid) || errors.Is(err, models.ErrTransient) {
				t.Fatalf("err = %v, want ErrInvalid only", err)
			}
		})
	}
	if n := len(f.recorded()); n != 0 || f.tokenCalls.Load() != 0 {
		t.Errorf("%d requests, %d token calls for invalid batches, want none", n, f.tokenCalls.Load())
	}
}

func TestCreateBatchContextCancelled(t *testing.T) {
	t.Parallel()
	f := newFakePayPal(t, jsonHandler(201, bodyCreated))
	c := newTestClient(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.CreateBatch(ctx, oneItemBatch("bb-1"))
	if !errors.Is(err, models.ErrTransient) {
		t.Fatalf("err = %v, want transient", err)
	}
}

func TestDuplicateBatchIDFromHref(t *testing.T) {
	t.Parallel()
	for href, want := range map[string]string{
		"https://api.sandbox.paypal.com/v1/payments/payouts/Q6K2CE4GQ36MQ":                 "Q6K2CE4GQ36MQ",
		"https://api-m.paypal.com/v1/payments/payouts/Q6K2CE4GQ36MQ?page_size=1000&page=1": "Q6K2CE4GQ36MQ",
		"http://127.0.0.1:8080/v1/payments/payouts/ABC/":                                   "ABC",
		"https://api.sandbox.paypal.com/v1/payments/payouts-item/ITEM1":                    "",
		"https://api.sandbox.paypal.com/v1/payments/payouts/":                              "",
		"https://api.sandbox.paypal.com/v1/payments/payouts/a%2Fb":                         "",
		"not a url %zz": "",
	} {
		if got := batchIDFromHref(href); got != want {
			t.Errorf("batchIDFromHref(%q) = %q, want %q", href, got, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"0":                             0,
		"-3":                            0,
		"soon":                          0,
		"Thu, 01 Jan 2026 00:00:30 GMT": 30 * time.Second,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func ExampleFormatAmount() {
	for _, m := range []models.Money{
		{Minor: 150000, Currency: "USD"},
		{Minor: 1500, Currency: "JPY"},
		{Minor: 150000, Currency: "HUF"},
	} {
		s, _ := FormatAmount(m)
		fmt.Println(m, "=>", s)
	}
	// Output:
	// 1500.00 USD => 1500.00
	// 1500 JPY => 1500
	// 1500.00 HUF => 1500
}

func TestBatchStatusMatches(t *testing.T) {
	t.Parallel()
	intent := oneItemBatch("bb-award-1-a1")
	held := BatchStatus{BatchID: "Q6K2CE4GQ36MQ", SenderBatchID: "bb-award-1-a1", Items: []ItemStatus{{
		SenderItemID: "award-1", Receiver: "Researcher@Example.com", Amount: usd(1000),
	}}}
	if err := held.Matches(intent); err != nil {
		t.Fatalf("Matches = %v", err)
	}
	tests := []struct {
		name string
		mod  func(*BatchStatus)
	}{
		{"other sender_batch_id", func(s *BatchStatus) { s.SenderBatchID = "bb-award-2-a1" }},
		{"other receiver", func(s *BatchStatus) { s.Items[0].Receiver = "someone@example.com" }},
		{"other amount", func(s *BatchStatus) { s.Items[0].Amount = usd(1001) }},
		{"other currency", func(s *BatchStatus) { s.Items[0].Amount = models.Money{Minor: 1000, Currency: "EUR"} }},
		{"other item", func(s *BatchStatus) { s.Items[0].SenderItemID = "award-2" }},
		{"extra item", func(s *BatchStatus) { s.Items = append(s.Items, s.Items[0]) }},
		{"no items", func(s *BatchStatus) { s.Items = nil }},
	}
	for _, tt := range tests {
		s := held
		s.Items = append([]ItemStatus(nil), held.Items...)
		tt.mod(&s)
		err := s.Matches(intent)
		if !errors.Is(err, models.ErrConflict) {
			t.Errorf("%s: Matches = %v, want ErrConflict", tt.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "example.com") {
			t.Errorf("%s: error leaks a receiver: %v", tt.name, err)
		}
	}
}

func TestConfigRedactsSecret(t *testing.T) {
	t.Parallel()
	cfg := testConfig("https://api-m.sandbox.paypal.com")
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		if strings.Contains(s, "s3cret-value") {
			t.Errorf("secret in %q", s)
		}
	}
}
