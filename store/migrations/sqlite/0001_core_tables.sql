-- core tables
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
  updated_at DATETIME NOT NULL
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
  imported_at DATETIME NOT NULL,
  imported_by TEXT NOT NULL DEFAULT '',
  source_file TEXT NOT NULL DEFAULT '',
  decision TEXT NOT NULL DEFAULT '',
  decision_reason TEXT NOT NULL DEFAULT '',
  policy_version TEXT NOT NULL DEFAULT '',
  decided_at DATETIME
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
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
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
  created_at DATETIME NOT NULL,
  first_submitted_at DATETIME,
  last_submitted_at DATETIME,
  updated_at DATETIME NOT NULL,
  UNIQUE (award_id, attempt)
);
--
CREATE INDEX payout_attempts_status ON payout_attempts (status);
--
CREATE TABLE pass_codes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code_hash TEXT NOT NULL UNIQUE,
  code TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  imported_at DATETIME NOT NULL,
  award_id TEXT UNIQUE REFERENCES awards (id),
  assigned_at DATETIME
);
--
CREATE TABLE sanctions_lists (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sha256 TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  loaded_at DATETIME NOT NULL,
  published_at DATETIME,
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
  content BLOB NOT NULL,
  PRIMARY KEY (list_id, name)
);
--
CREATE TABLE screenings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  award_id TEXT NOT NULL,
  researcher_id TEXT NOT NULL,
  list_sha256 TEXT NOT NULL DEFAULT '',
  decision TEXT NOT NULL,
  score REAL NOT NULL DEFAULT 0,
  result TEXT NOT NULL,
  screened_at DATETIME NOT NULL
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
  decided_at DATETIME NOT NULL,
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
CREATE INDEX ledger_entries_award ON ledger_entries (award_id)
