-- payout attempt lease and poll time, webhook events
ALTER TABLE payout_attempts ADD COLUMN lease_until TIMESTAMPTZ;
--
ALTER TABLE payout_attempts ADD COLUMN last_polled_at TIMESTAMPTZ;
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
  create_time TIMESTAMPTZ,
  received_at TIMESTAMPTZ NOT NULL,
  processed_at TIMESTAMPTZ,
  outcome TEXT NOT NULL DEFAULT '',
  deliveries INTEGER NOT NULL DEFAULT 1
)
