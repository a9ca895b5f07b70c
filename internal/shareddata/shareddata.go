// Package shareddata finds the project's shared test data: the real OFAC
// list files and PayPal's OpenAPI specs in ../shared/testdata beside the
// repository root (CI has it at the same place). The files are read from
// there, never copied into the repository.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns ../shared/testdata/<elem...> next to the module root. When
// it is missing the test is skipped loudly, or fails when CI=true.
func Dir(tb testing.TB, elem ...string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("shareddata: go.mod not found above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared", "testdata"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("shared test data missing (%s): %v", p, err)
		}
		tb.Skipf("SKIP: shared test data missing (%s); put ../shared beside the repository to run this test", p)
	}
	return p
}
