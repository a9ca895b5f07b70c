package payout_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/store"
)

// clock is the sender's clock in these tests, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const day = 24 * time.Hour

// creates counts the create calls the sandbox received.
func (f *fixture) creates() int {
	n := 0
	for _, r := range f.sb.Requests() {
		if r.Endpoint == paypalsandbox.EndpointCreate {
			n++
		}
	}
	return n
}

// toManual sends a money award whose first create call meets fault (its
// answer is lost), then lets the resend horizon pass so that the next
// submission hands it to finance: the award ends in needs_reconciliation.
func toManual(t *testing.T, f *fixture, c *clock, id string, fault paypalsandbox.Fault) models.Attempt {
	t.Helper()
	if err := f.sb.InjectFault(fault); err != nil {
		t.Fatal(err)
	}
	att, out := f.send(t, id)
	if out != payout.OutcomeUnknown {
		t.Fatalf("first send: %s, want unknown", out)
	}
	c.Advance(payout.DefaultResendHorizon + day)
	if out, err := f.sender.Submit(ctxT(t), att); err != nil || out != payout.OutcomeManual {
		t.Fatalf("submit past the horizon: %s %v", out, err)
	}
	wantState(t, f.st, id, models.StateNeedsReconciliation)
	return att
}

// entry returns the award's ledger entry whose key starts with prefix.
func entry(t *testing.T, st *store.Store, awardID, prefix string) (ledger.Entry, bool) {
	t.Helper()
	es, err := st.LedgerEntriesForAward(ctxT(t), awardID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if strings.HasPrefix(e.IdempotencyKey, prefix) {
			return e, true
		}
	}
	return ledger.Entry{}, false
}

// The double payment this guards against: the first batch reached PayPal
// but its answer was lost, and a person settled the award as "nothing
// sent", so a retry paid it again. Within PayPal's deduplication window
// Resolve asks PayPal by resending the frozen request: the duplicate answer
// links the batch, the award is paid exactly once and never failed.
func TestNothingSentLinksTheBatchPayPalHolds(t *testing.T) {
	engines(t, func(t *testing.T, st *store.Store) {
		c := newClock()
		f := newFixture(t, st, fixtureOpts{Payout: payout.Config{NowFunc: c.Now}})
		id := clearedAward(t, st, "NS-1", models.AwardMoney, usd(2500), "ns1@example.com")
		att := toManual(t, f, c, id, paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate,
			Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageAfter})
		if n := len(f.itemsFor(id)); n != 1 {
			t.Fatalf("the first create made %d items, want 1", n)
		}

		to, err := f.sender.Resolve(ctxT(t), id, payout.ResolveOptions{By: "fin-a", NothingSent: true, Reason: "not in our PayPal view"})
		if !errors.Is(err, payout.ErrBatchLinked) || !errors.Is(err, models.ErrConflict) {
			t.Fatalf("resolve nothing sent of a batch PayPal holds: %s %v", to, err)
		}
		if to != models.StateSent && to != models.StatePaid {
			t.Fatalf("award is %s after linking, want sent or paid", to)
		}
		if state(t, st, id) == models.StateFailed {
			t.Fatal("award failed although PayPal holds its batch")
		}
		f.sb.Advance(2 * time.Second)
		f.reconcileAll(t)
		wantState(t, st, id, models.StatePaid)

		items := f.itemsFor(id)
		if len(items) != 1 || items[0].TransactionStatus != "SUCCESS" {
			t.Fatalf("sandbox items %s, want exactly one paid", describeItems(items))
		}
		if n := len(f.sb.Batches()); n != 1 {
			t.Errorf("%d batches", n)
		}
		if n := f.creates(); n != 2 {
			t.Errorf("%d creates, want 2 (the first and the one resend)", n)
		}
		got, err := st.Attempt(ctxT(t), att.SenderBatchID)
		if err != nil || got.PayoutBatchID != items[0].PayoutBatchID || got.Status != models.AttemptSettled || got.Submissions != 2 {
			t.Fatalf("attempt %+v %v", got, err)
		}
		if atts, _ := st.AttemptsForAward(ctxT(t), id); len(atts) != 1 {
			t.Errorf("%d attempts, want 1", len(atts))
		}
		if _, err := f.sender.Retry(ctxT(t), id, payout.RetryOptions{By: "fin-a"}); !errors.Is(err, models.ErrConflict) {
			t.Errorf("retry of the paid award: %v", err)
		}
		if e, ok := entry(t, st, id, "award/"+id+"/nothing-sent-asked/"); !ok || e.Actor != "fin-a" {
			t.Errorf("the resend is not recorded with its person: %+v", e)
		}
		if e, ok := entry(t, st, id, "award/"+id+"/resolved-void/"); ok {
			t.Errorf("settled as nothing sent: %+v", e)
		}
		bal := verify(t, st)
		if bal[ledger.AccountInFlight]["USD"] != 0 {
			t.Errorf("in flight %d", bal[ledger.AccountInFlight]["USD"])
		}
		res, err := f.sender.Audit(ctxT(t))
		if err != nil || res.Checked != 1 || len(res.Mismatches) != 0 {
			t.Errorf("audit %+v %v", res, err)
		}
	})
}

// A duplicate answer without a link (PayPal says the id was used, not for
// which batch) hands the attempt to finance at once; asking again links
// the batch when PayPal's answer carries the link, and refuses to settle
// anything while it does not.
func TestNothingSentDuplicateWithoutLink(t *testing.T) {
	engines(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, fixtureOpts{})
		id := clearedAward(t, st, "NS-2", models.AwardMoney, usd(1200), "ns2@example.com")
		f.sb.InjectFault(
			paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageAfter},
			paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultDuplicateNoLink, Count: 2})
		att, out := f.send(t, id)
		if out != payout.OutcomeUnknown {
			t.Fatalf("first send: %s", out)
		}
		if out, err := f.sender.Submit(ctxT(t), att); err != nil || out != payout.OutcomeManual {
			t.Fatalf("resend answered duplicate without link: %s %v", out, err)
		}
		wantState(t, st, id, models.StateNeedsReconciliation)

		to, err := f.sender.Resolve(ctxT(t), id, payout.ResolveOptions{By: "fin-a", NothingSent: true})
		if !errors.Is(err, models.ErrConflict) || errors.Is(err, payout.ErrBatchLinked) || to != "" {
			t.Fatalf("duplicate without link: %s %v", to, err)
		}
		wantState(t, st, id, models.StateNeedsReconciliation)
		if got, _ := st.Attempt(ctxT(t), att.SenderBatchID); got.Status != models.AttemptManual || !strings.Contains(got.LastError, "no link") {
			t.Errorf("attempt %s %q", got.Status, got.LastError)
		}

		to, err = f.sender.Resolve(ctxT(t), id, payout.ResolveOptions{By: "fin-a", NothingSent: true})
		if !errors.Is(err, payout.ErrBatchLinked) || to == models.StateFailed {
			t.Fatalf("asked again: %s %v", to, err)
		}
		f.sb.Advance(2 * time.Second)
		f.reconcileAll(t)
		wantState(t, st, id, models.StatePaid)
		if items := f.itemsFor(id); len(items) != 1 {
			t.Fatalf("items %s", describeItems(items))
		}
		verify(t, st)
	})
}

// Nothing at PayPal within the window: the resend creates the payment,
// once, under the original sender_batch_id, and the award follows it.
// Without PayPal, or when its answer is lost, nothing is settled.
func TestNothingSentWithinWindowSendsOnce(t *testing.T) {
	engines(t, func(t *testing.T, st *store.Store) {
		c := newClock()
		f := newFixture(t, st, fixtureOpts{Payout: payout.Config{NowFunc: c.Now}})
		lost := paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageBefore}
		id := clearedAward(t, st, "NW-1", models.AwardMoney, usd(4000), "nw1@example.com")
		att := toManual(t, f, c, id, lost)
		if n := len(f.sb.Batches()); n != 0 {
			t.Fatalf("%d batches before the resend", n)
		}
		to, err := f.sender.Resolve(ctxT(t), id, payout.ResolveOptions{By: "fin-a", NothingSent: true})
		if !errors.Is(err, payout.ErrBatchLinked) || (to != models.StateSent && to != models.StatePaid) {
			t.Fatalf("resolve: %s %v", to, err)
		}
		if !strings.Contains(err.Error(), "no batch existed") {
			t.Errorf("message %q does not say the resend made the payment", err)
		}
		f.sb.Advance(2 * time.Second)
		f.reconcileAll(t)
		wantState(t, st, id, models.StatePaid)
		items := f.itemsFor(id)
		if len(items) != 1 || items[0].SenderBatchID != att.SenderBatchID {
			t.Fatalf("items %s, want one under %s", describeItems(items), att.SenderBatchID)
		}
		if _, ok := entry(t, st, id, "award/"+id+"/resolved-void/"); ok {
			t.Error("settled as nothing sent")
		}
		verify(t, st)

		// Without a PayPal client, and when PayPal does not answer: refused,
		// nothing settled, and asking again later links what the lost
		// answer created.
		id2 := clearedAward(t, st, "NW-2", models.AwardMoney, usd(4000), "nw2@example.com")
		att2 := toManual(t, f, c, id2, lost)
		noPP := payout.NewSender(payout.Config{NowFunc: c.Now}, storeadapt.Payout(st), nil)
		if _, err := noPP.Resolve(ctxT(t), id2, payout.ResolveOptions{By: "fin-a", NothingSent: true}); !errors.Is(err, models.ErrInvalid) ||
			!strings.Contains(err.Error(), "no PayPal client") {
			t.Fatalf("without PayPal: %v", err)
		}
		wantState(t, st, id2, models.StateNeedsReconciliation)
		f.sb.InjectFault(paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageAfter})
		if to, err := f.sender.Resolve(ctxT(t), id2, payout.ResolveOptions{By: "fin-a", NothingSent: true}); !errors.Is(err, models.ErrTransient) || to != "" {
			t.Fatalf("answer lost: %s %v", to, err)
		}
		wantState(t, st, id2, models.StateNeedsReconciliation)
		if got, _ := st.Attempt(ctxT(t), att2.SenderBatchID); got.Status != models.AttemptManual || got.Submissions != 2 {
			t.Errorf("attempt after a lost answer: %s, %d submissions", got.Status, got.Submissions)
		}
		to, err = f.sender.Resolve(ctxT(t), id2, payout.ResolveOptions{By: "fin-b", NothingSent: true})
		if !errors.Is(err, payout.ErrBatchLinked) || !strings.Contains(err.Error(), "so it was sent") {
			t.Fatalf("asked again: %s %v", to, err)
		}
		f.sb.Advance(2 * time.Second)
		f.reconcileAll(t)
		wantState(t, st, id2, models.StatePaid)
		if items := f.itemsFor(id2); len(items) != 1 {
			t.Fatalf("items %s", describeItems(items))
		}
		verify(t, st)
	})
}

// Past PayPal's window a resend could pay twice, so it is never made:
// settling as nothing sent takes two distinct finance people and the
// Transaction Search reference, all named in the ledger.
func TestNothingSentAfterWindowNeedsTwoPeople(t *testing.T) {
	engines(t, func(t *testing.T, st *store.Store) {
		c := newClock()
		f := newFixture(t, st, fixtureOpts{Payout: payout.Config{NowFunc: c.Now}})
		id := clearedAward(t, st, "NA-1", models.AwardMoney, usd(1500), "na1@example.com")
		att := toManual(t, f, c, id, paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate,
			Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageBefore})
		c.Advance(payout.AskPayPalWithin - payout.DefaultResendHorizon) // just past the window
		creates := f.creates()

		for _, tc := range []struct {
			name string
			o    payout.ResolveOptions
		}{
			{"one person", payout.ResolveOptions{By: "fin-a", NothingSent: true}},
			{"one person with a reference", payout.ResolveOptions{By: "fin-a", NothingSent: true, TransactionSearchRef: "TS-1"}},
			{"the same person twice", payout.ResolveOptions{By: "Fin A", SecondBy: " fin  a ", NothingSent: true, TransactionSearchRef: "TS-1"}},
			{"no reference", payout.ResolveOptions{By: "fin-a", SecondBy: "fin-b", NothingSent: true}},
			{"second person without nothing sent", payout.ResolveOptions{By: "fin-a", SecondBy: "fin-b", PayoutBatchID: "X"}},
		} {
			if _, err := f.sender.Resolve(ctxT(t), id, tc.o); !errors.Is(err, models.ErrInvalid) {
				t.Errorf("%s: %v, want invalid", tc.name, err)
			}
			wantState(t, st, id, models.StateNeedsReconciliation)
		}
		to, err := f.sender.Resolve(ctxT(t), id, payout.ResolveOptions{By: "fin-a", SecondBy: "fin-b", NothingSent: true,
			TransactionSearchRef: "TS-2026-0042", Reason: "no payment to na1 in the search"})
		if err != nil || to != models.StateFailed {
			t.Fatalf("two people and a reference: %s %v", to, err)
		}
		if n := f.creates(); n != creates {
			t.Errorf("%d create calls after the window, want none", n-creates)
		}
		e, ok := entry(t, st, id, "award/"+id+"/resolved-void/"+att.SenderBatchID)
		if !ok || e.Actor != "fin-a" || e.Kind != ledger.KindSendVoided || e.Data["confirmed_by"] != "fin-a" ||
			e.Data["second_by"] != "fin-b" || e.Data["transaction_search_ref"] != "TS-2026-0042" ||
			!strings.Contains(e.Data["reason"], "fin-b") {
			t.Errorf("ledger entry %+v", e)
		}
		got, _ := st.Attempt(ctxT(t), att.SenderBatchID)
		if got.Status != models.AttemptRejected || !strings.Contains(got.LastError, "fin-a and fin-b") {
			t.Errorf("attempt %s %q", got.Status, got.LastError)
		}

		// Then retried as attempt 2, paid once.
		if _, err := f.sender.Retry(ctxT(t), id, payout.RetryOptions{By: "fin-a"}); err != nil {
			t.Fatal(err)
		}
		f.send(t, id)
		f.sb.Advance(2 * time.Second)
		f.reconcileAll(t)
		wantState(t, st, id, models.StatePaid)
		if items := f.itemsFor(id); len(items) != 1 || items[0].SenderBatchID != payout.SenderBatchID(id, 2) {
			t.Errorf("items %s", describeItems(items))
		}
		verify(t, st)
	})
}

// The live audit reads every attempt ever made: an earlier attempt whose
// batch PayPal holds although bountypay recorded it as not sent is named
// as a possible double payment; one recorded as not sent that may have
// reached PayPal, without a batch id to read, is named as unverifiable;
// superseded attempts that agree with PayPal, and paid ones, are not.
func TestAuditReadsEveryAttempt(t *testing.T) {
	engines(t, func(t *testing.T, st *store.Store) {
		c := newClock()
		f := newFixture(t, st, fixtureOpts{Payout: payout.Config{NowFunc: c.Now}})
		// Paid twice: the first batch reached PayPal, its answer was lost,
		// and after PayPal's window two people (wrongly) settled it as
		// nothing sent; the retry paid again.
		twice := clearedAward(t, st, "AU-1", models.AwardMoney, usd(3000), "au1@example.com")
		first := toManual(t, f, c, twice, paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate,
			Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageAfter})
		c.Advance(payout.AskPayPalWithin - payout.DefaultResendHorizon)
		if _, err := f.sender.Resolve(ctxT(t), twice, payout.ResolveOptions{By: "fin-a", SecondBy: "fin-b", NothingSent: true,
			TransactionSearchRef: "TS-7"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.sender.Retry(ctxT(t), twice, payout.RetryOptions{By: "fin-a"}); err != nil {
			t.Fatal(err)
		}
		f.send(t, twice)
		// Failed, retried, paid: the earlier attempt agrees with PayPal.
		retried := clearedAward(t, st, "AU-2", models.AwardMoney, usd(3000), "au2+locked@example.com")
		f.send(t, retried)
		f.sb.Advance(2 * time.Second)
		f.reconcileAll(t)
		wantState(t, st, retried, models.StateFailed)
		f.sb.SetReceiver("au2+locked@example.com", paypalsandbox.BehaviourSuccess)
		if _, err := f.sender.Retry(ctxT(t), retried, payout.RetryOptions{By: "fin-a"}); err != nil {
			t.Fatal(err)
		}
		f.send(t, retried)
		paid := clearedAward(t, st, "AU-3", models.AwardMoney, usd(3000), "au3@example.com")
		f.send(t, paid)
		f.sb.Advance(2 * time.Second)
		f.reconcileAll(t)
		for _, id := range []string{twice, retried, paid} {
			wantState(t, st, id, models.StatePaid)
		}
		if n := len(f.itemsFor(twice)); n != 2 {
			t.Fatalf("the double payment has %d items", n)
		}

		res, err := f.sender.Audit(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if res.Checked != 4 || len(res.Mismatches) != 1 {
			t.Fatalf("audit: checked %d, mismatches %+v", res.Checked, res.Mismatches)
		}
		m := res.Mismatches[0]
		if m.AwardID != twice || m.SenderBatchID != first.SenderBatchID || m.Attempt != 1 || m.Kind != payout.AuditUnverifiable ||
			!strings.Contains(m.Problem, "unverifiable: no batch id recorded") || !strings.Contains(m.Problem, "fin-a and fin-b") ||
			!strings.Contains(m.Problem, "TS-7") || !strings.Contains(m.Problem, "attempt 2") {
			t.Errorf("unverifiable attempt: %+v", m)
		}

		// Once the batch id is on record (as an earlier version of
		// bountypay, or a fix by hand, could have left it), the audit reads
		// it back and names the double payment.
		var batchID string
		for _, b := range f.sb.Batches() {
			if b.SenderBatchID == first.SenderBatchID {
				batchID = b.PayoutBatchID
			}
		}
		rec, err := st.Attempt(ctxT(t), first.SenderBatchID)
		if err != nil || batchID == "" {
			t.Fatalf("attempt %v, batch %q", err, batchID)
		}
		rec.PayoutBatchID = batchID
		if err := st.InTx(ctxT(t), func(tx *store.Tx) error { return tx.SaveAttempt(&rec) }); err != nil {
			t.Fatal(err)
		}
		res, err = f.sender.Audit(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if res.Checked != 5 || len(res.Mismatches) != 1 {
			t.Fatalf("audit: checked %d, mismatches %+v", res.Checked, res.Mismatches)
		}
		m = res.Mismatches[0]
		if m.AwardID != twice || m.PayoutBatchID != batchID || m.Kind != payout.AuditDoublePayment ||
			!strings.Contains(m.Problem, "recorded as rejected") || !strings.Contains(m.Problem, "SUCCESS") ||
			!strings.Contains(m.Problem, "attempt 2") {
			t.Errorf("double payment: %+v", m)
		}
		verify(t, st)
	})
}

// An attempt PayPal refused at its only submission is settled by that
// answer: the audit has nothing to name.
func TestAuditRefusedAttemptNeedsNoCheck(t *testing.T) {
	st := openStore(t, store.Config{DataDir: t.TempDir()})
	fp := &fakePayPal{err: fmt.Errorf("create: VALIDATION_ERROR: %w", models.ErrInvalid)}
	s := payout.NewSender(payout.Config{}, storeadapt.Payout(st), fp)
	id := clearedAward(t, st, "AR-1", models.AwardMoney, usd(1000), "ar1@example.com")
	if out, err := s.Send(ctxT(t), id); err != nil || out != payout.OutcomeFailed {
		t.Fatalf("send: %s %v", out, err)
	}
	res, err := s.Audit(ctxT(t))
	if err != nil || res.Checked != 0 || len(res.Mismatches) != 0 {
		t.Fatalf("audit %+v %v", res, err)
	}
}
