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
		if err := tx.db.Exec(`SELECT pg_advisory_xact_lock(7363002)`).Error; err != nil {
			return ledger.Entry{}, false, fmt.Errorf("ledger lock: %w", err)
		}
	}
	// One query reads the head anchor and whether the key exists.
	head, existingInput, err := tx.ledgerHead(d.IdempotencyKey)
	if err != nil {
		return ledger.Entry{}, false, err
	}
	if existingInput != "" {
		if existingInput != d.InputHash() {
			return ledger.Entry{}, false, fmt.Errorf("ledger key %s reused with other content: %w", d.IdempotencyKey, models.ErrConflict)
		}
		var existing ledgerRow
		if err := tx.db.Where("idempotency_key = ?", d.IdempotencyKey).Take(&existing).Error; err != nil {
			return ledger.Entry{}, false, fmt.Errorf("ledger key lookup: %w", err)
		}
		e, err := existing.entry()
		return e, true, err
	}
	if err := checkSealed(d, head); err != nil {
		return ledger.Entry{}, false, err
	}
	e = ledger.Seal(d, head.Seq, head.Hash, tx.Now())
	if err := tx.insertEntry(e); err != nil {
		return ledger.Entry{}, false, err
	}
	return e, false, nil
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
