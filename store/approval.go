package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// Approvals lists an award's approvals, oldest first (of any content).
func (tx *Tx) Approvals(awardID string) ([]models.Approval, error) { return approvals(tx.db, awardID) }

// Approvals lists an award's approvals outside a transaction.
func (s *Store) Approvals(ctx context.Context, awardID string) ([]models.Approval, error) {
	return approvals(s.db.WithContext(ctx), awardID)
}

func approvals(db *gorm.DB, awardID string) ([]models.Approval, error) {
	var rows []ledgerRow
	if err := db.Where("award_id = ? AND kind = ?", awardID, string(ledger.KindApproval)).Order("seq").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read approvals of %s: %w", awardID, err)
	}
	out := make([]models.Approval, 0, len(rows))
	for _, r := range rows {
		e, err := r.entry()
		if err != nil {
			return nil, fmt.Errorf("approval entry %d: %w", r.Seq, err)
		}
		out = append(out, models.Approval{Seq: e.Seq, AwardID: e.AwardID, Approver: e.Actor,
			ContentHash: e.Data[ledger.ApprovalContentHash], Reason: e.Data[ledger.ApprovalReason], At: e.EffectiveAt})
	}
	return out, nil
}

// AwardMakers reads who imported and triaged the award's report.
func (tx *Tx) AwardMakers(a *models.Award) (models.Makers, error) {
	var r reportRow
	if err := tx.db.Where("id = ?", a.ReportID).Take(&r).Error; err != nil {
		return models.Makers{}, translate(err, "report "+a.ReportID)
	}
	st, err := r.stored()
	if err != nil {
		return models.Makers{}, err
	}
	return models.Makers{ImportedBy: r.ImportedBy, TriagedBy: st.ApprovedBy}, nil
}

// WindowTotal sums the awards of the given researchers in one asset
// created within [from, to], except rejected and cancelled ones: what
// counts towards the approval threshold, so that splitting an award, or
// spreading it over researcher ids that share a receiver or an identity,
// does not dodge it.
func (tx *Tx) WindowTotal(researcherIDs []string, kind models.AwardKind, currency string, from, to time.Time) (int64, []string, error) {
	var rows []awardRow
	q := tx.db.Where("researcher_id IN ? AND kind = ? AND created_at >= ? AND created_at <= ? AND state NOT IN ?",
		researcherIDs, string(kind), from, to, []string{string(models.StateRejected), string(models.StateCancelled)})
	if kind == models.AwardMoney {
		q = q.Where("currency = ?", currency)
	}
	if err := q.Order("created_at, id").Find(&rows).Error; err != nil {
		return 0, nil, fmt.Errorf("awards of %v: %w", researcherIDs, err)
	}
	var total int64
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		a := r.model()
		if a.Kind == models.AwardMoney {
			total += a.Amount.Minor
		} else {
			total++
		}
		ids = append(ids, a.ID)
	}
	return total, ids, nil
}

// AwardEntries lists an award's ledger entries of one kind, oldest first,
// inside the transaction.
func (tx *Tx) AwardEntries(awardID string, kind ledger.Kind) ([]ledger.Entry, error) {
	var rows []ledgerRow
	if err := tx.db.Where("award_id = ? AND kind = ?", awardID, string(kind)).Order("seq").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read %s entries of %s: %w", kind, awardID, err)
	}
	out := make([]ledger.Entry, 0, len(rows))
	for _, r := range rows {
		e, err := r.entry()
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", r.Seq, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// UnsentAwards lists a researcher's awards from which value has not left
// (UnsentStates), oldest first, inside the transaction.
func (tx *Tx) UnsentAwards(researcherID string) ([]models.Award, error) {
	var rows []awardRow
	if err := tx.db.Where("researcher_id = ? AND state IN ?", researcherID, models.UnsentStates()).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("unsent awards of %s: %w", researcherID, err)
	}
	out := make([]models.Award, len(rows))
	for i, r := range rows {
		out[i] = r.model()
	}
	return out, nil
}
