package yamlrules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

func TestFields(t *testing.T) {
	tests := []struct {
		name, src string
		keys      []string // read keys
		wantErr   string   // substring; "" means none
	}{
		{name: "known", src: "a: 1\nb: 2\n", keys: []string{"a", "b"}},
		{name: "unknown", src: "a: 1\nc: 2\n", keys: []string{"a"}, wantErr: "x: line 2: c: unknown key (known: a, b)"},
		{name: "repeated", src: "a: 1\na: 2\n", keys: []string{"a"}, wantErr: "x: line 2: a: appears more than once"},
		{name: "alias", src: "a: &v {k: 1}\nb: *v\n", keys: []string{"a", "b"}},
		{name: "not a mapping", src: "- a\n", wantErr: "x: line 1: the document must be a mapping"},
		{name: "empty", src: "", wantErr: "x: empty document"},
		{name: "bad yaml", src: "a: [", wantErr: "x: yaml:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := NewErrors("x")
			var keys []string
			if root := Document([]byte(tc.src), e); root != nil {
				for _, f := range Fields(root, "", e, "a", "b") {
					keys = append(keys, f.Key)
				}
			}
			err := e.Err()
			if tc.wantErr == "" {
				if err != nil || strings.Join(keys, ",") != strings.Join(tc.keys, ",") {
					t.Errorf("keys %q, err %v; want %q", keys, err, tc.keys)
				}
				return
			}
			if !errors.Is(err, models.ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want ErrInvalid containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestFormatDate(t *testing.T) {
	for in, want := range map[time.Time]string{
		time.Date(2026, 8, 21, 0, 0, 0, 0, time.UTC):                 "2026-08-21",
		time.Date(2026, 8, 21, 12, 30, 0, 0, time.UTC):               "2026-08-21T12:30:00Z",
		time.Date(2026, 8, 21, 0, 0, 0, 0, time.FixedZone("", 7200)): "2026-08-20T22:00:00Z",
	} {
		if got := FormatDate(in); got != want {
			t.Errorf("FormatDate(%v) = %q, want %q", in, got, want)
		}
	}
}
