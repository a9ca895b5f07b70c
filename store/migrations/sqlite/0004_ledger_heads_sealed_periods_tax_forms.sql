-- ledger heads, sealed periods, tax forms
-- The ledger head anchor, the
-- database's own check of the chain link and of sealed periods, and the
-- tax_forms table. The SQL differs per engine.
-- 
-- ledger_heads holds one row: the sequence and hash of the newest entry and
-- the end of the last sealed period. A trigger on ledger_entries keeps it in
-- step with every insert, in the same transaction, so deleting the newest
-- entries (which a hash chain alone cannot reveal) leaves the anchor ahead
-- of the chain, and verify names the missing entries. The row may only move
-- forward. Another trigger refuses an entry that does not follow the head
-- (wrong seq or prev_hash) or that is effective inside a sealed period.
-- 
-- On PostgreSQL, UPDATE, DELETE and TRUNCATE on both tables are revoked
-- from PUBLIC; the head trigger runs as its owner (SECURITY DEFINER) so an
-- application role needs only SELECT and INSERT on the ledger tables (see
-- the README, Finance, Protection, for the role set-up).
CREATE TABLE ledger_heads (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  sealed_through TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL DEFAULT ''
);
--
INSERT INTO ledger_heads (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
--
UPDATE ledger_heads SET
  seq = (SELECT seq FROM ledger_entries ORDER BY seq DESC LIMIT 1),
  hash = (SELECT hash FROM ledger_entries ORDER BY seq DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM ledger_entries);
--
CREATE TRIGGER ledger_entries_follow_head BEFORE INSERT ON ledger_entries
BEGIN
  SELECT RAISE(ABORT, 'ledger chain: entry does not follow the head (seq or prev_hash)')
  WHERE NEW.seq <> (SELECT seq FROM ledger_heads WHERE id = 1) + 1
     OR NEW.prev_hash <> (SELECT hash FROM ledger_heads WHERE id = 1);
  SELECT RAISE(ABORT, 'ledger: effective_at inside a sealed period')
  WHERE NEW.kind <> 'seal' AND NEW.effective_at < (SELECT sealed_through FROM ledger_heads WHERE id = 1);
END;
--
CREATE TRIGGER ledger_entries_move_head AFTER INSERT ON ledger_entries
BEGIN
  UPDATE ledger_heads SET seq = NEW.seq, hash = NEW.hash, updated_at = NEW.recorded_at,
    sealed_through = CASE WHEN NEW.kind = 'seal' THEN NEW.effective_at ELSE sealed_through END
  WHERE id = 1;
END;
--
CREATE TRIGGER ledger_heads_forward BEFORE UPDATE ON ledger_heads
BEGIN
  SELECT RAISE(ABORT, 'ledger_heads only moves forward')
  WHERE NEW.seq < OLD.seq OR NEW.sealed_through < OLD.sealed_through OR NEW.id <> OLD.id;
END;
--
CREATE TRIGGER ledger_heads_no_delete BEFORE DELETE ON ledger_heads
BEGIN SELECT RAISE(ABORT, 'ledger_heads is append-only'); END;
--
CREATE INDEX ledger_entries_effective ON ledger_entries (effective_at);
--
CREATE INDEX ledger_entries_kind ON ledger_entries (kind);
--
CREATE TABLE tax_forms (
  researcher_id TEXT PRIMARY KEY,
  form TEXT NOT NULL,
  status TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  updated_at DATETIME NOT NULL
)
