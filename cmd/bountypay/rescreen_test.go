package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/compliance/ofac"
	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/store"
)

// TestSendScreensAgainstTheCurrentList: an award cleared under one list is
// screened again right before value leaves when another list became
// current meanwhile (here stored without the rescreen `sanctions load`
// does), and is held instead of paid.
func TestSendScreensAgainstTheCurrentList(t *testing.T) {
	dir := t.TempDir()
	c := &cli{t: t, env: map[string]string{"BOUNTYPAY_DATA": dir}}
	sb := paypalsandbox.New(paypalsandbox.Config{})
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c.env["PAYPAL_API_BASE"], c.env["PAYPAL_CLIENT_ID"], c.env["PAYPAL_SECRET"] = base, "id", "secret"

	rep := strings.NewReplacer(`"Grace Hopper"`, `"Ivan Testovsky"`, `"severity": "high"`, `"severity": "medium"`).Replace(goodReport)
	f := filepath.Join(t.TempDir(), "r.jsonl")
	os.WriteFile(f, []byte(rep+"\n"), 0o600)
	c.must("import", f)
	c.must("sanctions", "load", "demodata")
	c.must("run", "--kill-switch") // screened clear, nothing sent
	if out := c.must("status"); !strings.Contains(out, "cleared") {
		t.Fatalf("want the award cleared:\n%s", out)
	}

	// Another list becomes current without rescreening.
	files := map[string][]byte{
		ofac.FileSDN: []byte("99001,\"TESTOVSKY, Ivan\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"),
	}
	list, err := ofac.Build(files)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := saveList(context.Background(), st, list, files, "test", true, "test"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	c.must("run")
	time.Sleep(100 * time.Millisecond)
	out := c.must("status")
	if !strings.Contains(out, "held") || !strings.Contains(out, "TESTOVSKY") {
		t.Fatalf("want the award held by the new list:\n%s", out)
	}
	if n := len(sb.Items()); n != 0 {
		t.Fatalf("%d payments sent to a listed payee", n)
	}
	c.must("ledger", "verify")
}
