package store

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"gorm.io/gorm"
)

// migration is one versioned schema change. Applied versions are recorded
// in schema_migrations; a database is upgraded in place by applying the
// missing ones in order, each in its own transaction. Never edit a released
// migration: add a new one.
type migration struct {
	version int
	name    string
	sql     string // statements separated by ";\n--\n"
}

// The dialect placeholders in migration SQL.
var dialectTypes = map[Dialect]map[string]string{
	Postgres: {"{{ts}}": "TIMESTAMPTZ", "{{blob}}": "BYTEA", "{{serial}}": "BIGSERIAL PRIMARY KEY", "{{real}}": "DOUBLE PRECISION"},
	SQLite:   {"{{ts}}": "DATETIME", "{{blob}}": "BLOB", "{{serial}}": "INTEGER PRIMARY KEY AUTOINCREMENT", "{{real}}": "REAL"},
}

var migrations = []migration{
	{1, "core tables", `
CREATE TABLE researchers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  country TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  city TEXT NOT NULL DEFAULT '',
  postal_code TEXT NOT NULL DEFAULT '',
  paypal_receiver TEXT NOT NULL DEFAULT '',
  plex_account TEXT NOT NULL DEFAULT '',
  date_of_birth TEXT NOT NULL DEFAULT '',
  updated_at {{ts}} NOT NULL
);
--
CREATE TABLE reports (
  id TEXT PRIMARY KEY,
  content_hash TEXT NOT NULL,
  researcher_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  category TEXT NOT NULL,
  severity TEXT NOT NULL,
  imported_at {{ts}} NOT NULL,
  imported_by TEXT NOT NULL DEFAULT '',
  source_file TEXT NOT NULL DEFAULT '',
  decision TEXT NOT NULL DEFAULT '',
  decision_reason TEXT NOT NULL DEFAULT '',
  policy_version TEXT NOT NULL DEFAULT '',
  decided_at {{ts}}
);
--
CREATE INDEX reports_undecided ON reports (decision);
--
CREATE TABLE awards (
  id TEXT PRIMARY KEY,
  report_id TEXT NOT NULL REFERENCES reports (id),
  researcher_id TEXT NOT NULL REFERENCES researchers (id),
  kind TEXT NOT NULL,
  amount_minor BIGINT NOT NULL DEFAULT 0,
  currency TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  policy_version TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 0,
  created_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL
);
--
CREATE INDEX awards_state ON awards (state);
--
CREATE INDEX awards_researcher ON awards (researcher_id);
--
CREATE TABLE payout_attempts (
  sender_batch_id TEXT PRIMARY KEY,
  award_id TEXT NOT NULL REFERENCES awards (id),
  attempt INTEGER NOT NULL,
  channel TEXT NOT NULL,
  sender_item_id TEXT NOT NULL,
  receiver TEXT NOT NULL DEFAULT '',
  amount_minor BIGINT NOT NULL DEFAULT 0,
  currency TEXT NOT NULL DEFAULT '',
  request TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  payout_batch_id TEXT NOT NULL DEFAULT '',
  payout_item_id TEXT NOT NULL DEFAULT '',
  transaction_status TEXT NOT NULL DEFAULT '',
  fee_minor BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  submissions INTEGER NOT NULL DEFAULT 0,
  created_at {{ts}} NOT NULL,
  first_submitted_at {{ts}},
  last_submitted_at {{ts}},
  updated_at {{ts}} NOT NULL,
  UNIQUE (award_id, attempt)
);
--
CREATE INDEX payout_attempts_status ON payout_attempts (status);
--
CREATE TABLE pass_codes (
  id {{serial}},
  code_hash TEXT NOT NULL UNIQUE,
  code TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  imported_at {{ts}} NOT NULL,
  award_id TEXT UNIQUE REFERENCES awards (id),
  assigned_at {{ts}}
);
--
CREATE TABLE sanctions_lists (
  id {{serial}},
  sha256 TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  loaded_at {{ts}} NOT NULL,
  published_at {{ts}},
  entries INTEGER NOT NULL,
  aliases INTEGER NOT NULL,
  addresses INTEGER NOT NULL,
  counts TEXT NOT NULL DEFAULT '{}',
  is_current BOOLEAN NOT NULL DEFAULT FALSE
);
--
CREATE TABLE sanctions_list_files (
  list_id BIGINT NOT NULL REFERENCES sanctions_lists (id),
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  content {{blob}} NOT NULL,
  PRIMARY KEY (list_id, name)
);
--
CREATE TABLE screenings (
  id {{serial}},
  award_id TEXT NOT NULL,
  researcher_id TEXT NOT NULL,
  list_sha256 TEXT NOT NULL DEFAULT '',
  decision TEXT NOT NULL,
  score {{real}} NOT NULL DEFAULT 0,
  result TEXT NOT NULL,
  screened_at {{ts}} NOT NULL
);
--
CREATE INDEX screenings_award ON screenings (award_id);
--
CREATE TABLE dispositions (
  researcher_id TEXT NOT NULL,
  source TEXT NOT NULL,
  ent_num INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  decision TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  decided_at {{ts}} NOT NULL,
  PRIMARY KEY (researcher_id, source, ent_num, content_hash)
);
--
CREATE TABLE ledger_entries (
  seq BIGINT PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  input_hash TEXT NOT NULL,
  kind TEXT NOT NULL,
  award_id TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL,
  effective_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  postings TEXT NOT NULL DEFAULT '[]',
  data TEXT NOT NULL DEFAULT '{}',
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
--
CREATE INDEX ledger_entries_award ON ledger_entries (award_id)`},
	{2, "ledger append-only triggers", ""}, // dialect-specific, see appendOnlySQL
	{3, "payout attempt lease and poll time, webhook events", `
ALTER TABLE payout_attempts ADD COLUMN lease_until {{ts}};
--
ALTER TABLE payout_attempts ADD COLUMN last_polled_at {{ts}};
--
CREATE INDEX payout_attempts_batch ON payout_attempts (payout_batch_id);
--
CREATE INDEX payout_attempts_item ON payout_attempts (payout_item_id);
--
CREATE TABLE webhook_events (
  event_id TEXT PRIMARY KEY,
  event_type TEXT NOT NULL,
  resource_id TEXT NOT NULL DEFAULT '',
  sender_batch_id TEXT NOT NULL DEFAULT '',
  transmission_id TEXT NOT NULL DEFAULT '',
  create_time {{ts}},
  received_at {{ts}} NOT NULL,
  processed_at {{ts}},
  outcome TEXT NOT NULL DEFAULT '',
  deliveries INTEGER NOT NULL DEFAULT 1
)`},
	{4, "ledger heads, sealed periods, tax forms", ""}, // dialect-specific, see financeSQL in ledger_schema.go
	{5, "scheduled run slots", `
CREATE TABLE run_slots (
  job TEXT NOT NULL,
  slot TEXT NOT NULL,
  owner TEXT NOT NULL,
  claimed_at {{ts}} NOT NULL,
  finished_at {{ts}},
  outcome TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (job, slot)
)`},
	{6, "payee versions, bound decisions, identities", `
CREATE TABLE payee_versions (
  researcher_id TEXT NOT NULL REFERENCES researchers (id),
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  country TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  city TEXT NOT NULL DEFAULT '',
  postal_code TEXT NOT NULL DEFAULT '',
  paypal_receiver TEXT NOT NULL DEFAULT '',
  plex_account TEXT NOT NULL DEFAULT '',
  date_of_birth TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL,
  identity_hash TEXT NOT NULL,
  receiver_norm TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  changed TEXT NOT NULL DEFAULT '',
  needs_roles TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  created_at {{ts}} NOT NULL,
  decided_by TEXT NOT NULL DEFAULT '',
  decided_at {{ts}},
  PRIMARY KEY (researcher_id, version)
);
--
CREATE INDEX payee_versions_receiver ON payee_versions (receiver_norm);
--
CREATE INDEX payee_versions_identity ON payee_versions (identity_hash);
--
INSERT INTO payee_versions (researcher_id, version, name, email, country, region, city, postal_code,
  paypal_receiver, plex_account, date_of_birth, hash, identity_hash, receiver_norm, status, created_by, source, created_at)
SELECT id, 1, name, email, country, region, city, postal_code, paypal_receiver, plex_account, date_of_birth,
  '', '', LOWER(TRIM(paypal_receiver)), 'active', 'migration', 'researcher row before payee versions', updated_at FROM researchers;
--
ALTER TABLE researchers ADD COLUMN payee_version INTEGER NOT NULL DEFAULT 1;
--
ALTER TABLE reports ADD COLUMN payee_version INTEGER NOT NULL DEFAULT 1;
--
ALTER TABLE awards ADD COLUMN payee_version INTEGER NOT NULL DEFAULT 1;
--
ALTER TABLE awards ADD COLUMN above_policy BOOLEAN NOT NULL DEFAULT FALSE;
--
ALTER TABLE screenings ADD COLUMN payee_version INTEGER NOT NULL DEFAULT 0;
--
ALTER TABLE screenings ADD COLUMN rules_version TEXT NOT NULL DEFAULT '';
--
ALTER TABLE screenings ADD COLUMN advisory BOOLEAN NOT NULL DEFAULT FALSE;
--
ALTER TABLE payout_attempts ADD COLUMN payee_version INTEGER NOT NULL DEFAULT 0;
--
CREATE TABLE review_decisions (
  researcher_id TEXT NOT NULL,
  identity_hash TEXT NOT NULL,
  source TEXT NOT NULL,
  ent_num INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  decision TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  decided_at {{ts}} NOT NULL,
  PRIMARY KEY (researcher_id, identity_hash, source, ent_num, content_hash)
);
--
INSERT INTO review_decisions (researcher_id, identity_hash, source, ent_num, content_hash, decision, decided_by, reason, decided_at)
SELECT researcher_id, 'before-payee-versions', source, ent_num, content_hash, decision, decided_by, reason, decided_at FROM dispositions;
--
DROP TABLE dispositions;
--
CREATE TABLE identities (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  roles TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at {{ts}} NOT NULL,
  disabled_at {{ts}}
)`},
}

// appendOnlySQL makes ledger_entries reject UPDATE and DELETE.
var appendOnlySQL = map[Dialect]string{
	SQLite: `
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
--
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END`,
	Postgres: `
CREATE FUNCTION bountypay_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'ledger_entries is append-only'; END $$;
--
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION bountypay_ledger_append_only();
--
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
FOR EACH STATEMENT EXECUTE FUNCTION bountypay_ledger_append_only()`,
}

// schemaVersion is the newest migration version this build knows.
func schemaVersion() int { return migrations[len(migrations)-1].version }

func (s *Store) migrate(ctx context.Context) error {
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
			return s.applyMigrations(tx)
		})
	}
	return s.applyMigrations(db)
}

func (s *Store) applyMigrations(db *gorm.DB) error {
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
		if done[m.version] {
			continue
		}
		body := m.sql
		if m.version == 2 {
			body = appendOnlySQL[s.dialect]
		}
		if m.version == 4 {
			body = financeSQL[s.dialect]
		}
		for k, v := range dialectTypes[s.dialect] {
			body = strings.ReplaceAll(body, k, v)
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			for _, stmt := range strings.Split(body, "\n--\n") {
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
