package models

// ImportRecord is one parsed record of an import file.
type ImportRecord struct {
	Report      Report
	ContentHash string
	Line        int
}

// Reimport judges the record against a report already stored under its id
// with content hash stored: the same content is unchanged (nothing to do);
// other content is a conflict, because a report once imported is never
// rewritten (corrections need a new report id).
func (rec ImportRecord) Reimport(file, stored string) error {
	if stored == rec.ContentHash {
		return nil
	}
	return &FieldError{File: file, Line: rec.Line, Record: rec.Report.ID,
		Field: "id", Reason: "already imported with other content (conflict; corrections need a new report id)"}
}

// ImportResult counts what an import did.
type ImportResult struct {
	New       int
	Unchanged int
	// PayeeChanges are the new payee versions the import made, pending
	// ones included.
	PayeeChanges []PayeeVersion
}
