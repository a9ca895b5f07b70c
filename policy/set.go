package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/plex/bountypay/internal/yamlrules"
	"github.com/plex/bountypay/models"
)

// Set holds every policy version and picks the one in effect at a time.
type Set struct {
	policies []*Policy // by EffectiveFrom, oldest first
}

// NewSet returns a set of the given versions. No versions, two with
// the same version string, or two effective from the same time are errors
// wrapping models.ErrInvalid.
func NewSet(policies ...*Policy) (*Set, error) {
	if len(policies) == 0 {
		return nil, fmt.Errorf("policy set: no policies: %w", models.ErrInvalid)
	}
	ps := slices.Clone(policies)
	slices.SortFunc(ps, func(a, b *Policy) int { return a.EffectiveFrom.Compare(b.EffectiveFrom) })
	seen := map[string]bool{}
	for i, p := range ps {
		if seen[p.Version] {
			return nil, fmt.Errorf("policy set: version %s appears twice: %w", p.Version, models.ErrInvalid)
		}
		seen[p.Version] = true
		if i > 0 && ps[i-1].EffectiveFrom.Equal(p.EffectiveFrom) {
			return nil, fmt.Errorf("policy set: versions %s and %s both take effect at %s: %w",
				ps[i-1].Version, p.Version, yamlrules.FormatDate(p.EffectiveFrom), models.ErrInvalid)
		}
	}
	return &Set{policies: ps}, nil
}

// Default returns the set of the embedded policy versions (Embedded).
func Default() (*Set, error) {
	ps, err := Embedded()
	if err != nil {
		return nil, err
	}
	return NewSet(ps...)
}

// Policies returns every version, oldest first.
func (s *Set) Policies() []*Policy { return slices.Clone(s.policies) }

// Latest returns the version that takes effect last.
func (s *Set) Latest() *Policy { return s.policies[len(s.policies)-1] }

// Version returns the policy with version v, or an error wrapping
// models.ErrNotFound.
func (s *Set) Version(v string) (*Policy, error) {
	for _, p := range s.policies {
		if p.Version == v {
			return p, nil
		}
	}
	return nil, fmt.Errorf("policy version %q: %w", v, models.ErrNotFound)
}

// At returns the version in effect at t: the last one whose EffectiveFrom
// is not after t. Before the first version it returns an error wrapping
// models.ErrNotFound.
func (s *Set) At(t time.Time) (*Policy, error) {
	i, _ := slices.BinarySearchFunc(s.policies, t, func(p *Policy, t time.Time) int {
		if p.EffectiveFrom.After(t) {
			return 1
		}
		return -1
	})
	if i == 0 {
		return nil, fmt.Errorf("no policy in effect at %s (the first takes effect %s): %w",
			t.UTC().Format(time.RFC3339), yamlrules.FormatDate(s.policies[0].EffectiveFrom), models.ErrNotFound)
	}
	return s.policies[i-1], nil
}

// Decide applies the version in effect when the report was approved
// (ApprovedAt). An approved report without ApprovedAt is an error wrapping
// models.ErrInvalid; a rejected or duplicate one without it is decided by
// the oldest version (any version rejects it). An approval time before the
// first version is an error wrapping models.ErrNotFound.
func (s *Set) Decide(r models.Report) (Decision, error) {
	if r.ApprovedAt.IsZero() {
		if r.Status == models.ReportApproved {
			return Decision{}, fmt.Errorf("report %s: approved without approved_at: %w", r.ID, models.ErrInvalid)
		}
		return s.policies[0].Decide(r), nil
	}
	p, err := s.At(r.ApprovedAt)
	if err != nil {
		return Decision{}, fmt.Errorf("report %s: %w", r.ID, err)
	}
	return p.Decide(r), nil
}
