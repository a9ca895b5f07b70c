package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/paypalsandbox"
)

// A payout PayPal fails is shown with its attempt, retried only by a
// person, and paid by attempt 2 with a new sender_batch_id.
func TestPayoutShowRetry(t *testing.T) {
	engines(t, func(t *testing.T, c *cli) {
		sb := paypalsandbox.New(paypalsandbox.Config{})
		base, err := sb.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sb.Close() })
		c.env["PAYPAL_API_BASE"], c.env["PAYPAL_CLIENT_ID"], c.env["PAYPAL_SECRET"] = base, "id", "secret"
		reports := filepath.Join(t.TempDir(), "reports.jsonl")
		rep := strings.Replace(goodReport, `"paypal_receiver": "grace@example.com"`, `"paypal_receiver": "grace+fail@example.com"`, 1)
		// 50.00 USD: below the maker-checker threshold.
		rep = strings.TrimSuffix(rep, "}") + `, "reward": {"money": {"amount": "50.00", "currency": "USD"}}}`
		os.WriteFile(reports, []byte(rep+"\n"), 0o600)
		c.must("import", reports)
		c.must("sanctions", "load", "demodata")
		runUntilStatus := func(want string) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				c.must("run")
				if strings.Contains(c.must("payout", "show", "R-1/money"), want) {
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
			t.Fatalf("R-1/money never %s:\n%s", want, c.must("payout", "show", "R-1/money"))
		}
		runUntilStatus(" failed ")
		out := c.must("payout", "show", "R-1/money")
		if !strings.Contains(out, "bp-R-1/money-a1") || !strings.Contains(out, "FAILED") {
			t.Fatalf("show:\n%s", out)
		}
		if _, _, err := c.run("payout", "retry", "R-1/money"); err == nil {
			t.Fatal("retry without --by succeeded")
		}
		c.must("run")
		if n := len(sb.Items()); n != 1 {
			t.Fatalf("a failed payout was resent without a retry: %d items", n)
		}
		sb.SetReceiver("grace+fail@example.com", paypalsandbox.BehaviourSuccess)
		out = c.must("payout", "retry", "R-1/money", "--by", "finance-ann", "--reason", "account fixed")
		if !strings.Contains(out, "cleared") || !strings.Contains(out, "attempt 2") {
			t.Fatalf("retry: %s", out)
		}
		runUntilStatus(" paid ")
		out = c.must("payout", "show", "R-1/money")
		if !strings.Contains(out, "bp-R-1/money-a2") || !strings.Contains(out, "SUCCESS") {
			t.Fatalf("show after retry:\n%s", out)
		}
		items := sb.Items()
		if len(items) != 2 || items[0].TransactionStatus != "FAILED" || items[1].TransactionStatus != "SUCCESS" {
			t.Fatalf("items %+v", items)
		}
		if out := c.must("payout", "reconcile"); !strings.Contains(out, "polled") {
			t.Errorf("reconcile: %s", out)
		}
		c.must("ledger", "verify")
	})
}
