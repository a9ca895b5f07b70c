package paypalsandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestOAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{ClientID: "id", Secret: "sec", TokenTTL: time.Hour})
	if e.tok != "" {
		t.Fatal("wrong credentials got a token")
	}

	post := func(user, pass, form string) resp {
		req, _ := http.NewRequest("POST", e.base+"/v1/oauth2/token", strings.NewReader(form))
		req.SetBasicAuth(user, pass)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b json.RawMessage
		json.NewDecoder(res.Body).Decode(&b)
		return resp{status: res.StatusCode, header: res.Header, body: b}
	}
	r := post("id", "wrong", "grant_type=client_credentials")
	if r.status != 401 || string(r.body) != `{"error":"invalid_client","error_description":"Client Authentication failed"}` {
		t.Errorf("bad secret: %d %s", r.status, r.body)
	}
	if r := post("id", "sec", "grant_type=password"); r.status != 400 || r.json(t)["error"] != "unsupported_grant_type" {
		t.Errorf("bad grant: %d %s", r.status, r.body)
	}
	r = post("id", "sec", "grant_type=client_credentials")
	if r.status != 200 {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	m := r.json(t)
	if m["token_type"] != "Bearer" || m["expires_in"] != float64(3600) || !strings.HasPrefix(m["access_token"].(string), "A21AA") ||
		!strings.Contains(m["scope"].(string), "https://uri.paypal.com/payments/payouts") || m["app_id"] == nil || m["nonce"] == nil {
		t.Errorf("token body: %s", r.body)
	}
	e.tok = m["access_token"].(string)
	if again := post("id", "sec", "grant_type=client_credentials").json(t); again["access_token"] != e.tok {
		t.Error("a valid token was not returned again")
	}

	if r := e.do("GET", "/v1/payments/payouts/NOPE", nil); r.status != 404 {
		t.Errorf("valid token: %d %s", r.status, r.body)
	}
	invalid := `{"error":"invalid_token","error_description":"Access Token not found in cache"}`
	e.sb.Advance(time.Hour)
	if r := e.do("GET", "/v1/payments/payouts/NOPE", nil); r.status != 401 || string(r.body) != invalid {
		t.Errorf("expired token: %d %s", r.status, r.body)
	}
	e.tok = post("id", "sec", "grant_type=client_credentials").json(t)["access_token"].(string)
	e.sb.RevokeTokens()
	if r := e.do("GET", "/v1/payments/payouts/NOPE", nil); r.status != 401 || string(r.body) != invalid {
		t.Errorf("revoked token: %d %s", r.status, r.body)
	}
	e.tok = "made-up"
	if r := e.do("GET", "/v1/payments/payouts/NOPE", nil); r.status != 401 || string(r.body) != invalid {
		t.Errorf("unknown token: %d %s", r.status, r.body)
	}
	e.tok = ""
	if r := e.do("GET", "/v1/payments/payouts/NOPE", nil); r.status != 401 || r.json(t)["name"] != "AUTHENTICATION_FAILURE" {
		t.Errorf("no token: %d %s", r.status, r.body)
	} else {
		assertSchema(t, "error", r.body)
	}
}

func TestCreateSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	r := e.do("POST", "/v1/payments/payouts", payout("b-1", "alice@example.com"))
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	assertSchema(t, "payout", r.body)
	m := r.json(t)
	id := dig(m, "batch_header", "payout_batch_id").(string)
	if !regexp.MustCompile(`^[A-Z0-9]{13}$`).MatchString(id) {
		t.Errorf("payout_batch_id %q", id)
	}
	if dig(m, "batch_header", "batch_status") != "PENDING" || dig(m, "batch_header", "time_created") != "2026-03-01T12:00:00Z" {
		t.Errorf("header: %s", r.body)
	}
	if got := dig(m, "batch_header", "sender_batch_header"); fmt.Sprint(got) != fmt.Sprint(map[string]any{
		"sender_batch_id": "b-1", "email_subject": "Your bounty", "email_message": "Thanks"}) {
		t.Errorf("sender_batch_header echoed as %v", got)
	}
	if dig(m, "links", 0, "href") != e.base+"/v1/payments/payouts/"+id || dig(m, "links", 0, "rel") != "self" {
		t.Errorf("links: %v", m["links"])
	}
	if r.header.Get("Paypal-Debug-Id") == "" {
		t.Error("no Paypal-Debug-Id")
	}
	if items := m["items"]; items != nil {
		t.Error("create answered items")
	}
	if bal := e.sb.Balances()["USD"]; bal != "999989.80" {
		t.Errorf("USD balance %s, want 999989.80 (10.00 + 0.20 fee debited)", bal)
	}
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	item := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{"recipient_type": "EMAIL", "receiver": "r@example.com", "sender_item_id": "i1",
			"amount": map[string]any{"currency": "USD", "value": "1.00"}}
		if mod != nil {
			mod(m)
		}
		return m
	}
	body := func(items ...map[string]any) map[string]any {
		return map[string]any{"sender_batch_header": map[string]any{"sender_batch_id": "v"}, "items": items}
	}
	many := make([]map[string]any, 15001)
	for i := range many {
		many[i] = item(func(m map[string]any) { m["sender_item_id"] = fmt.Sprint(i) })
	}
	amount := func(cur, v any) func(map[string]any) {
		return func(m map[string]any) { m["amount"] = map[string]any{"currency": cur, "value": v} }
	}
	cases := []struct {
		name       string
		body       any
		wantStatus int
		wantName   string
		wantField  string
	}{
		{"no items", map[string]any{"sender_batch_header": map[string]any{}}, 400, "VALIDATION_ERROR", "items"},
		{"empty items", body(), 400, "VALIDATION_ERROR", "items"},
		{"too many items", body(many...), 400, "VALIDATION_ERROR", "items"},
		{"no header", map[string]any{"items": []any{item(nil)}}, 400, "VALIDATION_ERROR", "sender_batch_header"},
		{"no receiver", body(item(func(m map[string]any) { delete(m, "receiver") })), 400, "VALIDATION_ERROR", "items[0].receiver"},
		{"receiver too long", body(item(func(m map[string]any) { m["receiver"] = strings.Repeat("a", 120) + "@example.com" })), 400, "VALIDATION_ERROR", "items[0].receiver"},
		{"bad email", body(item(func(m map[string]any) { m["receiver"] = "not-an-email" })), 400, "VALIDATION_ERROR", "items[0].receiver"},
		{"bad paypal id", body(item(func(m map[string]any) { m["recipient_type"] = "PAYPAL_ID" })), 400, "VALIDATION_ERROR", "items[0].receiver"},
		{"no recipient type", body(item(func(m map[string]any) { delete(m, "recipient_type") })), 400, "VALIDATION_ERROR", "items[0].recipient_type"},
		{"bad recipient type", body(item(func(m map[string]any) { m["recipient_type"] = "FAX" })), 400, "VALIDATION_ERROR", "items[0].recipient_type"},
		{"no amount", body(item(func(m map[string]any) { delete(m, "amount") })), 400, "VALIDATION_ERROR", "items[0].amount"},
		{"no currency", body(item(amount(nil, "1.00"))), 400, "VALIDATION_ERROR", "items[0].amount.currency"},
		{"unknown currency", body(item(amount("XYZ", "1.00"))), 400, "VALIDATION_ERROR", "items[0].amount.currency"},
		{"number value", body(item(amount("USD", 1.5))), 400, "VALIDATION_ERROR", "items[0].amount.value"},
		{"three decimals", body(item(amount("USD", "1.005"))), 400, "VALIDATION_ERROR", "items[0].amount.value"},
		{"JPY decimals", body(item(amount("JPY", "100.00"))), 400, "VALIDATION_ERROR", "items[0].amount.value"},
		{"HUF decimals", body(item(amount("HUF", "100.5"))), 400, "VALIDATION_ERROR", "items[0].amount.value"},
		{"TWD decimals", body(item(amount("TWD", "1.0"))), 400, "VALIDATION_ERROR", "items[0].amount.value"},
		{"zero", body(item(amount("USD", "0.00"))), 400, "VALIDATION_ERROR", "items[0].amount.value"},
		{"negative", body(item(amount("USD", "-1.00"))), 400, "VALIDATION_ERROR", "items[0].amount.value"},
		{"exponent", body(item(amount("USD", "1e3"))), 400, "VALIDATION_ERROR", "items[0].amount.value"},
		{"over 20k", body(item(amount("USD", "20000.01"))), 400, "VALIDATION_ERROR", "items[0].amount.value"},
		{"sender_item_id too long", body(item(func(m map[string]any) { m["sender_item_id"] = strings.Repeat("x", 64) })), 400, "VALIDATION_ERROR", "items[0].sender_item_id"},
		{"note too long", body(item(func(m map[string]any) { m["note"] = strings.Repeat("x", 4001) })), 400, "VALIDATION_ERROR", "items[0].note"},
		{"non-ASCII note too long", body(item(func(m map[string]any) { m["note"] = strings.Repeat("é", 1001) })), 400, "VALIDATION_ERROR", "items[0].note"},
		{"bad wallet", body(item(func(m map[string]any) { m["recipient_wallet"] = "BANK" })), 400, "VALIDATION_ERROR", "items[0].recipient_wallet"},
		{"bad purpose", body(item(func(m map[string]any) { m["purpose"] = "BRIBES" })), 400, "VALIDATION_ERROR", "items[0].purpose"},
		{"sender_batch_id too long", map[string]any{"sender_batch_header": map[string]any{"sender_batch_id": strings.Repeat("x", 257)}, "items": []any{item(nil)}}, 400, "VALIDATION_ERROR", "sender_batch_header.sender_batch_id"},
		{"subject too long", map[string]any{"sender_batch_header": map[string]any{"email_subject": strings.Repeat("x", 256)}, "items": []any{item(nil)}}, 400, "VALIDATION_ERROR", "sender_batch_header.email_subject"},
		{"second item bad", body(item(nil), item(func(m map[string]any) { m["sender_item_id"] = "i2"; m["receiver"] = "" })), 400, "VALIDATION_ERROR", "items[1].receiver"},
		{"duplicate item", body(item(nil), item(nil)), 400, "DUPLICATE_ITEM", "items[1].sender_item_id"},
		{"malformed JSON", `{"items": [`, 400, "MALFORMED_REQUEST_JSON", ""},
		{"non-holding currency", body(item(amount("BRL", "10.00"))), 400, "NON_HOLDING_CURRENCY", "items[0].amount.currency"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/v1/payments/payouts", tc.body)
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.body)
			}
			assertSchema(t, "error", r.body)
			m := r.json(t)
			if m["name"] != tc.wantName || m["debug_id"] != r.header.Get("Paypal-Debug-Id") {
				t.Errorf("name %v debug_id %v, want %s: %s", m["name"], m["debug_id"], tc.wantName, r.body)
			}
			if tc.wantField != "" {
				found := false
				for _, d := range m["details"].([]any) {
					d := d.(map[string]any)
					found = found || (d["field"] == tc.wantField && d["location"] == "body" && d["issue"] != "")
				}
				if !found {
					t.Errorf("no detail for %s: %s", tc.wantField, r.body)
				}
			}
		})
	}
	if n := len(e.sb.Items()); n != 0 {
		t.Errorf("%d items stored by invalid requests", n)
	}
	if got := e.sb.Balances()["USD"]; got != "1000000.00" {
		t.Errorf("balance changed to %s", got)
	}
}

func TestCreateAcceptsValidVariants(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	cases := []struct {
		name string
		body string
	}{
		{"header recipient_type", `{"sender_batch_header":{"recipient_type":"EMAIL"},"items":[{"receiver":"a@example.com","amount":{"currency":"USD","value":"1"}}]}`},
		{"JPY integer", `{"sender_batch_header":{},"items":[{"recipient_type":"EMAIL","receiver":"a@example.com","amount":{"currency":"JPY","value":"1500"}}]}`},
		{"one decimal", `{"sender_batch_header":{},"items":[{"recipient_type":"EMAIL","receiver":"a@example.com","amount":{"currency":"USD","value":"1.5"}}]}`},
		{"exactly 20k", `{"sender_batch_header":{},"items":[{"recipient_type":"EMAIL","receiver":"a@example.com","amount":{"currency":"USD","value":"20000.00"}}]}`},
		{"plutov empty strings", `{"sender_batch_header":{"email_subject":"","email_message":"","sender_batch_id":"pv"},"items":[{"recipient_type":"EMAIL","recipient_wallet":"","receiver":"r@example.com","amount":{"currency":"USD","value":"10.00"},"sender_item_id":"item-1"}]}`},
		{"paypal id", `{"sender_batch_header":{},"items":[{"recipient_type":"PAYPAL_ID","receiver":"G83JXTJ5EHCQ2","amount":{"currency":"EUR","value":"5.32"},"purpose":"AWARDS","notification_language":"fr-FR"}]}`},
		{"test value POSPYO001", `{"sender_batch_header":{},"items":[{"recipient_type":"EMAIL","receiver":"a@example.com","note":"POSPYO001","amount":{"currency":"USD","value":"1.00"}}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { e.create(tc.body) })
	}
}

func TestTestValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	for note, tv := range testValues {
		t.Run(note, func(t *testing.T) {
			body := payout("tv-"+note, "a@example.com")
			body["items"].([]map[string]any)[0]["note"] = note
			r := e.do("POST", "/v1/payments/payouts", body)
			if r.status != tv.status || r.json(t)["name"] != tv.name {
				t.Errorf("%s: %d %s, want %d %s", note, r.status, r.body, tv.status, tv.name)
			}
			assertSchema(t, "error", r.body)
		})
	}
	if len(e.sb.Batches()) != 0 {
		t.Error("a test value stored a batch")
	}
	// Case-sensitive and only in items[0].
	body := payout("tv-lower", "a@example.com", "b@example.com")
	body["items"].([]map[string]any)[0]["note"] = "errpyo001"
	body["items"].([]map[string]any)[1]["note"] = "ERRPYO001"
	e.create(body)
}

func TestDedupe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	id := e.create(payout("dup-1", "a@example.com"))

	// A different body and a PayPal-Request-Id change nothing.
	r := e.do("POST", "/v1/payments/payouts", payout("dup-1", "zzz@example.com", "y@example.com"), "PayPal-Request-Id", "other")
	want := `{"name":"USER_BUSINESS_ERROR","message":"User business error.","debug_id":"` + r.header.Get("Paypal-Debug-Id") +
		`","information_link":"https://developer.paypal.com/docs/api/payments.payouts-batch/#errors","details":[{"field":"SENDER_BATCH_ID","location":"body","issue":"Batch with given sender_batch_id already exists","link":[{"href":"` +
		e.base + `/v1/payments/payouts/` + id + `","rel":"self","method":"GET","encType":"application/json"}]}],"links":[]}`
	if r.status != 400 || string(r.body) != want {
		t.Errorf("duplicate:\n got %d %s\nwant 400 %s", r.status, r.body, want)
	}
	assertSchema(t, "error", r.body)

	// Another account may use the same id.
	other := e.token("client-b", "x")
	e2 := *e
	e2.tok = other
	e2.create(payout("dup-1", "a@example.com"))

	// No sender_batch_id: never deduped.
	e.create(payout("", "a@example.com"))
	e.create(payout("", "a@example.com"))

	// Processing to DENIED keeps the id used.
	e.create(payout("dup-denied", "x+fail@example.com"))
	e.sb.Advance(time.Second)
	if r := e.do("POST", "/v1/payments/payouts", payout("dup-denied", "a@example.com")); r.status != 400 || r.json(t)["name"] != "USER_BUSINESS_ERROR" {
		t.Errorf("denied batch id reused: %d %s", r.status, r.body)
	}

	// 30 days after creation, the id is free again.
	e.sb.Advance(30*24*time.Hour - 2*time.Second)
	e.tok = e.token("client-a", "secret")
	if r := e.do("POST", "/v1/payments/payouts", payout("dup-1", "a@example.com")); r.status != 400 {
		t.Errorf("just before 30 days: %d", r.status)
	}
	e.sb.Advance(time.Second)
	if got := e.create(payout("dup-1", "a@example.com")); got == id {
		t.Error("same batch id after 30 days")
	}
	if n := len(e.sb.Batches()); n != 6 {
		t.Errorf("%d batches, want 6", n)
	}
}

func TestDedupeWithoutLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{DuplicateWithoutLink: true})
	e.create(payout("nl", "a@example.com"))
	r := e.do("POST", "/v1/payments/payouts", payout("nl", "a@example.com"))
	m := r.json(t)
	if r.status != 400 || m["name"] != "USER_BUSINESS_ERROR" || fmt.Sprint(m["details"]) != "[map[field:SENDER_BATCH_ID issue:Duplicate batch request]]" {
		t.Errorf("%d %s", r.status, r.body)
	}
	assertSchema(t, "error", r.body)
}

func TestRequestIDDocumentedMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{RequestIDMode: RequestIDDocumented})
	r1 := e.do("POST", "/v1/payments/payouts", payout("r-1", "a@example.com"), "PayPal-Request-Id", "req-1")
	r2 := e.do("POST", "/v1/payments/payouts", payout("r-2", "a@example.com"), "PayPal-Request-Id", "req-1")
	if r1.status != 201 || r2.status != 201 || string(r1.body) != string(r2.body) {
		t.Errorf("replay: %d %s / %d %s", r1.status, r1.body, r2.status, r2.body)
	}
	if n := len(e.sb.Batches()); n != 1 {
		t.Errorf("%d batches, want 1", n)
	}
	// Concurrent reuse while the first answer hangs.
	e.sb.InjectFault(Fault{Kind: FaultHang, HangMillis: 1500})
	done := make(chan resp)
	go func() {
		done <- e.do("POST", "/v1/payments/payouts", payout("r-3", "a@example.com"), "PayPal-Request-Id", "req-3")
	}()
	for deadline := time.Now().Add(5 * time.Second); len(e.sb.Batches()) < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("hung request never arrived")
		}
	}
	r := e.do("POST", "/v1/payments/payouts", payout("r-3", "a@example.com"), "PayPal-Request-Id", "req-3")
	if r.status != 409 || r.json(t)["name"] != "PREVIOUS_REQUEST_IN_PROGRESS" {
		t.Errorf("concurrent reuse: %d %s", r.status, r.body)
	}
	assertSchema(t, "error", r.body)
	if first := <-done; first.status != 201 {
		t.Errorf("hung request: %d", first.status)
	}

	// Ignore mode (default): same id, new sender_batch_id ⇒ two batches.
	e2 := newEnv(t, Config{})
	e2.create(payout("i-1", "a@example.com"), "PayPal-Request-Id", "same")
	e2.create(payout("i-2", "a@example.com"), "PayPal-Request-Id", "same")
}

func TestBalances(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Balances: map[string]string{"USD": "25.00", "EUR": "0"}})
	r := e.do("POST", "/v1/payments/payouts", payout("f-1", "a@example.com", "b@example.com", "c@example.com"))
	if r.status != 422 || r.json(t)["name"] != "INSUFFICIENT_FUNDS" {
		t.Fatalf("insufficient: %d %s", r.status, r.body)
	}
	assertSchema(t, "error", r.body)
	// Not consumed by default.
	e.sb.SetBalance("USD", "100.00")
	e.create(payout("f-1", "a@example.com", "b@example.com", "c@example.com"))
	if got := e.sb.Balances()["USD"]; got != "69.40" {
		t.Errorf("balance %s, want 69.40", got)
	}
	// Amount fits but the fee does not.
	e.sb.SetBalance("USD", "10.00")
	if r := e.do("POST", "/v1/payments/payouts", payout("f-2", "a@example.com")); r.status != 422 {
		t.Errorf("amount without fee: %d", r.status)
	}
	// GBP held nowhere in this config.
	body := payout("f-3", "a@example.com")
	body["items"].([]map[string]any)[0]["amount"] = map[string]any{"currency": "GBP", "value": "1.00"}
	if r := e.do("POST", "/v1/payments/payouts", body); r.status != 400 || r.json(t)["name"] != "NON_HOLDING_CURRENCY" {
		t.Errorf("non-holding: %d %s", r.status, r.body)
	}

	c := newEnv(t, Config{Balances: map[string]string{"USD": "5.00"}, InsufficientFundsConsumesID: true})
	if r := c.do("POST", "/v1/payments/payouts", payout("f-4", "a@example.com")); r.status != 422 {
		t.Fatalf("consumes: %d", r.status)
	}
	r = c.do("POST", "/v1/payments/payouts", payout("f-4", "a@example.com"))
	if r.status != 400 || r.json(t)["name"] != "USER_BUSINESS_ERROR" {
		t.Fatalf("retry after consumed 422: %d %s", r.status, r.body)
	}
	b := c.sb.Batches()[0]
	if b.BatchStatus != BatchDenied || c.sb.Items()[0].TransactionStatus != ItemFailed {
		t.Errorf("consumed batch %+v", b)
	}
	c.getBatch(b.PayoutBatchID, "")
}

func TestFees(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cfg       Config
		cur, v    string
		wantFee   string
		wantAfter string
	}{
		{Config{}, "USD", "10.00", "0.20", "999989.80"},
		{Config{}, "USD", "49.99", "1.00", "999949.01"},
		{Config{}, "USD", "0.24", "0.00", "999999.76"},
		{Config{}, "USD", "0.25", "0.01", "999999.74"},
		{Config{}, "JPY", "1000", "20", "99998980"},
		{Config{}, "JPY", "100000", "150", "99899850"},
		{Config{NoFees: true}, "USD", "100.00", "0.00", "999900.00"},
		{Config{FeeBasisPoints: 100, FeeCaps: map[string]string{"USD": "20.00"}}, "USD", "1000.00", "10.00", "998990.00"},
	}
	for _, tc := range cases {
		t.Run(tc.cur+tc.v, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.cfg)
			body := payout("fee", "a@example.com")
			body["items"].([]map[string]any)[0]["amount"] = map[string]any{"currency": tc.cur, "value": tc.v}
			id := e.create(body)
			if fee := dig(e.getBatch(id, ""), "batch_header", "fees", "value"); fee != formatAmount(tc.cur, 0) {
				t.Errorf("PENDING batch fees %v, want 0", fee)
			}
			e.sb.Advance(300 * time.Millisecond)
			m := e.getBatch(id, "")
			if fee := dig(m, "batch_header", "fees", "value"); fee != tc.wantFee {
				t.Errorf("batch fees %v, want %s", fee, tc.wantFee)
			}
			if fee := dig(m, "items", 0, "payout_item_fee", "value"); fee != tc.wantFee {
				t.Errorf("item fee %v, want %s", fee, tc.wantFee)
			}
			if got := e.sb.Balances()[tc.cur]; got != tc.wantAfter {
				t.Errorf("balance %s, want %s", got, tc.wantAfter)
			}
		})
	}
}
