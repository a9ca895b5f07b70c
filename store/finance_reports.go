package store

import (
	"context"
	"fmt"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// Finance reads: the journal by effective period, exports by sequence,
// trial balance, paid totals, ageing, per-payee-per-year tax totals,
// blocked items and the PayPal attempts finance checks the ledger against.

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

// PayPalAttempts lists every PayPal send attempt, by award and number.
func (s *Store) PayPalAttempts(ctx context.Context) ([]models.Attempt, error) {
	var atts []models.Attempt
	if err := attempts(s.db.WithContext(ctx)).Where("channel = ?", "paypal").Order("award_id, attempt").Find(&atts).Error; err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	return atts, nil
}
