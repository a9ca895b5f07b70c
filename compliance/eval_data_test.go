package compliance

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/plex/bountypay/internal/shareddata"
)

// sharedDir returns ../shared/testdata/ofac/<sub> (see shareddata.Dir).
func sharedDir(t testing.TB, sub string) string {
	t.Helper()
	return shareddata.Dir(t, "ofac", sub)
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
		l, err := LoadOFAC(files)
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
