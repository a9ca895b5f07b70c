//go:build unix

package web_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chromiumPath finds Debian's chromium; without it the browser test skips
// loudly, and fails under CI=true (.ci/run installs it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install chromium): the browser test cannot run")
	}
	t.Skip("SKIPPING the headless browser test: chromium is not installed (apt-get install -y chromium)")
	return ""
}

// dumpDOM loads url in headless Chromium and returns the DOM after load.
func dumpDOM(t *testing.T, chromium, u string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(), "--dump-dom", u)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	// Chromium starts helper processes: end the whole group on timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\nstderr:\n%s", u, err, errb.String())
	}
	return out.String()
}

// TestBrowser renders the overview and the review queue in headless
// Chromium, logged in through the token-in-URL flow (a redirect that sets
// the session cookie), and checks the DOM the browser built: the CSP and
// the cookie must let the pages load, and nothing may need JavaScript.
func TestBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	st := openStore(t, "sqlite", clock)
	seed(t, st, true)
	f := serve(t, st, serveConfig())
	login := func(next string) string {
		return f.ts.URL + "/login?token=" + url.QueryEscape(carolToken) + "&next=" + url.QueryEscape(next)
	}

	dom := dumpDOM(t, chromium, login("/"))
	wantContains(t, "overview DOM", dom, `<span id="user">carol</span>`, `id="held-count">2<`, `id="awaiting-count">3<`,
		`data-state="granted"`, "7,000.00 USD", "Verify the ledger now")
	wantLacks(t, "overview DOM", dom, `id="list-banner"`, "Log in</h1>", carolToken)

	dom = dumpDOM(t, chromium, login("/review"))
	wantContains(t, "review DOM", dom, `<span id="user">carol</span>`, `id="PLEX-1009/money"`, "Nicolás Maduro Moros",
		"MADURO MOROS, Nicolas", "VENEZUELA", "Confirm match: block", `name="csrf"`)
	if n := strings.Count(dom, `<form method="post" action="/review"`); n != 2 {
		t.Errorf("review DOM has %d decision forms, want 2", n)
	}

	// Without a token the browser gets the login form (401).
	dom = dumpDOM(t, chromium, f.ts.URL+"/review")
	wantContains(t, "unauthenticated DOM", dom, "Log in</h1>", `name="token"`)
	wantLacks(t, "unauthenticated DOM", dom, "Maduro")
}
