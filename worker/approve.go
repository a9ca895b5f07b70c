package worker

import (
	"context"
	"errors"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

// approve moves pending awards on. Maker-checker approval rules hook in here.
func (r *Runner) approve(ctx context.Context) error {
	awards, err := r.store.Awards(ctx, store.AwardFilter{States: []models.AwardState{models.StatePending}})
	if err != nil {
		return err
	}
	for _, a := range awards {
		err := r.store.InTx(ctx, func(tx *store.Tx) error {
			cur, err := tx.Award(a.ID)
			if err != nil || cur.State != models.StatePending {
				return err
			}
			return tx.Transition(&cur, models.StateReadyToScreen, "no approval required", ledger.Draft{
				IdempotencyKey: "award/" + a.ID + "/ready", Actor: r.cfg.Actor, EffectiveAt: tx.Now(),
			}, nil)
		})
		if err != nil && !errors.Is(err, models.ErrConflict) {
			return err
		}
	}
	return nil
}
