package intake

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plex/bountypay/models"
)

// Format is an import file format.
type Format string

// The import formats. FormatAuto detects the format from the content.
const (
	FormatAuto  Format = ""
	FormatJSONL Format = "jsonl" // one JSON object per line
	FormatJSON  Format = "json"  // a JSON array of objects
	FormatCSV   Format = "csv"   // CSV with a header row, dotted column names
)

// ParseFormat turns a flag value ("auto", "", "jsonl", "json", "csv") into a
// Format. Anything else is an error wrapping models.ErrInvalid.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "auto", FormatAuto:
		return FormatAuto, nil
	case FormatJSONL, FormatJSON, FormatCSV:
		return f, nil
	case "ndjson":
		return FormatJSONL, nil
	}
	return "", fmt.Errorf("format %q: want auto, jsonl, json or csv: %w", s, models.ErrInvalid)
}

// DefaultMaxBytes is the largest input Parse reads unless Options.MaxBytes
// says otherwise.
const DefaultMaxBytes = 32 << 20

// Options tune Parse. The zero value detects the format and uses the
// defaults.
type Options struct {
	// Format forces a format; FormatAuto (the zero value) detects it.
	Format Format
	// MaxBytes bounds the input size; 0 means DefaultMaxBytes.
	MaxBytes int64
	// NowFunc is the clock used to refuse dates in the future; nil means
	// time.Now.
	NowFunc func() time.Time
}

// DetectFormat returns the format of data: FormatJSON when the first
// non-space byte (after an optional UTF-8 byte order mark) is "[",
// FormatJSONL when it is "{" or there is no content at all, and FormatCSV
// otherwise.
func DetectFormat(data []byte) Format {
	data = bytes.TrimPrefix(data, utf8BOM)
	t := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(t) == 0:
		return FormatJSONL
	case t[0] == '[':
		return FormatJSON
	case t[0] == '{':
		return FormatJSONL
	}
	return FormatCSV
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ParseErrors is every problem found in one input file, in input order.
// It matches models.ErrInvalid with errors.Is, and errors.As finds the
// individual *models.FieldError values.
type ParseErrors []*models.FieldError

func (p ParseErrors) Error() string {
	switch len(p) {
	case 0:
		return "no errors"
	case 1:
		return p[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", p[0].Error(), len(p)-1)
}

// Is makes ParseErrors match models.ErrInvalid.
func (p ParseErrors) Is(target error) bool { return target == models.ErrInvalid }

// Unwrap returns the individual field errors.
func (p ParseErrors) Unwrap() []error {
	errs := make([]error, len(p))
	for i, e := range p {
		errs[i] = e
	}
	return errs
}

// Parse reads one whole import file from r and returns its reports in
// input order. name is the file name used in errors ("-" for standard
// input).
//
// When any record is bad, Parse returns no reports and a ParseErrors
// listing every bad field of every record (and syntax errors, unknown
// fields, duplicate ids); it matches models.ErrInvalid. An input larger
// than the limit also matches models.ErrInvalid. Read errors are returned
// wrapped as they are. An input without records yields no reports and no
// error.
func Parse(name string, r io.Reader, opts Options) ([]models.Report, error) {
	recs, err := ParseRecords(name, r, opts)
	if err != nil {
		return nil, err
	}
	reports := make([]models.Report, len(recs))
	for i, rec := range recs {
		reports[i] = rec.Report
	}
	return reports, nil
}

// Record is one parsed report with the line it starts on.
type Record struct {
	Report models.Report
	Line   int
}

// ParseRecords is Parse keeping each report's line, so that later
// problems (a conflict with a stored report) can name it.
func ParseRecords(name string, r io.Reader, opts Options) ([]Record, error) {
	name = cmp.Or(name, "-")
	maxBytes := cmp.Or(opts.MaxBytes, DefaultMaxBytes)
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, ParseErrors{{File: name, Reason: fmt.Sprintf("input larger than %d bytes", maxBytes)}}
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		return nil, ParseErrors{{File: name, Line: firstInvalidUTF8Line(data), Reason: "not valid UTF-8"}}
	}
	format := opts.Format
	if format == FormatAuto {
		format = DetectFormat(data)
	}
	var recs []rawRecord
	var errs ParseErrors
	switch format {
	case FormatJSONL:
		recs, errs = readJSONL(name, data)
	case FormatJSON:
		recs, errs = readJSONArray(name, data)
	case FormatCSV:
		recs, errs = readCSV(name, data)
	default:
		return nil, fmt.Errorf("format %q: %w", format, models.ErrInvalid)
	}
	now := time.Now
	if opts.NowFunc != nil {
		now = opts.NowFunc
	}
	b := builder{file: name, now: now().UTC()}
	reports := make([]Record, 0, len(recs))
	seen := make(map[string]int, len(recs))
	for _, rec := range recs {
		rep, ferrs := b.build(rec)
		errs = append(errs, ferrs...)
		if rep.ID != "" {
			if first, dup := seen[rep.ID]; dup {
				errs = append(errs, &models.FieldError{File: name, Line: rec.line, Record: rep.ID, Field: "id",
					Reason: fmt.Sprintf("duplicate id: already used on line %d", first)})
				continue
			}
			seen[rep.ID] = rec.line
		}
		if len(ferrs) == 0 {
			reports = append(reports, Record{Report: rep, Line: rec.line})
		}
	}
	if len(errs) > 0 {
		sortErrors(errs)
		return nil, errs
	}
	return reports, nil
}

// sortErrors orders errors by line, keeping the order within a line.
func sortErrors(errs ParseErrors) {
	slices.SortStableFunc(errs, func(a, b *models.FieldError) int { return cmp.Compare(a.Line, b.Line) })
}

func firstInvalidUTF8Line(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return line
}

// lineAt returns the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}
