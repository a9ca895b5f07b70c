package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// Finance reads: the journal by effective period, exports by sequence,
// trial balance, paid totals, ageing, per-payee-per-year tax totals,
// blocked items and reconciliation of the ledger with PayPal attempts.

// EachEntryEffective calls fn for every entry effective in [from, to)
// (zero bounds are open), in sequence order.
func (s *Store) EachEntryEffective(ctx context.Context, from, to time.Time, fn func(ledger.Entry) error) error {
	q := `SELECT ` + ledgerColumns + ` FROM ledger_entries WHERE 1 = 1`
	var args []any
	if !from.IsZero() {
		q += ` AND effective_at` + s.collateC() + ` >= ?`
		args = append(args, from.UTC().Format(ledgerTimeFormat))
	}
	if !to.IsZero() {
		q += ` AND effective_at` + s.collateC() + ` < ?`
		args = append(args, to.UTC().Format(ledgerTimeFormat))
	}
	return s.eachRow(s.db.WithContext(ctx), q+` ORDER BY seq`, args, func(r *rawRow) error {
		e, err := r.decode()
		if err != nil {
			return fmt.Errorf("ledger entry %d: %w", e.Seq, err)
		}
		return fn(e)
	})
}

// SeqRange returns the first and last sequence numbers of the entries
// recorded in [from, to) (zero bounds are open): a contiguous stretch of
// the chain, for exports that verify on their own. ok is false when no
// entry was recorded then.
func (s *Store) SeqRange(ctx context.Context, from, to time.Time) (first, last int64, ok bool, err error) {
	q := s.db.WithContext(ctx).Table("ledger_entries")
	if !from.IsZero() {
		q = q.Where("recorded_at"+s.collateC()+" >= ?", from.UTC().Format(ledgerTimeFormat))
	}
	if !to.IsZero() {
		q = q.Where("recorded_at"+s.collateC()+" < ?", to.UTC().Format(ledgerTimeFormat))
	}
	var r struct {
		First *int64
		Last  *int64
	}
	if err := q.Select("MIN(seq) AS first, MAX(seq) AS last").Scan(&r).Error; err != nil {
		return 0, 0, false, fmt.Errorf("ledger range: %w", err)
	}
	if r.First == nil || r.Last == nil {
		return 0, 0, false, nil
	}
	return *r.First, *r.Last, true, nil
}

// EachEntrySeq calls fn for the entries first..last (last 0 = to the end).
func (s *Store) EachEntrySeq(ctx context.Context, first, last int64, fn func(ledger.Entry) error) error {
	q := `SELECT ` + ledgerColumns + ` FROM ledger_entries WHERE seq >= ?`
	args := []any{first}
	if last > 0 {
		q += ` AND seq <= ?`
		args = append(args, last)
	}
	return s.eachRow(s.db.WithContext(ctx), q+` ORDER BY seq`, args, func(r *rawRow) error {
		e, err := r.decode()
		if err != nil {
			return fmt.Errorf("ledger entry %d: %w", e.Seq, err)
		}
		return fn(e)
	})
}

// AwardFacts returns report, researcher and severity of every award.
func (s *Store) AwardFacts(ctx context.Context) (map[string]ledger.AwardFacts, error) {
	var rows []struct {
		ID           string
		ReportID     string
		ResearcherID string
		Severity     string
	}
	err := s.db.WithContext(ctx).Table("awards").
		Select("awards.id AS id, awards.report_id AS report_id, awards.researcher_id AS researcher_id, reports.severity AS severity").
		Joins("JOIN reports ON reports.id = awards.report_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("award facts: %w", err)
	}
	out := make(map[string]ledger.AwardFacts, len(rows))
	for _, r := range rows {
		out[r.ID] = ledger.AwardFacts{ReportID: r.ReportID, ResearcherID: r.ResearcherID, Severity: r.Severity}
	}
	return out, nil
}

// Report lines (ledger).
type (
	PaidLine    = ledger.PaidLine
	AgeingLine  = ledger.AgeingLine
	BlockedLine = ledger.BlockedLine
)

// AgeingBuckets are the ageing report's buckets (ledger.AgeingBuckets).
var AgeingBuckets = ledger.AgeingBuckets

// Bucket names the ageing bucket of days (ledger.Bucket).
func Bucket(days int) string { return ledger.Bucket(days) }

// Mismatch is one disagreement between the ledger and PayPal attempts.
type Mismatch struct {
	AwardID string
	State   models.AwardState
	Problem string
}

// settledStates are award states with nothing at PayPal.
var settledStates = map[models.AwardState]bool{
	models.StatePaid: true, models.StateFailed: true, models.StateReturned: true, models.StateCancelled: true,
	models.StateReversed: true, models.StateBlocked: true, models.StateCleared: true, models.StateReadyToScreen: true,
	models.StatePending: true, models.StateAwaitingApproval: true, models.StateHeld: true,
}

// CheckLedgerAgainstAttempts compares every money award's ledger position
// with its PayPal attempts (payout_attempts) and names every mismatch: paid in the ledger
// without a SUCCESS attempt, SUCCESS not posted, paid twice, money in
// flight for a settled award or none for one PayPal holds, amounts or
// fees that differ.
func (s *Store) CheckLedgerAgainstAttempts(ctx context.Context) ([]Mismatch, int, error) {
	awards, err := s.Awards(ctx, models.AwardFilter{Kind: models.AwardMoney})
	if err != nil {
		return nil, 0, err
	}
	byID := make(map[string]*models.Award, len(awards))
	for i := range awards {
		byID[awards[i].ID] = &awards[i]
	}
	pos := map[string]*ledger.Position{}
	paidEntries := map[string]int{}
	err = s.EachEntryEffective(ctx, time.Time{}, time.Time{}, func(e ledger.Entry) error {
		a := byID[e.AwardID]
		if a == nil {
			return nil
		}
		p := pos[a.ID]
		if p == nil {
			p = &ledger.Position{Asset: a.Asset()}
			pos[a.ID] = p
		}
		p.Add(e.Postings, a.ResearcherID)
		if e.Kind == ledger.KindPaid {
			paidEntries[a.ID]++
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	var atts []models.Attempt
	if err := attempts(s.db.WithContext(ctx)).Where("channel = ?", "paypal").Order("award_id, attempt").Find(&atts).Error; err != nil {
		return nil, 0, fmt.Errorf("attempts: %w", err)
	}
	attsBy := map[string][]models.Attempt{}
	for _, at := range atts {
		attsBy[at.AwardID] = append(attsBy[at.AwardID], at)
		if byID[at.AwardID] == nil {
			// An attempt for an award the ledger does not know.
			attsBy["?"+at.AwardID] = nil
		}
	}
	var out []Mismatch
	add := func(a *models.Award, format string, args ...any) {
		out = append(out, Mismatch{AwardID: a.ID, State: a.State, Problem: fmt.Sprintf(format, args...)})
	}
	for i := range awards {
		a := &awards[i]
		p := pos[a.ID]
		if p == nil {
			p = &ledger.Position{Asset: a.Asset()}
		}
		var success []models.Attempt
		for _, at := range attsBy[a.ID] {
			if at.TransactionStatus == "SUCCESS" {
				success = append(success, at)
			}
			if at.AmountMinor != a.Amount.Minor || at.Currency != a.Amount.Currency {
				if at.Attempt == a.Attempt && !settledStates[a.State] {
					add(a, "attempt %s asks PayPal for %s %s, the award is %s", at.SenderBatchID,
						ledger.FormatUnits(at.AmountMinor, at.Currency), at.Currency, a.Amount)
				}
			}
		}
		switch {
		case paidEntries[a.ID] > 0 && len(success) == 0:
			add(a, "paid in the ledger (%d paid entries) without a SUCCESS attempt at PayPal", paidEntries[a.ID])
		case len(success) > 0 && paidEntries[a.ID] == 0:
			add(a, "PayPal SUCCESS (%s) not posted in the ledger", success[0].SenderBatchID)
		}
		if len(success) > 1 {
			add(a, "PayPal paid %d attempts: paid twice", len(success))
		}
		if paidEntries[a.ID] > 1 {
			add(a, "%d paid entries in the ledger", paidEntries[a.ID])
		}
		if settledStates[a.State] && p.InFlight != 0 {
			add(a, "in-flight balance %s %s does not net to zero for a %s award", ledger.FormatUnits(p.InFlight, p.Asset), p.Asset, a.State)
		}
		switch a.State {
		case models.StateSending, models.StateSent, models.StateUnclaimed, models.StateOnHold:
			if p.InFlight != a.Amount.Minor {
				add(a, "PayPal holds the award but %s %s is in flight in the ledger (want %s)", ledger.FormatUnits(p.InFlight, p.Asset), p.Asset, a.Amount)
			}
		case models.StatePaid:
			if p.Paid != a.Amount.Minor {
				add(a, "paid %s %s in the ledger, the award is %s", ledger.FormatUnits(p.Paid, p.Asset), p.Asset, a.Amount)
			}
			if len(success) == 1 && success[0].FeeMinor != p.Fees {
				add(a, "fee %s in the ledger, PayPal charged %s", ledger.FormatUnits(p.Fees, p.Asset), ledger.FormatUnits(success[0].FeeMinor, success[0].Currency))
			}
		}
	}
	for k := range attsBy {
		if len(k) > 0 && k[0] == '?' {
			out = append(out, Mismatch{AwardID: k[1:], Problem: "PayPal attempt for an award the ledger does not know"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].AwardID < out[j].AwardID })
	return out, len(awards), nil
}
