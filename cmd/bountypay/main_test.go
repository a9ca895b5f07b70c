package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/dbtest"
	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// cli runs the program's run() like main does and returns its output.
// Before the first command it configures the tests' identities (see
// seed); USER, the default --by, is ops unless the test sets it.
type cli struct {
	t      *testing.T
	env    map[string]string
	seeded bool
}

// testIdentities are the people and services the CLI tests act as.
var testIdentities = [][]string{
	{"admin", "--role", "admin"},
	{"ops", "--role", "importer,compliance"},
	{"triage-bot", "--role", "importer", "--service"},
	{"dana", "--role", "finance"},
	{"eli", "--role", "finance"},
	{"finance-ann", "--role", "finance,finance-admin"},
	{"finance-ben", "--role", "finance"},
	{"carol (compliance)", "--role", "compliance"},
	{"colin", "--role", "compliance"},
	{"vic", "--role", "viewer"},
}

// seed adds testIdentities, as admin (the first identity) or, after a
// demo configured its own, as the demo's administrator.
func (c *cli) seed(by string) {
	c.t.Helper()
	c.seeded = true
	if _, ok := c.env["USER"]; !ok {
		c.env["USER"] = "ops"
	}
	for _, id := range testIdentities {
		c.must(append([]string{"identity", "add"}, append(id, "--by", by)...)...)
	}
}

func (c *cli) run(args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	if !c.seeded && len(args) > 0 && args[0] == "demo" {
		defer c.seed("demo-admin")
	} else if !c.seeded {
		c.seed("admin")
	}
	var out, errb bytes.Buffer
	getenv := func(k string) string { return c.env[k] }
	err = run(context.Background(), append([]string{"bountypay"}, args...), getenv, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func (c *cli) must(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("bountypay %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// engines gives each subtest a fresh SQLite data directory or PostgreSQL
// database.
func engines(t *testing.T, fn func(t *testing.T, c *cli)) {
	dbtest.EachInTurn(t, func(t *testing.T, e dbtest.Engine) {
		cfg := dbtest.Config(t, e)
		env := map[string]string{"BOUNTYPAY_DATA": cfg.DataDir}
		if cfg.DatabaseURL != "" {
			env["DATABASE_URL"] = cfg.DatabaseURL
		}
		fn(t, &cli{t: t, env: env})
	})
}

func TestDemoEndToEndTwice(t *testing.T) {
	engines(t, func(t *testing.T, c *cli) {
		out := c.must("demo")
		for _, want := range []string{"PLEX-1001", "paid", "granted", "unclaimed", "held", "blocked", "rejected", "ledger verified"} {
			if !strings.Contains(out, want) {
				t.Errorf("demo output lacks %q:\n%s", want, out)
			}
		}
		out, errOut, err := c.run("demo")
		if err != nil || !strings.Contains(out, "nothing new to pay") {
			t.Errorf("second demo should pay nothing new: %v\n%s", err, out)
		}
		if strings.Contains(errOut, "level=WARN") || strings.Contains(errOut, "level=ERROR") {
			t.Errorf("second demo logged problems:\n%s", errOut)
		}
		if _, _, err := c.run("ledger", "verify"); err != nil {
			t.Fatal(err)
		}
	})
}

const goodReport = `{"id": "R-1", "title": "XSS", "category": "xss", "severity": "high", "status": "approved", "reproduced": true, "approved_by": "t", "approved_at": "2026-11-01T10:00:00Z", "researcher": {"id": "r-1", "name": "Grace Hopper", "email": "grace@example.com", "country": "US", "paypal_receiver": "grace@example.com", "plex_account": "grace"}}`

func TestImportRunVerifyAgainstSandbox(t *testing.T) {
	engines(t, func(t *testing.T, c *cli) {
		sb := paypalsandbox.New(paypalsandbox.Config{})
		base, err := sb.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sb.Close() })
		c.env["PAYPAL_API_BASE"], c.env["PAYPAL_CLIENT_ID"], c.env["PAYPAL_SECRET"] = base, "id", "secret"
		dir := t.TempDir()
		reports := filepath.Join(dir, "reports.jsonl")
		os.WriteFile(reports, []byte(goodReport+"\n"), 0o600)
		codes := filepath.Join(dir, "codes.txt")
		os.WriteFile(codes, []byte("CODE-0001\nCODE-0002\n"), 0o600)

		// Fail closed: without a list nothing is screened or sent.
		c.must("import", reports)
		c.must("passes", "import", codes, "--by", "finance-ann")
		out := c.must("run")
		if !strings.Contains(out, "PAYOUTS HELD") {
			t.Fatalf("run without a list must hold payouts:\n%s", out)
		}
		if n := len(sb.Items()); n != 0 {
			t.Fatalf("%d items sent without a sanctions list", n)
		}
		c.must("sanctions", "load", "demodata")
		c.must("run")
		// 2000.00 USD needs four eyes: not the importer, not one person twice.
		if _, _, err := c.run("approve", "R-1/money", "--by", "t"); err == nil {
			t.Fatal("the triage approver must not approve the payout")
		}
		c.must("approve", "R-1/money", "--by", "dana")
		if _, _, err := c.run("approve", "R-1/money", "--by", "dana"); err == nil {
			t.Fatal("one person must not approve twice")
		}
		c.must("approve", "R-1/money", "--by", "eli")
		c.must("run")
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(c.must("status"), "paid") && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
			c.must("run")
		}
		status := c.must("status")
		if !strings.Contains(status, "paid") || !strings.Contains(status, "granted") {
			t.Fatalf("want paid and granted:\n%s", status)
		}
		c.must("run") // idempotent
		items := sb.Items()
		if len(items) != 1 || items[0].TransactionStatus != "SUCCESS" || items[0].Amount.Value != "2000.00" {
			t.Fatalf("sandbox items: %+v", items)
		}
		out = c.must("ledger", "verify")
		if !strings.Contains(out, "ledger OK") {
			t.Fatal(out)
		}
		// Finance's independent check against PayPal: agrees, then names a
		// refund made at PayPal that bountypay has not applied yet.
		if out := c.must("report", "reconcile", "--live"); !strings.Contains(out, "all agree") {
			t.Fatalf("live reconcile: %s", out)
		}
		if err := sb.Refund(items[0].PayoutItemID); err != nil {
			t.Fatal(err)
		}
		out, _, err = c.run("report", "reconcile", "--live")
		if err == nil || !strings.Contains(out, "PayPal says REFUNDED, bountypay recorded SUCCESS") {
			t.Fatalf("live reconcile must name the refund: %v\n%s", err, out)
		}
	})
}

func TestImportBadRecordImportsNothing(t *testing.T) {
	c := &cli{t: t, env: map[string]string{"BOUNTYPAY_DATA": t.TempDir()}}
	dir := t.TempDir()
	bad := strings.Replace(goodReport, `"R-1"`, `"R-2"`, 1)
	bad = strings.Replace(bad, `"country": "US"`, `"country": "XX"`, 1)
	f := filepath.Join(dir, "mixed.jsonl")
	os.WriteFile(f, []byte(goodReport+"\n"+bad+"\n"), 0o600)
	_, errOut, err := c.run("import", f)
	if err == nil {
		t.Fatal("import of a file with a bad record succeeded")
	}
	if !strings.Contains(errOut, "mixed.jsonl:2") || !strings.Contains(errOut, "researcher.country") {
		t.Fatalf("error must name line 2 and the field:\n%s", errOut)
	}
	out := c.must("status")
	if strings.Contains(out, "R-1") {
		t.Fatalf("a file with a bad record must import nothing:\n%s", out)
	}
	// The same id with other content is a conflict; identical is a no-op.
	good := filepath.Join(dir, "good.jsonl")
	os.WriteFile(good, []byte(goodReport+"\n"), 0o600)
	c.must("import", good)
	if out := c.must("import", good); !strings.Contains(out, "0 new, 1 unchanged") {
		t.Fatalf("re-import: %s", out)
	}
	changed := filepath.Join(dir, "changed.jsonl")
	os.WriteFile(changed, []byte(strings.Replace(goodReport, `"XSS"`, `"XSS v2"`, 1)+"\n"), 0o600)
	if _, errOut, err := c.run("import", changed); err == nil || !strings.Contains(errOut, "changed.jsonl:1 (R-1)") {
		t.Fatalf("conflict not reported: %v %s", err, errOut)
	}
}

func TestScreenJSONContract(t *testing.T) {
	c := &cli{t: t, env: map[string]string{"BOUNTYPAY_DATA": t.TempDir()}}
	in := filepath.Join(t.TempDir(), "q.txt")
	os.WriteFile(in, []byte("Nicolas Maduro Moros\nJane Doe\tUS\nJane Doe\tIR\n"), 0o600)
	out := c.must("screen", "--lists", "demodata", "--json", "--input", in)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines:\n%s", out)
	}
	var got []screenOutput
	for _, l := range lines {
		var o screenOutput
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatal(err)
		}
		got = append(got, o)
	}
	if got[0].Decision != "review" || len(got[0].Matches) == 0 || got[0].Matches[0].ID != 22790 || got[0].Matches[0].Source != "SDN" {
		t.Errorf("Maduro: %+v", got[0])
	}
	if got[1].Decision != "clear" || got[2].Decision != "blocked" {
		t.Errorf("Jane Doe: %+v / %+v", got[1], got[2])
	}
}
