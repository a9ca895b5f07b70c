package compliance_test

import (
	"io/fs"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/compliance/ofac"
)

// OFAC is the list source of the screener's tests: its mapper feeds the
// real lists into the name engine.
func init() {
	compliance.LoadOFAC = func(fsys fs.FS) (*compliance.List, error) {
		l, err := ofac.LoadFS(fsys)
		if err != nil {
			return nil, err
		}
		return l.ToCompliance(), nil
	}
}
