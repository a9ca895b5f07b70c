package models

import "time"

// StoredReport is a report with what bountypay did with it.
type StoredReport struct {
	Report
	ContentHash    string
	ImportedAt     time.Time
	ImportedBy     string
	SourceFile     string
	Decision       string // "", "awarded" or "rejected"
	DecisionReason string
	PolicyVersion  string
	// PayeeVersion is the payee version the report's researcher details
	// are (its awards are made for it).
	PayeeVersion int
}

// AwardFilter selects awards for a listing, oldest first (by creation
// time, then id).
type AwardFilter struct {
	States       []AwardState
	ReportID     string
	ResearcherID string
	Kind         AwardKind
	Limit        int
	// After, when set, lists only awards after this one in that order:
	// keyset pagination for walking a long list in batches.
	After *AwardCursor
}

// AwardCursor is a place in the awards' listing order.
type AwardCursor struct {
	CreatedAt time.Time
	ID        string
}

// Approval is one maker-checker approval: a ledger entry of kind approval
// whose actor is the approver, bound to the award content it approved.
type Approval struct {
	Seq         int64
	AwardID     string
	Approver    string
	ContentHash string
	Reason      string
	At          time.Time
}

// Makers are the people who made an award: whoever imported its report and
// whoever approved the report in triage. They cannot approve it or decide
// its holds.
type Makers struct {
	ImportedBy string
	TriagedBy  string
}
