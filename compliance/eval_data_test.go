package compliance

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/plex/bountypay/compliance/ofac"
)

// sharedDir returns ../shared/testdata/ofac/<sub> next to the module root.
// Without the shared data the test skips loudly, or fails when CI=true.
func sharedDir(t testing.TB, sub string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "testdata", "ofac", sub)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared OFAC test data missing (%s): %v", p, err)
		}
		t.Skipf("SKIP: shared OFAC test data missing (%s); set it up to run this test", p)
	}
	return p
}

func readShared(t testing.TB, sub, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedDir(t, sub), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fullFiles is the realistic set: sdn_full_2024-05-03/sdn.csv with the
// alt, add and comments files of sdn_partial_2025-12-24.
func fullFiles(t testing.TB) fstest.MapFS {
	return fstest.MapFS{
		"sdn.csv":          {Data: readShared(t, "sdn_full_2024-05-03", "sdn.csv")},
		"alt.csv":          {Data: readShared(t, "sdn_partial_2025-12-24", "alt.csv")},
		"add.csv":          {Data: readShared(t, "sdn_partial_2025-12-24", "add.csv")},
		"sdn_comments.csv": {Data: readShared(t, "sdn_partial_2025-12-24", "sdn_comments.csv")},
	}
}

var full struct {
	once sync.Once
	s    *Screener
	err  error
}

// fullScreener returns a Screener over the realistic set, built once per
// test binary.
func fullScreener(t testing.TB) *Screener {
	t.Helper()
	files := fullFiles(t) // skips when the data is missing
	full.once.Do(func() {
		l, err := ofac.LoadFS(files)
		if err != nil {
			full.err = err
			return
		}
		full.s, full.err = NewScreener(l, ScreenConfig{})
	})
	if full.err != nil {
		t.Fatal(full.err)
	}
	return full.s
}
