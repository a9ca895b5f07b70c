package models

import (
	"errors"
	"fmt"
)

// Error kinds. Callers test them with errors.Is; adapters translate their
// own errors into these at the boundary.
var (
	// ErrNotFound means the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the request contradicts what is already stored,
	// such as a report id re-imported with other content.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input is malformed or breaks a rule.
	ErrInvalid = errors.New("invalid")
	// ErrTransient means the outcome is unknown or temporarily impossible;
	// the same request may be retried.
	ErrTransient = errors.New("transient")
)

// TransitionError reports an award state change the transition table does
// not allow. It matches ErrInvalid with errors.Is.
type TransitionError struct {
	AwardID string
	From    AwardState
	To      AwardState
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("award %s: illegal transition %s -> %s", e.AwardID, e.From, e.To)
}

// Is makes a TransitionError match ErrInvalid.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalid }

// FieldError names one bad field of one input record.
type FieldError struct {
	File   string // file name, or "-" for standard input
	Line   int    // 1-based line (or CSV record line) of the record
	Record string // the record's id when known
	Field  string // dotted field name, e.g. "researcher.country"
	Reason string
}

func (e *FieldError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Record != "" {
		loc += " (" + e.Record + ")"
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", loc, e.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Reason)
}

// Is makes a FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }
