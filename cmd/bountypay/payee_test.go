package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/paypalsandbox"
)

// Who gets paid: the regression tests of the payee-integrity cases, as a
// user types them, on both engines.

// researcherJSON is a researcher record of an import file.
type researcherJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Email       string `json:"email,omitempty"`
	Country     string `json:"country"`
	Region      string `json:"region,omitempty"`
	City        string `json:"city,omitempty"`
	PostalCode  string `json:"postal_code,omitempty"`
	PayPal      string `json:"paypal_receiver,omitempty"`
	PlexAccount string `json:"plex_account,omitempty"`
	DateOfBirth string `json:"date_of_birth,omitempty"`
}

// report is one import record: an approved, reproduced finding of the
// given category and severity, with an optional money override.
func report(id, category, severity string, r researcherJSON, override string) string {
	m := map[string]any{"id": id, "title": "finding " + id, "category": category, "severity": severity,
		"status": "approved", "reproduced": true, "approved_by": "triage-lead", "approved_at": "2026-11-01T10:00:00Z",
		"researcher": r}
	if override != "" {
		amount, cur, _ := strings.Cut(override, " ")
		m["reward"] = map[string]any{"money": map[string]string{"amount": amount, "currency": cur}}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// importLines writes the records to a file and imports it as by.
func (c *cli) importLines(by string, lines ...string) string {
	c.t.Helper()
	f := filepath.Join(c.t.TempDir(), "reports.jsonl")
	if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return c.must("import", f, "--by", by)
}

// withSandbox points the CLI at a fresh local PayPal.
func withSandbox(t *testing.T, c *cli) *paypalsandbox.Sandbox {
	t.Helper()
	sb := paypalsandbox.New(paypalsandbox.Config{})
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c.env["PAYPAL_API_BASE"], c.env["PAYPAL_CLIENT_ID"], c.env["PAYPAL_SECRET"] = base, "id", "secret"
	return sb
}

// receivers lists who the sandbox holds items for.
func receivers(sb *paypalsandbox.Sandbox) []string {
	var out []string
	for _, it := range sb.Items() {
		out = append(out, it.Receiver)
	}
	return out
}

// awardState reads an award's state from the first line of payout show
// ("ID  AMOUNT  STATE (attempt N)").
func (c *cli) awardState(id string) string {
	c.t.Helper()
	out := c.must("payout", "show", id)
	first, _, _ := strings.Cut(out, "\n")
	f := strings.Fields(first)
	for i, w := range f {
		if w == "(attempt" && i > 0 {
			return f[i-1]
		}
	}
	c.t.Fatalf("no state in payout show %s:\n%s", id, out)
	return ""
}

var grace = researcherJSON{ID: "r-1", Name: "Grace Hopper", Email: "grace@example.com", Country: "US",
	PayPal: "grace@example.com", PlexAccount: "grace"}

// A new report for an existing researcher id used to overwrite the payee
// (a whole-row save), so the next run paid the researcher's cleared,
// held, failed or returned awards to the new receiver, unrecorded, even
// when the new report was rejected by policy. Now the receiver change is a
// pending payee version: the awards wait for a finance person other than
// the one who caused it, and then go to the new receiver screened again.
func TestReceiverChangeIsAPayeeChange(t *testing.T) {
	engines(t, func(t *testing.T, c *cli) {
		sb := withSandbox(t, c)
		c.must("sanctions", "load", "demodata")
		// R-1 fails at PayPal (nothing paid), so it can be retried.
		c.importLines("ops", report("R-1", "xss", "medium", grace, "100.00 USD"))
		sb.SetReceiver("grace@example.com", paypalsandbox.BehaviourFail)
		deadline := time.Now().Add(10 * time.Second)
		for c.must("run"); c.awardState("R-1/money") != "failed" && time.Now().Before(deadline); c.must("run") {
			time.Sleep(100 * time.Millisecond)
		}
		if s := c.awardState("R-1/money"); s != "failed" {
			t.Fatalf("R-1/money: %s", s)
		}
		// The insider's report: same researcher id, another receiver, a
		// category the policy rejects.
		mallory := grace
		mallory.PayPal = "mallory@example.com"
		out := c.importLines("ops", report("R-2", "denial_of_service", "high", mallory, ""))
		if !strings.Contains(out, "1 new") {
			t.Fatalf("import: %s", out)
		}
		c.must("payout", "retry", "R-1/money", "--by", "finance-ann", "--reason", "account fixed")
		for range 3 {
			c.must("run")
		}
		for _, r := range receivers(sb) {
			if r == "mallory@example.com" {
				t.Fatalf("paid to the new receiver before anyone approved it: %v", receivers(sb))
			}
		}
		show := c.must("researcher", "show", "r-1")
		if !strings.Contains(show, "pending") || !strings.Contains(show, "paypal_receiver") {
			t.Fatalf("researcher show lacks the pending change:\n%s", show)
		}
		if st := c.must("payout", "show", "R-1/money"); !strings.Contains(st, "payee change to version 2") {
			t.Fatalf("R-1/money does not wait for the payee change:\n%s", st)
		}
		// The ledger says what changed, without the address itself.
		led := c.must("ledger", "list")
		if !strings.Contains(led, "payee_version") || strings.Contains(led, "mallory@example.com") {
			t.Fatalf("ledger: want a payee_version entry without the receiver:\n%s", led)
		}
		// Whoever caused it may not approve it; nor may a viewer.
		if _, _, err := c.run("researcher", "approve", "r-1", "2", "--by", "ops", "--reason", "me"); err == nil {
			t.Fatal("the importer approved her own payee change")
		}
		if _, _, err := c.run("researcher", "approve", "r-1", "2", "--by", "vic", "--reason", "looks fine"); err == nil {
			t.Fatal("a viewer approved a payee change")
		}
		// Finance rejects it: the award goes on to the receiver in force.
		c.must("researcher", "reject", "r-1", "2", "--by", "dana", "--reason", "called Grace: not her account")
		sb.SetReceiver("grace@example.com", paypalsandbox.BehaviourSuccess)
		deadline = time.Now().Add(10 * time.Second)
		for c.awardState("R-1/money") != "paid" && time.Now().Before(deadline) {
			c.must("run")
			time.Sleep(100 * time.Millisecond)
		}
		if s := c.awardState("R-1/money"); s != "paid" {
			t.Fatalf("R-1/money after the rejection: %s", s)
		}
		for _, r := range receivers(sb) {
			if r != "grace@example.com" {
				t.Fatalf("paid to %s: %v", r, receivers(sb))
			}
		}
		c.must("ledger", "verify")
	})
}

// The audited receiver change: set by one finance person, approved by
// another, then the unsent award goes to the new receiver after a fresh
// screening.
func TestSetReceiverNeedsASecondPerson(t *testing.T) {
	engines(t, func(t *testing.T, c *cli) {
		sb := withSandbox(t, c)
		c.must("sanctions", "load", "demodata")
		c.importLines("ops", report("R-1", "xss", "medium", grace, "100.00 USD"))
		c.must("researcher", "set-receiver", "r-1", "grace.hopper@example.com", "--by", "dana", "--reason", "Grace asked by signed email")
		for range 2 {
			c.must("run")
		}
		if n := len(sb.Items()); n != 0 {
			t.Fatalf("sent before the change was approved: %v", receivers(sb))
		}
		if _, _, err := c.run("researcher", "approve", "r-1", "2", "--by", "dana", "--reason", "mine"); err == nil {
			t.Fatal("dana approved her own change")
		}
		c.must("researcher", "approve", "r-1", "2", "--by", "eli", "--reason", "confirmed by phone with Grace")
		c.must("run")
		if got := receivers(sb); len(got) != 1 || got[0] != "grace.hopper@example.com" {
			t.Fatalf("items: %v", got)
		}
	})
}

// A clearance was keyed by researcher id and listed entry only: a payee
// cleared as a look-alike (other birth date, other country) and then
// re-imported under the same id as the listed person exactly was paid with
// no hold. Now the clearance is for the screened identity and is void when
// it changes.
func TestClearanceIsForTheScreenedIdentity(t *testing.T) {
	engines(t, func(t *testing.T, c *cli) {
		c.must("sanctions", "load", "demodata")
		lookalike := researcherJSON{ID: "r-m", Name: "Nicolás Maduro Moros", Country: "ES", City: "Madrid",
			PlexAccount: "nmaduro", Email: "nm@example.com"}
		c.importLines("ops", report("M-1", "xss", "low", lookalike, ""))
		c.must("run")
		if s := c.awardState("M-1/plex_pass"); s != "held" {
			t.Fatalf("look-alike: %s", s)
		}
		c.must("review", "clear", "M-1/plex_pass", "--by", "carol (compliance)", "--reason", "born 1990 in Spain, other person")
		c.must("review", "clear", "M-1/plex_pass", "--by", "colin", "--reason", "agree: passport seen")
		c.must("run")
		if s := c.awardState("M-1/plex_pass"); s != "cleared" {
			t.Fatalf("after two clears: %s (the pool has no codes)", s)
		}
		// Re-imported as the listed person exactly.
		listed := lookalike
		listed.Name, listed.Country, listed.DateOfBirth = "MADURO MOROS, Nicolas", "VE", "1962-11-23"
		c.importLines("ops", report("M-2", "xss", "low", listed, ""))
		c.must("run")
		for _, id := range []string{"M-1/plex_pass", "M-2/plex_pass"} {
			if s := c.awardState(id); s != "held" && s != "blocked" {
				t.Errorf("%s of the listed person: %s, want held", id, s)
			}
		}
	})
}

// A researcher re-imported as living in Tehran was granted a pass seconds
// later without being screened. Now the new payee version sends the
// cleared award back to screening, which blocks it.
func TestResidenceChangeIsScreenedBeforeValueLeaves(t *testing.T) {
	engines(t, func(t *testing.T, c *cli) {
		c.must("sanctions", "load", "demodata")
		c.importLines("ops", report("P-1", "xss", "low", grace, "")) // a pass; the pool is empty
		c.must("run")
		if s := c.awardState("P-1/plex_pass"); s != "cleared" {
			t.Fatalf("P-1/plex_pass: %s", s)
		}
		tehran := grace
		tehran.Country, tehran.City = "IR", "Tehran"
		c.importLines("ops", report("P-2", "xss", "low", tehran, ""))
		codes := filepath.Join(t.TempDir(), "codes.txt")
		os.WriteFile(codes, []byte("CODE-A\nCODE-B\n"), 0o600)
		c.must("passes", "import", codes, "--by", "finance-ann")
		c.must("run")
		for _, id := range []string{"P-1/plex_pass", "P-2/plex_pass"} {
			if s := c.awardState(id); s != "blocked" {
				t.Errorf("%s of a Tehran resident: %s, want blocked", id, s)
			}
		}
	})
}

// The importer cleared the sanctions hold on her own import; the triage
// integration's service identity cleared a hold and counted as one of the
// four eyes. Now the makers and services may not decide.
func TestMakersAndServicesDoNotDecide(t *testing.T) {
	engines(t, func(t *testing.T, c *cli) {
		c.must("sanctions", "load", "demodata")
		listed := researcherJSON{ID: "r-x", Name: "MADURO MOROS, Nicolas", Country: "VE", PayPal: "x@example.com", PlexAccount: "x"}
		c.importLines("ops", report("X-1", "rce", "critical", listed, ""))
		c.importLines("triage-bot", report("X-2", "rce", "critical", grace, ""))
		c.must("run")
		// ops imported X-1 and has the compliance role: still not hers to decide.
		if _, _, err := c.run("review", "clear", "X-1/plex_pass", "--by", "ops", "--reason", "fine"); err == nil {
			t.Fatal("the importer cleared the hold on her own import")
		}
		if _, _, err := c.run("review", "clear", "X-1/plex_pass", "--by", "triage-bot", "--reason", "fine"); err == nil {
			t.Fatal("a service identity cleared a hold")
		}
		if _, _, err := c.run("approve", "X-2/money", "--by", "triage-bot"); err == nil {
			t.Fatal("a service identity approved")
		}
		if _, _, err := c.run("approve", "X-2/money", "--by", "someone-unknown"); err == nil {
			t.Fatal("an unconfigured name approved")
		}
		c.must("approve", "X-2/money", "--by", "dana")
		if s := c.awardState("X-2/money"); s != "awaiting_approval" {
			t.Fatalf("5,000 USD after one person: %s", s)
		}
	})
}

// Maker-checker counted per researcher id: two ids with one PayPal
// receiver received 2 × 1,999.99 USD with no approval; and an override
// above the policy's amount needs approval whatever the threshold.
func TestMakerCheckerCountsOnePersonOnce(t *testing.T) {
	engines(t, func(t *testing.T, c *cli) {
		c.must("sanctions", "load", "demodata")
		a, b := grace, grace
		a.ID, b.ID = "r-a", "r-b"
		b.Name, b.PayPal = "G. Hopper", "Grace@Example.com "
		c.importLines("ops",
			report("W-1", "xss", "high", a, "1999.99 USD"),
			report("W-2", "xss", "high", b, "1999.99 USD"),
			report("W-3", "xss", "medium", researcherJSON{ID: "r-c", Name: "Ada Lovelace", Country: "GB", PayPal: "ada@example.com"}, "600.00 USD"))
		c.must("run")
		for _, id := range []string{"W-1/money", "W-2/money"} {
			if s := c.awardState(id); s != "awaiting_approval" {
				t.Errorf("%s (one receiver, two ids): %s, want awaiting_approval", id, s)
			}
		}
		out := c.must("payout", "show", "W-3/money")
		if s := c.awardState("W-3/money"); s != "awaiting_approval" || !strings.Contains(out, "above the policy") {
			t.Errorf("W-3/money (override above the policy's 500.00): %s\n%s", s, out)
		}
	})
}

// A payee in Crimea with a wrong region code was cleared and paid; so was
// one giving Russia's claim code. Now every address field counts, in the
// run and in bountypay screen alike.
func TestCrimeaByEveryAddressField(t *testing.T) {
	engines(t, func(t *testing.T, c *cli) {
		c.must("sanctions", "load", "demodata")
		ua := researcherJSON{ID: "r-ua", Name: "Olena Kovalenko", Country: "UA", Region: "UA-46", City: "Simferopol", PostalCode: "95000", PlexAccount: "ok"}
		ru := researcherJSON{ID: "r-ru", Name: "Ivan Sidorov", Country: "RU", Region: "RU-CR", City: "Bakhchysarai", PlexAccount: "is"}
		c.importLines("ops", report("C-1", "xss", "low", ua, ""), report("C-2", "xss", "low", ru, ""))
		c.must("run")
		for _, id := range []string{"C-1/plex_pass", "C-2/plex_pass"} {
			if s := c.awardState(id); s != "blocked" {
				t.Errorf("%s: %s, want blocked", id, s)
			}
		}
		if out := c.must("payout", "show", "C-1/plex_pass"); !strings.Contains(out, "Simferopol is in Crimea") {
			t.Errorf("the reason should name the city:\n%s", out)
		}
		out := c.must("screen", "--lists", "demodata", "--country", "UA", "--region", "UA-46", "--city", "Simferopol", "--postal-code", "95000", "Olena Kovalenko")
		if !strings.Contains(out, "blocked") {
			t.Errorf("screen:\n%s", out)
		}
		out = c.must("screen", "--lists", "demodata", "--json", "--country", "US", "--postal-code", "95000", "Olena Kovalenko")
		if !strings.Contains(out, `"decision":"clear"`) {
			t.Errorf("a California ZIP is not Crimea:\n%s", out)
		}
	})
}
