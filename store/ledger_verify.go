package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"unsafe"

	"gorm.io/gorm"

	"github.com/plex/bountypay/ledger"
)

// ledgerColumns are the columns rawRow scans, in order.
const ledgerColumns = `seq, idempotency_key, input_hash, kind, award_id, actor, effective_at, recorded_at, postings, data, prev_hash, hash`

// rawRow is one ledger row as read, before decoding. Its strings share one
// allocation.
type rawRow struct {
	seq  int64
	cols [11]string
}

// collateC makes text comparisons bytewise on PostgreSQL (the ledger's
// time columns are fixed-width ISO strings) so they use the index.
func (s *Store) collateC() string {
	if s.dialect == Postgres {
		return ` COLLATE "C"`
	}
	return ""
}

// rowScanner scans rows into rawRows with one allocation per row.
type rowScanner struct {
	rows *sql.Rows
	raw  [11]sql.RawBytes
	dest [12]any
}

func newRowScanner(rows *sql.Rows) *rowScanner {
	rs := &rowScanner{rows: rows}
	for i := range rs.raw {
		rs.dest[i+1] = &rs.raw[i]
	}
	return rs
}

func (rs *rowScanner) next() (*rawRow, bool, error) {
	if !rs.rows.Next() {
		return nil, false, rs.rows.Err()
	}
	r := &rawRow{}
	rs.dest[0] = &r.seq
	if err := rs.rows.Scan(rs.dest[:]...); err != nil {
		return nil, false, fmt.Errorf("read ledger: %w", err)
	}
	n := 0
	for _, b := range rs.raw {
		n += len(b)
	}
	if n == 0 {
		return r, true, nil
	}
	buf := make([]byte, 0, n)
	for _, b := range rs.raw {
		buf = append(buf, b...)
	}
	all := unsafe.String(&buf[0], len(buf))
	off := 0
	for i, b := range rs.raw {
		r.cols[i] = all[off : off+len(b)]
		off += len(b)
	}
	return r, true, nil
}

// decode turns a raw row into an entry. A row that does not decode still
// yields what could be read, so verify can name it.
func (r *rawRow) decode() (ledger.Entry, error) {
	c := &r.cols
	e := ledger.Entry{Seq: r.seq, IdempotencyKey: c[0], InputHash: c[1], Kind: ledger.Kind(c[2]),
		AwardID: c[3], Actor: c[4], PrevHash: c[9], Hash: c[10]}
	var errs []error
	var err error
	if e.EffectiveAt, err = parseLedgerTime(c[5]); err != nil {
		errs = append(errs, fmt.Errorf("effective_at: %w", err))
	}
	if e.RecordedAt, err = parseLedgerTime(c[6]); err != nil {
		errs = append(errs, fmt.Errorf("recorded_at: %w", err))
	}
	if e.Postings, err = decodePostings(c[7]); err != nil {
		errs = append(errs, fmt.Errorf("postings: %w", err))
	}
	if e.Data, err = decodeData(c[8]); err != nil {
		errs = append(errs, fmt.Errorf("data: %w", err))
	}
	return e, errors.Join(errs...)
}

// eachRow streams the rows of a query selecting ledgerColumns.
func (s *Store) eachRow(db *gorm.DB, query string, args []any, fn func(*rawRow) error) error {
	rows, err := db.Raw(query, args...).Rows()
	if err != nil {
		return fmt.Errorf("read ledger: %w", err)
	}
	defer rows.Close()
	rs := newRowScanner(rows)
	for {
		r, ok, err := rs.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

// VerifyOptions tune VerifyLedgerWith.
type VerifyOptions struct {
	// Anchors are external (seq, hash) pairs the chain must contain, such
	// as a head published after an earlier verify or a seal's head.
	Anchors map[int64]string
	// Workers hash in parallel (default GOMAXPROCS).
	Workers int
}

// VerifyLedger recomputes the whole chain, the balances and the seals, and
// compares the chain's end with the head anchor. It returns the verifier
// (counts, balances, head) and a *ledger.VerifyError naming the first bad
// entry.
func (s *Store) VerifyLedger(ctx context.Context) (*ledger.Verifier, error) {
	return s.VerifyLedgerWith(ctx, VerifyOptions{})
}

// VerifyLedgerWith is VerifyLedger with options. The head anchor and the
// entries are read in one snapshot, so concurrent appends are not
// mistaken for tampering.
func (s *Store) VerifyLedgerWith(ctx context.Context, o VerifyOptions) (*ledger.Verifier, error) {
	v := ledger.NewVerifier()
	for seq, h := range o.Anchors {
		v.Expect(seq, h)
	}
	var head ledger.Head
	var sealed string
	var verr error
	if s.dialect == Postgres {
		var err error
		head, sealed, verr, err = s.verifyPostgres(ctx, v, o.Workers)
		if err != nil {
			return v, err
		}
	} else {
		err := s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
			if err := db.Raw(`SELECT seq, hash, sealed_through FROM ledger_heads WHERE id = 1`).Row().
				Scan(&head.Seq, &head.Hash, &sealed); err != nil {
				return fmt.Errorf("ledger head: %w", err)
			}
			v.ExpectHead(head.Seq, head.Hash)
			v.SizeHint(head.Seq)
			rows, err := db.Raw(`SELECT ` + ledgerColumns + ` FROM ledger_entries ORDER BY seq`).Rows()
			if err != nil {
				return fmt.Errorf("read ledger: %w", err)
			}
			defer rows.Close()
			verr = ledger.VerifyParallel(ctx, v, o.Workers, newRowScanner(rows).next, (*rawRow).decode)
			return nil
		})
		if err != nil {
			return v, err
		}
	}
	if verr != nil {
		return v, verr
	}
	verr = v.Finish()
	if verr == nil && sealed == "" && len(v.Seals) > 0 {
		verr = &ledger.VerifyError{Seq: v.Seals[len(v.Seals)-1].Seq, Reason: "the head anchor records no seal, but this seal entry exists"}
	}
	if verr == nil && sealed != "" {
		// The head's sealed-through must be the last verified seal.
		st, err := parseSealedThrough(sealed)
		if err != nil {
			return v, err
		}
		if n := len(v.Seals); n == 0 || !v.Seals[n-1].Period.End().Equal(st) {
			verr = &ledger.VerifyError{Seq: head.Seq, Reason: fmt.Sprintf("head anchor says sealed through %s, the seal entries do not", sealed)}
		}
	}
	return v, verr
}
