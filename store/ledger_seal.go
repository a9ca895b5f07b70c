package store

import (
	"context"
	"fmt"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// SealPeriod closes month p: it verifies the whole ledger, then appends a
// seal entry with the trial balance per account and asset as of the period
// end, the last sequence and the head hash. Afterwards no entry may be
// effective before the period end. Sealing a month also closes the months
// before it. Errors: models.ErrInvalid when the month has not ended,
// ledger.ErrSealed when it (or a later month) is already sealed, a
// *ledger.VerifyError when the ledger does not verify.
func (s *Store) SealPeriod(ctx context.Context, p ledger.Period, actor string) (ledger.Entry, error) {
	if actor == "" {
		return ledger.Entry{}, fmt.Errorf("seal: empty actor: %w", models.ErrInvalid)
	}
	h, err := s.LedgerHead(ctx)
	if err != nil {
		return ledger.Entry{}, err
	}
	if err := ledger.CanSeal(p, h, s.Now()); err != nil {
		return ledger.Entry{}, err
	}
	if _, err := s.VerifyLedger(ctx); err != nil {
		return ledger.Entry{}, fmt.Errorf("seal %s: refusing to seal a ledger that does not verify: %w", p, err)
	}
	var out ledger.Entry
	err = s.InTx(ctx, func(tx *Tx) error {
		if err := tx.lockLedger(); err != nil {
			return err
		}
		h, _, err := tx.ledgerHead("")
		if err != nil {
			return err
		}
		tb, err := tx.trialBalance(p.End(), h.SealedThrough)
		if err != nil {
			return err
		}
		e, _, err := tx.Append(ledger.SealDraft(p, tb, h.Seq, h.Hash, actor))
		out = e
		return err
	})
	return out, err
}

func (tx *Tx) lockLedger() error {
	if tx.s.dialect == Postgres {
		if err := tx.db.Exec(`SELECT pg_advisory_xact_lock(7363002)`).Error; err != nil {
			return fmt.Errorf("ledger lock: %w", err)
		}
	}
	return nil
}

// trialBalance is the balance per account and asset of every entry
// effective before end. With a previous seal (through prevEnd) it starts
// from that seal's trial balance and adds the entries effective in
// [prevEnd, end): nothing can be effective before prevEnd any more.
func (tx *Tx) trialBalance(end, prevEnd time.Time) (ledger.Balances, error) {
	tb := ledger.Balances{}
	from := ""
	if !prevEnd.IsZero() {
		var r ledgerRow
		err := tx.db.Where("kind = ?", string(ledger.KindSeal)).Order("seq DESC").Limit(1).Take(&r).Error
		if err != nil {
			return nil, fmt.Errorf("last seal: %w", err)
		}
		e, err := r.entry()
		if err != nil {
			return nil, fmt.Errorf("last seal %d: %w", r.Seq, err)
		}
		info, err := ledger.ParseSeal(&e)
		if err != nil {
			return nil, err
		}
		if !info.Period.End().Equal(prevEnd) {
			return nil, fmt.Errorf("last seal %d ends %s, the head says %s", r.Seq, info.Period.End(), prevEnd)
		}
		tb = info.TrialBalance.Clone()
		from = prevEnd.Format(ledgerTimeFormat)
	}
	err := tx.s.eachRow(tx.db, `SELECT `+ledgerColumns+` FROM ledger_entries WHERE effective_at`+tx.s.collateC()+` >= ? AND effective_at`+tx.s.collateC()+` < ? AND postings <> '[]' ORDER BY seq`,
		[]any{from, end.Format(ledgerTimeFormat)}, func(r *rawRow) error {
			e, err := r.decode()
			if err != nil {
				return fmt.Errorf("ledger entry %d: %w", e.Seq, err)
			}
			tb.Apply(e.Postings)
			return nil
		})
	return tb.Clone(), err
}

// Seals lists the seal entries in order.
func (s *Store) Seals(ctx context.Context) ([]ledger.SealInfo, []ledger.Entry, error) {
	var rows []ledgerRow
	if err := s.db.WithContext(ctx).Where("kind = ?", string(ledger.KindSeal)).Order("seq").Find(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("read seals: %w", err)
	}
	var infos []ledger.SealInfo
	var entries []ledger.Entry
	for _, r := range rows {
		e, err := r.entry()
		if err != nil {
			return nil, nil, fmt.Errorf("seal %d: %w", r.Seq, err)
		}
		info, err := ledger.ParseSeal(&e)
		if err != nil {
			return nil, nil, err
		}
		infos = append(infos, info)
		entries = append(entries, e)
	}
	return infos, entries, nil
}

// SealedThrough returns the end of the last sealed period (zero if none):
// no entry may be effective before it.
func (tx *Tx) SealedThrough() (time.Time, error) {
	h, _, err := tx.ledgerHead("")
	return h.SealedThrough, err
}
