package payout_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/store"
)

// Webhooks alone (no polling) take awards to their final states, every
// redelivery is dropped by event id, and a refund after success reverses
// the award without paying it again.
func TestWebhookAppliesWithoutPolling(t *testing.T) {
	engines(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, fixtureOpts{Webhooks: true, Sandbox: paypalsandbox.Config{WebhookDuplicates: true}})
		paid := clearedAward(t, st, "W-1", models.AwardMoney, usd(2500), "w1@example.com")
		unclaimed := clearedAward(t, st, "W-2", models.AwardMoney, usd(2500), "w2+unclaimed@example.com")
		failed := clearedAward(t, st, "W-3", models.AwardMoney, usd(2500), "w3+fail@example.com")
		held := clearedAward(t, st, "W-4", models.AwardMoney, usd(2500), "w4+onhold@example.com")
		for _, id := range []string{paid, unclaimed, failed, held} {
			if _, out := f.send(t, id); out != payout.OutcomeAccepted {
				t.Fatalf("%s: %s", id, out)
			}
		}
		f.settle(t)
		wantState(t, st, paid, models.StatePaid)
		wantState(t, st, unclaimed, models.StateUnclaimed)
		wantState(t, st, failed, models.StateFailed)
		wantState(t, st, held, models.StateOnHold)
		a, _ := st.Award(ctxT(t), unclaimed)
		if !strings.Contains(a.Reason, "RECEIVER_UNREGISTERED") || !strings.Contains(a.Reason, "returns it on") {
			t.Errorf("unclaimed reason %q", a.Reason)
		}

		// Every event came twice; the second delivery was a duplicate.
		dups := 0
		for _, d := range f.received() {
			if d.status != http.StatusOK {
				t.Errorf("delivery answered %d", d.status)
			}
			var resp struct{ Outcome string }
			json.Unmarshal(d.body, &resp) // body is the event; outcome is not recorded here
		}
		for _, ev := range f.sb.Events() {
			rec, err := st.WebhookEventByID(ctxT(t), ev.ID)
			if err != nil {
				t.Fatalf("event %s not recorded: %v", ev.ID, err)
			}
			if rec.ProcessedAt == nil {
				t.Errorf("event %s not processed", ev.ID)
			}
			if rec.Deliveries >= 2 {
				dups++
			}
		}
		if dups == 0 {
			t.Error("no event was delivered twice")
		}

		// A refund after success: reversed, never paid again.
		items := f.itemsFor(paid)
		if len(items) != 1 {
			t.Fatalf("items %s", describeItems(items))
		}
		if err := f.sb.Refund(items[0].PayoutItemID); err != nil {
			t.Fatal(err)
		}
		f.settle(t)
		wantState(t, st, paid, models.StateReversed)
		if n := len(f.itemsFor(paid)); n != 1 {
			t.Errorf("%d items after the refund", n)
		}
		verify(t, st)
	})
}

// A create whose answer was lost is adopted through the webhook that names
// its batch, with no second create.
func TestWebhookAdoptsLostAnswer(t *testing.T) {
	engines(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, fixtureOpts{Webhooks: true})
		id := clearedAward(t, st, "L-1", models.AwardMoney, usd(1000), "l1@example.com")
		if err := f.sb.InjectFault(paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate,
			Kind: paypalsandbox.FaultReset, Stage: paypalsandbox.StageAfter}); err != nil {
			t.Fatal(err)
		}
		if _, out := f.send(t, id); out != payout.OutcomeUnknown {
			t.Fatalf("outcome %s, want unknown", out)
		}
		f.settle(t)
		wantState(t, st, id, models.StatePaid)
		creates := 0
		for _, r := range f.sb.Requests() {
			if r.Endpoint == paypalsandbox.EndpointCreate {
				creates++
			}
		}
		if creates != 1 {
			t.Errorf("%d creates, want 1", creates)
		}
		atts, _ := st.AttemptsForAward(ctxT(t), id)
		if len(atts) != 1 || atts[0].Status != models.AttemptSettled || atts[0].PayoutBatchID == "" {
			t.Errorf("attempt %+v", atts)
		}
		verify(t, st)
	})
}

// The signature check refuses tampered bodies, certificates that did not
// sign, disallowed certificate hosts and missing headers, end to end
// through the handler, and changes nothing.
func TestWebhookRefusesTamperedAndWrongCert(t *testing.T) {
	st := openStore(t, store.Config{DataDir: t.TempDir()})
	f := newFixture(t, st, fixtureOpts{Webhooks: true})
	other, otherBase := startOther(t)
	// A client that also trusts the other sandbox's host, so that the
	// wrong certificate is fetched and fails on the signature itself.
	pp, err := paypal.NewClient(paypal.Config{ClientID: clientID, Secret: secret, APIBase: f.base,
		Timeout: 2 * time.Second, WebhookID: f.sb.WebhookID(),
		CertHosts: []string{"http://" + strings.TrimPrefix(f.base, "http://"), "http://" + strings.TrimPrefix(otherBase, "http://")}})
	if err != nil {
		t.Fatal(err)
	}
	h := payout.NewWebhookHandler(f.sender, pp, nil)

	id := clearedAward(t, st, "T-1", models.AwardMoney, usd(1000), "t1@example.com")
	f.send(t, id)
	f.settle(t)
	wantState(t, st, id, models.StatePaid)
	var genuine *delivery
	for _, d := range f.received() {
		if bytes.Contains(d.body, []byte("PAYMENT.PAYOUTS-ITEM.SUCCEEDED")) {
			genuine = &d
		}
	}
	if genuine == nil {
		t.Fatal("no item delivery received")
	}
	post := func(header http.Header, body []byte) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/paypal", bytes.NewReader(body))
		req.Header = header.Clone()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post(genuine.header, genuine.body); code != http.StatusOK {
		t.Fatalf("genuine replay: %d", code)
	}

	var ev struct {
		ID string `json:"id"`
	}
	json.Unmarshal(genuine.body, &ev)
	forged := bytes.Replace(genuine.body, []byte(ev.ID), []byte("WH-FORGED-0000000000000"), 1)
	amount := bytes.Replace(genuine.body, []byte(`"10.00"`), []byte(`"99.00"`), 1)
	if bytes.Equal(amount, genuine.body) {
		t.Fatal("amount not found in the body")
	}
	wrongCert := genuine.header.Clone()
	wrongCert.Set(paypal.HeaderCertURL, other.CertURL())
	badHost := genuine.header.Clone()
	badHost.Set(paypal.HeaderCertURL, "https://evil.example/v1/notifications/certs/CERT-1")
	noSig := genuine.header.Clone()
	noSig.Del(paypal.HeaderTransmissionSig)
	otherID := genuine.header.Clone()
	otherID.Set(paypal.HeaderTransmissionID, "00000000-0000-0000-0000-000000000000")
	for _, tc := range []struct {
		name   string
		header http.Header
		body   []byte
	}{
		{"tampered event id", genuine.header, forged},
		{"tampered amount", genuine.header, amount},
		{"wrong certificate", wrongCert, genuine.body},
		{"certificate host not allowed", badHost, genuine.body},
		{"no signature", noSig, genuine.body},
		{"other transmission id", otherID, forged},
	} {
		if code := post(tc.header, tc.body); code != http.StatusBadRequest {
			t.Errorf("%s: answered %d, want 400", tc.name, code)
		}
	}
	if _, err := st.WebhookEventByID(ctxT(t), "WH-FORGED-0000000000000"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("forged event recorded: %v", err)
	}
	wantState(t, st, id, models.StatePaid)
	verify(t, st)
}

// startOther starts a second sandbox: another signing key and cert.
func startOther(t *testing.T) (*paypalsandbox.Sandbox, string) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	sb := paypalsandbox.New(paypalsandbox.Config{ClientID: clientID, Secret: secret, SigningKey: key})
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb, base
}

// Events of a superseded attempt, stale events and events of batches we
// never made are ignored.
func TestWebhookIgnoresSupersededAndForeign(t *testing.T) {
	st := openStore(t, store.Config{DataDir: t.TempDir()})
	f := newFixture(t, st, fixtureOpts{Webhooks: true})
	id := clearedAward(t, st, "S-1", models.AwardMoney, usd(1000), "s1+fail@example.com")
	att1, _ := f.send(t, id)
	f.settle(t)
	wantState(t, st, id, models.StateFailed)
	if err := f.sb.SetReceiver("s1+fail@example.com", paypalsandbox.BehaviourSuccess); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sender.Retry(ctxT(t), id, payout.RetryOptions{By: "finance-ann", Reason: "receiver fixed"}); err != nil {
		t.Fatal(err)
	}
	att2, out := f.send(t, id)
	if out != payout.OutcomeAccepted || att2.Attempt != 2 || att2.SenderBatchID == att1.SenderBatchID {
		t.Fatalf("attempt 2: %+v %s", att2, out)
	}
	f.settle(t)
	wantState(t, st, id, models.StatePaid)

	// Redeliver every event of attempt 1: all ignored, nothing changes.
	for _, ev := range f.sb.Events() {
		if !strings.Contains(string(ev.Body), att1.SenderBatchID) {
			continue
		}
		pev := paypal.Event{ID: ev.ID + "-again", EventType: ev.EventType, CreateTime: ev.CreateTime,
			Resource: paypal.EventResource{SenderBatchID: att1.SenderBatchID, PayoutBatchID: ev.PayoutBatchID, PayoutItemID: ev.PayoutItemID}}
		outc, err := f.hook.Handle(ctxT(t), pev)
		if err != nil || !strings.Contains(outc, "superseded") {
			t.Errorf("event %s: %q %v", ev.EventType, outc, err)
		}
	}
	// Foreign and stale events.
	outc, err := f.hook.Handle(ctxT(t), paypal.Event{ID: "WH-foreign", EventType: "PAYMENT.PAYOUTS-ITEM.SUCCEEDED",
		Resource: paypal.EventResource{PayoutItemID: "NOTOURS000000", PayoutBatchID: "NOTOURS000001"}})
	if err != nil || !strings.Contains(outc, "no attempt") {
		t.Errorf("foreign: %q %v", outc, err)
	}
	outc, err = f.hook.Handle(ctxT(t), paypal.Event{ID: "WH-stale", EventType: "PAYMENT.PAYOUTS-ITEM.SUCCEEDED",
		CreateTime: time.Now().Add(-48 * time.Hour), Resource: paypal.EventResource{SenderBatchID: att2.SenderBatchID}})
	if err != nil || !strings.Contains(outc, "stale") {
		t.Errorf("stale: %q %v", outc, err)
	}
	// A redelivery with the same event id is a duplicate.
	outc, err = f.hook.Handle(ctxT(t), paypal.Event{ID: "WH-stale", EventType: "PAYMENT.PAYOUTS-ITEM.SUCCEEDED"})
	if err != nil || !strings.Contains(outc, "duplicate") {
		t.Errorf("duplicate: %q %v", outc, err)
	}
	if n := len(f.itemsFor(id)); n != 2 {
		t.Errorf("%d items, want 2 (one failed, one paid)", n)
	}
	wantState(t, st, id, models.StatePaid)
	verify(t, st)
	_ = context.Background
}
