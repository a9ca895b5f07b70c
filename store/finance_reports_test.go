package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/finance"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

func TestReconcileNamesMismatches(t *testing.T) {
	financeEngines(t, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		if _, err := s.ImportReports(ctx, "a", []models.ImportRecord{{Report: report("R-1"), ContentHash: "h"}, {Report: report("R-2"), ContentHash: "h2"}}, "triage"); err != nil {
			t.Fatal(err)
		}
		// Two awards sent; one paid properly, one paid in the ledger without
		// a SUCCESS attempt.
		for i, id := range []string{"R-1/money", "R-2/money"} {
			a := models.Award{ID: id, ReportID: strings.TrimSuffix(id, "/money"), ResearcherID: "r1", Kind: models.AwardMoney,
				Amount: models.Money{Minor: 120000, Currency: "USD"}, State: models.StatePending, PolicyVersion: "p1"}
			err := s.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.InsertAward(&a, ledger.Draft{IdempotencyKey: id + "/d", Kind: ledger.KindAwardDecided, Actor: "policy", EffectiveAt: tx.Now(), Postings: ledger.DecidedPostings(&a)}); err != nil {
					return err
				}
				for _, to := range []models.AwardState{models.StateReadyToScreen, models.StateCleared} {
					if err := tx.Transition(&a, to, "", ledger.Draft{IdempotencyKey: id + "/" + string(to), Actor: "b", EffectiveAt: tx.Now()}, nil); err != nil {
						return err
					}
				}
				att := models.Attempt{SenderBatchID: "bp-" + id, AwardID: id, Attempt: 1, Channel: "paypal", SenderItemID: id,
					AmountMinor: 120000, Currency: "USD", Status: models.AttemptAccepted}
				if i == 0 {
					att.Status, att.TransactionStatus, att.FeeMinor = models.AttemptSettled, "SUCCESS", 25
				}
				if err := tx.InsertAttempt(&att); err != nil {
					return err
				}
				if err := tx.Transition(&a, models.StateSending, "", ledger.Draft{IdempotencyKey: id + "/send", Kind: ledger.KindSendStarted, Actor: "b", EffectiveAt: tx.Now(), Postings: ledger.SendPostings(&a)}, func(x *models.Award) { x.Attempt = 1 }); err != nil {
					return err
				}
				if err := tx.Transition(&a, models.StateSent, "", ledger.Draft{IdempotencyKey: id + "/sent", Actor: "b", EffectiveAt: tx.Now()}, nil); err != nil {
					return err
				}
				return tx.Transition(&a, models.StatePaid, "", ledger.Draft{IdempotencyKey: id + "/paid", Kind: ledger.KindPaid, Actor: "b",
					EffectiveAt: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), Data: map[string]string{"fee": "25"}}, nil)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		ms, n, err := finance.CheckLedgerAgainstAttempts(ctx, s)
		if err != nil || n != 2 {
			t.Fatal(n, err)
		}
		if len(ms) != 1 || ms[0].AwardID != "R-2/money" || !strings.Contains(ms[0].Problem, "without a SUCCESS attempt") {
			t.Fatalf("mismatches: %+v", ms)
		}
		// Tax totals: r1 was paid 2,400.00 USD in 2026: reportable, no form.
		lines, err := finance.TaxYear(ctx, s, 2026, 11999)
		if err != nil || len(lines) != 1 {
			t.Fatal(lines, err)
		}
		if l := lines[0]; l.USD != 240000 || !l.Reportable || l.Form.OnFile() {
			t.Fatalf("tax line %+v", l)
		}
		paid, err := finance.PaidLines(ctx, s, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || len(paid) != 2 || paid[0].Fee != 25 || paid[0].Severity != "high" {
			t.Fatalf("paid lines %+v %v", paid, err)
		}
		tb, err := finance.TrialBalance(ctx, s, time.Time{})
		if err != nil || tb[ledger.AccountPayPal]["USD"] != -240050 {
			t.Fatalf("trial balance %v %v", tb, err)
		}
	})
}
