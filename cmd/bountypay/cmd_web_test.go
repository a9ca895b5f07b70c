package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestWebRefusesToStartWithoutTokens(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no tokens", nil, nil, "refusing to start"},
		{"insecure on all interfaces", nil, []string{"--insecure-local", "--addr", "0.0.0.0:0"}, "loopback"},
		{"insecure without a name", map[string]string{"USER": ""}, []string{"--insecure-local", "--addr", "127.0.0.1:0", "--local-user", ""}, "--local-user"},
		{"malformed tokens", map[string]string{"BOUNTYPAY_WEB_TOKENS": "carol=secret-token-0123456789"}, nil, "BOUNTYPAY_WEB_TOKENS"},
		{"short token", map[string]string{"BOUNTYPAY_WEB_TOKENS": "carol:s3cr3t"}, nil, "shorter than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"BOUNTYPAY_DATA": dir}
			for k, v := range tt.env {
				env[k] = v
			}
			c := &cli{t: t, env: env}
			_, _, err := c.run(append([]string{"web"}, tt.args...)...)
			if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want a usage error naming %q, got %v", tt.want, err)
			}
			for _, secret := range []string{"secret-token-0123456789", "s3cr3t"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("the error shows a token: %v", err)
				}
			}
		})
	}
}

// TestWebServesTheDemo runs the demo, then bountypay web through run(),
// and reads the API and a page with a token; cancelling the context stops
// the server cleanly.
func TestWebServesTheDemo(t *testing.T) {
	engines(t, func(t *testing.T, c *cli) {
		c.must("demo")
		c.env["BOUNTYPAY_WEB_TOKENS"] = "carol:carol-token-0123456789,dana:dana-token-0123456789"
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			getenv := func(k string) string { return c.env[k] }
			err := run(ctx, []string{"bountypay", "web", "--addr", "127.0.0.1:0"}, getenv, strings.NewReader(""), pw, io.Discard)
			pw.Close()
			done <- err
		}()
		sc := bufio.NewScanner(pr)
		if !sc.Scan() {
			t.Fatalf("no output from web: %v", <-done)
		}
		m := regexp.MustCompile(`serving (http://\S+) `).FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("first line: %q", sc.Text())
		}
		go io.Copy(io.Discard, pr)
		base := m[1]
		get := func(path, token string) (int, string) {
			req, _ := http.NewRequest(http.MethodGet, base+path, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		if code, _ := get("/api/awards", ""); code != http.StatusUnauthorized {
			t.Fatalf("no token: %d", code)
		}
		code, body := get("/api/awards?state=paid,unclaimed", "carol-token-0123456789")
		var out struct{ Awards []struct{ ID, State string } }
		if code != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil || len(out.Awards) != 5 {
			t.Fatalf("paid and unclaimed awards: %d %s", code, body)
		}
		code, body = get("/", "dana-token-0123456789")
		if code != http.StatusOK || !strings.Contains(body, "held for compliance review") || !strings.Contains(body, `<span id="user">dana</span>`) {
			t.Fatalf("overview: %d\n%s", code, body)
		}
		code, body = get("/reports/paid", "dana-token-0123456789")
		if code != http.StatusOK || !strings.Contains(body, "7,500.00 USD") {
			t.Fatalf("paid report: %d\n%s", code, body)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("web after cancel: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("web did not stop")
		}
	})
}
