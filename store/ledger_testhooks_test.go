package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/plex/bountypay/ledger"
)

// ExecDBA runs raw SQL as a database administrator could, behind the
// application's back (tests only).
func (s *Store) ExecDBA(sql string, args ...any) error {
	return s.db.Exec(sql, args...).Error
}

// DisableLedgerTriggers drops (SQLite) or disables (PostgreSQL) every
// trigger protecting the ledger tables, as a DBA could.
func (s *Store) DisableLedgerTriggers() error {
	if s.dialect == Postgres {
		for _, t := range []string{"ledger_entries", "ledger_heads"} {
			if err := s.db.Exec("ALTER TABLE " + t + " DISABLE TRIGGER USER").Error; err != nil {
				return err
			}
		}
		return nil
	}
	for _, t := range []string{"ledger_entries_no_update", "ledger_entries_no_delete", "ledger_entries_follow_head",
		"ledger_entries_move_head", "ledger_heads_forward", "ledger_heads_no_delete"} {
		if err := s.db.Exec("DROP TRIGGER " + t).Error; err != nil {
			return err
		}
	}
	return nil
}

// InsertEntryDBA inserts a sealed entry directly (tests only).
func (s *Store) InsertEntryDBA(e ledger.Entry) error {
	return s.InTx(context.Background(), func(tx *Tx) error { return tx.insertEntry(e) })
}

// BulkLoadLedger inserts entries fast (benchmarks): multi-row INSERTs with
// the head triggers disabled, then sets the head.
func (s *Store) BulkLoadLedger(ctx context.Context, es []ledger.Entry) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if s.dialect == Postgres {
			if err := tx.db.Exec("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_follow_head").Error; err != nil {
				return err
			}
			if err := tx.db.Exec("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_move_head").Error; err != nil {
				return err
			}
		}
		const per = 1000
		for i := 0; i < len(es); i += per {
			j := min(i+per, len(es))
			var sb strings.Builder
			sb.WriteString("INSERT INTO ledger_entries (" + ledgerColumns + ") VALUES ")
			args := make([]any, 0, (j-i)*12)
			for k := i; k < j; k++ {
				r, err := rowFromEntry(es[k])
				if err != nil {
					return err
				}
				if k > i {
					sb.WriteByte(',')
				}
				sb.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?)")
				args = append(args, r.Seq, r.IdempotencyKey, r.InputHash, r.Kind, r.AwardID, r.Actor, r.EffectiveAt,
					r.RecordedAt, r.Postings, r.Data, r.PrevHash, r.Hash)
			}
			if err := tx.db.Exec(sb.String(), args...).Error; err != nil {
				return fmt.Errorf("bulk insert at %d: %w", i, err)
			}
		}
		if s.dialect == Postgres {
			last := es[len(es)-1]
			if err := tx.db.Exec("UPDATE ledger_heads SET seq = ?, hash = ? WHERE id = 1", last.Seq, last.Hash).Error; err != nil {
				return err
			}
			if err := tx.db.Exec("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_follow_head").Error; err != nil {
				return err
			}
			return tx.db.Exec("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_move_head").Error
		}
		return nil
	})
}
