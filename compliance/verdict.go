package compliance

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/plex/bountypay/models"
)

// DefaultTwoReviewerScore is the match score from which clearing a hold
// takes two distinct compliance reviewers (a jurisdiction hold always
// does).
const DefaultTwoReviewerScore = 0.95

// EntryKey names one listed entry's content: a remembered clearance is
// for exactly this content and re-opens when the entry changes.
type EntryKey struct {
	Source      string
	ID          int
	ContentHash string
}

// EntryRef names a listed entry whatever its content.
type EntryRef struct {
	Source string
	ID     int
}

// JurisdictionSource is the EntryKey source of a remembered jurisdiction
// clearance.
const JurisdictionSource = "JURISDICTION"

// JurisdictionKey names a jurisdiction review result (its rule, rules
// version and reason, which names the address evidence) so that a
// clearance counts only for that same result under the same rules.
func JurisdictionKey(j JurisdictionResult) EntryKey {
	sum := sha256.Sum256([]byte(j.RuleID + "\n" + j.Version + "\n" + j.Reason))
	return EntryKey{Source: JurisdictionSource, ContentHash: hex.EncodeToString(sum[:12])}
}

// Remembered is what compliance decided earlier about one payee.
type Remembered struct {
	// Cleared are the matches compliance cleared as false positives for
	// the payee's current screened identity (name, date of birth,
	// country): a clearance of another identity does not count.
	Cleared map[EntryKey]bool
	// Confirmed are the entries compliance confirmed as this payee, under
	// any identity and any content: a match with one blocks.
	Confirmed map[EntryRef]bool
}

// Verdict is the one combined screening outcome for a payee: the
// jurisdiction rules, the name screening and compliance's remembered
// decisions. Every caller (the worker, bountypay screen, the web,
// rescreening) gets its decision from Combine.
type Verdict struct {
	Decision     models.ScreeningDecision
	Reason       string
	Names        Result
	Jurisdiction JurisdictionResult
	// Open are the matches at or above the review threshold that nobody
	// decided yet.
	Open []Match
	// TwoReviewers is true when clearing this hold takes two distinct
	// compliance reviewers: a jurisdiction hold, or an open match scoring
	// at least the two-reviewer score.
	TwoReviewers bool
}

// Combine decides clear, review or blocked: a blocked jurisdiction
// blocks; a payee with an entry compliance confirmed is blocked; an open
// match at or above names.Threshold (the screener's review threshold) is
// review; a jurisdiction that needs a person is review; otherwise clear,
// naming the clearances it relied on. twoReviewerScore <= 0 means
// DefaultTwoReviewerScore.
func Combine(j JurisdictionResult, names Result, mem Remembered, twoReviewerScore float64) Verdict {
	if twoReviewerScore <= 0 {
		twoReviewerScore = DefaultTwoReviewerScore
	}
	threshold := names.Threshold
	if threshold <= 0 {
		threshold = DefaultReviewThreshold
	}
	v := Verdict{Names: names, Jurisdiction: j}
	if j.Decision == models.DecisionBlocked {
		v.Decision, v.Reason = models.DecisionBlocked, "sanctioned jurisdiction: "+j.Reason
		return v
	}
	for _, m := range names.Matches {
		if mem.Confirmed[EntryRef{m.Source, m.ID}] {
			v.Decision, v.Reason = models.DecisionBlocked, fmt.Sprintf("compliance confirmed the match with %s %d %s (%.2f)", m.Source, m.ID, m.Name, m.Score)
			return v
		}
	}
	if len(mem.Confirmed) > 0 {
		// A payee compliance confirmed as a listed person stays blocked
		// under any later name: nothing of theirs is paid.
		refs := make([]string, 0, len(mem.Confirmed))
		for r := range mem.Confirmed {
			refs = append(refs, fmt.Sprintf("%s %d", r.Source, r.ID))
		}
		slices.Sort(refs)
		v.Decision, v.Reason = models.DecisionBlocked, "compliance confirmed this payee as listed entry "+strings.Join(refs, ", ")
		return v
	}
	var open, cleared []string
	for _, m := range names.Matches {
		label := fmt.Sprintf("%s %d %s (%.2f)", m.Source, m.ID, m.Name, m.Score)
		if m.Score < threshold {
			continue
		}
		if mem.Cleared[EntryKey{m.Source, m.ID, m.ContentHash}] {
			cleared = append(cleared, label)
			continue
		}
		open = append(open, label)
		v.Open = append(v.Open, m)
		if m.Score >= twoReviewerScore {
			v.TwoReviewers = true
		}
	}
	switch {
	case len(open) > 0:
		v.Decision, v.Reason = models.DecisionReview, "possible sanctions match: "+strings.Join(open, "; ")
		if j.Decision == models.DecisionReview {
			v.Reason += "; jurisdiction needs review: " + j.Reason
			v.TwoReviewers = true
		}
	case j.Decision == models.DecisionReview && mem.Cleared[JurisdictionKey(j)]:
		v.Decision, v.Reason = models.DecisionClear, "jurisdiction cleared earlier by compliance: "+j.Reason
	case j.Decision == models.DecisionReview:
		v.Decision, v.Reason, v.TwoReviewers = models.DecisionReview, "jurisdiction needs review: "+j.Reason, true
	default:
		v.Decision = models.DecisionClear
		if len(cleared) > 0 {
			v.Reason = "matches cleared earlier by compliance: " + strings.Join(cleared, "; ")
		}
	}
	return v
}
