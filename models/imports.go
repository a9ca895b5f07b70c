package models

// ImportRecord is one parsed record of an import file.
type ImportRecord struct {
	Report      Report
	ContentHash string
	Line        int
}

// ImportResult counts what an import did.
type ImportResult struct {
	New       int
	Unchanged int
	// PayeeChanges are the new payee versions the import made, pending
	// ones included.
	PayeeChanges []PayeeVersion
}
