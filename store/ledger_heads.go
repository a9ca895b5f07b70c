package store

import (
	"context"
	"fmt"
	"time"

	"github.com/plex/bountypay/ledger"
)

func parseSealedThrough(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(ledgerTimeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("ledger_heads.sealed_through %q: %w", s, err)
	}
	return t, nil
}

// ledgerHead reads the head and, in the same query, the input hash of the
// entry with key ("" when the key is unused).
func (tx *Tx) ledgerHead(key string) (ledger.Head, string, error) {
	var h ledger.Head
	var sealed, existing string
	err := tx.db.Raw(`SELECT h.seq, h.hash, h.sealed_through,
  COALESCE((SELECT e.input_hash FROM ledger_entries e WHERE e.idempotency_key = ?), '')
FROM ledger_heads h WHERE h.id = 1`, key).Row().Scan(&h.Seq, &h.Hash, &sealed, &existing)
	if err != nil {
		return ledger.Head{}, "", fmt.Errorf("ledger head: %w", err)
	}
	h.SealedThrough, err = parseSealedThrough(sealed)
	return h, existing, err
}

// LedgerHead reads the head anchor.
func (s *Store) LedgerHead(ctx context.Context) (ledger.Head, error) {
	var h ledger.Head
	var sealed string
	err := s.db.WithContext(ctx).Raw(`SELECT seq, hash, sealed_through FROM ledger_heads WHERE id = 1`).
		Row().Scan(&h.Seq, &h.Hash, &sealed)
	if err != nil {
		return ledger.Head{}, fmt.Errorf("ledger head: %w", err)
	}
	h.SealedThrough, err = parseSealedThrough(sealed)
	return h, err
}

// insertEntry writes a sealed entry. The database's triggers check that it
// follows the head and move the head.
func (tx *Tx) insertEntry(e ledger.Entry) error {
	r, err := rowFromEntry(e)
	if err != nil {
		return err
	}
	err = tx.db.Exec(`INSERT INTO ledger_entries (seq, idempotency_key, input_hash, kind, award_id, actor,
  effective_at, recorded_at, postings, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Seq, r.IdempotencyKey, r.InputHash, r.Kind, r.AwardID, r.Actor, r.EffectiveAt, r.RecordedAt,
		r.Postings, r.Data, r.PrevHash, r.Hash).Error
	return translate(err, "ledger append")
}
