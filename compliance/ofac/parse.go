package ofac

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseError reports a malformed row: the file, the 1-based line where the
// row starts, and why it was refused.
type ParseError struct {
	File   string
	Line   int
	Reason string
	Err    error // underlying error, if any
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("ofac: %s line %d: %s", e.File, e.Line, e.Reason)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Field counts of the OFAC layouts.
const (
	fieldsPrim     = 12
	fieldsAlt      = 5
	fieldsAdd      = 6
	fieldsComments = 2
)

// readRows parses one OFAC CSV file and calls fn for every row with its
// 1-based starting line. A single trailing 0x1A (Ctrl-Z), with or without a
// final line break, is skipped; 0x1A anywhere else is an error.
func readRows(file string, data []byte, nfields int, fn func(line int, rec []string) error) (rows int, terminated bool, err error) {
	data, terminated = trimEOF(data)
	if i := bytes.IndexByte(data, 0x1a); i >= 0 {
		line := 1 + bytes.Count(data[:i], []byte{'\n'})
		return 0, terminated, &ParseError{File: file, Line: line, Reason: "unexpected 0x1A byte before end of file"}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // checked below, with a clearer message
	r.ReuseRecord = true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, terminated, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return rows, terminated, &ParseError{File: file, Line: pe.StartLine, Reason: "bad quoting: " + pe.Err.Error(), Err: err}
			}
			return rows, terminated, &ParseError{File: file, Line: 1, Reason: err.Error(), Err: err}
		}
		line, _ := r.FieldPos(0)
		if len(rec) != nfields {
			return rows, terminated, &ParseError{File: file, Line: line,
				Reason: fmt.Sprintf("%d fields, want %d", len(rec), nfields)}
		}
		if err := fn(line, rec); err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				return rows, terminated, err
			}
			return rows, terminated, &ParseError{File: file, Line: line, Reason: err.Error(), Err: err}
		}
		rows++
	}
}

// trimEOF removes one trailing 0x1A (DOS end-of-file) and reports whether
// it was there.
func trimEOF(data []byte) ([]byte, bool) {
	if n := len(data); n > 0 && data[n-1] == 0x1a {
		return data[:n-1], true
	}
	return data, false
}

func trimAll(r []string) {
	for i := range r {
		r[i] = field(r[i])
	}
}

// field trims spaces and maps OFAC's null "-0-" to "".
func field(s string) string {
	s = strings.TrimSpace(s)
	if s == "-0-" {
		return ""
	}
	return s
}

func entNum(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad ent_num %q", s)
	}
	return n, nil
}

// ParsePrimary parses sdn.csv or cons_prim.csv content. source is
// SourceSDN or SourceCONS; file names the file in errors.
func ParsePrimary(file, source string, data []byte) ([]Entry, error) {
	var out []Entry
	seen := map[int]bool{}
	_, _, err := readRows(file, data, fieldsPrim, func(line int, r []string) error {
		remarks := r[11]
		if field(remarks) == "" {
			remarks = ""
		}
		for i := range r {
			r[i] = field(r[i])
		}
		id, err := entNum(r[0])
		if err != nil {
			return err
		}
		if seen[id] {
			return fmt.Errorf("duplicate ent_num %d", id)
		}
		seen[id] = true
		if r[1] == "" {
			return fmt.Errorf("ent_num %d has no name", id)
		}
		e := Entry{
			ID: id, Source: source, Name: r[1], Type: entryType(r[2]),
			Programs: splitPrograms(r[3]), Title: r[4],
			CallSign: r[5], VesselType: r[6], Tonnage: r[7], GRT: r[8], VesselFlag: r[9], VesselOwner: r[10],
			Remarks: remarks, // untrimmed until the spill-over is joined
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

func entryType(s string) string {
	switch strings.ToLower(s) {
	case "individual":
		return TypeIndividual
	case "vessel":
		return TypeVessel
	case "aircraft":
		return TypeAircraft
	default:
		return TypeEntity
	}
}

// splitPrograms splits "SDGT] [IFSR" into its program codes.
func splitPrograms(s string) []string {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "[]"))
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "] [")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(strings.Trim(p, "[] ")); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// AltRow is one row of alt.csv or cons_alt.csv.
type AltRow struct {
	EntID int
	Alias Alias
}

// ParseAlt parses alt.csv or cons_alt.csv content.
func ParseAlt(file string, data []byte) ([]AltRow, error) {
	var out []AltRow
	_, _, err := readRows(file, data, fieldsAlt, func(line int, r []string) error {
		trimAll(r)
		id, err := entNum(r[0])
		if err != nil {
			return err
		}
		altNum, err := strconv.Atoi(r[1])
		if err != nil {
			return fmt.Errorf("bad alt_num %q", r[1])
		}
		kind := strings.ToLower(strings.Trim(r[2], ". "))
		switch kind {
		case AliasAKA, AliasFKA, AliasNKA:
		case "":
			kind = AliasAKA
		default:
			return fmt.Errorf("unknown alt_type %q", r[2])
		}
		if r[3] == "" {
			return fmt.Errorf("alt_num %d has no name", altNum)
		}
		out = append(out, AltRow{EntID: id, Alias: Alias{ID: altNum, Name: r[3], Kind: kind, Remarks: r[4]}})
		return nil
	})
	return out, err
}

// AddRow is one row of add.csv or cons_add.csv.
type AddRow struct {
	EntID   int
	Address Address
}

// ParseAdd parses add.csv or cons_add.csv content.
func ParseAdd(file string, data []byte) ([]AddRow, error) {
	var out []AddRow
	_, _, err := readRows(file, data, fieldsAdd, func(line int, r []string) error {
		trimAll(r)
		id, err := entNum(r[0])
		if err != nil {
			return err
		}
		addNum, err := strconv.Atoi(r[1])
		if err != nil {
			return fmt.Errorf("bad add_num %q", r[1])
		}
		out = append(out, AddRow{EntID: id, Address: Address{ID: addNum, Address: r[2], CityStateZip: r[3], Country: r[4], Remarks: r[5]}})
		return nil
	})
	return out, err
}

// CommentRow is one row of sdn_comments.csv or cons_comments.csv: the
// continuation of an entry's remarks.
type CommentRow struct {
	EntID int
	Text  string
}

// ParseComments parses sdn_comments.csv or cons_comments.csv content. The
// text is kept exactly (not trimmed) because it continues mid-word.
func ParseComments(file string, data []byte) ([]CommentRow, error) {
	var out []CommentRow
	_, _, err := readRows(file, data, fieldsComments, func(line int, r []string) error {
		id, err := entNum(field(r[0]))
		if err != nil {
			return err
		}
		text := r[1]
		if field(text) == "" {
			text = ""
		}
		out = append(out, CommentRow{EntID: id, Text: text})
		return nil
	})
	return out, err
}
