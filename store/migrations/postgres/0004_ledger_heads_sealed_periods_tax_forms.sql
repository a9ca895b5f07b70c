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
  sealed_through TEXT COLLATE "C" NOT NULL DEFAULT '',
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
CREATE FUNCTION bountypay_ledger_follow_head() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE h ledger_heads%ROWTYPE;
BEGIN
  SELECT * INTO h FROM ledger_heads WHERE id = 1;
  IF NEW.seq <> h.seq + 1 OR NEW.prev_hash <> h.hash THEN
    RAISE EXCEPTION 'ledger chain: entry % does not follow the head (entry %)', NEW.seq, h.seq;
  END IF;
  IF NEW.kind <> 'seal' AND (NEW.effective_at COLLATE "C") < h.sealed_through THEN
    RAISE EXCEPTION 'ledger: entry % effective_at % inside a sealed period (sealed through %)', NEW.seq, NEW.effective_at, h.sealed_through;
  END IF;
  RETURN NEW;
END $$;
--
CREATE TRIGGER ledger_entries_follow_head BEFORE INSERT ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION bountypay_ledger_follow_head();
--
CREATE FUNCTION bountypay_ledger_move_head() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE ledger_heads SET seq = NEW.seq, hash = NEW.hash, updated_at = NEW.recorded_at,
    sealed_through = CASE WHEN NEW.kind = 'seal' THEN NEW.effective_at ELSE sealed_through END
  WHERE id = 1;
  RETURN NULL;
END $$;
--
CREATE TRIGGER ledger_entries_move_head AFTER INSERT ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION bountypay_ledger_move_head();
--
CREATE FUNCTION bountypay_ledger_heads_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'ledger_heads is append-only';
  END IF;
  IF NEW.seq < OLD.seq OR NEW.sealed_through < OLD.sealed_through OR NEW.id <> OLD.id THEN
    RAISE EXCEPTION 'ledger_heads only moves forward';
  END IF;
  RETURN NEW;
END $$;
--
CREATE TRIGGER ledger_heads_forward BEFORE UPDATE OR DELETE ON ledger_heads
FOR EACH ROW EXECUTE FUNCTION bountypay_ledger_heads_forward();
--
CREATE TRIGGER ledger_heads_no_truncate BEFORE TRUNCATE ON ledger_heads
FOR EACH STATEMENT EXECUTE FUNCTION bountypay_ledger_append_only();
--
REVOKE UPDATE, DELETE, TRUNCATE ON ledger_entries, ledger_heads FROM PUBLIC;
--
CREATE INDEX ledger_entries_effective ON ledger_entries (effective_at COLLATE "C");
--
CREATE INDEX ledger_entries_kind ON ledger_entries (kind);
--
CREATE TABLE tax_forms (
  researcher_id TEXT PRIMARY KEY,
  form TEXT NOT NULL,
  status TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  updated_at TIMESTAMPTZ NOT NULL
)
