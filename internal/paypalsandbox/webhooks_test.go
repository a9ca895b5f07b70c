package paypalsandbox

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newSink(t *testing.T, status func(int) int) (*webhookSink, string) {
	sink := &webhookSink{status: status}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	return sink, srv.URL + "/hook"
}

func waitIdle(t *testing.T, sb *Sandbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sb.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// verifyOffline checks a delivery the way a listener does: fetch the cert
// from PAYPAL-CERT-URL, then RSA PKCS#1 v1.5 SHA-256 over
// transmission_id|transmission_time|webhook_id|crc32(body).
func verifyOffline(t *testing.T, h http.Header, body []byte, webhookID string) {
	t.Helper()
	if h.Get("PAYPAL-AUTH-ALGO") != "SHA256withRSA" {
		t.Errorf("auth algo %q", h.Get("PAYPAL-AUTH-ALGO"))
	}
	res, err := http.Get(h.Get("PAYPAL-CERT-URL"))
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := io.ReadAll(res.Body)
	res.Body.Close()
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("cert URL served %q", pemBytes)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	input := fmt.Sprintf("%s|%s|%s|%d", h.Get("PAYPAL-TRANSMISSION-ID"), h.Get("PAYPAL-TRANSMISSION-TIME"), webhookID, crc32.ChecksumIEEE(body))
	sig, err := base64.StdEncoding.DecodeString(h.Get("PAYPAL-TRANSMISSION-SIG"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(input))
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	if _, err := time.Parse(time.RFC3339, h.Get("PAYPAL-TRANSMISSION-TIME")); err != nil {
		t.Errorf("transmission time: %v", err)
	}
}

func TestWebhooksSignedAndOrdered(t *testing.T) {
	t.Parallel()
	sink, url := newSink(t, nil)
	e := newEnv(t, Config{WebhookURL: url})
	id := e.create(payout("wh", "a@example.com", "b+unclaimed@example.com", "c+fail@example.com",
		"d+onhold@example.com", "e+blocked@example.com"))
	e.sb.Advance(time.Second)
	itemIDs := e.sb.Batches()[0].ItemIDs
	e.sb.Claim(itemIDs[1])
	e.sb.Refund(itemIDs[0])
	waitIdle(t, e.sb)

	got := sink.all()
	var types []string
	for _, r := range got {
		verifyOffline(t, r.header, r.body, e.sb.WebhookID())
		var ev map[string]any
		if err := json.Unmarshal(r.body, &ev); err != nil {
			t.Fatal(err)
		}
		types = append(types, ev["event_type"].(string))
		assertSchemaIn(t, webhooksSpec, "event", r.body)
		if !strings.HasPrefix(ev["id"].(string), "WH-") || ev["create_time"] == nil || ev["resource"] == nil {
			t.Errorf("envelope %s", r.body)
		}
		res, _ := json.Marshal(ev["resource"])
		switch ev["resource_type"] {
		case "payouts_item":
			assertSchema(t, "payout_item-2", res)
			if dig(ev, "resource", "payout_batch_id") != id || dig(ev, "resource", "sender_batch_id") != "wh" {
				t.Errorf("item resource %s", res)
			}
		case "payouts":
			if dig(ev, "resource", "batch_header", "payout_batch_id") != id {
				t.Errorf("batch resource %s", res)
			}
			hdr, _ := json.Marshal(dig(ev, "resource", "batch_header"))
			assertSchema(t, "payout_batch_header", hdr)
		default:
			t.Errorf("resource_type %v", ev["resource_type"])
		}
	}
	want := []string{
		"PAYMENT.PAYOUTSBATCH.PROCESSING",
		"PAYMENT.PAYOUTS-ITEM.SUCCEEDED", "PAYMENT.PAYOUTS-ITEM.UNCLAIMED", "PAYMENT.PAYOUTS-ITEM.FAILED",
		"PAYMENT.PAYOUTS-ITEM.HELD", "PAYMENT.PAYOUTS-ITEM.BLOCKED",
		"PAYMENT.PAYOUTSBATCH.SUCCESS",
		"PAYMENT.PAYOUTS-ITEM.SUCCEEDED", "PAYMENT.PAYOUTS-ITEM.REFUNDED",
	}
	if strings.Join(types, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(types, "\n"), strings.Join(want, "\n"))
	}
	if n := len(e.sb.Events()); n != len(want) {
		t.Errorf("Events() has %d", n)
	}
	if !e.sb.VerifyWebhook(got[0].header, got[0].body, e.sb.WebhookID()) {
		t.Error("VerifyWebhook rejected a real delivery")
	}
	if e.sb.VerifyWebhook(got[0].header, append(got[0].body, ' '), e.sb.WebhookID()) {
		t.Error("VerifyWebhook accepted a changed body")
	}
	if !strings.HasPrefix(got[0].header.Get("PAYPAL-CERT-URL"), e.base+"/v1/notifications/certs/CERT-") {
		t.Errorf("cert URL %s", got[0].header.Get("PAYPAL-CERT-URL"))
	}
	if string(e.sb.CertPEM()) == "" || e.sb.CertURL() != got[0].header.Get("PAYPAL-CERT-URL") {
		t.Errorf("CertURL %s", e.sb.CertURL())
	}
}

func TestWebhookCancelAndReturnEvents(t *testing.T) {
	t.Parallel()
	sink, url := newSink(t, nil)
	e := newEnv(t, Config{})
	e.sb.AddWebhook(url)
	e.create(payout("wc", "a+unclaimed@example.com", "b+unclaimed@example.com"))
	e.sb.Advance(time.Second)
	ids := e.sb.Batches()[0].ItemIDs
	if r := e.do("POST", "/v1/payments/payouts-item/"+ids[0]+"/cancel", nil); r.status != 200 {
		t.Fatal(r.status)
	}
	e.sb.Advance(31 * 24 * time.Hour)
	waitIdle(t, e.sb)
	var tail []string
	for _, r := range sink.all()[4:] {
		var ev struct {
			EventType string `json:"event_type"`
			Resource  struct {
				ID     string `json:"payout_item_id"`
				Status string `json:"transaction_status"`
			} `json:"resource"`
		}
		json.Unmarshal(r.body, &ev)
		tail = append(tail, fmt.Sprintf("%s %s %s", ev.EventType, ev.Resource.ID, ev.Resource.Status))
	}
	want := []string{
		"PAYMENT.PAYOUTS-ITEM.CANCELED " + ids[0] + " RETURNED",
		"PAYMENT.PAYOUTS-ITEM.RETURNED " + ids[0] + " RETURNED",
		"PAYMENT.PAYOUTS-ITEM.RETURNED " + ids[1] + " RETURNED",
	}
	if strings.Join(tail, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(tail, "\n"), strings.Join(want, "\n"))
	}
}

func TestVerifyWebhookSignatureEndpoint(t *testing.T) {
	t.Parallel()
	sink, url := newSink(t, nil)
	e := newEnv(t, Config{WebhookURL: url, WebhookID: "1JE4291016473214C"})
	e.create(payout("vw", "a@example.com"))
	e.sb.Advance(time.Second)
	waitIdle(t, e.sb)
	got := sink.all()[0]
	h := got.header
	req := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{
			"auth_algo": h.Get("PAYPAL-AUTH-ALGO"), "cert_url": h.Get("PAYPAL-CERT-URL"),
			"transmission_id": h.Get("PAYPAL-TRANSMISSION-ID"), "transmission_sig": h.Get("PAYPAL-TRANSMISSION-SIG"),
			"transmission_time": h.Get("PAYPAL-TRANSMISSION-TIME"), "webhook_id": "1JE4291016473214C",
			"webhook_event": json.RawMessage(got.body),
		}
		if mod != nil {
			mod(m)
		}
		return m
	}
	cases := []struct {
		name string
		mod  func(m map[string]any)
		want string
	}{
		{"genuine", nil, "SUCCESS"},
		{"other webhook id", func(m map[string]any) { m["webhook_id"] = "OTHER" }, "FAILURE"},
		{"tampered event", func(m map[string]any) {
			m["webhook_event"] = json.RawMessage(strings.Replace(string(got.body), "PROCESSING", "DENIED", 1))
		}, "FAILURE"},
		{"reformatted event", func(m map[string]any) {
			m["webhook_event"] = json.RawMessage(" " + string(got.body))
		}, "SUCCESS"}, // leading whitespace is outside the raw value
		{"other transmission id", func(m map[string]any) { m["transmission_id"] = "x" + h.Get("PAYPAL-TRANSMISSION-ID") }, "FAILURE"},
		{"bad algo", func(m map[string]any) { m["auth_algo"] = "SHA1withRSA" }, "FAILURE"},
		{"foreign cert", func(m map[string]any) {
			m["cert_url"] = "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-aaaaaaaa"
		}, "FAILURE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/v1/notifications/verify-webhook-signature", req(tc.mod))
			if r.status != 200 || r.json(t)["verification_status"] != tc.want {
				t.Errorf("%d %s, want %s", r.status, r.body, tc.want)
			}
			assertSchemaIn(t, webhooksSpec, "verify_webhook_signature_response", r.body)
		})
	}
	r := e.do("POST", "/v1/notifications/verify-webhook-signature", `{"auth_algo":"SHA256withRSA"}`)
	if r.status != 400 || r.json(t)["name"] != "VALIDATION_ERROR" {
		t.Errorf("missing fields: %d %s", r.status, r.body)
	}
	assertSchemaIn(t, webhooksSpec, "error", r.body)
}

func TestWebhookRetries(t *testing.T) {
	t.Parallel()
	// The first 3 attempts fail with 500, then 200.
	sink, url := newSink(t, func(n int) int {
		if n < 3 {
			return 500
		}
		return 200
	})
	e := newEnv(t, Config{WebhookURL: url, WebhookRetryBase: time.Millisecond, WebhookRetryMax: 5 * time.Millisecond})
	e.create(payout("rt", "a@example.com"))
	e.sb.Advance(300 * time.Millisecond) // PROCESSING only: one event
	waitIdle(t, e.sb)
	got := sink.all()
	if len(got) != 4 {
		t.Fatalf("%d deliveries, want 4", len(got))
	}
	for _, r := range got[1:] {
		if string(r.body) != string(got[0].body) {
			t.Error("a retry changed the body")
		}
		if r.header.Get("PAYPAL-TRANSMISSION-ID") == got[0].header.Get("PAYPAL-TRANSMISSION-ID") {
			t.Error("a retry reused the transmission id")
		}
		verifyOffline(t, r.header, r.body, e.sb.WebhookID())
	}
	d := e.sb.Deliveries()
	if len(d) != 4 || d[0].Status != 500 || d[3].Status != 200 || d[3].Attempt != 4 {
		t.Errorf("deliveries %+v", d)
	}

	// Retries give up after WebhookRetries.
	sink2, url2 := newSink(t, func(int) int { return 503 })
	e2 := newEnv(t, Config{WebhookURL: url2, WebhookRetries: 2, WebhookRetryBase: time.Millisecond})
	e2.create(payout("rt", "a@example.com"))
	e2.sb.Advance(300 * time.Millisecond)
	waitIdle(t, e2.sb)
	if n := len(sink2.all()); n != 3 {
		t.Errorf("%d attempts, want 1 + 2 retries", n)
	}
}

func eventIDs(t *testing.T, rs []received) []string {
	var ids []string
	for _, r := range rs {
		var ev struct {
			ID string `json:"id"`
		}
		json.Unmarshal(r.body, &ev)
		ids = append(ids, ev.ID)
	}
	return ids
}

func TestWebhookKnobs(t *testing.T) {
	t.Parallel()
	t.Run("duplicates", func(t *testing.T) {
		t.Parallel()
		sink, url := newSink(t, nil)
		e := newEnv(t, Config{WebhookURL: url, WebhookDuplicates: true})
		e.create(payout("k", "a@example.com"))
		e.sb.Advance(time.Second)
		waitIdle(t, e.sb)
		ids := eventIDs(t, sink.all())
		if len(ids) != 6 || ids[0] != ids[1] || ids[2] != ids[3] || ids[4] != ids[5] {
			t.Errorf("ids %v", ids)
		}
	})
	t.Run("reorder", func(t *testing.T) {
		t.Parallel()
		sink, url := newSink(t, nil)
		e := newEnv(t, Config{WebhookURL: url, WebhookReorder: true, WebhookReorderWindow: 50 * time.Millisecond})
		e.create(payout("k", "a@example.com"))
		e.sb.Advance(time.Second)
		waitIdle(t, e.sb)
		var types []string
		for _, r := range sink.all() {
			var ev struct {
				T string `json:"event_type"`
			}
			json.Unmarshal(r.body, &ev)
			types = append(types, ev.T)
		}
		want := "PAYMENT.PAYOUTSBATCH.SUCCESS PAYMENT.PAYOUTS-ITEM.SUCCEEDED PAYMENT.PAYOUTSBATCH.PROCESSING"
		if strings.Join(types, " ") != want {
			t.Errorf("order %v", types)
		}
	})
	t.Run("stale", func(t *testing.T) {
		t.Parallel()
		sink, url := newSink(t, nil)
		e := newEnv(t, Config{WebhookURL: url, WebhookStaleAfter: 300 * time.Millisecond})
		e.create(payout("k", "a@example.com"))
		e.sb.Advance(time.Second)
		waitIdle(t, e.sb)
		if n := len(sink.all()); n < 3 {
			t.Errorf("%d before the stale copies", n)
		}
		deadline := time.Now().Add(5 * time.Second)
		for len(sink.all()) < 6 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		ids := eventIDs(t, sink.all())
		if len(ids) != 6 || ids[3] != ids[0] {
			t.Errorf("stale copies %v", ids)
		}
	})
	t.Run("runtime options", func(t *testing.T) {
		t.Parallel()
		sink, url := newSink(t, nil)
		e := newEnv(t, Config{WebhookURL: url})
		r := e.do("POST", "/sandbox/webhooks/options", `{"duplicates":true,"stale_after_ms":0}`)
		if r.status != 200 || r.json(t)["duplicates"] != true || r.json(t)["reorder_window_ms"] != float64(100) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		e.create(payout("k", "a@example.com"))
		e.sb.Advance(300 * time.Millisecond)
		waitIdle(t, e.sb)
		if ids := eventIDs(t, sink.all()); len(ids) != 2 || ids[0] != ids[1] {
			t.Errorf("ids %v", ids)
		}
		e.sb.SetWebhookOptions(WebhookOptions{})
		e.sb.Advance(time.Second)
		waitIdle(t, e.sb)
		if n := len(sink.all()); n != 4 {
			t.Errorf("%d deliveries", n)
		}
	})
	t.Run("redeliver", func(t *testing.T) {
		t.Parallel()
		sink, url := newSink(t, nil)
		e := newEnv(t, Config{})
		if r := e.do("POST", "/sandbox/webhooks", map[string]string{"url": url}); r.status != 201 || r.json(t)["id"] != DefaultWebhookID {
			t.Fatalf("register: %d %s", r.status, r.body)
		}
		e.create(payout("k", "a@example.com"))
		e.sb.Advance(time.Second)
		waitIdle(t, e.sb)
		first := e.sb.Events()[0].ID
		if r := e.do("POST", "/sandbox/webhooks/redeliver", map[string]string{"event_id": first}); r.status != 202 {
			t.Fatalf("redeliver: %d %s", r.status, r.body)
		}
		waitIdle(t, e.sb)
		ids := eventIDs(t, sink.all())
		if len(ids) != 4 || ids[3] != first {
			t.Errorf("ids %v", ids)
		}
		if err := e.sb.Redeliver("WH-NOPE"); err == nil {
			t.Error("unknown event redelivered")
		}
		second := e.sb.AddWebhook(url)
		if second.ID == DefaultWebhookID || len(e.sb.Webhooks()) != 2 {
			t.Errorf("second webhook %+v", second)
		}
		if r := e.do("DELETE", "/sandbox/webhooks/"+second.ID, nil); r.status != 204 || len(e.sb.Webhooks()) != 1 {
			t.Errorf("delete: %d", r.status)
		}
	})
}
