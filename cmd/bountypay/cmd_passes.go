package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/plex/bountypay/models"
)

func passesImport(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	by := a.byFlag(fs, "`name` of the person importing")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &exitError{2, errors.New("passes import needs one FILE (one gift code per line; - for standard input)")}
	}
	var r io.Reader = a.stdin
	if fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("passes import: %w", err)
		}
		defer f.Close()
		r = f
	}
	codes, err := readCodes(fs.Arg(0), r)
	if err != nil {
		return err
	}
	st, err := a.authorized(ctx, *by, models.ActPasses)
	if err != nil {
		return err
	}
	res, err := st.ImportPassCodes(ctx, fs.Arg(0), codes, *by)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "imported %d new Plex Pass code(s), %d already in the pool\n", res.New, res.Duplicate)
	return nil
}

func passesStatus(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	free, used, err := st.PassCodeCounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Plex Pass codes: %d free, %d granted\n", free, used)
	return nil
}

// readCodes reads one code per line; blank lines and # comments are
// skipped. A code must be 4–64 printable ASCII characters without spaces.
func readCodes(name string, r io.Reader) ([]string, error) {
	var codes []string
	var bad []error
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		c := strings.TrimSpace(sc.Text())
		if c == "" || strings.HasPrefix(c, "#") {
			continue
		}
		if len(c) < 4 || len(c) > 64 || strings.ContainsFunc(c, func(r rune) bool { return r <= ' ' || r > '~' }) {
			// Never echo the code itself.
			bad = append(bad, &models.FieldError{File: name, Line: line, Field: "code", Reason: "must be 4-64 printable ASCII characters without spaces"})
			continue
		}
		codes = append(codes, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("passes import %s: %d bad line(s), nothing imported: %w", name, len(bad), errors.Join(bad...))
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("passes import %s: no codes: %w", name, models.ErrInvalid)
	}
	return codes, nil
}
