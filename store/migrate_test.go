package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// TestMigrateUpgradesInPlace builds a database at schema version 1 with
// data in it, then opens it with this build: the missing migrations apply
// and the data survives.
func TestMigrateUpgradesInPlace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bountypay.db")
	db, err := gorm.Open(sqlite.Open("file:"+path), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{db: db, dialect: SQLite, log: nil, now: func() time.Time { return time.Now().UTC() }}
	old.log = discardLogger()
	if err = old.migrateTo(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`INSERT INTO researchers (id, name, updated_at) VALUES ('r1', 'Ada', ?)`, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	sqlDB.Close()

	s, err := Open(context.Background(), Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var versions []int
	s.db.Raw(`SELECT version FROM schema_migrations ORDER BY version`).Scan(&versions)
	if len(versions) != schemaVersion() || versions[len(versions)-1] != schemaVersion() {
		t.Fatalf("versions after upgrade: %v", versions)
	}
	r, err := s.Researcher(context.Background(), "r1")
	if err != nil || r.Name != "Ada" {
		t.Fatalf("data lost in upgrade: %+v %v", r, err)
	}
	// Opening again applies nothing and keeps working.
	s2, err := Open(context.Background(), Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	_ = os.Remove(path)
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 'x')`, schemaVersion()+100)
	s.Close()
	if _, err := Open(context.Background(), Config{DataDir: dir}); err == nil {
		t.Fatal("a database from a newer build must be refused")
	}
}

// Both engines have the same migrations, by version and name.
func TestMigrationsPerEngineAgree(t *testing.T) {
	lite, err := migrationsFor(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := migrationsFor(Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(pg) || len(lite) != schemaVersion() || len(lite) < 6 {
		t.Fatalf("%d sqlite and %d postgres migrations, schema version %d", len(lite), len(pg), schemaVersion())
	}
	for i := range lite {
		if lite[i].version != pg[i].version || lite[i].name != pg[i].name || strings.TrimSpace(lite[i].sql) == "" {
			t.Errorf("migration %d: sqlite %q, postgres %q", i+1, lite[i].name, pg[i].name)
		}
	}
}
