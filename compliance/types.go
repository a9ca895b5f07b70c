package compliance

import (
	"time"

	"github.com/plex/bountypay/models"
)

// Query is what the screener knows about a payee.
type Query struct {
	Name        string // as the researcher gave it, any script
	Country     string // ISO 3166-1 alpha-2 of residence, optional
	Region      string // ISO 3166-2, optional
	City        string // optional
	PostalCode  string // optional
	DateOfBirth string // YYYY-MM-DD, optional
	// Type is "individual" or "entity"; empty means unknown.
	Type string
}

// Match is one listed entry that resembles the query.
type Match struct {
	ID       int      `json:"id"`                // Entry.ID (OFAC's ent_num)
	Source   string   `json:"source"`            // Entry.Source ("SDN", "CONS")
	Name     string   `json:"name"`              // the primary name as listed
	Matched  string   `json:"matched,omitempty"` // the listed name or alias that scored best
	Score    float64  `json:"score"`
	Programs []string `json:"programs"`
	Reasons  []string `json:"reasons,omitempty"`
	// ContentHash identifies the listed entry's content, so a cleared false
	// positive re-opens when the entry changes.
	ContentHash string `json:"content_hash,omitempty"`
}

// Result is the screener's answer for one query.
type Result struct {
	Query    string                   `json:"query"`
	Decision models.ScreeningDecision `json:"decision"`
	Score    float64                  `json:"score"`
	Reasons  []string                 `json:"reasons"`
	Matches  []Match                  `json:"matches"`
	// ListVersion is the sha256 of the list screened against ("" when none).
	ListVersion string `json:"list_version,omitempty"`
	// Algorithm names the matching algorithm and its version.
	Algorithm string `json:"algorithm,omitempty"`
	// Threshold is the review threshold the screener applied: the one
	// threshold every verdict on this result uses.
	Threshold  float64   `json:"threshold,omitempty"`
	ScreenedAt time.Time `json:"screened_at"`
}
