package compliance_test

import (
	"strings"
	"testing"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/models"
)

// The one verdict: jurisdiction, names and remembered decisions combined.
func TestCombine(t *testing.T) {
	clearJ := compliance.JurisdictionResult{Decision: models.DecisionClear, Version: "v"}
	reviewJ := compliance.JurisdictionResult{Decision: models.DecisionReview, RuleID: "ua-no-region", Version: "v", Reason: "Ukraine without a region"}
	blockedJ := compliance.JurisdictionResult{Decision: models.DecisionBlocked, RuleID: "iran", Version: "v", Reason: "Iran"}
	match := func(score float64) compliance.Match {
		return compliance.Match{ID: 22790, Source: "SDN", Name: "MADURO MOROS, Nicolas", Score: score, ContentHash: "c1"}
	}
	names := func(ms ...compliance.Match) compliance.Result {
		return compliance.Result{Matches: ms, Threshold: 0.80}
	}
	cleared := compliance.Remembered{Cleared: map[compliance.EntryKey]bool{{Source: "SDN", ID: 22790, ContentHash: "c1"}: true}}
	otherContent := compliance.Remembered{Cleared: map[compliance.EntryKey]bool{{Source: "SDN", ID: 22790, ContentHash: "c0"}: true}}
	confirmed := compliance.Remembered{Confirmed: map[compliance.EntryRef]bool{{Source: "SDN", ID: 22790}: true}}
	jurisCleared := compliance.Remembered{Cleared: map[compliance.EntryKey]bool{compliance.JurisdictionKey(reviewJ): true}}
	for _, tt := range []struct {
		name   string
		j      compliance.JurisdictionResult
		res    compliance.Result
		mem    compliance.Remembered
		want   models.ScreeningDecision
		two    bool
		reason string
	}{
		{"nothing", clearJ, names(), compliance.Remembered{}, models.DecisionClear, false, ""},
		{"below the threshold", clearJ, names(match(0.79)), compliance.Remembered{}, models.DecisionClear, false, ""},
		{"a match", clearJ, names(match(0.85)), compliance.Remembered{}, models.DecisionReview, false, "possible sanctions match"},
		{"a strong match takes two", clearJ, names(match(0.97)), compliance.Remembered{}, models.DecisionReview, true, "SDN 22790"},
		{"cleared for this identity and content", clearJ, names(match(0.97)), cleared, models.DecisionClear, false, "cleared earlier"},
		{"cleared for other content", clearJ, names(match(0.97)), otherContent, models.DecisionReview, true, ""},
		{"confirmed blocks", clearJ, names(match(0.97)), confirmed, models.DecisionBlocked, false, "compliance confirmed"},
		{"confirmed blocks under any name", clearJ, names(), confirmed, models.DecisionBlocked, false, "confirmed this payee"},
		{"a blocked jurisdiction", blockedJ, names(), cleared, models.DecisionBlocked, false, "sanctioned jurisdiction: Iran"},
		{"a jurisdiction review takes two", reviewJ, names(), compliance.Remembered{}, models.DecisionReview, true, "jurisdiction needs review"},
		{"a remembered jurisdiction clearance", reviewJ, names(), jurisCleared, models.DecisionClear, false, "jurisdiction cleared earlier"},
		{"a match and a jurisdiction review", reviewJ, names(match(0.85)), compliance.Remembered{}, models.DecisionReview, true, "jurisdiction needs review"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := compliance.Combine(tt.j, tt.res, tt.mem, 0)
			if v.Decision != tt.want || v.TwoReviewers != tt.two || !strings.Contains(v.Reason, tt.reason) {
				t.Errorf("Combine = %s (two reviewers %v) %q, want %s (%v) containing %q", v.Decision, v.TwoReviewers, v.Reason, tt.want, tt.two, tt.reason)
			}
		})
	}
}
