package ofac_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/plex/bountypay/compliance/ofac"
)

// seed adds the own tiny fixture and, when present, the shared tiny file.
func seed(f *testing.F, name string) {
	for _, p := range []string{filepath.Join("testdata", "tiny", name)} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("1,\"A\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a"))
	f.Add([]byte("\"unterminated"))
	f.Add([]byte{0x1a})
}

// checkErr asserts that a failed parse reports a *ParseError with a line.
func checkErr(t *testing.T, err error) {
	if err == nil {
		return
	}
	pe, ok := err.(*ofac.ParseError)
	if !ok || pe.Line < 1 || pe.Reason == "" {
		t.Fatalf("error %T %v is not a located *ParseError", err, err)
	}
}

func FuzzParseSDN(f *testing.F) {
	seed(f, "sdn.csv")
	seed(f, "cons_prim.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ofac.ParsePrimary("sdn.csv", ofac.SourceSDN, data)
		checkErr(t, err)
		if err == nil {
			for _, e := range es {
				if e.ID <= 0 || e.Name == "" {
					t.Fatalf("bad entry %+v", e)
				}
			}
			if _, err := ofac.Build(map[string][]byte{"sdn.csv": data}); err != nil {
				t.Fatalf("Build after ParsePrimary ok: %v", err)
			}
		}
	})
}

func FuzzParseAlt(f *testing.F) {
	seed(f, "alt.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ofac.ParseAlt("alt.csv", data)
		checkErr(t, err)
	})
}

func FuzzParseAdd(f *testing.F) {
	seed(f, "add.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ofac.ParseAdd("add.csv", data)
		checkErr(t, err)
	})
}

func FuzzParseComments(f *testing.F) {
	seed(f, "sdn_comments.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ofac.ParseComments("sdn_comments.csv", data)
		checkErr(t, err)
	})
}

func FuzzParseDOB(f *testing.F) {
	for _, s := range []string{"23 Nov 1962", "Nov 1962", "circa 1960-1962", "1955 to 1960", "x", "01 Jan 1960 to 31 Dec 1962"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ofac.ParseDOB(s)
		if ok && (d.Year < 1000 || d.Month < 0 || d.Month > 12 || d.Day < 0 || d.Day > 31) {
			t.Fatalf("ParseDOB(%q) = %+v", s, d)
		}
	})
}
