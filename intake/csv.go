package intake

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/plex/bountypay/models"
)

// readCSV reads a header row naming the columns, then one record per row.
// A quoting error ends the reading: the rest cannot be interpreted.
func readCSV(file string, data []byte) ([]rawRecord, ParseErrors) {
	var errs ParseErrors
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // counted here, to report and go on
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, ParseErrors{csvError(file, err)}
	}
	specs := make([]fieldSpec, len(header))
	cols := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		spec, ok := lookupField(h)
		switch {
		case !ok && (isObject(h) || h == "reward.money.minor"):
			errs = append(errs, &models.FieldError{File: file, Line: 1, Field: h,
				Reason: fmt.Sprintf("unknown column %q: nested fields are flattened, e.g. researcher.name, reward.money.amount", h)})
		case !ok:
			errs = append(errs, &models.FieldError{File: file, Line: 1, Field: h, Reason: fmt.Sprintf("unknown column %q", h)})
		case cols[h] > 0:
			errs = append(errs, &models.FieldError{File: file, Line: 1, Field: h,
				Reason: fmt.Sprintf("column %q appears more than once (columns %d and %d)", h, cols[h], i+1)})
		default:
			cols[h] = i + 1
		}
		specs[i] = spec
	}
	if _, ok := cols["id"]; !ok {
		errs = append(errs, &models.FieldError{File: file, Line: 1, Field: "id", Reason: "the header has no id column"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var recs []rawRecord
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return recs, append(errs, csvError(file, err))
		}
		line, _ := r.FieldPos(0)
		rec := rawRecord{line: line, vals: map[string]string{}}
		if len(row) != len(header) {
			rec.fail(file, "", "has %d fields, the header has %d", len(row), len(header))
		}
		for i, cell := range row {
			if i >= len(specs) {
				break
			}
			cell = strings.TrimSpace(cell)
			if cell == "" {
				continue
			}
			name := specs[i].name
			if strings.HasPrefix(name, "reward.") {
				rec.rewardSet = true
			}
			switch specs[i].kind {
			case kindString:
				rec.vals[name] = cell
			case kindBool:
				switch strings.ToLower(cell) {
				case "true", "false":
					rec.vals[name] = strings.ToLower(cell)
				default:
					rec.fail(file, name, "%q must be true or false", cell)
				}
			}
		}
		recs = append(recs, rec)
	}
	return recs, errs
}

func csvError(file string, err error) *models.FieldError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &models.FieldError{File: file, Line: pe.Line, Reason: fmt.Sprintf("invalid CSV: %v (column %d)", pe.Err, pe.Column)}
	}
	return &models.FieldError{File: file, Reason: "invalid CSV: " + err.Error()}
}
