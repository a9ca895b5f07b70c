package ledger

import (
	"time"

	"github.com/plex/bountypay/models"
)

// The lines of finance's reports, as the store reads them from the
// journal.

// PaidLine is value that reached a researcher in one entry: money paid
// (negative when reversed), a pass granted or another reward fulfilled.
type PaidLine struct {
	Seq          int64
	AwardID      string
	ResearcherID string
	Severity     string
	At           time.Time
	Asset        string
	Amount       int64 // minor units; units for PASS and OTHER
	Fee          int64
}

// AgeingLine is an award decided but not yet paid, or unclaimed.
type AgeingLine struct {
	Award models.Award
	Since time.Time // decided (created), or when it became unclaimed
	Days  int
}

// AgeingBuckets are the ageing report's buckets, in days.
var AgeingBuckets = []struct {
	Name     string
	From, To int // days, To exclusive; 0 = open
}{{"0-30", 0, 31}, {"31-60", 31, 61}, {"61-90", 61, 91}, {"90+", 91, 0}}

// Bucket names the ageing bucket of days.
func Bucket(days int) string {
	for _, b := range AgeingBuckets {
		if days >= b.From && (b.To == 0 || days < b.To) {
			return b.Name
		}
	}
	return "?"
}

// BlockedLine is an award blocked by sanctions screening.
type BlockedLine struct {
	Award     models.Award
	BlockedAt time.Time // effective time of the blocking entry
	Deadline  time.Time // 10 US business days later: report to OFAC by then
	Reason    string
	Seq       int64
}

// Head is the head anchor: the newest entry and the end of the last
// sealed period, kept in ledger_heads in the same transaction as every
// append.
type Head struct {
	Seq  int64
	Hash string
	// SealedThrough is the end of the last sealed period (zero if none):
	// no entry may be effective before it.
	SealedThrough time.Time
}
