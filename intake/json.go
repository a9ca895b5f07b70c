package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/plex/bountypay/models"
)

// readJSONL reads one JSON object per line; blank lines are skipped.
func readJSONL(file string, data []byte) ([]rawRecord, ParseErrors) {
	var recs []rawRecord
	var errs ParseErrors
	for i, line := range bytes.Split(data, []byte{'\n'}) {
		lineNo := i + 1
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			errs = append(errs, &models.FieldError{File: file, Line: lineNo, Reason: "invalid JSON: " + jsonReason(err)})
			continue
		}
		if _, err := dec.Token(); err != io.EOF {
			errs = append(errs, &models.FieldError{File: file, Line: lineNo, Reason: "more than one JSON value on the line (JSON Lines needs one object per line)"})
			continue
		}
		recs = append(recs, newJSONRecord(file, lineNo, raw))
	}
	return recs, errs
}

// readJSONArray reads a JSON array of objects. A syntax error ends the
// reading: the rest of the input cannot be interpreted.
func readJSONArray(file string, data []byte) ([]rawRecord, ParseErrors) {
	var recs []rawRecord
	var errs ParseErrors
	fatal := func(err error, off int64) ([]rawRecord, ParseErrors) {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		return recs, append(errs, &models.FieldError{File: file, Line: lineAt(data, off), Reason: "invalid JSON: " + jsonReason(err)})
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return fatal(err, dec.InputOffset())
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fatal(fmt.Errorf("want a JSON array"), 0)
	}
	for dec.More() {
		start := skipSeparators(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fatal(err, start)
		}
		recs = append(recs, newJSONRecord(file, lineAt(data, start), raw))
	}
	if _, err := dec.Token(); err != nil {
		return fatal(err, dec.InputOffset())
	}
	if _, err := dec.Token(); err != io.EOF {
		return fatal(fmt.Errorf("data after the closing ]"), dec.InputOffset())
	}
	return recs, errs
}

// skipSeparators returns the offset of the next byte that is neither
// white space nor a comma.
func skipSeparators(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
		off++
	}
	return off
}

// jsonReason renders a decoding error without the package's prefix.
func jsonReason(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

func newJSONRecord(file string, line int, raw json.RawMessage) rawRecord {
	rec := rawRecord{line: line, vals: map[string]string{}}
	if len(raw) == 0 || raw[0] != '{' {
		rec.fail(file, "", "a record must be a JSON object")
		rec.broken = true
		return rec
	}
	rec.flatten(file, raw, "")
	return rec
}

func (rec *rawRecord) fail(file, field, format string, args ...any) {
	rec.errs = append(rec.errs, &models.FieldError{File: file, Line: rec.line, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// flatten reads the JSON object raw, whose path is prefix, into rec.vals.
func (rec *rawRecord) flatten(file string, raw json.RawMessage, prefix string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // the opening brace, checked by the caller
		rec.fail(file, prefix, "invalid JSON: %s", jsonReason(err))
		return
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			rec.fail(file, prefix, "invalid JSON: %s", jsonReason(err))
			return
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			rec.fail(file, prefix, "invalid JSON: %s", jsonReason(err))
			return
		}
		name := key
		if prefix != "" {
			name = prefix + "." + key
		}
		if key == "" || strings.Contains(key, ".") {
			// Dotted names are CSV columns; JSON nests objects.
			rec.fail(file, name, "unknown field (JSON nests objects: write {\"researcher\": {\"name\": ...}})")
			continue
		}
		if seen[key] {
			rec.fail(file, name, "appears more than once")
			continue
		}
		seen[key] = true
		rec.leaf(file, name, val)
	}
}

// leaf stores one JSON value at dotted path name, checking its type.
func (rec *rawRecord) leaf(file, name string, val json.RawMessage) {
	if string(val) == "null" {
		return // absent
	}
	if isObject(name) {
		if val[0] != '{' {
			rec.fail(file, name, "must be a JSON object")
			return
		}
		if name == "reward" {
			rec.rewardSet = true
		}
		rec.flatten(file, val, name)
		return
	}
	spec, ok := lookupField(name)
	if !ok {
		rec.fail(file, name, "unknown field")
		return
	}
	switch spec.kind {
	case kindString:
		if val[0] != '"' {
			if name == "reward.money.amount" && (val[0] == '-' || isDigit(val[0])) {
				rec.fail(file, name, "must be a decimal string in quotes, e.g. \"1500.00\": JSON numbers are not accepted for money")
				return
			}
			rec.fail(file, name, "must be a JSON string")
			return
		}
		var s string
		if err := json.Unmarshal(val, &s); err != nil {
			rec.fail(file, name, "invalid JSON string: %s", jsonReason(err))
			return
		}
		rec.vals[name] = strings.TrimSpace(s)
	case kindBool:
		switch string(val) {
		case "true", "false":
			rec.vals[name] = string(val)
		default:
			rec.fail(file, name, "must be true or false (a JSON boolean, without quotes)")
		}
	}
}
