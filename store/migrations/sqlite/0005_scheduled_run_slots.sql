-- scheduled run slots
CREATE TABLE run_slots (
  job TEXT NOT NULL,
  slot TEXT NOT NULL,
  owner TEXT NOT NULL,
  claimed_at DATETIME NOT NULL,
  finished_at DATETIME,
  outcome TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (job, slot)
)
