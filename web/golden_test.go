package web_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestReviewPageGolden renders the review queue of the seeded fixture (a
// fixed clock, the demo list and reports) and compares it with
// testdata/review.golden.html; the session's CSRF token is the only
// random part and is replaced. Regenerate with go test ./web -run Golden -update.
func TestReviewPageGolden(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		cookie, csrf := f.login(carolToken)
		r := f.get("/review", req{cookie: cookie})
		wantCode(t, "review", r, 200)
		got := strings.ReplaceAll(r.body, csrf, "CSRF-TOKEN")
		path := filepath.Join("testdata", "review.golden.html")
		if *update && engine == "sqlite" {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("review page differs from %s (run with -update if the change is intended):\n%s", path, firstDiff(string(want), got))
		}
	})
}

// firstDiff shows the first differing line.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, w, g)
		}
	}
	return ""
}
