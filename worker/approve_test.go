package worker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/worker"
)

func award(t *testing.T, st *store.Store, id string) models.Award {
	t.Helper()
	a, err := st.Award(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func runOnce(t *testing.T, st *store.Store, cfg worker.ApprovalConfig) {
	t.Helper()
	loadList(t, st)
	r, _ := newRunner(t, st, nil, runnerOpts{Worker: worker.Config{Approval: cfg}})
	if _, err := r.RunOnce(ctxT(t, time.Minute)); err != nil {
		t.Fatal(err)
	}
}

func TestMakerChecker(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		st := newDB(t, engine).open(t)
		ctx := context.Background()
		cfg := worker.ApprovalConfig{} // defaults: USD 2,000.00, 2 people, 30 days
		small := importReports(t, st, "S", 1, 150000, "USD", false, nil)
		big := importReports(t, st, "B", 1, 250000, "USD", false, nil)
		runOnce(t, st, cfg)
		if a := award(t, st, small[0]); a.State == models.StateAwaitingApproval || a.State == models.StatePending {
			t.Fatalf("small award %s: %s", a.ID, a.State)
		}
		a := award(t, st, big[0])
		if a.State != models.StateAwaitingApproval || !strings.Contains(a.Reason, "needs 2 approvals") {
			t.Fatalf("big award: %s %q", a.State, a.Reason)
		}
		// The importer, the triage approver and the service cannot approve.
		for _, who := range []string{"triage", "TRIAGE ", "bountypay", "policy", ""} {
			if _, err := worker.Approve(ctx, storeadapt.Worker(st), cfg, "", a.ID, who, "ok"); !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("approval by %q: %v", who, err)
			}
		}
		// One person twice is one approval.
		if _, err := worker.Approve(ctx, storeadapt.Worker(st), cfg, "", a.ID, "carol", "checked the report"); err != nil {
			t.Fatal(err)
		}
		if _, err := worker.Approve(ctx, storeadapt.Worker(st), cfg, "", a.ID, "Carol", "again"); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("second approval by the same person: %v", err)
		}
		runOnce(t, st, cfg)
		if a := award(t, st, big[0]); a.State != models.StateAwaitingApproval {
			t.Fatalf("one approval released it: %s", a.State)
		}
		// A changed award needs new approvals.
		if _, err := payout.NewSender(payout.Config{}, storeadapt.Payout(st), nil).Adjust(ctx, a.ID, models.Money{Minor: 240000, Currency: "USD"}, "finance-dan", "typo in the amount"); err != nil {
			t.Fatal(err)
		}
		status, err := worker.Approve(ctx, storeadapt.Worker(st), cfg, "", a.ID, "erin", "fine")
		if err != nil {
			t.Fatal(err)
		}
		if status.Ready() || len(status.Approvers) != 1 || len(status.Ignored) != 1 {
			t.Fatalf("after the adjustment carol's approval must not count: %+v", status)
		}
		status, err = worker.Approve(ctx, storeadapt.Worker(st), cfg, "", a.ID, "carol", "re-checked")
		if err != nil || !status.Ready() {
			t.Fatalf("two approvals: %+v %v", status, err)
		}
		if a := award(t, st, big[0]); a.State != models.StateReadyToScreen || !strings.Contains(a.Reason, "approved by erin, carol") {
			t.Fatalf("approved award: %s %q", a.State, a.Reason)
		}
		// Every approval is a ledger entry, and the ledger verifies.
		aps, err := st.Approvals(ctx, a.ID)
		if err != nil || len(aps) != 3 {
			t.Fatalf("approvals %v %v", aps, err)
		}
		if _, err := st.VerifyLedger(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMakerCheckerSplitting(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		st := newDB(t, engine).open(t)
		// Two reports for one researcher, 1,500.00 each: together above
		// the threshold, so neither goes out without approvals.
		recs := []models.ImportRecord{}
		for i, id := range []string{"SPLIT-1", "SPLIT-2"} {
			rep := models.Report{ID: id, Title: "t", Category: models.CategoryXSS, Severity: models.SeverityHigh,
				Status: models.ReportApproved, Reproduced: true, ApprovedBy: "triage", ApprovedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
				Researcher: models.Researcher{ID: "res-split", Name: "Split Person", Email: "split@example.com", Country: "GB", PayPalReceiver: "split@example.com"},
				Reward:     &models.Reward{Money: &models.Money{Minor: 150000, Currency: "USD"}}}
			recs = append(recs, models.ImportRecord{Report: rep, ContentHash: "h" + id, Line: i + 1})
		}
		if _, err := st.ImportReports(context.Background(), "split.jsonl", recs, "triage"); err != nil {
			t.Fatal(err)
		}
		runOnce(t, st, worker.ApprovalConfig{})
		for _, id := range []string{"SPLIT-1/money", "SPLIT-2/money"} {
			if a := award(t, st, id); a.State != models.StateAwaitingApproval {
				t.Errorf("%s: %s %q", id, a.State, a.Reason)
			}
		}
		// Other currencies without a threshold need approvals (fail closed);
		// "*" sets one for them.
		zar := importReports(t, st, "Z", 1, 1000, "ZAR", false, nil)
		runOnce(t, st, worker.ApprovalConfig{})
		if a := award(t, st, zar[0]); a.State != models.StateAwaitingApproval {
			t.Errorf("ZAR without a threshold: %s", a.State)
		}
		// Under the "*" threshold it still waits: triage's override pays
		// ZAR where the policy's table pays USD, which is more money than
		// the policy gives (there is no rate to say otherwise).
		runOnce(t, st, worker.ApprovalConfig{Thresholds: map[string]int64{"USD": 200000, worker.AnyCurrency: 1_000_000}})
		if a := award(t, st, zar[0]); a.State != models.StateAwaitingApproval || !strings.Contains(a.Reason, "above the policy") {
			t.Errorf("ZAR override under the * threshold: %s %q", a.State, a.Reason)
		}
	})
}

func TestApprovalsRecheckedBeforeSending(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		st := newDB(t, engine).open(t)
		ctx := context.Background()
		big := importReports(t, st, "R", 1, 500000, "USD", false, nil)
		runOnce(t, st, worker.ApprovalConfig{})
		// Someone moves the award on behind maker-checker's back.
		err := st.InTx(ctx, func(tx *store.Tx) error {
			a, err := tx.Award(big[0])
			if err != nil {
				return err
			}
			return tx.Transition(&a, models.StateReadyToScreen, "sneaky", ledger.Draft{IdempotencyKey: "sneak", Actor: "mallory", EffectiveAt: tx.Now()}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		runOnce(t, st, worker.ApprovalConfig{})
		if a := award(t, st, big[0]); a.State != models.StateAwaitingApproval {
			t.Fatalf("unapproved award went on: %s", a.State)
		}
	})
}

func TestHoldWithoutTaxForm(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		st := newDB(t, engine).open(t)
		ctx := context.Background()
		ids := importReports(t, st, "T", 1, 1000, "USD", true, nil)
		cfg := worker.ApprovalConfig{HoldWithoutTaxForm: true}
		runOnce(t, st, cfg)
		a := award(t, st, ids[0])
		if a.State != models.StateAwaitingApproval || a.Reason != "no tax form on file" {
			t.Fatalf("%s %q", a.State, a.Reason)
		}
		if p := award(t, st, models.AwardID("T-1", models.AwardPlexPass)); p.State == models.StateAwaitingApproval {
			t.Fatalf("a pass is not held for a tax form: %s", p.State)
		}
		if _, err := st.SetTaxForm(ctx, models.TaxForm{ResearcherID: a.ResearcherID, Form: "W-8BEN", Status: "received", UpdatedBy: "finance"}); err != nil {
			t.Fatal(err)
		}
		runOnce(t, st, cfg)
		if a := award(t, st, ids[0]); a.State == models.StateAwaitingApproval {
			t.Fatalf("still held: %s %q", a.State, a.Reason)
		}
	})
}

func TestApprovalsExpire(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	st, err := store.Open(context.Background(), store.Config{DataDir: dir, NowFunc: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	seedIdentities(t, st)
	ctx := context.Background()
	cfg := worker.ApprovalConfig{ValidFor: 7 * 24 * time.Hour}
	big := importReports(t, st, "E", 1, 250000, "USD", false, nil)
	runOnce(t, st, cfg)
	if _, err := worker.Approve(ctx, storeadapt.Worker(st), cfg, "", big[0], "carol", "checked"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(8 * 24 * time.Hour) // carol's approval is too old now
	status, err := worker.Approve(ctx, storeadapt.Worker(st), cfg, "", big[0], "erin", "checked")
	if err != nil {
		t.Fatal(err)
	}
	if status.Ready() || len(status.Approvers) != 1 || len(status.Ignored) != 1 || !strings.Contains(status.Ignored[0], "expired") {
		t.Fatalf("an expired approval must not count: %+v", status)
	}
	if _, err := worker.Approve(ctx, storeadapt.Worker(st), cfg, "", big[0], "carol", "re-checked"); err != nil {
		t.Fatal(err)
	}
	if a := award(t, st, big[0]); a.State != models.StateReadyToScreen {
		t.Fatalf("two fresh approvals: %s %q", a.State, a.Reason)
	}
}
