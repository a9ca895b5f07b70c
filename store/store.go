// Package store is bountypay's persistence and the only user of GORM:
// PostgreSQL in production, an embedded SQLite file by default. It runs the
// versioned schema migrations, serialises ledger appends, and gives the
// rest of the program transactions in which every award state change and
// its ledger entry commit together.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/plex/bountypay/models"
)

// Dialect names the database engine.
type Dialect string

// The supported engines.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Config says which database to open.
type Config struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or
	// postgresql://. Empty means SQLite in DataDir.
	DatabaseURL string
	// DataDir holds the SQLite file bountypay.db (default ./bountypay-data).
	DataDir string
	Logger  *slog.Logger
	// NowFunc is the clock (default time.Now).
	NowFunc func() time.Time
}

// DefaultDataDir is the data directory when none is configured.
const DefaultDataDir = "./bountypay-data"

// Store is an open database.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	log     *slog.Logger
	now     func() time.Time
	// Where describes the database without secrets, for messages.
	Where string
}

// Open connects, applies pending migrations and returns the store.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.NowFunc
	if now == nil {
		now = time.Now
	}
	gcfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return now().UTC() },
	}
	s := &Store{log: log, now: func() time.Time { return now().UTC() }}
	switch {
	case strings.HasPrefix(cfg.DatabaseURL, "postgres://"), strings.HasPrefix(cfg.DatabaseURL, "postgresql://"):
		db, err := gorm.Open(postgres.Open(cfg.DatabaseURL), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.db, s.dialect, s.Where = db, Postgres, "postgres "+redactURL(cfg.DatabaseURL)
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetConnMaxIdleTime(time.Minute)
	case cfg.DatabaseURL == "":
		dir := cfg.DataDir
		if dir == "" {
			dir = DefaultDataDir
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		path := filepath.Join(dir, "bountypay.db")
		dsn := "file:" + path + "?_txlock=immediate&_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		db, err := gorm.Open(sqlite.Open(dsn), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		s.db, s.dialect, s.Where = db, SQLite, "sqlite "+path
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		// One connection: SQLite has one writer, and a single connection
		// makes every transaction in this process run one after another.
		sqlDB.SetMaxOpenConns(1)
	default:
		return nil, fmt.Errorf("DATABASE_URL %q: want postgres://…: %w", redactURL(cfg.DatabaseURL), models.ErrInvalid)
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.backfillPayeeHashes(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Dialect reports the engine.
func (s *Store) Dialect() Dialect { return s.dialect }

// Now is the store's clock, in UTC.
func (s *Store) Now() time.Time { return s.now() }

// Close closes the database.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Tx is one database transaction.
type Tx struct {
	db *gorm.DB
	s  *Store
}

// InTx runs fn in a transaction, committing when it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		return fn(&Tx{db: db, s: s})
	})
}

// Now is the store's clock.
func (tx *Tx) Now() time.Time { return tx.s.now() }

// Dialect reports the engine.
func (tx *Tx) Dialect() Dialect { return tx.s.dialect }

// translate turns GORM errors into models error kinds.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", what, models.ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: %w", what, models.ErrConflict)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			cred := rest[:at]
			if c := strings.Index(cred, ":"); c >= 0 {
				cred = cred[:c] + ":***"
			}
			return u[:i+3] + cred + "@" + rest[at+1:]
		}
	}
	return u
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
