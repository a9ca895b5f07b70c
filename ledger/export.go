package ledger

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/plex/bountypay/models"
)

// JSON Lines export: one Entry per line, exactly as hashed, with
// prev_hash and hash, so anyone can recompute the chain without database
// access (bountypay ledger verify --file).

// WriteJSONL writes one entry as a JSON line.
func WriteJSONL(w io.Writer, e *Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// VerifyJSONL verifies an export read from r into v. Blank lines are
// skipped; a line that is not an entry is named by its line number.
func VerifyJSONL(ctx context.Context, r io.Reader, v *Verifier) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	type line struct {
		n    int
		text []byte
	}
	n := 0
	next := func() (line, bool, error) {
		for sc.Scan() {
			n++
			t := bytes.TrimSpace(sc.Bytes())
			if len(t) == 0 {
				continue
			}
			return line{n, bytes.Clone(t)}, true, nil
		}
		return line{}, false, sc.Err()
	}
	decode := func(l line) (Entry, error) {
		var e Entry
		dec := json.NewDecoder(bytes.NewReader(l.text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return e, fmt.Errorf("line %d: %w", l.n, err)
		}
		if len(e.Postings) == 0 {
			e.Postings = nil
		}
		if len(e.Data) == 0 {
			e.Data = nil
		}
		return e, nil
	}
	return VerifyParallel(ctx, v, 0, next, decode)
}

// CSVSchemaVersion is the version of the journal CSV columns. Columns are
// only ever added at the end; a new version is announced in the README (Finance, Exports).
const CSVSchemaVersion = "1"

// CSVColumns are the journal CSV columns (schema version 1): one row per
// posting leg (a posting gives a debit row and a credit row), one row with
// empty account columns for an entry without postings.
var CSVColumns = []string{
	"schema_version", "seq", "line", "effective_at", "recorded_at", "kind",
	"account", "debit", "credit", "asset", "amount_minor",
	"award_id", "report_id", "researcher_id", "severity", "actor",
	"sender_batch_id", "payout_batch_id", "payout_item_id", "reason",
	"idempotency_key", "prev_hash", "hash",
}

// AwardFacts are what the journal CSV shows about an entry's award.
type AwardFacts struct {
	ReportID     string
	ResearcherID string
	Severity     string
}

// CSVWriter writes the journal as CSV.
type CSVWriter struct {
	w *csv.Writer
	// Facts looks up an award's report, researcher and severity (may be nil).
	Facts func(awardID string) AwardFacts
}

// NewCSVWriter writes the header row.
func NewCSVWriter(w io.Writer, facts func(string) AwardFacts) (*CSVWriter, error) {
	cw := &CSVWriter{w: csv.NewWriter(w), Facts: facts}
	return cw, cw.w.Write(CSVColumns)
}

// Write writes an entry's rows.
func (cw *CSVWriter) Write(e *Entry) error {
	var f AwardFacts
	if e.AwardID != "" && cw.Facts != nil {
		f = cw.Facts(e.AwardID)
	}
	if f.ReportID == "" {
		f.ReportID = e.Data["report_id"]
	}
	if f.ResearcherID == "" {
		f.ResearcherID = e.Data["researcher_id"]
	}
	base := func(line int, account, debit, credit, asset, minor string) []string {
		return []string{CSVSchemaVersion, strconv.FormatInt(e.Seq, 10), strconv.Itoa(line),
			e.EffectiveAt.UTC().Format(time.RFC3339Nano), e.RecordedAt.UTC().Format(time.RFC3339Nano), string(e.Kind),
			account, debit, credit, asset, minor,
			e.AwardID, f.ReportID, f.ResearcherID, f.Severity, e.Actor,
			e.Data["sender_batch_id"], e.Data["payout_batch_id"], e.Data["payout_item_id"], e.Data["reason"],
			e.IdempotencyKey, e.PrevHash, e.Hash}
	}
	if len(e.Postings) == 0 {
		return cw.w.Write(base(0, "", "", "", "", ""))
	}
	line := 0
	for _, p := range e.Postings {
		amt := FormatUnits(p.Amount, p.Asset)
		line++
		if err := cw.w.Write(base(line, p.Debit, amt, "", p.Asset, strconv.FormatInt(p.Amount, 10))); err != nil {
			return err
		}
		line++
		if err := cw.w.Write(base(line, p.Credit, "", amt, p.Asset, strconv.FormatInt(-p.Amount, 10))); err != nil {
			return err
		}
	}
	return nil
}

// Flush flushes the writer and returns any write error.
func (cw *CSVWriter) Flush() error {
	cw.w.Flush()
	return cw.w.Error()
}

// FormatUnits renders units of an asset: a currency with its ISO 4217
// exponent ("1500.00"), PASS and OTHER as whole units.
func FormatUnits(v int64, asset string) string {
	if exp, ok := models.CurrencyExponent(asset); ok {
		return models.FormatMinor(v, exp)
	}
	return strconv.FormatInt(v, 10)
}
