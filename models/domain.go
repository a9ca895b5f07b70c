package models

import "time"

// Category is the kind of finding a report describes.
type Category string

// The report categories of the program's policy.
const (
	CategoryRCE                 Category = "rce"
	CategoryPrivilegeEscalation Category = "privilege_escalation"
	CategoryAuthentication      Category = "authentication"
	CategoryXSS                 Category = "xss"
	CategoryCSRF                Category = "csrf"
	CategoryDenialOfService     Category = "denial_of_service"
	CategoryMaliciousLink       Category = "malicious_link"
	CategoryThirdParty          Category = "third_party"
	CategoryInsecureCookie      Category = "insecure_cookie"
	CategorySocialEngineering   Category = "social_engineering"
	CategoryPINBypass           Category = "pin_bypass"
	CategoryOther               Category = "other"
)

// AllCategories lists every category.
func AllCategories() []Category {
	return []Category{CategoryRCE, CategoryPrivilegeEscalation, CategoryAuthentication,
		CategoryXSS, CategoryCSRF, CategoryDenialOfService, CategoryMaliciousLink,
		CategoryThirdParty, CategoryInsecureCookie, CategorySocialEngineering,
		CategoryPINBypass, CategoryOther}
}

// Severity is triage's rating of a finding.
type Severity string

// The severities, highest first.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	SeverityNone     Severity = "none"
)

// AllSeverities lists every severity, highest first.
func AllSeverities() []Severity {
	return []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityNone}
}

// ReportStatus is triage's verdict on a report.
type ReportStatus string

// The report statuses triage hands over.
const (
	ReportApproved  ReportStatus = "approved"
	ReportRejected  ReportStatus = "rejected"
	ReportDuplicate ReportStatus = "duplicate"
)

// AllReportStatuses lists every report status.
func AllReportStatuses() []ReportStatus {
	return []ReportStatus{ReportApproved, ReportRejected, ReportDuplicate}
}

// Researcher is the person a reward goes to.
type Researcher struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Email          string `json:"email"`
	Country        string `json:"country"`               // ISO 3166-1 alpha-2
	Region         string `json:"region,omitempty"`      // ISO 3166-2, e.g. UA-43
	City           string `json:"city,omitempty"`        //
	PostalCode     string `json:"postal_code,omitempty"` //
	PayPalReceiver string `json:"paypal_receiver,omitempty"`
	PlexAccount    string `json:"plex_account,omitempty"`
	DateOfBirth    string `json:"date_of_birth,omitempty"` // YYYY-MM-DD
}

// Reward overrides the policy's severity table for one report.
type Reward struct {
	Money    *Money `json:"money,omitempty"`
	PlexPass bool   `json:"plex_pass,omitempty"`
	Other    string `json:"other,omitempty"`
}

// Report is one approved (or rejected, or duplicate) finding as triage
// hands it over.
type Report struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Category    Category     `json:"category"`
	Severity    Severity     `json:"severity"`
	Status      ReportStatus `json:"status"`
	DuplicateOf string       `json:"duplicate_of,omitempty"`
	Reproduced  bool         `json:"reproduced"`
	ApprovedBy  string       `json:"approved_by,omitempty"`
	ApprovedAt  time.Time    `json:"approved_at"`
	Researcher  Researcher   `json:"researcher"`
	Reward      *Reward      `json:"reward,omitempty"`
}

// AwardKind is what an award gives.
type AwardKind string

// The award kinds.
const (
	AwardMoney    AwardKind = "money"
	AwardPlexPass AwardKind = "plex_pass"
	AwardOther    AwardKind = "other"
)

// AllAwardKinds lists every award kind.
func AllAwardKinds() []AwardKind { return []AwardKind{AwardMoney, AwardPlexPass, AwardOther} }

// Asset is the ledger asset an award moves: its currency, or PASS.
func (a *Award) Asset() string {
	switch a.Kind {
	case AwardMoney:
		return a.Amount.Currency
	case AwardPlexPass:
		return AssetPass
	}
	return AssetOther
}

// Ledger assets that are not currencies.
const (
	AssetPass  = "PASS"  // one lifetime Plex Pass = 1 unit
	AssetOther = "OTHER" // one non-cash, non-pass reward = 1 unit
)

// Award is one thing a report earns: an amount of money, a pass, or another
// reward. Its ID is deterministic: "<report id>/<kind>".
type Award struct {
	ID            string     `json:"id"`
	ReportID      string     `json:"report_id"`
	ResearcherID  string     `json:"researcher_id"`
	Kind          AwardKind  `json:"kind"`
	Amount        Money      `json:"amount"`                // money awards only
	Description   string     `json:"description,omitempty"` // other awards
	State         AwardState `json:"state"`
	Reason        string     `json:"reason,omitempty"` // why it is in its state
	PolicyVersion string     `json:"policy_version"`
	// PayeeVersion is the payee version the award is for (see
	// PayeeVersion); value leaves only for that version, screened clear
	// and approved.
	PayeeVersion int `json:"payee_version"`
	// AbovePolicy is true when triage's reward override gives more money
	// than the policy's severity table: such an award always needs
	// approvals.
	AbovePolicy bool      `json:"above_policy,omitempty"`
	Attempt     int       `json:"attempt"` // current send attempt, 0 before the first
	Version     int64     `json:"version"` // optimistic-lock counter, +1 per change
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// AwardID returns the deterministic id of a report's award of kind k.
func AwardID(reportID string, k AwardKind) string { return reportID + "/" + string(k) }

// ScreeningDecision is the outcome of sanctions screening.
type ScreeningDecision string

// The screening decisions.
const (
	DecisionClear   ScreeningDecision = "clear"
	DecisionReview  ScreeningDecision = "review"
	DecisionBlocked ScreeningDecision = "blocked"
)
