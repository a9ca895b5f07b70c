-- scheduled run slots
CREATE TABLE run_slots (
  job TEXT NOT NULL,
  slot TEXT NOT NULL,
  owner TEXT NOT NULL,
  claimed_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  outcome TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (job, slot)
)
