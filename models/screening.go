package models

import "time"

// ListVersion describes one loaded sanctions list version.
type ListVersion struct {
	ID          int64
	SHA256      string // of the set of files
	Source      string
	LoadedAt    time.Time
	PublishedAt *time.Time
	Entries     int
	Aliases     int
	Addresses   int
	Counts      string // JSON
	IsCurrent   bool
}

// ListFile is one file of a list version, kept verbatim.
type ListFile struct {
	ListID  int64
	Name    string
	SHA256  string
	Size    int64
	Content []byte
}

// Screening is one stored screening of an award's payee.
type Screening struct {
	ID           int64
	AwardID      string
	ResearcherID string
	ListSHA256   string
	Decision     string
	Score        float64
	Result       string // compliance.Result as JSON
	ScreenedAt   time.Time
	// PayeeVersion, ListSHA256 and RulesVersion are what was screened:
	// a clear screening counts only for exactly these.
	PayeeVersion int
	RulesVersion string
	// Advisory marks a screening at decision time, before approvals: it
	// never clears an award for sending.
	Advisory bool
}

// Disposition is compliance's decision on one (payee, screened identity,
// listed entry, entry content) match: "cleared" (false positive) or
// "confirmed". A clearance is void when the payee's identity (name, date
// of birth, country: IdentityHash) or the entry changes.
type Disposition struct {
	ResearcherID string
	IdentityHash string
	Source       string
	EntNum       int
	ContentHash  string
	Decision     string
	DecidedBy    string
	Reason       string
	DecidedAt    time.Time
}
