-- payout attempt lease and poll time, webhook events
ALTER TABLE payout_attempts ADD COLUMN lease_until DATETIME;
--
ALTER TABLE payout_attempts ADD COLUMN last_polled_at DATETIME;
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
  create_time DATETIME,
  received_at DATETIME NOT NULL,
  processed_at DATETIME,
  outcome TEXT NOT NULL DEFAULT '',
  deliveries INTEGER NOT NULL DEFAULT 1
)
