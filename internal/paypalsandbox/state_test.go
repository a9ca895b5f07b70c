package paypalsandbox

import (
	"bytes"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

func TestStateSurvivesRestart(t *testing.T) {
	e := newEnv(t, Config{})
	id := e.create(payout("b-state", "ok@example.com", "who+unclaimed@example.com"))
	e.sb.Advance(time.Second)
	if got := batchStatus(e.getBatch(id, "")); got != BatchSuccess {
		t.Fatalf("batch %s", got)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	if err := e.sb.SaveStateFile(path); err != nil {
		t.Fatal(err)
	}

	e2 := newEnv(t, Config{})
	if err := e2.sb.LoadStateFile(path); err != nil {
		t.Fatal(err)
	}
	items := itemsOf(e2.getBatch(id, ""))
	if len(items) != 2 {
		t.Fatalf("restored batch has %d items", len(items))
	}
	// The sender_batch_id stays used: a resend is a duplicate.
	r := e2.do("POST", "/v1/payments/payouts", payout("b-state", "ok@example.com"))
	if r.status != http.StatusBadRequest || !bytes.Contains(r.body, []byte("already exists")) {
		t.Fatalf("resend after restore: %d %s", r.status, r.body)
	}
	// The unclaimed item still returns after 30 days.
	e2.sb.Advance(31 * 24 * time.Hour)
	var unclaimedNow string
	for _, it := range e2.sb.Items() {
		if it.Receiver == "who+unclaimed@example.com" {
			unclaimedNow = it.TransactionStatus
		}
	}
	if unclaimedNow != ItemReturned {
		t.Fatalf("unclaimed item after 31 days: %s", unclaimedNow)
	}
	// A missing file is no error.
	if err := e2.sb.LoadStateFile(filepath.Join(t.TempDir(), "none.json")); err != nil {
		t.Fatal(err)
	}
}
