package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// Held is an award waiting for compliance, with why.
type Held struct {
	Award     models.Award
	Payee     models.Researcher
	Screening models.Screening
	Result    compliance.Result
	// ClearVotes are the compliance reviewers who voted to clear this
	// screening so far (a hold that takes two reviewers).
	ClearVotes []string
}

// HeldAwards lists awards held for review with their latest screening.
func (s *Screening) HeldAwards(ctx context.Context) ([]Held, error) {
	awards, err := s.store.Awards(ctx, models.AwardFilter{States: []models.AwardState{models.StateHeld}})
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
		if err := s.store.InTx(ctx, func(tx Tx) error {
			h.ClearVotes, err = clearVotes(tx, a.ID, sc.ID)
			return err
		}); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// Decide records compliance's decision on a held award: clear (a false
// positive: the matches are remembered for this payee's screened identity
// and the listed entry's content, so they do not come back) or confirm (a
// true match: this award and every unsent award of the payee are blocked).
//
// by must be a person with the compliance role who neither imported nor
// triaged the report nor caused its payee version, and reason must say
// why. A clear that contradicts a confirmed match of the payee is refused.
// Clearing a jurisdiction hold or a match scoring at least the
// two-reviewer score takes ReviewersRequired distinct reviewers: each
// earlier clear is recorded as a vote and the award stays held until the
// last. Errors: models.ErrInvalid (who may not decide, missing reason),
// models.ErrNotFound (unknown identity), models.ErrConflict (not held, the
// payee changed since the screening, a contradiction, a repeat vote).
func (s *Screening) Decide(ctx context.Context, awardID string, confirm bool, by, reason string) (models.Award, error) {
	by, reason = strings.TrimSpace(by), strings.TrimSpace(reason)
	if by == "" || reason == "" {
		return models.Award{}, fmt.Errorf("review %s: --by and --reason are required: %w", awardID, models.ErrInvalid)
	}
	var out models.Award
	err := s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.Authorize(by, models.ActReview); err != nil {
			return fmt.Errorf("review %s: %w", awardID, err)
		}
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if a.State != models.StateHeld {
			return fmt.Errorf("award %s is %s, not held for review: %w", a.ID, a.State, models.ErrConflict)
		}
		payee, err := boundPayee(tx, &a)
		if err != nil {
			return err
		}
		makers, err := tx.AwardMakers(&a)
		if err != nil {
			return err
		}
		if why := whyMaker(makers, payee, by); why != "" {
			return fmt.Errorf("%s may not decide the hold on %s: %s: %w", by, a.ID, why, models.ErrInvalid)
		}
		sc, err := tx.LatestScreening(a.ID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if sc.ID != 0 && sc.PayeeVersion != a.PayeeVersion {
			return fmt.Errorf("award %s: the payee changed since screening %d (version %d, now %d); it is screened again at the next run: %w",
				a.ID, sc.ID, sc.PayeeVersion, a.PayeeVersion, models.ErrConflict)
		}
		var res compliance.Result
		if sc.Result != "" {
			if err := json.Unmarshal([]byte(sc.Result), &res); err != nil {
				return err
			}
		}
		threshold := res.Threshold
		if threshold <= 0 {
			threshold = s.cfg.ReviewThreshold
		}
		mem, err := Remembered(tx, payee.Researcher)
		if err != nil {
			return err
		}
		var open []compliance.Match
		juris := s.juris.Check(payee.Researcher, s.cfg.NowFunc().UTC())
		twoReviewers := juris.Decision == models.DecisionReview
		for _, m := range res.Matches {
			if m.Score < threshold {
				continue
			}
			open = append(open, m)
			if m.Score >= s.cfg.TwoReviewerScore {
				twoReviewers = true
			}
		}
		if !confirm && len(mem.Confirmed) > 0 {
			refs := make([]string, 0, len(mem.Confirmed))
			for r := range mem.Confirmed {
				refs = append(refs, fmt.Sprintf("%s %d", r.Source, r.ID))
			}
			sort.Strings(refs)
			return fmt.Errorf("award %s: compliance confirmed payee %s as listed entry %s; a clear would contradict it: %w",
				a.ID, a.ResearcherID, strings.Join(refs, ", "), models.ErrConflict)
		}
		var ids []string
		for _, m := range open {
			ids = append(ids, fmt.Sprintf("%s:%d", m.Source, m.ID))
		}
		data := map[string]string{"by": by, "matches": strings.Join(ids, ","), "screening_id": fmt.Sprint(sc.ID),
			"list_sha256": sc.ListSHA256, "payee_version": fmt.Sprint(a.PayeeVersion)}
		if !confirm && twoReviewers {
			voters, err := clearVotes(tx, a.ID, sc.ID)
			if err != nil {
				return err
			}
			if slices.Contains(voters, models.NormalizeActor(by)) {
				return fmt.Errorf("%s already cleared award %s: the next clear must come from another compliance reviewer: %w", by, a.ID, models.ErrConflict)
			}
			if len(voters)+1 < s.cfg.ReviewersRequired {
				data["decision"] = clearVote
				data["votes"] = fmt.Sprintf("%d of %d", len(voters)+1, s.cfg.ReviewersRequired)
				_, _, err := tx.Append(ledger.Draft{
					IdempotencyKey: fmt.Sprintf("award/%s/review/%d/clear-vote/%s", a.ID, sc.ID, models.NormalizeActor(by)),
					Kind:           ledger.KindReviewDecision, AwardID: a.ID, Actor: by, EffectiveAt: tx.Now(), Data: data,
				})
				out = a
				return err
			}
		}
		decision := "cleared"
		if confirm {
			decision = "confirmed"
		}
		ident := models.IdentityHash(payee.Researcher)
		for _, m := range open {
			if err := tx.SaveDisposition(&models.Disposition{ResearcherID: a.ResearcherID, IdentityHash: ident, Source: m.Source, EntNum: m.ID,
				ContentHash: m.ContentHash, Decision: decision, DecidedBy: by, Reason: reason}); err != nil {
				return err
			}
		}
		if !confirm && juris.Decision == models.DecisionReview {
			k := compliance.JurisdictionKey(juris)
			if err := tx.SaveDisposition(&models.Disposition{ResearcherID: a.ResearcherID, IdentityHash: ident, Source: k.Source,
				ContentHash: k.ContentHash, Decision: decision, DecidedBy: by, Reason: reason}); err != nil {
				return err
			}
			ids = append(ids, "jurisdiction:"+juris.RuleID)
			data["matches"] = strings.Join(ids, ",")
		}
		data["decision"] = decision
		if !confirm {
			// The decision is the screening outcome for exactly this payee
			// version, list and rules: sending checks it like any other.
			v := Verdict{Verdict: compliance.Verdict{Decision: models.DecisionClear, Names: res, Jurisdiction: juris},
				ListSHA256: sc.ListSHA256, PayeeVersion: a.PayeeVersion, RulesVersion: juris.Version}
			if _, err := insertScreening(tx, &a, v, false); err != nil {
				return err
			}
		}
		d := ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/review/%d/%s", a.ID, sc.ID, decision),
			Kind:           ledger.KindReviewDecision, Actor: by, EffectiveAt: tx.Now(), Data: data,
		}
		if !confirm {
			err := tx.Transition(&a, models.StateCleared, "cleared by compliance: "+reason, d, nil)
			out = a
			return err
		}
		if err := tx.Transition(&a, models.StateBlocked, "compliance confirmed the match: "+reason, d, nil); err != nil {
			return err
		}
		out = a
		return blockUnsent(tx, a.ResearcherID, by, "compliance confirmed a sanctions match of this payee on "+a.ID+": "+reason)
	})
	return out, err
}

// clearVote is the review decision of a first reviewer of a hold that
// needs two.
const clearVote = "clear vote"

// clearVotes returns the normalised names of those who voted to clear the
// award on screening scID.
func clearVotes(tx Tx, awardID string, scID int64) ([]string, error) {
	es, err := tx.AwardEntries(awardID, ledger.KindReviewDecision)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range es {
		if e.Data["decision"] == clearVote && e.Data["screening_id"] == fmt.Sprint(scID) {
			out = append(out, models.NormalizeActor(e.Actor))
		}
	}
	return out, nil
}

// whyMaker says why who may not decide about an award they helped make,
// or "".
func whyMaker(m models.Makers, p models.PayeeVersion, who string) string {
	switch models.NormalizeActor(who) {
	case models.NormalizeActor(m.ImportedBy):
		return "imported the report"
	case models.NormalizeActor(m.TriagedBy):
		return "approved the report in triage"
	case models.NormalizeActor(p.CreatedBy):
		return "caused the payee version it is for"
	}
	return ""
}

// blockUnsent blocks every award of a researcher from which value has not
// left: a confirmed match means nothing more is paid to them.
func blockUnsent(tx Tx, researcherID, by, reason string) error {
	awards, err := tx.UnsentAwards(researcherID)
	if err != nil {
		return err
	}
	for i := range awards {
		a := &awards[i]
		if err := tx.Transition(a, models.StateBlocked, reason, ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/blocked-with-payee/%d", a.ID, a.Version),
			Kind:           ledger.KindBlocked, Actor: by, EffectiveAt: tx.Now(),
		}, nil); err != nil {
			return err
		}
	}
	return nil
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
// match are reported, not changed. It walks the awards in batches of
// Config.BatchSize, each within Config.BatchTimeout; a batch that takes
// longer ends it with an error wrapping ErrBatchTimeout and the report of
// what was screened until then (the send step still screens every
// cleared award against the current list before it leaves).
func (r *Runner) Rescreen(ctx context.Context) (RescreenReport, error) {
	var rep RescreenReport
	if r.cfgErr != nil {
		return rep, r.cfgErr
	}
	names, list, err := r.screener.Current(ctx)
	if err != nil {
		return rep, err
	}
	next := r.awardsIn(models.StateCleared, models.StateHeld, models.StateAwaitingApproval, models.StatePending,
		models.StateSent, models.StatePaid, models.StateUnclaimed, models.StateOnHold, models.StateGranted)
	err = inBatches(ctx, r, next, func(ctx context.Context, awards []models.Award) error {
		return r.rescreenBatch(ctx, &rep, names, list, awards)
	})
	if errors.Is(err, ErrBatchTimeout) {
		err = fmt.Errorf("rescreen stopped after %d awards: %w", rep.Screened, err)
	}
	return rep, err
}

func (r *Runner) rescreenBatch(ctx context.Context, rep *RescreenReport, names NameScreener, list models.ListVersion, awards []models.Award) error {
	for _, a := range awards {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := r.store.InTx(ctx, func(tx Tx) error {
			cur, err := tx.Award(a.ID)
			if err != nil {
				return err
			}
			p, err := boundPayee(tx, &cur)
			if err != nil {
				return err
			}
			v, err := r.screener.Screen(tx, names, list, p)
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
			return fmt.Errorf("rescreen %s: %w", a.ID, err)
		}
	}
	return nil
}
