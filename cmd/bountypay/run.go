package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"strings"

	"github.com/plex/bountypay/store"
)

// run is the whole program: main only calls it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	a := &app{cfg: newConfig(getenv), stdin: stdin, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	defer a.close()
	root := &command{summary: "reward payout and compliance worker of the Plex security bug-bounty program", subs: commands()}
	err := a.exec(ctx, root, "", args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// exitError carries an exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitCode is the exit status for err: 0 for none (and help), 2 for usage
// errors and malformed settings, 1 for other errors.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 1
}

// oneLine is the first line of err's message.
func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " (…)"
	}
	return s
}

// app holds what every command shares.
type app struct {
	cfg    *config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	st     *store.Store
	cmd    *command // the leaf running, set by exec
	path   string   // its name, "ledger verify"
}

// setLogger sets up logging from the settings.
func (a *app) setLogger() {
	hopts := &slog.HandlerOptions{Level: a.cfg.logLevel}
	if a.cfg.logJSON {
		a.log = slog.New(slog.NewJSONHandler(a.stderr, hopts))
	} else {
		a.log = slog.New(slog.NewTextHandler(a.stderr, hopts))
	}
}

// store opens the database once.
func (a *app) store(ctx context.Context) (*store.Store, error) {
	if a.st != nil {
		return a.st, nil
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: a.cfg.databaseURL, DataDir: a.cfg.dataDir, Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.st = st
	return st, nil
}

func (a *app) close() {
	if a.st != nil {
		_ = a.st.Close()
	}
}
