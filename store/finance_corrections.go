package store

import (
	"fmt"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// The store's part of finance's corrections (the rules are payout's:
// payout.Sender.Cancel, Adjust and Fulfil): where an award's value sits,
// and changing an award without a state change, with its ledger entry.

// AwardPosition sums the award's own ledger entries.
func (tx *Tx) AwardPosition(a *models.Award) (ledger.Position, error) {
	var rows []ledgerRow
	if err := tx.db.Where("award_id = ?", a.ID).Order("seq").Find(&rows).Error; err != nil {
		return ledger.Position{}, fmt.Errorf("ledger of %s: %w", a.ID, err)
	}
	es := make([]ledger.Entry, 0, len(rows))
	for _, r := range rows {
		e, err := r.entry()
		if err != nil {
			return ledger.Position{}, fmt.Errorf("ledger entry %d: %w", r.Seq, err)
		}
		es = append(es, e)
	}
	return ledger.PositionOf(a.Asset(), a.ResearcherID, es), nil
}

// UpdateInPlace changes an award's fields without a state change, with
// the same optimistic lock and ledger entry as Transition.
func (tx *Tx) UpdateInPlace(a *models.Award, reason string, d ledger.Draft, mutate func(*models.Award)) error {
	next := *a
	next.Reason, next.Version, next.UpdatedAt = reason, a.Version+1, tx.Now()
	mutate(&next)
	res := tx.db.Model(&awardRow{}).Where("id = ? AND state = ? AND version = ?", a.ID, a.State, a.Version).
		Updates(map[string]any{"reason": reason, "version": next.Version, "updated_at": next.UpdatedAt,
			"amount_minor": next.Amount.Minor, "currency": next.Amount.Currency, "description": next.Description})
	if res.Error != nil {
		return translate(res.Error, "update award "+a.ID)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("award %s changed concurrently: %w", a.ID, models.ErrConflict)
	}
	d.AwardID = a.ID
	if d.Data == nil {
		d.Data = map[string]string{}
	}
	d.Data["state"], d.Data["reason"] = string(a.State), reason
	if _, _, err := tx.Append(d); err != nil {
		return err
	}
	*a = next
	return nil
}
