package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/plex/bountypay/intake"
	"github.com/plex/bountypay/models"
)

func cmdImport(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	format := fs.String("format", "auto", "input `format`: auto, jsonl, json or csv")
	by := a.byFlag(fs, "`name` of the importer: a configured identity with the importer role (recorded in the ledger)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &exitError{2, errors.New("import needs exactly one FILE (or - for standard input)")}
	}
	f, err := intake.ParseFormat(*format)
	if err != nil {
		return err
	}
	name := fs.Arg(0)
	var r io.Reader = a.stdin
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer file.Close()
		r = file
	}
	n, err := importReports(ctx, a, name, r, f, *by)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "imported %s: %d new, %d unchanged\n", name, n.New, n.Unchanged)
	return nil
}

// importReports parses and stores a whole file; any bad record imports
// nothing and every problem is printed with its line and field.
func importReports(ctx context.Context, a *app, name string, r io.Reader, f intake.Format, by string) (models.ImportResult, error) {
	reps, err := intake.ParseRecords(name, r, intake.Options{Format: f})
	if err != nil {
		var pe intake.ParseErrors
		if errors.As(err, &pe) {
			for _, e := range pe {
				fmt.Fprintln(a.stderr, e)
			}
			return models.ImportResult{}, fmt.Errorf("import %s: %d bad record(s), nothing imported: %w", name, len(pe), models.ErrInvalid)
		}
		return models.ImportResult{}, err
	}
	st, err := a.authorized(ctx, by, models.ActImport)
	if err != nil {
		return models.ImportResult{}, err
	}
	recs := make([]models.ImportRecord, len(reps))
	for i, rep := range reps {
		recs[i] = models.ImportRecord{Report: rep.Report, ContentHash: intake.ContentHash(rep.Report), Line: rep.Line}
	}
	res, err := st.ImportReports(ctx, name, recs, by)
	if err != nil {
		var multi interface{ Unwrap() []error }
		if errors.As(err, &multi) {
			for _, e := range multi.Unwrap() {
				var fe *models.FieldError
				if errors.As(e, &fe) {
					fmt.Fprintln(a.stderr, fe)
				}
			}
		}
		return res, err
	}
	return res, nil
}
