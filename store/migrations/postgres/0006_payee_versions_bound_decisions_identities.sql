-- payee versions, bound decisions, identities
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
  created_at TIMESTAMPTZ NOT NULL,
  decided_by TEXT NOT NULL DEFAULT '',
  decided_at TIMESTAMPTZ,
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
  decided_at TIMESTAMPTZ NOT NULL,
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
  created_at TIMESTAMPTZ NOT NULL,
  disabled_at TIMESTAMPTZ
)
