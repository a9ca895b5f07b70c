package payout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/entitlement"
)

// Grant gives a cleared pass award its pass exactly once: through the
// entitlement service when a Granter is configured (write-ahead attempt,
// then the call), otherwise a code from the pool (one transaction).
func (s *Sender) Grant(ctx context.Context, awardID string) (Outcome, error) {
	if s.cfg.Granter == nil {
		return s.GrantPass(ctx, awardID)
	}
	att, err := s.StartGrant(ctx, awardID)
	if errors.Is(err, models.ErrConflict) {
		return OutcomeSkipped, nil // another worker took it
	}
	if err != nil {
		return OutcomeSkipped, err
	}
	return s.submitGrant(ctx, att)
}

// GrantPass gives a cleared pass award one code from the pool, exactly
// once: award, code and ledger change in one transaction.
func (s *Sender) GrantPass(ctx context.Context, awardID string) (Outcome, error) {
	out := OutcomeGranted
	err := s.store.InTx(ctx, func(tx Tx) error {
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if a.Kind != models.AwardPlexPass || a.State != models.StateCleared {
			out = OutcomeSkipped
			return nil
		}
		if _, err := s.payeeFor(tx, &a); err != nil {
			return err
		}
		codeID, _, err := tx.AssignPassCode(a.ID)
		if errors.Is(err, models.ErrNotFound) {
			out = OutcomeNoStock
			return nil
		}
		if err != nil {
			return err
		}
		n := a.Attempt + 1
		now := tx.Now()
		if err := tx.Transition(&a, models.StateSending, "", ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/grant-start/%d", a.ID, n),
			Actor:          s.cfg.Actor, EffectiveAt: now,
		}, func(a *models.Award) { a.Attempt = n }); err != nil {
			return err
		}
		return tx.Transition(&a, models.StateGranted, "", ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/granted/%d", a.ID, n),
			Kind:           ledger.KindGranted, Actor: s.cfg.Actor, EffectiveAt: now,
			Data: map[string]string{"pass_code_id": fmt.Sprint(codeID), "channel": ChannelPassCode},
		}, nil)
	})
	return out, err
}

// StartGrant writes an entitlement grant ahead for a cleared pass award:
// an attempt (channel entitlement) whose id is the deterministic grant id
// and whose request is frozen, and the award moved to sending, in one
// transaction. Errors: models.ErrConflict when the award is not cleared,
// models.ErrInvalid when the researcher has no Plex account.
func (s *Sender) StartGrant(ctx context.Context, awardID string) (models.Attempt, error) {
	var att models.Attempt
	err := s.store.InTx(ctx, func(tx Tx) error {
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if a.Kind != models.AwardPlexPass {
			return fmt.Errorf("award %s is %s, not a pass: %w", a.ID, a.Kind, models.ErrInvalid)
		}
		if a.State != models.StateCleared {
			return fmt.Errorf("award %s is %s, not cleared: %w", a.ID, a.State, models.ErrConflict)
		}
		r, err := s.payeeFor(tx, &a)
		if err != nil {
			return err
		}
		if r.PlexAccount == "" {
			return fmt.Errorf("award %s: researcher %s has no Plex account: %w", a.ID, r.ID, models.ErrInvalid)
		}
		n := a.Attempt + 1
		id := GrantID(a.ID, n)
		body, err := entitlement.Body(entitlement.Request{Account: r.PlexAccount, GrantID: id})
		if err != nil {
			return err
		}
		att = models.Attempt{
			SenderBatchID: id, AwardID: a.ID, Attempt: n, Channel: ChannelEntitlement,
			SenderItemID: id, Receiver: r.PlexAccount, PayeeVersion: a.PayeeVersion, AmountMinor: 1, Currency: models.AssetPass,
			Request: string(body), Status: models.AttemptPending,
		}
		if err := tx.InsertAttempt(&att); err != nil {
			return err
		}
		return tx.Transition(&a, models.StateSending, "", ledger.Draft{
			IdempotencyKey: "award/" + a.ID + "/grant-start/" + id,
			Actor:          s.cfg.Actor, EffectiveAt: tx.Now(),
			Data: map[string]string{"grant_id": id, "attempt": fmt.Sprint(n), "channel": ChannelEntitlement},
		}, func(a *models.Award) { a.Attempt = n })
	})
	return att, err
}

// submitGrant sends an open entitlement attempt's frozen request, with the
// same rules as PayPal: recorded before the call, unknown outcomes resent
// identically (the service replays a known grant id), a new attempt only
// after a definitive refusal.
func (s *Sender) submitGrant(ctx context.Context, att models.Attempt) (Outcome, error) {
	if s.cfg.Granter == nil {
		return OutcomeSkipped, errors.New("payout: entitlement attempt but no entitlement service configured")
	}
	cur, ok, out, err := s.claim(ctx, att)
	if !ok {
		return out, err
	}
	var req entitlement.Request
	if err := json.Unmarshal([]byte(cur.Request), &req); err != nil {
		return s.manual(ctx, cur, "frozen request unreadable: "+err.Error())
	}
	res, err := s.cfg.Granter.Grant(ctx, req)
	switch {
	case err == nil:
		return s.granted(ctx, cur, res)
	case errors.Is(err, models.ErrConflict):
		return s.manual(ctx, cur, "entitlement service reports a conflicting grant: "+errText(err))
	case errors.Is(err, entitlement.ErrRefused):
		return s.reopen(ctx, cur, models.AttemptDeferred, OutcomeDeferred, errText(err))
	case errors.Is(err, models.ErrInvalid):
		return s.rejected(ctx, cur, errText(err))
	default:
		s.log.WarnContext(ctx, "grant outcome unknown", slog.String("award_id", cur.AwardID),
			slog.String("grant_id", cur.SenderBatchID), slog.Int("submissions", cur.Submissions))
		return s.reopen(ctx, cur, models.AttemptUnknown, OutcomeUnknown, errText(err))
	}
}

func (s *Sender) granted(ctx context.Context, att models.Attempt, res entitlement.Result) (Outcome, error) {
	out := OutcomeGranted
	err := s.store.InTx(ctx, func(tx Tx) error {
		cur, a, err := tx.LockAttemptOf(att.AwardID, att.SenderBatchID)
		if err != nil {
			return err
		}
		if !cur.Status.Open() {
			out = OutcomeSkipped
			return nil
		}
		cur.Status, cur.LastError = models.AttemptSettled, ""
		cur.PayoutItemID, cur.TransactionStatus = res.EntitlementID, "GRANTED"
		if err := tx.SaveAttempt(&cur); err != nil {
			return err
		}
		if err := tx.SetAttemptLease(cur.SenderBatchID, time.Time{}); err != nil {
			return err
		}
		if a.State != models.StateSending || a.Attempt != cur.Attempt {
			return nil
		}
		return tx.Transition(&a, models.StateGranted, "", ledger.Draft{
			IdempotencyKey: "award/" + a.ID + "/granted/" + cur.SenderBatchID,
			Kind:           ledger.KindGranted, Actor: s.cfg.Actor, EffectiveAt: tx.Now(),
			Data: map[string]string{"channel": ChannelEntitlement, "grant_id": cur.SenderBatchID,
				"entitlement_id": res.EntitlementID},
		}, nil)
	})
	if err != nil {
		return OutcomeSkipped, err
	}
	return out, nil
}
