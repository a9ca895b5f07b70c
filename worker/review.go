package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

// Held is an award waiting for compliance, with why.
type Held struct {
	Award     models.Award
	Payee     models.Researcher
	Screening store.Screening
	Result    compliance.Result
}

// HeldAwards lists awards held for review with their latest screening.
func (s *Screening) HeldAwards(ctx context.Context) ([]Held, error) {
	awards, err := s.store.Awards(ctx, store.AwardFilter{States: []models.AwardState{models.StateHeld}})
	if err != nil {
		return nil, err
	}
	out := make([]Held, 0, len(awards))
	for _, a := range awards {
		h := Held{Award: a}
		if h.Payee, err = s.store.Researcher(ctx, a.ResearcherID); err != nil {
			return nil, err
		}
		sc, err := s.store.LatestScreening(ctx, a.ID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		h.Screening = sc
		if sc.Result != "" {
			if err := json.Unmarshal([]byte(sc.Result), &h.Result); err != nil {
				return nil, fmt.Errorf("screening %d: %w", sc.ID, err)
			}
		}
		out = append(out, h)
	}
	return out, nil
}

// Decide records compliance's decision on a held award: clear (a false
// positive: the matches are remembered for this payee and listed entry
// content, so they do not come back) or confirm (a true match: blocked).
// by must name a person and reason must say why.
func (s *Screening) Decide(ctx context.Context, awardID string, confirm bool, by, reason string) (models.Award, error) {
	by, reason = strings.TrimSpace(by), strings.TrimSpace(reason)
	if by == "" || reason == "" {
		return models.Award{}, fmt.Errorf("review %s: --by and --reason are required: %w", awardID, models.ErrInvalid)
	}
	var out models.Award
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if a.State != models.StateHeld {
			return fmt.Errorf("award %s is %s, not held for review: %w", a.ID, a.State, models.ErrConflict)
		}
		sc, err := tx.LatestScreening(a.ID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		var res compliance.Result
		if sc.Result != "" {
			if err := json.Unmarshal([]byte(sc.Result), &res); err != nil {
				return err
			}
		}
		decision := "cleared"
		if confirm {
			decision = "confirmed"
		}
		var ids []string
		for _, m := range res.Matches {
			if m.Score < s.cfg.ReviewThreshold {
				continue
			}
			if err := tx.SaveDisposition(&store.Disposition{ResearcherID: a.ResearcherID, Source: m.Source, EntNum: m.ID,
				ContentHash: m.ContentHash, Decision: decision, DecidedBy: by, Reason: reason}); err != nil {
				return err
			}
			ids = append(ids, fmt.Sprintf("%s:%d", m.Source, m.ID))
		}
		d := ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/review/%d/%s", a.ID, sc.ID, decision),
			Kind:           ledger.KindReviewDecision, Actor: by, EffectiveAt: tx.Now(),
			Data: map[string]string{"decision": decision, "by": by, "matches": strings.Join(ids, ","),
				"screening_id": fmt.Sprint(sc.ID), "list_sha256": sc.ListSHA256},
		}
		if confirm {
			d.Postings = ledger.BlockedPostings(&a)
			err = tx.Transition(&a, models.StateBlocked, "compliance confirmed the match: "+reason, d, nil)
		} else {
			err = tx.Transition(&a, models.StateCleared, "cleared by compliance: "+reason, d, nil)
		}
		out = a
		return err
	})
	return out, err
}

// RescreenReport says what a rescreen found.
type RescreenReport struct {
	Screened int
	// NowHeld and NowBlocked are unpaid awards the new list stopped.
	NowHeld, NowBlocked []string
	// PaidMatches are awards already sent or paid whose payee now matches:
	// for finance and compliance to look at.
	PaidMatches []string
}

// Rescreen screens every payee with an unpaid award against the current
// list (after a new list is loaded): cleared awards that now match are
// held or blocked before any money leaves. Payees already paid who now
// match are reported, not changed.
func (r *Runner) Rescreen(ctx context.Context) (RescreenReport, error) {
	var rep RescreenReport
	names, list, err := r.screener.Current(ctx)
	if err != nil {
		return rep, err
	}
	awards, err := r.store.Awards(ctx, store.AwardFilter{States: []models.AwardState{
		models.StateCleared, models.StateHeld, models.StateAwaitingApproval, models.StatePending,
		models.StateSent, models.StatePaid, models.StateUnclaimed, models.StateOnHold, models.StateGranted}})
	if err != nil {
		return rep, err
	}
	for _, a := range awards {
		err := r.store.InTx(ctx, func(tx *store.Tx) error {
			cur, err := tx.Award(a.ID)
			if err != nil {
				return err
			}
			rs, err := tx.Researcher(cur.ResearcherID)
			if err != nil {
				return err
			}
			v, err := r.screener.Screen(tx, names, list, rs)
			if err != nil {
				return err
			}
			rep.Screened++
			switch cur.State {
			case models.StateCleared:
				if v.Decision == models.DecisionClear {
					return nil
				}
				if err := recordScreening(tx, &cur, v, r.cfg.Actor); err != nil {
					return err
				}
				if v.Decision == models.DecisionBlocked {
					rep.NowBlocked = append(rep.NowBlocked, cur.ID+": "+v.Reason)
				} else {
					rep.NowHeld = append(rep.NowHeld, cur.ID+": "+v.Reason)
				}
			case models.StateHeld, models.StateAwaitingApproval, models.StatePending:
				// Screened again when they come up; nothing leaves before.
			default:
				if v.Decision != models.DecisionClear {
					rep.PaidMatches = append(rep.PaidMatches, fmt.Sprintf("%s (%s): %s", cur.ID, cur.State, v.Reason))
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, models.ErrConflict) {
			return rep, fmt.Errorf("rescreen %s: %w", a.ID, err)
		}
	}
	return rep, nil
}
