// Package dbtest is the one harness for tests that run on both database
// engines: the embedded SQLite and a real PostgreSQL (a throwaway server
// from internal/pgtest, or TEST_DATABASE_URL). Each test gets a fresh
// database of its own.
package dbtest

import (
	"context"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/pgtest"
	"github.com/plex/bountypay/store"
)

// Engine names a database engine.
type Engine string

// The engines every store-backed test runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Engines lists both engines, SQLite first.
func Engines() []Engine { return []Engine{SQLite, Postgres} }

// Each runs fn once per engine, each in a parallel subtest named after the
// engine.
func Each(t *testing.T, fn func(t *testing.T, e Engine)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, e)
		})
	}
}

// EachInTurn is Each without parallel subtests, for tests that share
// process state (the CLI's end-to-end tests).
func EachInTurn(t *testing.T, fn func(t *testing.T, e Engine)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) { fn(t, e) })
	}
}

// Config returns the store configuration of a fresh database on e: a new
// SQLite data directory, or a new PostgreSQL database (dropped when the
// test ends).
func Config(tb testing.TB, e Engine) store.Config {
	tb.Helper()
	if e == Postgres {
		return store.Config{DatabaseURL: pgtest.URL(tb), DataDir: tb.TempDir()}
	}
	return store.Config{DataDir: tb.TempDir()}
}

// Options tune Open.
type Options struct {
	// NowFunc is the store's clock (default time.Now).
	NowFunc func() time.Time
}

// Open opens a fresh, migrated store on e, closed when the test ends.
func Open(tb testing.TB, e Engine, o Options) *store.Store {
	tb.Helper()
	cfg := Config(tb, e)
	cfg.NowFunc = o.NowFunc
	return OpenConfig(tb, cfg)
}

// OpenConfig opens a store with cfg, closed when the test ends.
func OpenConfig(tb testing.TB, cfg store.Config) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}
