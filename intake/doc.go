// Package intake parses the approved-report files triage hands over
// (`bountypay import FILE|-`) into models.Report values.
//
// Three formats carry the same fields:
//
//   - JSON Lines: one JSON object per line (blank lines are skipped);
//   - a JSON array of objects;
//   - CSV with a header row naming the columns; nested fields are flattened
//     with dots (researcher.name, reward.money.amount,
//     reward.money.currency, reward.plex_pass, reward.other).
//
// Parse detects the format from the content (the first non-space byte "["
// means a JSON array, "{" JSON Lines, anything else CSV) unless
// Options.Format forces one.
//
// A file is validated whole: every bad field of every record is collected
// as a *models.FieldError (file, line, record id, dotted field, reason) and
// returned together as ParseErrors, and no report is returned when any
// record is bad. Unknown fields are errors, money amounts are decimal
// strings parsed with models.ParseMoney (never floats), and duplicate ids
// within one file are errors.
//
// ContentHash gives a canonical hash of a report, so the store can tell an
// identical re-import (a no-op) from the same id with other content (a
// conflict).
package intake
