package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plex/bountypay/internal/shareddata"
)

// sharedOFAC returns ../shared/testdata/ofac (see shareddata.Dir).
func sharedOFAC(t *testing.T) string {
	t.Helper()
	return shareddata.Dir(t, "ofac")
}

func TestReviewClearAndConfirm(t *testing.T) {
	c := &cli{t: t, env: map[string]string{"BOUNTYPAY_DATA": t.TempDir()}}
	c.must("demo")
	out := c.must("review", "list")
	if !strings.Contains(out, "PLEX-1009/money") || !strings.Contains(out, "22790") || !strings.Contains(out, "MADURO MOROS") {
		t.Fatalf("review list should show the Maduro match:\n%s", out)
	}
	if _, _, err := c.run("review", "clear", "PLEX-1009/money"); err == nil {
		t.Fatal("clear without --by/--reason must fail")
	}
	// A 0.95 match takes two distinct compliance reviewers to clear.
	c.must("review", "clear", "PLEX-1009/money", "--by", "carol (compliance)", "--reason", "different person: DOB 1990, Spanish national")
	if out := c.must("payout", "show", "PLEX-1009/money"); !strings.Contains(out, "held") {
		t.Fatalf("one reviewer cleared a 0.95 match:\n%s", out)
	}
	if out := c.must("review", "list"); !strings.Contains(out, "cleared so far by carol (compliance)") {
		t.Fatalf("review list does not show the first vote:\n%s", out)
	}
	if _, _, err := c.run("review", "clear", "PLEX-1009/money", "--by", "carol (compliance)", "--reason", "again"); err == nil {
		t.Fatal("the same reviewer counted twice")
	}
	c.must("review", "clear", "PLEX-1009/money", "--by", "colin", "--reason", "agree: DOB 1990")
	if status := c.must("status"); !strings.Contains(status, "cleared by compliance") {
		t.Fatalf("status lacks the clearance:\n%s", status)
	}
	// The cleared match is remembered: rescreening on a list load does not
	// hold the award again.
	out = c.must("sanctions", "load", "--force", "demodata")
	if strings.Contains(out, "now held: PLEX-1009/money") {
		t.Fatalf("a cleared false positive came back:\n%s", out)
	}
	// Confirming the same match on the pass blocks every unsent award of
	// the payee, the cleared money included.
	c.must("review", "confirm", "PLEX-1009/plex_pass", "--by", "carol (compliance)", "--reason", "test of confirm")
	out = c.must("payout", "show", "PLEX-1009/money")
	if !strings.Contains(out, "blocked") {
		t.Fatalf("money of a confirmed payee not blocked:\n%s", out)
	}
	out = c.must("ledger", "list")
	if !strings.Contains(out, "review_decision") {
		t.Fatalf("review decisions must be in the ledger:\n%s", out)
	}
	c.must("ledger", "verify")
}

func TestSanctionsLoadFromURLAndShrinkGuard(t *testing.T) {
	dir := filepath.Join(sharedOFAC(t), "sdn_complete_2021-07-07")
	// OFAC's service answers with a redirect to S3; serve the same.
	mux := http.NewServeMux()
	flaky := 1 // the first download fails with a 503 and is retried
	mux.HandleFunc("/exports/", func(w http.ResponseWriter, r *http.Request) {
		if flaky > 0 {
			flaky--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		http.Redirect(w, r, "/s3/2021-07-07/"+strings.TrimPrefix(r.URL.Path, "/exports/"), http.StatusFound)
	})
	mux.HandleFunc("/s3/2021-07-07/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.ToLower(filepath.Base(r.URL.Path))
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c := &cli{t: t, env: map[string]string{"BOUNTYPAY_DATA": t.TempDir()}}
	out := c.must("sanctions", "load", "--url", srv.URL+"/exports/")
	if !strings.Contains(out, "8976 entries") {
		t.Fatalf("load --url: %s", out)
	}
	// A much smaller list is refused and the current one stays.
	_, errOut, err := c.run("sanctions", "load", "demodata")
	if err == nil {
		t.Fatal("a much smaller list must be refused")
	}
	_ = errOut
	out = c.must("sanctions", "list")
	if !strings.Contains(out, "2021-07-07") {
		t.Fatalf("the publication date from the redirect must be recorded:\n%s", out)
	}
	if lines := strings.Count(out, "\n"); lines != 2 || !strings.Contains(out, "*") {
		t.Fatalf("the refused list must not be stored or current:\n%s", out)
	}
	c.must("sanctions", "load", "--force", "demodata")
	out = c.must("sanctions", "list")
	if strings.Count(out, "\n") != 3 {
		t.Fatalf("--force must store it:\n%s", out)
	}
	// A malformed list is refused with the file and line.
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "sdn.csv"), []byte("1,\"A\",-0-\r\n"), 0o600)
	if _, _, err := c.run("sanctions", "load", bad); err == nil || !strings.Contains(err.Error(), "sdn.csv") {
		t.Fatalf("malformed list: %v", err)
	}
}
