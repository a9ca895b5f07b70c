package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"strconv"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// The schema migrations are SQL files per engine, embedded:
// migrations/<engine>/NNNN_<name>.sql. The first line is "-- " and the
// migration's name; statements are separated by a line holding only
// "--". Applied versions are recorded in schema_migrations; a database is
// upgraded in place by applying the missing ones in order, each in its own
// transaction. Never edit a released migration: add a new file (to both
// engines, with the same version).
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migration is one versioned schema change.
type migration struct {
	version int
	name    string
	sql     string // statements separated by "\n--\n"
}

var (
	loadOnce   sync.Once
	loaded     map[Dialect][]migration
	loadFailed error
)

// migrationsFor returns the engine's migrations in version order.
func migrationsFor(d Dialect) ([]migration, error) {
	loadOnce.Do(func() {
		loaded = map[Dialect][]migration{}
		for _, dd := range []Dialect{SQLite, Postgres} {
			ms, err := readMigrations(dd)
			if err != nil {
				loadFailed = err
				return
			}
			loaded[dd] = ms
		}
		if len(loaded[SQLite]) != len(loaded[Postgres]) {
			loadFailed = fmt.Errorf("migrations: %d for sqlite, %d for postgres", len(loaded[SQLite]), len(loaded[Postgres]))
		}
	})
	return loaded[d], loadFailed
}

func readMigrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", string(d))
	names, err := fs.Glob(migrationFiles, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for i, name := range names { // fs.Glob sorts
		base := path.Base(name)
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || n != i+1 {
			return nil, fmt.Errorf("migration %s: want version %04d", name, i+1)
		}
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		first, body, _ := strings.Cut(string(b), "\n")
		if !strings.HasPrefix(first, "-- ") {
			return nil, fmt.Errorf("migration %s: the first line must be \"-- NAME\"", name)
		}
		out = append(out, migration{version: n, name: strings.TrimPrefix(first, "-- "), sql: body})
	}
	return out, nil
}

// schemaVersion is the newest migration version this build knows.
func schemaVersion() int {
	ms, _ := migrationsFor(SQLite)
	return len(ms)
}

func (s *Store) migrate(ctx context.Context) error { return s.migrateTo(ctx, schemaVersion()) }

// migrateTo applies the missing migrations up to version upTo.
func (s *Store) migrateTo(ctx context.Context, upTo int) error {
	db := s.db.WithContext(ctx)
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
  version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`).Error; err != nil {
		return fmt.Errorf("migrate: schema_migrations: %w", err)
	}
	if s.dialect == Postgres {
		// Serialise concurrent migrators (several workers starting at once).
		return db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(7363001)`).Error; err != nil {
				return err
			}
			return s.applyMigrations(tx, upTo)
		})
	}
	return s.applyMigrations(db, upTo)
}

func (s *Store) applyMigrations(db *gorm.DB, upTo int) error {
	migrations, err := migrationsFor(s.dialect)
	if err != nil {
		return err
	}
	var applied []int
	if err := db.Raw(`SELECT version FROM schema_migrations ORDER BY version`).Scan(&applied).Error; err != nil {
		return fmt.Errorf("migrate: read versions: %w", err)
	}
	done := map[int]bool{}
	for _, v := range applied {
		done[v] = true
	}
	for _, v := range applied {
		if v > schemaVersion() {
			return fmt.Errorf("migrate: database is at schema version %d, newer than this build (%d): upgrade bountypay", v, schemaVersion())
		}
	}
	for _, m := range migrations {
		if done[m.version] || m.version > upTo {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			for _, stmt := range strings.Split(m.sql, "\n--\n") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("%s: %w", firstLine(stmt), err)
				}
			}
			return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, s.now().Format("2006-01-02T15:04:05Z")).Error
		})
		if err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", m.version, m.name, err)
		}
		s.log.Info("schema migrated", slog.Int("version", m.version), slog.String("name", m.name))
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
