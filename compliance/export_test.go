package compliance

import "io/fs"

// LoadOFAC loads a directory of OFAC's CSV files as the screener's list
// (ofac.LoadFS, then the ofac mapper). This package's tests cannot import
// compliance/ofac, which imports this package, so ofac_test.go (package
// compliance_test, in the same test binary) sets it.
var LoadOFAC func(fsys fs.FS) (*List, error)
