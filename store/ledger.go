package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

const ledgerTimeFormat = "2006-01-02T15:04:05.000000Z"

// ledgerRow is a stored ledger entry.
type ledgerRow struct {
	Seq            int64 `gorm:"primaryKey;autoIncrement:false"`
	IdempotencyKey string
	InputHash      string
	Kind           string
	AwardID        string
	Actor          string
	EffectiveAt    string
	RecordedAt     string
	Postings       string
	Data           string
	PrevHash       string
	Hash           string
}

func (ledgerRow) TableName() string { return "ledger_entries" }

func rowFromEntry(e ledger.Entry) (ledgerRow, error) {
	ps, err := json.Marshal(e.Postings)
	if err != nil {
		return ledgerRow{}, err
	}
	if e.Postings == nil {
		ps = []byte("[]")
	}
	data, err := json.Marshal(e.Data)
	if err != nil {
		return ledgerRow{}, err
	}
	if e.Data == nil {
		data = []byte("{}")
	}
	return ledgerRow{
		Seq: e.Seq, IdempotencyKey: e.IdempotencyKey, InputHash: e.InputHash,
		Kind: string(e.Kind), AwardID: e.AwardID, Actor: e.Actor,
		EffectiveAt: e.EffectiveAt.UTC().Format(ledgerTimeFormat),
		RecordedAt:  e.RecordedAt.UTC().Format(ledgerTimeFormat),
		Postings:    string(ps), Data: string(data), PrevHash: e.PrevHash, Hash: e.Hash,
	}, nil
}

// entry decodes a row. A row that does not decode still yields an entry
// (with what could be read) so that Verify names it.
func (r ledgerRow) entry() (ledger.Entry, error) {
	e := ledger.Entry{Seq: r.Seq, IdempotencyKey: r.IdempotencyKey, InputHash: r.InputHash,
		Kind: ledger.Kind(r.Kind), AwardID: r.AwardID, Actor: r.Actor, PrevHash: r.PrevHash, Hash: r.Hash}
	var errs []error
	var err error
	if e.EffectiveAt, err = time.Parse(ledgerTimeFormat, r.EffectiveAt); err != nil {
		errs = append(errs, fmt.Errorf("effective_at: %w", err))
	}
	if e.RecordedAt, err = time.Parse(ledgerTimeFormat, r.RecordedAt); err != nil {
		errs = append(errs, fmt.Errorf("recorded_at: %w", err))
	}
	if err := json.Unmarshal([]byte(r.Postings), &e.Postings); err != nil {
		errs = append(errs, fmt.Errorf("postings: %w", err))
	}
	if err := json.Unmarshal([]byte(r.Data), &e.Data); err != nil {
		errs = append(errs, fmt.Errorf("data: %w", err))
	}
	if len(e.Postings) == 0 {
		e.Postings = nil
	}
	if len(e.Data) == 0 {
		e.Data = nil
	}
	return e, errors.Join(errs...)
}

// Append adds an entry to the ledger inside the transaction. Appends are
// serialised (PostgreSQL: a transaction-scoped advisory lock; SQLite: its
// single writer). Reusing an idempotency key with the same content returns
// the stored entry and replayed=true; with other content it is an error
// wrapping models.ErrConflict.
func (tx *Tx) Append(d ledger.Draft) (e ledger.Entry, replayed bool, err error) {
	if err := d.Validate(); err != nil {
		return ledger.Entry{}, false, err
	}
	if tx.s.dialect == Postgres {
		return tx.appendPostgres(d)
	}
	// One query reads the head anchor and whether the key exists.
	head, existingInput, err := tx.ledgerHead(d.IdempotencyKey)
	if err != nil {
		return ledger.Entry{}, false, err
	}
	if existingInput != "" {
		return tx.replay(d)
	}
	if err := ledger.CheckSealed(d, head); err != nil {
		return ledger.Entry{}, false, err
	}
	e = ledger.Seal(d, head.Seq, head.Hash, tx.Now())
	if err := tx.insertEntry(e); err != nil {
		return ledger.Entry{}, false, err
	}
	return e, false, nil
}

// appendPostgres serialises appends on the head anchor's row: one round
// trip locks and reads the head, one inserts (a key already used leaves
// the insert a no-op, and the stored entry is compared). Holding the lock
// for two round trips instead of three is what keeps concurrent writers
// fast.
func (tx *Tx) appendPostgres(d ledger.Draft) (ledger.Entry, bool, error) {
	var h ledger.Head
	var sealed string
	err := tx.db.Raw(`SELECT seq, hash, sealed_through FROM ledger_heads WHERE id = 1 FOR UPDATE`).
		Row().Scan(&h.Seq, &h.Hash, &sealed)
	if err != nil {
		return ledger.Entry{}, false, fmt.Errorf("ledger head: %w", err)
	}
	if h.SealedThrough, err = parseSealedThrough(sealed); err != nil {
		return ledger.Entry{}, false, err
	}
	if err := ledger.CheckSealed(d, h); err != nil {
		// A replay of an entry recorded before the seal is still a replay.
		if e, replayed, rerr := tx.replay(d); rerr == nil && replayed {
			return e, true, nil
		}
		return ledger.Entry{}, false, err
	}
	e := ledger.Seal(d, h.Seq, h.Hash, tx.Now())
	r, err := rowFromEntry(e)
	if err != nil {
		return ledger.Entry{}, false, err
	}
	res := tx.db.Exec(`INSERT INTO ledger_entries (seq, idempotency_key, input_hash, kind, award_id, actor,
  effective_at, recorded_at, postings, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (idempotency_key) DO NOTHING`,
		r.Seq, r.IdempotencyKey, r.InputHash, r.Kind, r.AwardID, r.Actor, r.EffectiveAt, r.RecordedAt,
		r.Postings, r.Data, r.PrevHash, r.Hash)
	if res.Error != nil {
		return ledger.Entry{}, false, translate(res.Error, "ledger append")
	}
	if res.RowsAffected == 0 {
		return tx.replay(d)
	}
	return e, false, nil
}

// replay returns the stored entry of d's key when its content is d's, and
// an error wrapping models.ErrConflict when it is not.
func (tx *Tx) replay(d ledger.Draft) (ledger.Entry, bool, error) {
	var existing ledgerRow
	if err := tx.db.Where("idempotency_key = ?", d.IdempotencyKey).Take(&existing).Error; err != nil {
		return ledger.Entry{}, false, translate(err, "ledger key lookup")
	}
	if existing.InputHash != d.InputHash() {
		return ledger.Entry{}, false, fmt.Errorf("ledger key %s reused with other content: %w", d.IdempotencyKey, models.ErrConflict)
	}
	e, err := existing.entry()
	return e, true, err
}

// EachLedgerEntry calls fn for every entry in sequence order, reading in
// pages so that any size fits in memory. A row that does not decode is
// passed with decodeErr set.
func (s *Store) EachLedgerEntry(ctx context.Context, from int64, fn func(e ledger.Entry, decodeErr error) error) error {
	const page = 5000
	after := from - 1
	for {
		var rows []ledgerRow
		if err := s.db.WithContext(ctx).Where("seq > ?", after).Order("seq").Limit(page).Find(&rows).Error; err != nil {
			return fmt.Errorf("read ledger: %w", err)
		}
		for _, r := range rows {
			e, derr := r.entry()
			if err := fn(e, derr); err != nil {
				return err
			}
			after = r.Seq
		}
		if len(rows) < page {
			return nil
		}
	}
}

// LedgerEntriesForAward returns an award's entries in order.
func (s *Store) LedgerEntriesForAward(ctx context.Context, awardID string) ([]ledger.Entry, error) {
	var rows []ledgerRow
	if err := s.db.WithContext(ctx).Where("award_id = ?", awardID).Order("seq").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	out := make([]ledger.Entry, 0, len(rows))
	for _, r := range rows {
		e, err := r.entry()
		if err != nil {
			return nil, fmt.Errorf("ledger entry %d: %w", r.Seq, err)
		}
		out = append(out, e)
	}
	return out, nil
}
