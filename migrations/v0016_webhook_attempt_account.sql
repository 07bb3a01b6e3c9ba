-- v0016_webhook_attempt_account: each delivery attempt carries its event's account, as every
-- other account-owned row does (and as the PostgreSQL store's `webhook_attempt` does), so that
-- both stores log an attempt with the same statement. Attempts logged before are given theirs.
ALTER TABLE webhook_attempt ADD COLUMN account_id INTEGER REFERENCES account(id);
UPDATE webhook_attempt SET account_id = (SELECT e.account_id FROM event e WHERE e.seq = webhook_attempt.event_seq);
