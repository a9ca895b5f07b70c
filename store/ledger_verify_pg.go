package store

import (
	"context"
	"fmt"
	"strconv"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/plex/bountypay/ledger"
)

// verifyPostgres is VerifyLedgerWith's PostgreSQL path: pgx directly,
// text results read without copies (RawValues), one allocation per row,
// all in one REPEATABLE READ READ ONLY snapshot with the head anchor.
func (s *Store) verifyPostgres(ctx context.Context, v *ledger.Verifier, workers int) (head ledger.Head, sealed string, verr, err error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return head, "", nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return head, "", nil, fmt.Errorf("verify: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("verify: unexpected driver connection %T", dc)
		}
		tx, err := sc.Conn().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return fmt.Errorf("verify: begin: %w", err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck // read-only
		if err := tx.QueryRow(ctx, `SELECT seq, hash, sealed_through FROM ledger_heads WHERE id = 1`).
			Scan(&head.Seq, &head.Hash, &sealed); err != nil {
			return fmt.Errorf("ledger head: %w", err)
		}
		v.ExpectHead(head.Seq, head.Hash)
		v.SizeHint(head.Seq)
		rows, err := tx.Query(ctx, `SELECT `+ledgerColumns+` FROM ledger_entries ORDER BY seq`, pgx.QueryResultFormats{pgx.TextFormatCode})
		if err != nil {
			return fmt.Errorf("read ledger: %w", err)
		}
		defer rows.Close()
		next := func() (*rawRow, bool, error) {
			if !rows.Next() {
				return nil, false, rows.Err()
			}
			vals := rows.RawValues()
			if len(vals) != 12 {
				return nil, false, fmt.Errorf("read ledger: %d columns", len(vals))
			}
			r := &rawRow{}
			seq, err := strconv.ParseInt(unsafe.String(unsafe.SliceData(vals[0]), len(vals[0])), 10, 64)
			if err != nil {
				return nil, false, fmt.Errorf("read ledger: seq %q: %w", vals[0], err)
			}
			r.seq = seq
			n := 0
			for _, b := range vals[1:] {
				n += len(b)
			}
			if n == 0 {
				return r, true, nil
			}
			buf := make([]byte, 0, n)
			for _, b := range vals[1:] {
				buf = append(buf, b...)
			}
			all := unsafe.String(&buf[0], len(buf))
			off := 0
			for i, b := range vals[1:] {
				r.cols[i] = all[off : off+len(b)]
				off += len(b)
			}
			return r, true, nil
		}
		verr = ledger.VerifyParallel(ctx, v, workers, next, (*rawRow).decode)
		return nil
	})
	return head, sealed, verr, err
}
